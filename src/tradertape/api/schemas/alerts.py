"""Alert bodies and answers: a DSL condition on a symbol or a watchlist, an optional order."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from tradertape.api.schemas.auth import Strict
from tradertape.api.schemas.money_out import Paise
from tradertape.api.schemas.options_desk import PayoffOut
from tradertape.api.schemas.times import UtcDateTime
from tradertape.domain.brokers import BrokerKey
from tradertape.domain.decimal_input import KitePrice, Quantity
from tradertape.services.alerts.placing import MAX_LEGS
from tradertape.serving.free_json import JsonObject

AlertName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
CONDITION_HELP = (
    "a condition of the strategy DSL (docs/strategy-dsl.md), e.g. "
    '{"type": "crosses_above", "left": {"type": "indicator", "name": "close"}, '
    '"right": {"type": "literal", "value": 1500}}; position fields and random draws are refused'
)


class AlertLegIn(Strict):
    """One leg of an alert's basket: on ``symbol`` (EXCHANGE:SYMBOL), or the firing symbol."""

    symbol: str | None = Field(default=None, min_length=3, max_length=80)
    transaction_type: Literal["BUY", "SELL"]
    quantity: Quantity
    product: Literal["CNC", "MIS", "NRML"] = "CNC"
    order_type: Literal["MARKET", "LIMIT"] = "MARKET"
    price: KitePrice | None = None


class AlertOrderIn(Strict):
    """The order an alert places on the symbol that fired it (paper unless ``mode`` is live),
    or, with ``legs``, a basket: its legs sent bought-first through the same gate, a refused
    leg skipping the rest and unwinding what filled (docs/alerts.md)."""

    transaction_type: Literal["BUY", "SELL"] | None = Field(
        default=None, description="required for a single order; a basket's sides are its legs'"
    )
    quantity: Quantity | None = Field(
        default=None, description="required for a single order; a basket's are its legs'"
    )
    product: Literal["CNC", "MIS", "NRML"] = "CNC"
    order_type: Literal["MARKET", "LIMIT"] = "MARKET"
    price: KitePrice | None = None
    mode: Literal["paper", "live"] = "paper"
    broker: BrokerKey | None = None
    legs: list[AlertLegIn] | None = Field(
        default=None, min_length=2, max_length=MAX_LEGS, description="a basket's legs"
    )


class AlertBasketPreviewIn(Strict):
    """An alert's basket to price before saving: its legs, and the alert's symbol for legs
    that trade the symbol that fires it."""

    symbol: str | None = Field(
        default=None, min_length=3, max_length=80, description="the alert's EXCHANGE:SYMBOL"
    )
    legs: list[AlertLegIn] = Field(min_length=2, max_length=MAX_LEGS)
    mode: Literal["paper", "live"] = "paper"
    broker: BrokerKey | None = None


class AlertBasketMarginOut(BaseModel):
    """What the basket would hold and cost if it were placed now (nothing is stored)."""

    margin_required: Paise | None = Field(
        description="the legs together, hedges between them credited (null: a leg has no "
        "price to estimate at yet)"
    )
    charges: Paise | None
    available: Decimal = Field(description="what a desk order may spend (the manual book's)")
    order: list[int] = Field(description="the legs' sending order (indices): buys first")
    source: Literal["broker", "estimate"] = Field(
        description="whose figure: a live broker's basket-margin answer, or the estimate"
    )
    margin_without_hedge: Paise | None = Field(
        description="each leg's margin alone, added up: the basket with no hedge benefit "
        "(null: unknown; for a broker's answer, its basket's initial margin)",
    )
    hedge_benefit: Paise | None = Field(
        description="what holding the legs together spares: margin_without_hedge − "
        "margin_required (0 when nothing offsets)",
    )
    payoff: PayoffOut | None = Field(
        default=None,
        description="for a basket of options on one underlying, its payoff as the option "
        "chain's /api/options/payoff computes it (legs at their LTP, or a LIMIT's price); "
        "null for any other basket, or while a leg has no price",
    )


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


class AlertFireLegOut(BaseModel):
    """One leg of a fire's basket (or of its unwind) and what became of it."""

    leg: int = Field(description="its place in the alert's basket, from 0")
    symbol: str
    transaction_type: str
    quantity: int
    outcome: str = Field(
        description="placed, rejected, refused or skipped; an unwind's 'unwind placed', …"
    )
    order_id: str | None
    message: str | None


class AlertFireOut(BaseModel):
    """One fire: the symbol and price, and its order (``none`` without one; ``awaiting``
    your approval until ``expires_at``; ``placed``, ``rejected``, ``refused``,
    ``dismissed`` or ``expired``; a basket ``placed`` when every leg was, else ``failed``,
    ``partial`` or ``unwound`` with ``legs`` saying which)."""

    id: int
    alert_id: int
    symbol: str
    price: str
    fired_at: UtcDateTime
    order_status: str
    order_id: str | None
    order_message: str | None
    legs: list[AlertFireLegOut] | None = Field(
        default=None, description="a basket's legs in sending order, then its unwind"
    )
    expires_at: UtcDateTime | None
    decided_at: UtcDateTime | None
