"""Alerts and inbound webhooks: a user's conditions watched on the market, what they fired,
and the signed hooks that let another service (TradingView, Chartink) place an order.

The condition and the attached order live in the row as JSON: an alert is always read and
written whole, and both are validated by their services before they are stored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tradertape.db.base import Base, Owned


class Alert(Owned, Base):
    """One alert: a DSL condition on a symbol or on each item of a watchlist."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    symbol: Mapped[str | None] = mapped_column(String(80))  # EXCH:SYMBOL, or None: a watchlist
    watchlist_id: Mapped[int | None]
    timeframe: Mapped[str] = mapped_column(String(10))  # minute | day
    condition: Mapped[dict[str, Any]]  # a strategy DSL condition
    repeat: Mapped[str] = mapped_column(String(10))  # once | every
    cooldown_secs: Mapped[int]
    order: Mapped[dict[str, Any] | None]  # the attached order's fields, or None
    order_action: Mapped[str | None] = mapped_column(String(10))  # place | confirm
    confirm_within_mins: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(10))  # active | paused | fired
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    last_fired_at: Mapped[datetime | None]
    last_evaluated_day: Mapped[str | None] = mapped_column(String(10))  # the day close's date


class AlertFire(Owned, Base):
    """One firing: the symbol and price that fired it and what became of its order."""

    __tablename__ = "alert_fires"
    __table_args__ = (Index("ix_alert_fires_alert_symbol", "alert_id", "symbol", "fired_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    symbol: Mapped[str] = mapped_column(String(80))
    price: Mapped[str] = mapped_column(String(32))  # the firing price, as a decimal string
    fired_at: Mapped[datetime]
    # none | placed | rejected | refused | awaiting | dismissed | expired; a basket also
    # failed | partial | unwound (`services.alerts.placing.place_basket`)
    order_status: Mapped[str] = mapped_column(String(12))
    order_id: Mapped[str | None] = mapped_column(String(64))
    order_message: Mapped[str | None] = mapped_column(String(400))
    legs: Mapped[list[dict[str, Any]] | None]  # a basket's legs and unwind, as sent
    expires_at: Mapped[datetime | None]  # "confirm to trade": until when it may be confirmed
    decided_at: Mapped[datetime | None]


class Webhook(Owned, Base):
    """An inbound webhook: its public id (the URL's), how senders prove themselves and the
    template that maps their bodies to an order.

    ``secret`` is the HMAC signing secret, encrypted (the server needs it to check a
    signature); ``token_digest`` the SHA-256 of a token-mode hook's header token.
    ``version`` is bumped by every change: a process that keeps the hook in memory claims a
    delivery only while the row still holds the version it read (`services.webhooks.known`).
    """

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    hook_id: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    auth: Mapped[str] = mapped_column(String(10))  # hmac | token
    secret: Mapped[str | None] = mapped_column(String(400))
    token_digest: Mapped[str | None] = mapped_column(String(64))
    allowed_ips: Mapped[list[str]]
    template: Mapped[dict[str, Any]]
    mode: Mapped[str] = mapped_column(String(10))  # paper | live
    broker: Mapped[str | None] = mapped_column(String(10))
    max_per_minute: Mapped[int]
    enabled: Mapped[bool]
    created_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=0, server_default="0")


class WebhookDelivery(Owned, Base):
    """One received request and its outcome (refusals too, once the hook is known).

    ``replay_key`` is the delivery id an accepted request claimed (`services.webhooks.receive
    .delivery_id`: a signature, or a token request's key or body digest in its window):
    unique per hook, so a retry of it places nothing and is answered with this delivery.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("webhook_id", "replay_key"),
        Index("ix_webhook_deliveries_hook_at", "webhook_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    received_at: Mapped[datetime]
    ip: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(12))  # placed | refused | rejected
    status_code: Mapped[int]
    detail: Mapped[str | None] = mapped_column(String(400))
    order_ids: Mapped[list[str]]
    replay_key: Mapped[str | None] = mapped_column(String(64))
