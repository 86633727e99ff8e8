"""Alert bodies and answers: a DSL condition on a symbol or a watchlist, an optional order."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from tradertape.api.schemas.auth import Strict
from tradertape.api.schemas.free_json import JsonObject
from tradertape.api.schemas.times import UtcDateTime
from tradertape.domain.decimal_input import KitePrice, Quantity

AlertName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
CONDITION_HELP = (
    "a condition of the strategy DSL (docs/strategy-dsl.md), e.g. "
    '{"type": "crosses_above", "left": {"type": "indicator", "name": "close"}, '
    '"right": {"type": "literal", "value": 1500}}; position fields and random draws are refused'
)


class AlertOrderIn(Strict):
    """The order an alert places on the symbol that fired it (paper unless ``mode`` is live)."""

    transaction_type: Literal["BUY", "SELL"]
    quantity: Quantity
    product: Literal["CNC", "MIS", "NRML"] = "CNC"
    order_type: Literal["MARKET", "LIMIT"] = "MARKET"
    price: KitePrice | None = None
    mode: Literal["paper", "live"] = "paper"
    broker: Literal["kite", "upstox", "groww"] | None = None


class AlertIn(Strict):
    """A new alert: on ``symbol`` (EXCHANGE:SYMBOL) or on each item of ``watchlist_id``."""

    name: AlertName
    symbol: str | None = Field(default=None, min_length=3, max_length=80)
    watchlist_id: int | None = Field(default=None, ge=1)
    timeframe: Literal["minute", "day"] = Field(
        default="minute",
        description="minute: judged on each tick batch on minute candles; day: once a "
        "trading day after the close, on day candles",
    )
    condition: JsonObject = Field(description=CONDITION_HELP)
    repeat: Literal["once", "every"] = "once"
    cooldown_secs: int = Field(default=300, ge=60, le=7 * 86_400)
    order: AlertOrderIn | None = None
    order_action: Literal["place", "confirm"] | None = Field(
        default=None,
        description="place: the order goes at once; confirm: it waits for your approval "
        "(web or Telegram) until confirm_within_mins have passed",
    )
    confirm_within_mins: int | None = Field(default=None, ge=1, le=1440)


class AlertPatch(Strict):
    """Pause, resume (a fired alert too), rename or change the rule."""

    name: AlertName | None = None
    status: Literal["active", "paused"] | None = None
    condition: JsonObject | None = None
    repeat: Literal["once", "every"] | None = None
    cooldown_secs: int | None = Field(default=None, ge=60, le=7 * 86_400)


class AlertOut(BaseModel):
    """A stored alert."""

    id: int
    name: str
    symbol: str | None
    watchlist_id: int | None
    timeframe: str
    condition: dict[str, Any]
    repeat: str
    cooldown_secs: int
    order: dict[str, Any] | None
    order_action: str | None
    confirm_within_mins: int | None
    status: str
    created_at: UtcDateTime
    updated_at: UtcDateTime
    last_fired_at: UtcDateTime | None


class AlertFireOut(BaseModel):
    """One fire: the symbol and price, and its order (``none`` without one; ``awaiting``
    your approval until ``expires_at``; ``placed``, ``rejected``, ``refused``,
    ``dismissed`` or ``expired``)."""

    id: int
    alert_id: int
    symbol: str
    price: str
    fired_at: UtcDateTime
    order_status: str
    order_id: str | None
    order_message: str | None
    expires_at: UtcDateTime | None
    decided_at: UtcDateTime | None
