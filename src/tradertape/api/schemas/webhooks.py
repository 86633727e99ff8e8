"""Inbound webhook bodies and answers."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from tradertape.api.schemas.auth import Strict
from tradertape.api.schemas.times import UtcDateTime
from tradertape.domain.brokers import BrokerKey
from tradertape.domain.decimal_input import Flag

HookName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
TemplateValue = Annotated[str, StringConstraints(max_length=80)] | int | float
Template = Annotated[
    dict[str, TemplateValue],
    Field(
        max_length=8,
        description="symbol, exchange, side, quantity or amount, product, order_type, price: "
        'each a constant ("CNC") or a path of the body in double braces ("{{ticker}}")',
    ),
]
Ips = Annotated[
    list[Annotated[str, StringConstraints(max_length=64)]],
    Field(max_length=20, description="addresses or networks requests may come from"),
]


class WebhookIn(Strict):
    """A new hook. ``auth: hmac`` (signed requests) unless the sender cannot sign; then
    ``token`` with ``allowed_ips`` (weaker: docs/alerts.md). ``preset`` starts the template
    from TradingView's or Chartink's (``template`` fields replace its fields)."""

    name: HookName
    auth: Literal["hmac", "token"] = "hmac"
    preset: Literal["tradingview", "chartink"] | None = None
    template: Template = Field(default_factory=dict)
    allowed_ips: Ips = Field(default_factory=list)
    mode: Literal["paper", "live"] = "paper"
    broker: BrokerKey | None = None
    max_per_minute: int = Field(default=30, ge=1, le=600)


class WebhookPatch(Strict):
    """Rename, switch off or on, edit the template, the addresses or the rate."""

    name: HookName | None = None
    enabled: Flag | None = None
    template: Template | None = None
    allowed_ips: Ips | None = None
    max_per_minute: int | None = Field(default=None, ge=1, le=600)


class WebhookOut(BaseModel):
    """A stored hook (never its secret or token)."""

    id: int
    hook_id: str
    url_path: str
    name: str
    auth: str
    allowed_ips: list[str]
    template: dict[str, str]
    mode: str
    broker: str | None
    max_per_minute: int
    enabled: bool
    created_at: UtcDateTime


class WebhookCreated(WebhookOut):
    """A new hook with its secret (``hmac``) or token (``token``): shown this once."""

    secret: str


class DeliveryOut(BaseModel):
    """One received request: its outcome (placed, partial, rejected, refused) and orders."""

    id: int
    received_at: UtcDateTime
    ip: str | None
    outcome: str
    status_code: int
    detail: str | None
    order_ids: list[str]


class HookOrderOut(BaseModel):
    """One order a request asked for, and what became of it."""

    symbol: str
    outcome: str
    order_id: str | None
    message: str | None


class HookReceived(BaseModel):
    """What a request placed; its log entry is ``delivery_id``."""

    delivery_id: int
    outcome: str
    orders: list[HookOrderOut]
    replayed: bool = Field(
        default=False,
        description="a retry of an earlier delivery: its result, and nothing placed now",
    )
