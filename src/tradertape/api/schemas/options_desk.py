"""The web's option pages (``/api/options``): underlyings, a chain around ATM with open
interest, and the payoff of a structure with a what-if.

Prices and P&L are rupees (exact decimals, to the paisa); IV is in % and greeks are in the
units brokers show (theta per day, vega per vol point). The payoff is Black-76 at each
leg's implied volatility: model values for a chart, not booked money.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict

from tradertape.api.schemas.money_out import Paise, TickFloat, TickPrice
from tradertape.domain.brokers import BrokerKey
from tradertape.domain.decimal_input import PLAIN
from tradertape.services.baskets.chain import ChainLeg, Placed, Sent

JsonInt = Annotated[int, Strict()]  # a JSON integer: never true, "5" or 5.0
JsonFloat = Annotated[float, Strict()]  # a JSON number: never true or "5"


Spot = Annotated[Decimal, Field(gt=0, le=10_000_000), PLAIN]
"""An index level a what-if puts the underlying at."""
Premium = Annotated[Decimal, Field(gt=0, le=1_000_000), PLAIN]
"""An option's premium: an entry or a limit price."""


class UnderlyingOut(BaseModel):
    """An underlying with listed options."""

    underlying: str
    spot: TickPrice | None = Field(description="the index's last price; null before it has one")
    lot_size: int
    expiries: list[str] = Field(description="listed expiries, nearest first (YYYY-MM-DD)")


class ContractOut(BaseModel):
    """One contract in the chain."""

    tradingsymbol: str
    instrument_token: int
    strike: TickFloat
    option_type: str
    expiry_key: str
    lot_size: int
    ltp: TickPrice | None
    bid: TickPrice | None = Field(
        default=None, description="best bid now (a LIMIT sell leg's starting price)"
    )
    ask: TickPrice | None = Field(
        default=None, description="best offer now (a LIMIT buy leg's starting price)"
    )
    tick_size: Decimal = Field(
        default=Decimal("0.05"), description="a LIMIT price is a multiple of it"
    )
    iv: float | None = Field(description="implied volatility in % (null: the price has none)")
    delta: float | None = Field(description="per unit of the index (Black-76 at the IV)")
    gamma: float | None = Field(description="delta's change per unit of the index")
    theta: float | None = Field(
        description="₹ per calendar day, per unit: what a day's passing does to the premium "
        "(negative: a holder loses it)"
    )
    vega: float | None = Field(description="₹ per vol point (IV 20 % → 21 %), per unit")
    oi: int = Field(description="open interest in units (synthetic in the simulated market)")
    oi_change: int = Field(
        description="open interest now less at the previous session's close, in units"
    )
    volume: int | None = Field(
        description="units traded today, from the contract's tick (null: no tick)"
    )
    itm: bool | None = Field(
        description="in the money at the index now (a call below it, a put above it); "
        "null without a price"
    )


class ChainRowOut(BaseModel):
    """A strike with its call and put (null where not listed)."""

    strike: TickPrice
    call: ContractOut | None
    put: ContractOut | None


class WindowChainOut(BaseModel):
    """Strikes around ATM for one expiry, with the expiry's PCR and max pain. Greeks are
    computed here once (`domain.option_math`, Black-76 at each contract's IV), never by
    a client."""

    underlying: str
    expiry: str
    expiries: list[str]
    spot: TickPrice | None
    atm_strike: TickPrice | None
    lot_size: int
    pcr: float | None = Field(description="total put OI / total call OI of the expiry")
    max_pain: Decimal | None = Field(description="strike where option holders collect least")
    call_oi: int
    put_oi: int
    oi_source: str
    rows: list[ChainRowOut]
    updated_at: str | None


class WhatIfIn(BaseModel):
    """A what-if: the index at ``spot`` (default: now), IV moved by ``iv_shift`` vol points,
    ``days_to_expiry`` left on the nearest leg (default: now; every leg ages alike)."""

    model_config = ConfigDict(extra="forbid")

    spot: Spot | None = None
    iv_shift: JsonFloat = Field(default=0.0, ge=-50, le=100)
    days_to_expiry: JsonFloat | None = Field(default=None, ge=0, le=400)


class PayoffLegIn(BaseModel):
    """A leg of the structure."""

    model_config = ConfigDict(extra="forbid")

    tradingsymbol: str = Field(min_length=1, max_length=60, examples=["NIFTY26DEC25000CE"])
    transaction_type: Literal["BUY", "SELL"]
    lots: JsonInt = Field(ge=1, le=1000)
    entry_price: Premium | None = Field(default=None, description="default: the contract's LTP now")


class PayoffIn(WhatIfIn):
    """A structure of listed options of one underlying, and a what-if."""

    underlying: str = Field(min_length=1, max_length=30, examples=["NIFTY"])
    legs: list[PayoffLegIn] = Field(min_length=1, max_length=8)


class PayoffLegOut(BaseModel):
    """A leg as priced."""

    tradingsymbol: str
    strike: TickPrice
    option_type: str
    expiry: str
    transaction_type: str
    quantity: int = Field(description="units (lots × lot size)")
    lot_size: int
    entry_price: TickPrice
    ltp: TickPrice
    iv: float | None = Field(description="%")


class ScenarioOut(BaseModel):
    """The what-if the figures are at."""

    spot: TickPrice
    iv_shift: float
    days_to_expiry: float


class NetGreeksOut(BaseModel):
    """The structure's greeks at the what-if (per the whole quantity)."""

    delta: float
    gamma: float
    theta: float = Field(description="₹ per calendar day")
    vega: float = Field(description="₹ per vol point")


class PayoffPointOut(BaseModel):
    """P&L with the index at ``spot``: at expiry, and under the what-if."""

    spot: TickPrice
    at_expiry: Decimal
    today: Decimal


class PayoffOut(BaseModel):
    """The payoff: legs, curves, extremes, breakevens and the what-if's P&L and greeks."""

    underlying: str
    spot: TickPrice = Field(description="the index now")
    days_to_expiry_now: float
    scenario: ScenarioOut
    legs: list[PayoffLegOut]
    net_premium: Paise = Field(description="received (+) or paid (−) to enter")
    max_profit: Paise | None = Field(description="at expiry; null: unlimited")
    max_loss: Paise | None = Field(description="at expiry (negative); null: unlimited")
    breakevens: list[Paise]
    pnl_today: Paise = Field(description="at the what-if")
    pnl_at_expiry: Paise = Field(description="at the what-if's spot")
    greeks: NetGreeksOut
    points: list[PayoffPointOut]


class BasketLegIn(BaseModel):
    """A leg of the structure to place: a listed contract, its side and lots, and how it
    is priced (MARKET, or LIMIT at ``price``)."""

    model_config = ConfigDict(extra="forbid")

    tradingsymbol: str = Field(min_length=1, max_length=60, examples=["NIFTY26DEC25000CE"])
    transaction_type: Literal["BUY", "SELL"]
    lots: JsonInt = Field(ge=1, le=1000)
    order_type: Literal["MARKET", "LIMIT"] = "MARKET"
    price: Premium | None = Field(default=None, description="LIMIT only")


class BasketIn(BaseModel):
    """The chain's structure as one basket: legs entered hedge-first (buys before sells)."""

    model_config = ConfigDict(extra="forbid")

    legs: list[BasketLegIn] = Field(min_length=1, max_length=8)
    product: Literal["NRML", "MIS"] = "NRML"
    mode: Literal["paper", "live"] = "paper"
    broker: BrokerKey | None = Field(
        default=None, description="live only: which of your brokers (default: the connected one)"
    )
    idempotency_key: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="the basket sent again with this key answers its first orders",
    )


class BasketMarginOut(BaseModel):
    """What the basket would hold and cost before it is sent."""

    margin_required: Paise | None = Field(
        description="the legs together (null: a leg has no price to estimate at)"
    )
    charges: Paise | None
    available: Decimal = Field(description="what a desk order may spend (the manual book's)")
    order: list[int] = Field(description="the legs' sending order (indices): buys first")
    margin_without_hedge: Paise | None = Field(
        description="each leg's margin alone, added up: the structure with no hedge benefit "
        "(null: unknown; for a broker's answer, its basket's initial margin)"
    )
    hedge_benefit: Paise | None = Field(
        description="what holding the legs together spares: margin_without_hedge − "
        "margin_required (0 when nothing offsets)"
    )
    source: Literal["broker", "estimate"] = Field(
        description="broker: your live broker's basket margin (Kite's, hedges and positions "
        "counted); estimate: the order preview's, by the margin table, on the schedule of "
        "the broker the basket goes to"
    )


class BasketLegOut(BaseModel):
    """One leg as sent (or not)."""

    leg_index: int = Field(description="its place in the request's legs")
    tradingsymbol: str
    transaction_type: str
    quantity: int
    order_id: str | None
    state: str = Field(
        description="sent, open, filled, rejected, cancelled or skipped (an earlier leg "
        "was refused, so it was never sent)"
    )
    reason: str | None


class BasketOut(BaseModel):
    """The basket: ``success`` (every leg stands), ``unwound`` (a leg was refused and what
    filled was exited), ``partial`` or ``failed``."""

    status: Literal["success", "partial", "failed", "unwound"]
    idempotency_key: str
    legs: list[BasketLegOut] = Field(description="in sending order")
    unwind: list[BasketLegOut] = Field(description="the exits of a refused basket's fills")


def basket_legs(body: BasketIn) -> list[ChainLeg]:
    """The request's legs as the chain basket's service takes them."""
    return [
        ChainLeg(
            tradingsymbol=leg.tradingsymbol,
            transaction_type=leg.transaction_type,
            lots=leg.lots,
            product=body.product,
            order_type=leg.order_type,
            price=leg.price,
        )
        for leg in body.legs
    ]


def basket_out(placed: Placed) -> BasketOut:
    """A placed basket as answered (the route's and the assistant's tool's)."""

    def leg(sent: Sent) -> BasketLegOut:
        return BasketLegOut(
            leg_index=sent.leg_index,
            tradingsymbol=sent.fields["tradingsymbol"],
            transaction_type=sent.fields["transaction_type"],
            quantity=sent.fields["quantity"],
            order_id=sent.order.order_id if sent.order is not None else None,
            state=sent.state,
            reason=sent.reason,
        )

    return BasketOut(
        status=placed.status,
        idempotency_key=placed.key,
        legs=[leg(s) for s in placed.legs],
        unwind=[leg(s) for s in placed.unwind],
    )
