"""Kite-shaped answers: orders, trades, the account views, GTTs.

Two kinds. Our own records (an order's row, a GTT) always carry every field, so those
fields are required. The account views (`/api/portfolio/*`) pass the connected broker's
answer through (Kite's, or another broker's translated to Kite's shape) or the paper
account's, so each field there is optional: a broker may leave one out, and the answer
then leaves it out too. Numbers are Kite's JSON numbers, as each source wrote them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from tradertape.api.schemas.money_out import PaiseNumber, TickNumber
from tradertape.api.schemas.open_models import JsonNumber, OpenModel


class KiteOrder(OpenModel):
    """An order of ours in Kite's order-book shape."""

    order_id: str
    exchange_order_id: str | None
    parent_order_id: str | None = Field(description="a cover order's stop-loss leg's parent")
    status: str = Field(description="Kite's words: OPEN, COMPLETE, CANCELLED, REJECTED, …")
    status_message: str | None
    order_timestamp: str = Field(description="IST wall clock, `YYYY-MM-DD HH:MM:SS`")
    exchange_update_timestamp: str | None
    variety: str
    exchange: str
    tradingsymbol: str
    instrument_token: int
    order_type: str
    transaction_type: str
    validity: str
    validity_ttl: int | None
    product: str
    quantity: int
    disclosed_quantity: int
    price: TickNumber | None = Field(description="null: a stored price no number can show")
    trigger_price: TickNumber | None
    average_price: TickNumber | None
    filled_quantity: int
    pending_quantity: int
    cancelled_quantity: int
    market_protection: int
    tag: str | None
    meta: dict[str, Any] = Field(
        description="`source`: what placed it (api, worker, gtt, …); `slice_parent`: the key"
        " shared by the children of an order placed in slices above its freeze quantity"
    )


class OrderDetailOut(KiteOrder):
    """One order as we recorded it, and where it went."""

    broker: str = Field(description="`paper`, or the live broker it was sent to")
    broker_order_id: str | None = Field(description="the live broker's id of the order")
    algo_id: str | None = Field(description="a live order's algo id (SEBI's retail-algo rules)")
    egress_ip: str | None = Field(description="the IP address a live order left this server from")


class SlicesCancelled(BaseModel):
    """A sliced order after "cancel all slices": every child as it now stands."""

    slice_parent: str = Field(description="the key the children share (`meta.slice_parent`)")
    children: list[KiteOrder] = Field(
        description="every child in placement order: the working ones cancelled (or, filled "
        "before the cancel reached them, as the broker says), the final ones as they were"
    )


class OrderChangeOut(BaseModel):
    """One term a modification changed: what it was and what it became."""

    field: Literal[
        "price",
        "trigger_price",
        "quantity",
        "order_type",
        "validity",
        "disclosed_quantity",
        "validity_ttl",
    ]
    old: JsonNumber | str | None = Field(
        description="before: rupees or a count as a number, a type or validity as its word"
    )
    new: JsonNumber | str | None = Field(description="after, likewise")


class OrderEventOut(OpenModel):
    """One state an order went through."""

    order_id: str
    status: str
    event: str = Field(description="what happened: placed, modified, filled, cancelled, …")
    order_timestamp: str = Field(description="ISO 8601 in UTC (`…Z`)")
    filled_quantity: int
    average_price: TickNumber = Field(description="this event's fill price; 0 without a fill")
    status_message: str | None
    changes: list[OrderChangeOut] = Field(
        default_factory=list,
        description="a modification's terms, old and new, price first (price, trigger, "
        "quantity, order type, validity …); empty for other events and for modifications "
        "recorded before this was kept",
    )


class KiteTrade(OpenModel):
    """A fill of ours in Kite's trade-book shape."""

    trade_id: str
    order_id: str
    exchange: str
    tradingsymbol: str
    instrument_token: int
    product: str
    average_price: TickNumber
    quantity: int
    exchange_order_id: str | None
    transaction_type: str
    fill_timestamp: str = Field(description="IST wall clock, `YYYY-MM-DD HH:MM:SS`")
    order_timestamp: str = Field(description="IST `HH:MM:SS` only, as Kite sends it")
    exchange_timestamp: str | None


class OrderTicket(OpenModel):
    """An order as it would be sent (Kite's fields)."""

    exchange: str | None = None
    tradingsymbol: str | None = None
    transaction_type: str | None = None
    variety: str | None = None
    product: str | None = None
    order_type: str | None = None
    quantity: int | None = None
    validity: str | None = None
    price: TickNumber | None = None
    trigger_price: TickNumber | None = None
    market_protection: int | None = None


# ---- the account views: a broker's answer passed through, or the paper account's ----------

BOOK_FIELD = (
    "The book the row is in: manual, portfolio:<id>, run:<id> or live:<broker> (docs/books.md)."
)


class BookOrder(OpenModel):
    """A row of the day's order book (each field as the broker sent it, if it did)."""

    order_id: str | None = None
    exchange_order_id: str | None = None
    parent_order_id: str | None = None
    status: str | None = None
    status_message: str | None = None
    order_timestamp: str | None = None
    exchange_update_timestamp: str | None = None
    exchange_timestamp: str | None = None
    variety: str | None = None
    exchange: str | None = None
    tradingsymbol: str | None = None
    instrument_token: int | None = None
    order_type: str | None = None
    transaction_type: str | None = None
    validity: str | None = None
    validity_ttl: int | None = None
    product: str | None = None
    quantity: int | None = None
    disclosed_quantity: int | None = None
    price: TickNumber | None = None
    trigger_price: TickNumber | None = None
    average_price: TickNumber | None = None
    filled_quantity: int | None = None
    pending_quantity: int | None = None
    cancelled_quantity: int | None = None
    market_protection: int | None = None
    tag: str | None = None
    meta: dict[str, Any] | None = None
    book: str | None = Field(default=None, description=BOOK_FIELD)


class BookTrade(OpenModel):
    """A row of the day's trade book."""

    trade_id: str | None = None
    order_id: str | None = None
    exchange: str | None = None
    tradingsymbol: str | None = None
    instrument_token: int | None = None
    product: str | None = None
    average_price: TickNumber | None = None
    quantity: int | None = None
    exchange_order_id: str | None = None
    transaction_type: str | None = None
    fill_timestamp: str | None = None
    order_timestamp: str | None = None
    exchange_timestamp: str | None = None
    book: str | None = Field(default=None, description=BOOK_FIELD)


class DeliveryObligation(BaseModel):
    """The shares an open stock future, or a stock option in the money, delivers if held
    to expiry, shown from 4 trading days before it (ours: Kite has no such field)."""

    side: Literal["BUY", "SELL"] = Field(description="BUY: take the shares; SELL: give them")
    underlying: str
    quantity: int = Field(description="shares: lot size × lots")
    price: TickNumber = Field(description="per share: the strike (a future: the last price)")
    value: PaiseNumber = Field(description="quantity × price, rupees")
    expiry: str = Field(description="the contract's expiry day, YYYY-MM-DD")
    days_to_expiry: int = Field(description="trading days to the expiry day (0: today)")
    underlying_price: TickNumber = Field(description="the underlying's last price, the mark")
    margin: PaiseNumber | None = Field(
        default=None,
        description="delivery margin of a bought option (Zerodha: 10/25/45/70 % of VaR + "
        "ELM from E-4); null when none is asked",
    )
    shares_held: int | None = Field(default=None, description="a SELL: shares held now")
    shares_short: int | None = Field(
        default=None, description="a SELL: shares owed beyond those held (short delivery)"
    )


class Position(OpenModel):
    """A position marked to the last price (Kite's ``/portfolio/positions`` row)."""

    tradingsymbol: str | None = None
    exchange: str | None = None
    instrument_token: int | None = None
    product: str | None = None
    quantity: int | None = None
    overnight_quantity: int | None = None
    multiplier: JsonNumber | None = None
    average_price: TickNumber | None = None
    close_price: TickNumber | None = None
    last_price: TickNumber | None = None
    value: PaiseNumber | None = None
    pnl: PaiseNumber | None = None
    m2m: PaiseNumber | None = None
    unrealised: PaiseNumber | None = None
    realised: PaiseNumber | None = None
    buy_quantity: int | None = None
    buy_price: TickNumber | None = None
    buy_value: PaiseNumber | None = None
    sell_quantity: int | None = None
    sell_price: TickNumber | None = None
    sell_value: PaiseNumber | None = None
    day_buy_quantity: int | None = None
    day_buy_price: TickNumber | None = None
    day_buy_value: PaiseNumber | None = None
    day_sell_quantity: int | None = None
    day_sell_price: TickNumber | None = None
    day_sell_value: PaiseNumber | None = None
    book: str | None = Field(default=None, description=BOOK_FIELD)
    delivery: DeliveryObligation | None = Field(
        default=None, description="what it delivers if held to expiry (net rows, from E-4)"
    )


class PositionsOut(OpenModel):
    """``net``: everything held now; ``day``: today's trading alone."""

    net: list[Position] = Field(default_factory=list)
    day: list[Position] = Field(default_factory=list)


class Holding(OpenModel):
    """A delivery holding (T+1 quantities bought today shown as ``t1_quantity``)."""

    tradingsymbol: str | None = None
    exchange: str | None = None
    instrument_token: int | None = None
    isin: str | None = None
    product: str | None = None
    price: TickNumber | None = None
    quantity: int | None = None
    t1_quantity: int | None = None
    used_quantity: int | None = None
    realised_quantity: int | None = None
    authorised_quantity: int | None = None
    opening_quantity: int | None = None
    collateral_quantity: int | None = None
    collateral_type: str | None = None
    average_price: TickNumber | None = None
    last_price: TickNumber | None = None
    close_price: TickNumber | None = None
    pnl: PaiseNumber | None = None
    day_change: JsonNumber | None = None
    day_change_percentage: JsonNumber | None = None
    book: str | None = Field(default=None, description=BOOK_FIELD)


class MarginAvailable(OpenModel):
    """What a segment holds."""

    adhoc_margin: PaiseNumber | None = None
    cash: PaiseNumber | None = None
    opening_balance: PaiseNumber | None = None
    live_balance: PaiseNumber | None = None
    collateral: PaiseNumber | None = None
    intraday_payin: PaiseNumber | None = None
    credits: PaiseNumber | None = Field(
        default=None,
        description="ours, not Kite's: what came back today (sales, margined positions at "
        "their marks, less charges); net = opening_balance + intraday_payin − debits + credits",
    )


class MarginUtilised(OpenModel):
    """What a segment's positions and orders use (``debits`` is the total, its parts
    ``var``, ``span``, ``exposure``, ``option_premium`` and ``delivery``)."""

    debits: PaiseNumber | None = None
    var: JsonNumber | None = Field(
        default=None, description="ours: equity intraday and cover orders' margin"
    )
    exposure: PaiseNumber | None = None
    m2m_realised: PaiseNumber | None = None
    m2m_unrealised: PaiseNumber | None = None
    option_premium: PaiseNumber | None = None
    payout: PaiseNumber | None = None
    span: PaiseNumber | None = None
    holding_sales: JsonNumber | None = None
    turnover: PaiseNumber | None = None
    liquid_collateral: PaiseNumber | None = None
    stock_collateral: PaiseNumber | None = None
    delivery: JsonNumber | None = None


class MarginSegment(OpenModel):
    """One segment of Kite's ``/user/margins``."""

    enabled: bool | None = None
    net: PaiseNumber | None = Field(default=None, description="what a new order may use")
    available: MarginAvailable | None = None
    utilised: MarginUtilised | None = None


class MarginsOut(OpenModel):
    """Cash and margin in Kite's ``/user/margins`` shape."""

    equity: MarginSegment | None = None
    commodity: MarginSegment | None = None


# ---- GTTs --------------------------------------------------------------------------------


class GttConditionOut(OpenModel):
    """What the trigger watches."""

    exchange: str
    tradingsymbol: str
    instrument_token: int | None
    trigger_values: list[TickNumber | None]
    last_price: TickNumber | None


class GttLegOut(OpenModel):
    """A leg's order, and once the trigger fired on it, what became of it."""

    exchange: str
    tradingsymbol: str
    transaction_type: str | None = None
    quantity: int | None = None
    order_type: str | None = None
    product: str | None = None
    price: TickNumber | None = Field(description="null: a stored price no number can show")
    result: dict[str, Any] | None = Field(
        description="the fired leg's order (Kite's ``result``); null until then"
    )


class GttOut(OpenModel):
    """A trigger in Kite's GTT shape."""

    id: int
    user_id: int
    parent_trigger: int | None
    type: str = Field(description="`single` or `two-leg`")
    created_at: str
    updated_at: str
    expires_at: str
    provisional_calendar: bool = Field(
        description="some days of its one-year validity are guessed sessions"
    )
    status: str = Field(description="Kite's words: active, triggered, cancelled, deleted, …")
    condition: GttConditionOut
    orders: list[GttLegOut]
    meta: dict[str, Any] | None = Field(description="`order_id`: the order it placed, once fired")
    book: str = Field(description="the book it belongs to: manual, portfolio:N, run:N, live:…")
    book_label: str = Field(
        description="that book in words: Manual, Portfolio: <its name>, Worker run: <its "
        "name> (· <its strategy_run_id> where two runs share the name), Live: Kite"
    )


class PostbackOut(OpenModel):
    """A postback taken in."""

    status: str = Field(description="`ok`")
    order_id: str
    known: bool = Field(description="whether the order is one of ours")
