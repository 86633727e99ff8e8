"""Notifications: an outbox of events for the user (Telegram delivers them), the link of a
user to the Telegram chat that receives them and may command their account, the pending
requests to link one, and the user's notification settings (the morning briefing)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import BigInteger, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tradertape.db.base import Base, Owned


class Notification(Owned, Base):
    """One event, written in the transaction of what caused it; ``delivered_at`` is set once
    a sender delivered it (undelivered rows are the outbox)."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_delivered_at", "delivered_at"),
        Index("ix_notifications_user_unread", "user_id", "read_at"),  # the bell's count
        UniqueConstraint("user_id", "idempotency_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # signals_ready | fill | linked | ...
    portfolio_id: Mapped[int | None]
    text: Mapped[str] = mapped_column(Text)  # the message as sent (plain text)
    payload: Mapped[dict[str, Any]]  # the machine-readable facts (ids, counts, P&L)
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    read_at: Mapped[datetime | None]  # when the user marked it read in the app; None: unread
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(String(400))
    # Set for notifications that must exist once (``briefing:2026-01-05``): a second insert
    # of the same key is refused by the constraint, whichever process or restart tries it.
    idempotency_key: Mapped[str | None] = mapped_column(String(64))


class TelegramLink(Owned, Base):
    """A user's Telegram chat: one chat per user, one user per chat."""

    __tablename__ = "telegram_links"
    __table_args__ = (UniqueConstraint("user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    linked_at: Mapped[datetime]


class TelegramLinkRequest(Owned, Base):
    """A link asked for in Settings and not yet confirmed with its code: one per user.

    The bot sends the chat a one-time code when it delivers the request, and the user enters
    it on the web; only its HMAC is kept (`code_hash`), so a database read cannot confirm a
    link.
    """

    __tablename__ = "telegram_link_requests"
    __table_args__ = (UniqueConstraint("user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    code_hash: Mapped[str | None] = mapped_column(String(64))  # None until the bot sent it
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)  # sends Telegram refused
    error: Mapped[str | None] = mapped_column(String(400))


class NotificationSettings(Owned, Base):
    """A user's notification choices; no row means the defaults (no briefing)."""

    __tablename__ = "notification_settings"
    __table_args__ = (UniqueConstraint("user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    briefing_enabled: Mapped[bool] = mapped_column(default=False)
    briefing_time: Mapped[time]  # IST, before the open
    updated_at: Mapped[datetime]
