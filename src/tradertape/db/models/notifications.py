"""Notifications: an outbox of events for the user (Telegram delivers them), and the link
of a user to the Telegram chat that receives them and may command their account."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tradertape.db.base import Base, Owned


class Notification(Owned, Base):
    """One event, written in the transaction of what caused it; ``delivered_at`` is set once
    a sender delivered it (undelivered rows are the outbox)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_delivered_at", "delivered_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # signals_ready | auto_place | fill | ...
    portfolio_id: Mapped[int | None]
    text: Mapped[str] = mapped_column(Text)  # the message as sent (plain text)
    payload: Mapped[dict[str, Any]]  # the machine-readable facts (ids, counts, P&L)
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(String(400))


class TelegramLink(Owned, Base):
    """A user's Telegram chat: one chat per user, one user per chat."""

    __tablename__ = "telegram_links"
    __table_args__ = (UniqueConstraint("user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    linked_at: Mapped[datetime]
