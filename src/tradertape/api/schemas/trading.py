"""Order and GTT request bodies in Kite's field names; responses are Kite-shaped dicts."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, Field, field_validator

from tradertape.api.schemas.auth import Strict
from tradertape.api.schemas.money_out import Paise, PaiseFloat, TickFloat
from tradertape.domain.books import book_of, book_words
from tradertape.domain.brokers import BrokerKey, ScheduleName
from tradertape.domain.decimal_input import Amount, Count, Flag, KitePrice, Number, Price, Quantity
from tradertape.domain.instruments import Exchange
from tradertape.domain.money import shown_float
from tradertape.domain.orders import (
    OrderSpec,
    OrderType,
    Product,
    TransactionType,
    Validity,
    Variety,
)
from tradertape.domain.utc_times import utc_iso
from tradertape.oms import RESERVED_KEY_PREFIXES, Submitted
from tradertape.ports.broker import GttSpec


class OrderFields(Strict):
    """Seed 002's order fields. Never send tag/attribution: we add it."""

    exchange: Exchange
    tradingsymbol: str = Field(min_length=1, max_length=64)
    transaction_type: TransactionType
    quantity: Quantity
    product: Product
    order_type: OrderType
    variety: Variety = Variety.REGULAR
    validity: Validity = Validity.DAY
    price: KitePrice | None = None
    trigger_price: KitePrice | None = None
    disclosed_quantity: Count | None = Field(default=None, ge=0)
    validity_ttl: Count | None = None
    market_protection: Count | None = None
    iceberg_legs: Count | None = None
    iceberg_quantity: Count | None = None
    auction_number: str | None = Field(default=None, max_length=16)
    squareoff: Number | None = None
    stoploss: Number | None = None
    trailing_stoploss: Number | None = None
    # Kite's field: above the freeze quantity, place the order in slices instead of a 422.
    autoslice: Flag | None = None

    def spec(self) -> OrderSpec:
        """The domain order."""
        fields = self.model_dump(exclude=_NOT_SPEC)
        fields["tradingsymbol"] = self.tradingsymbol.upper()
        fields["price"] = self.price or None
        fields["trigger_price"] = self.trigger_price or None
        fields["autoslice"] = bool(self.autoslice)
        return OrderSpec(**fields)


_NOT_SPEC = {"idempotency_key", "mode", "broker", "book"}


class AccountFields(OrderFields):
    """An order's fields and the account it is for (paper, or a connected live broker)."""

    # "live" sends the order to the user's connected broker; it needs the server's and the
    # user's live-trading switches (403 otherwise) and a broker session (409 otherwise).
    mode: Literal["paper", "live"] = "paper"
    # Which connected broker a live order goes to; by default the user's only connected
    # one (409 naming this field when none is, or several are). Paper orders take none.
    broker: BrokerKey | None = None


class OrderIn(AccountFields):
    """Place an order (seed 002's order fields). Never send tag/attribution: we add it."""

    idempotency_key: str | None = Field(default=None, min_length=8, max_length=160)
    book: str | None = Field(
        default=None,
        pattern=r"^portfolio:\d{1,18}$",
        description=(
            "a sale of delivery shares in one of your model portfolio's books "
            "(portfolio:<id>, Positions' Exit of its row), in the portfolio's own account: "
            "its positions give them up, recorded as a manual exit; omitted, the manual book"
        ),
    )

    @field_validator("idempotency_key")
    @classmethod
    def _not_the_brokers(cls, key: str | None) -> str | None:
        # The broker keys its own orders (GTT legs, square-offs, cover stop-losses) so.
        if key is not None and key.startswith(RESERVED_KEY_PREFIXES):
            raise ValueError(f"keys starting with {', '.join(RESERVED_KEY_PREFIXES)} are reserved")
        return key


def _refuse_null(value: object) -> object:
    if value is None:
        raise ValueError("cannot be null; omit it to keep the order's")
    return value


def _not_nullable(schema: dict[str, Any]) -> None:
    """Document the field as its type alone: null is refused (`_refuse_null`)."""
    options = [o for o in schema.pop("anyOf", []) if o.get("type") != "null"]
    if len(options) == 1:
        schema.update(options[0])


T = TypeVar("T")
Omittable = Annotated[
    T | None, AfterValidator(_refuse_null), Field(json_schema_extra=_not_nullable)
]
"""A modify's field that can be omitted (it keeps its value) but not sent as null (a 422)."""


class OrderModifyIn(Strict):
    """Kite's modifiable fields; omitted ones keep their value (quantity, type and validity
    cannot be null; a null or 0 price or trigger means none)."""

    quantity: Omittable[Quantity] = None
    price: KitePrice | None = None
    trigger_price: KitePrice | None = None
    order_type: Omittable[OrderType] = None
    validity: Omittable[Validity] = None
    disclosed_quantity: Count | None = Field(default=None, ge=0)

    def changes(self) -> dict[str, Any]:
        """The fields sent, as domain values (a 0 price means none, as in Kite)."""
        return modify_changes(self.model_dump(exclude_unset=True))


def modify_changes(sent: dict[str, Any]) -> dict[str, Any]:
    """A modification's fields as domain values: a 0 or null price means none (as in
    Kite). A null where every order has a value never gets here (`Omittable`)."""
    changes = dict(sent)
    for field in ("price", "trigger_price"):
        if field in changes and not changes[field]:
            changes[field] = None
    return changes


class OrderPlaced(BaseModel):
    """Kite answers a placement with the order id; we add its status."""

    order_id: str
    status: str
    status_message: str | None
    replayed: bool
    algo_id: str | None = Field(
        default=None, description="a live order's algo id (SEBI's retail-algo rules); null: paper"
    )
    egress_ip: str | None = Field(
        default=None,
        description="the IP address a live order left this server from; null: paper, or unsent",
    )
    children: list[str] | None = Field(
        default=None,
        description="an order above its freeze quantity placed with `autoslice`: every"
        " child's order id, `order_id` the first (Kite's `children`)",
    )

    @classmethod
    def of(cls, submitted: Submitted) -> OrderPlaced:
        """A placement's answer."""
        order = submitted.order
        children = submitted.children
        return cls(
            order_id=order.order_id,
            status=order.status,
            status_message=order.status_message,
            replayed=submitted.replayed,
            algo_id=order.algo_id,
            egress_ip=order.egress_ip,
            children=None if children is None else [child.order_id for child in children],
        )


class GttCondition(Strict):
    """What the trigger watches."""

    exchange: Exchange
    tradingsymbol: str = Field(min_length=1, max_length=64)
    trigger_values: list[Price] = Field(min_length=1, max_length=2)
    last_price: Price


class GttOrder(BaseModel):
    """A leg's LIMIT order (Kite's shape; checked by the GTT engine)."""

    transaction_type: str = Field(max_length=10)
    quantity: Quantity
    order_type: str = Field(default="LIMIT", max_length=10)
    product: Literal["CNC", "NRML"] = Field(
        description="what a GTT leg takes: CNC for shares (NSE, BSE), NRML for futures and"
        " options (NFO, BFO); never MIS, which the exchange squares off the same day"
    )
    price: Price
    exchange: str | None = Field(default=None, max_length=10)
    tradingsymbol: str | None = Field(default=None, max_length=64)


class GttIn(Strict):
    """Kite's GTT placement: type, condition and orders."""

    type: Literal["single", "two-leg"]
    condition: GttCondition
    orders: list[GttOrder] = Field(min_length=1, max_length=2)
    # "live": placed at the user's broker (both live switches; docs/live-trading.md)
    mode: Literal["paper", "live"] = "paper"


def gtt_spec(body: GttIn) -> GttSpec:
    """The trigger a placement or modification asks for, as the books take it."""
    return GttSpec(
        exchange=body.condition.exchange.value,
        tradingsymbol=body.condition.tradingsymbol.upper(),
        trigger_values=body.condition.trigger_values,
        last_price=body.condition.last_price,
        orders=[o.model_dump(exclude_none=True) for o in body.orders],
    )


class GttCreated(BaseModel):
    """Kite answers with the trigger id."""

    trigger_id: int


class PreviewIn(AccountFields):
    """A prospective order, in the fields a placement takes; a live one is priced on its
    broker's schedule."""


class ChargesOut(BaseModel):
    """The charges engine's estimate, item by item (rupees, to the paisa): the items add up
    to the total, each charge listed once."""

    brokerage: PaiseFloat
    stt: PaiseFloat
    exchange_transaction_charge: PaiseFloat = Field(
        description="the exchange's transaction charge with NSE's IPFT inside it, as on "
        "Zerodha's contract note"
    )
    sebi_charge: PaiseFloat
    stamp_duty: float
    gst: float
    dp_charge: PaiseFloat = Field(
        description="₹ per ISIN sold from demat that day (a delivery sale); 0 otherwise"
    )
    total: PaiseFloat


class TicketPreviewOut(BaseModel):
    """What an order would cost and hold before it is placed; None where the price is unknown
    (a market order with no last price)."""

    price: TickFloat | None
    margin_required: PaiseFloat | None
    charges: ChargesOut | None
    available: float
    schedule: ScheduleName = Field(
        description="whose published charges priced it: the live broker's, or Zerodha's for "
        "paper (the paper account models a Zerodha account)"
    )


class FundsIn(Strict):
    """Add paper money."""

    amount: Amount


def _shown(text: object) -> float | None:
    """A stored leg's number (kept as text) for a read: None if it is no finite number."""
    try:
        return shown_float(Decimal(str(text)))
    except InvalidOperation:
        return None


def change_out(change: dict[str, Any]) -> dict[str, Any]:
    """A stored modification term (`oms.order_log.amendments`) for a read: a price as a
    number, a count as it is, a type or validity as its word."""

    def value(stored: Any) -> Any:
        return _shown(stored) if isinstance(stored, str) and change["field"] in _PRICES else stored

    return {"field": change["field"], "old": value(change["old"]), "new": value(change["new"])}


_PRICES = frozenset({"price", "trigger_price"})


def gtt_dict(row: Any, order: Any | None, *, book_label: str | None = None) -> dict[str, Any]:
    """A trigger in Kite's GET shape, with the book it belongs to (its key, and its
    `book_label` when the caller has the names: `services.books.summary.book_labels`)."""
    book = book_of(row.broker, row.attribution)
    orders = []
    for index, leg in enumerate(row.orders):
        entry = {
            "exchange": row.exchange,
            "tradingsymbol": row.tradingsymbol,
            **leg,
            "price": _shown(leg.get("price")),
            "result": None,
        }
        if row.triggered_leg == index and row.result is not None:
            entry["result"] = row.result
        orders.append(entry)
    return {
        "id": row.id,
        "user_id": row.user_id,
        "parent_trigger": None,
        "type": row.type,
        "created_at": utc_iso(row.created_at),
        "updated_at": utc_iso(row.updated_at),
        "expires_at": utc_iso(row.expires_at),
        # ours, beside Kite's shape: some days of its validity are guessed sessions
        "provisional_calendar": row.provisional_calendar,
        "status": row.status,
        "condition": {
            "exchange": row.exchange,
            "tradingsymbol": row.tradingsymbol,
            "instrument_token": row.instrument_token,
            "trigger_values": [_shown(v) for v in row.trigger_values],
            "last_price": shown_float(row.last_price),
        },
        "orders": orders,
        "meta": {"order_id": order.order_id} if order is not None else None,
        # ours, beside Kite's shape: whose money the trigger's order spends
        "book": book,
        "book_label": book_label or book_words(book),
    }


class BookOut(BaseModel):
    """One book of the paper account (or ``all``, their sum), as the book filter lists it."""

    book: str
    label: str
    kind: Literal["manual", "portfolio", "run", "all"]
    cash: Paise
    opening_balance: Paise
    open_positions: int
    positions_value: Paise
    realised_today: Paise
    pnl_today: Paise = Field(description="today's P&L, realised and open (the top bar's)")
    unrealised: Paise = Field(description="open P&L against the average cost")
