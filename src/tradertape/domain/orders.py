"""Order specifications and their field rules (seed 002's order, variety, product and validity
tables), checked before anything is stored.

`validate_order` is pure: the caller passes the instrument and the tick that applies to
it, so paper and live brokers refuse exactly the same inputs with the same field names.
Rules that depend on the market at the moment (session, circuit limits, funds) belong to
the broker, which stores such an order as REJECTED instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from tradertape.domain.instruments import Exchange, Instrument, InstrumentType


class TransactionType(StrEnum):
    """Buy or sell."""

    BUY = "BUY"
    SELL = "SELL"


class Variety(StrEnum):
    """How the order is handled (seed 002 variety table)."""

    REGULAR = "regular"
    AMO = "amo"
    CO = "co"
    ICEBERG = "iceberg"
    AUCTION = "auction"


class Product(StrEnum):
    """Margin product (seed 002 product table)."""

    CNC = "CNC"  # equity delivery
    MIS = "MIS"  # intraday, equity and F&O
    NRML = "NRML"  # F&O carry-forward
    MTF = "MTF"  # margin trading facility, equity


class OrderType(StrEnum):
    """Pricing of the order."""

    MARKET = "MARKET"
    LIMIT = "LIMIT"
    SL = "SL"
    SL_M = "SL-M"


class Validity(StrEnum):
    """How long an unfilled order lives."""

    DAY = "DAY"
    IOC = "IOC"
    TTL = "TTL"


ICEBERG_LEGS = range(2, 11)
TTL_MINUTES = range(1, 366)
MARKET_PROTECTION_AUTO = -1
# Far above any real order (F&O freeze limits are in the thousands of units), and low
# enough that quantity × the largest price stays exact in Decimal and in a 64-bit column.
MAX_QUANTITY = 100_000_000
QUANTITY_RULE = f"must be a positive integer up to {MAX_QUANTITY:,}"


class OrderFieldError(ValueError):
    """One field of an order spec is invalid; `field` is its name."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class OrderSpec:
    """What a client asks for; Kite's order fields with typed values."""

    exchange: Exchange
    tradingsymbol: str
    transaction_type: TransactionType
    quantity: int
    product: Product
    order_type: OrderType
    variety: Variety = Variety.REGULAR
    validity: Validity = Validity.DAY
    price: Decimal | None = None
    trigger_price: Decimal | None = None
    disclosed_quantity: int | None = None
    validity_ttl: int | None = None
    market_protection: int | None = None
    iceberg_legs: int | None = None
    iceberg_quantity: int | None = None
    auction_number: str | None = None
    squareoff: Decimal | None = None
    stoploss: Decimal | None = None
    trailing_stoploss: Decimal | None = None
    # Kite's ``autoslice``: above the freeze quantity, place it in slices (`oms.slicing`)
    # rather than be refused.
    autoslice: bool = False

    @property
    def key(self) -> str:
        """``EXCHANGE:TRADINGSYMBOL``."""
        # the member's own field: `.value` is a Python-level property (two frames)
        return f"{self.exchange._value_}:{self.tradingsymbol}"


def on_grid(value: Decimal, tick: Decimal) -> bool:
    """Whether `value` is a multiple of `tick`; False for a value no grid can divide (a
    stored ``1E+999``, whose quotient exceeds Decimal's precision), never an exception."""
    try:
        return value.is_finite() and value % tick == 0
    except InvalidOperation:
        return False


def _require(condition: bool, field: str, message: str) -> None:
    if not condition:
        raise OrderFieldError(field, message)


def _check_prices(spec: OrderSpec, tick: Decimal) -> None:
    kind = spec.order_type
    if kind in (OrderType.LIMIT, OrderType.SL):
        _require(spec.price is not None and spec.price > 0, "price", f"required for {kind}")
    else:
        _require(not spec.price, "price", f"must be 0 or omitted for {kind}")
    if kind in (OrderType.SL, OrderType.SL_M) or spec.variety is Variety.CO:
        # A cover order's trigger is its compulsory stop-loss.
        _require(
            spec.trigger_price is not None and spec.trigger_price > 0,
            "trigger_price",
            f"required for {'a cover order' if spec.variety is Variety.CO else kind}",
        )
    else:
        _require(not spec.trigger_price, "trigger_price", f"only SL and SL-M take one, not {kind}")
    for field, value in (("price", spec.price), ("trigger_price", spec.trigger_price)):
        if value:
            _require(on_grid(value, tick), field, f"{value} is not a multiple of the tick {tick}")
    if kind is OrderType.SL and spec.price and spec.trigger_price:
        if spec.transaction_type is TransactionType.BUY:
            _require(
                spec.trigger_price <= spec.price, "trigger_price", "must be ≤ price for a BUY SL"
            )
        else:
            _require(
                spec.trigger_price >= spec.price, "trigger_price", "must be ≥ price for a SELL SL"
            )


def _check_product(spec: OrderSpec, instrument: Instrument) -> None:
    derivative = instrument.is_derivative
    if spec.product in (Product.CNC, Product.MTF):
        _require(not derivative, "product", f"{spec.product} is for equity, not derivatives")
    if spec.product is Product.NRML:
        _require(derivative, "product", "NRML is for F&O; use CNC or MIS for equity")
    if derivative:
        lot = instrument.lot_size
        _require(spec.quantity % lot == 0, "quantity", f"must be a multiple of the lot size {lot}")


def _check_quantities(spec: OrderSpec) -> None:
    _require(0 < spec.quantity <= MAX_QUANTITY, "quantity", QUANTITY_RULE)
    if spec.disclosed_quantity is not None:
        _require(spec.disclosed_quantity >= 0, "disclosed_quantity", "cannot be negative")
        _require(
            spec.disclosed_quantity <= spec.quantity, "disclosed_quantity", "cannot exceed quantity"
        )
    if spec.market_protection is not None:
        _require(
            spec.order_type in (OrderType.MARKET, OrderType.SL_M),
            "market_protection",
            "allowed only for MARKET and SL-M",
        )
        mp = spec.market_protection
        _require(
            mp == MARKET_PROTECTION_AUTO or 0 <= mp <= 100, "market_protection", "-1 or 0..100"
        )


def _check_validity(spec: OrderSpec) -> None:
    if spec.validity is Validity.TTL:
        _require(
            spec.validity_ttl is not None and spec.validity_ttl in TTL_MINUTES,
            "validity_ttl",
            "TTL needs validity_ttl in minutes, 1..365",
        )
    else:
        _require(spec.validity_ttl is None, "validity_ttl", "only TTL validity takes one")


def _check_cover(spec: OrderSpec, instrument: Instrument) -> None:
    """Kite's cover order: a MARKET or LIMIT intraday entry on NSE equity, with its stop."""
    _require(
        spec.order_type in (OrderType.MARKET, OrderType.LIMIT),
        "order_type",
        "a cover order enters at MARKET or LIMIT; its stop-loss leg is the SL-M",
    )
    _require(spec.product is Product.MIS, "product", "a cover order is intraday: MIS")
    _require(spec.validity is Validity.DAY, "validity", "a cover order is valid for the day")
    _require(
        instrument.exchange is Exchange.NSE and not instrument.is_derivative,
        "variety",
        "cover orders are for NSE equity, not BSE or F&O",
    )
    if spec.price and spec.trigger_price:
        if spec.transaction_type is TransactionType.BUY:
            _require(
                spec.trigger_price < spec.price, "trigger_price", "must be below a buy's price"
            )
        else:
            _require(
                spec.trigger_price > spec.price, "trigger_price", "must be above a sell's price"
            )


def _check_variety(spec: OrderSpec, instrument: Instrument) -> None:
    match spec.variety:
        case Variety.CO:
            _check_cover(spec, instrument)
        case Variety.ICEBERG:
            _require(
                spec.iceberg_legs is not None and spec.iceberg_legs in ICEBERG_LEGS,
                "iceberg_legs",
                "2..10 legs",
            )
            legs = spec.iceberg_legs or 1
            leg = spec.iceberg_quantity
            _require(
                leg is not None and leg * legs >= spec.quantity and leg <= spec.quantity,
                "iceberg_quantity",
                "legs × iceberg_quantity must cover quantity, and one leg cannot exceed it",
            )
        case Variety.AUCTION:
            _require(bool(spec.auction_number), "auction_number", "an auction order needs one")
        case _:
            pass
    for field in ("squareoff", "stoploss", "trailing_stoploss"):
        # The bracket order's fields: Kite's cover order takes its stop as trigger_price.
        _require(
            getattr(spec, field) is None, field, "bracket orders are gone; a CO takes trigger_price"
        )
    if spec.variety is not Variety.ICEBERG:
        for field in ("iceberg_legs", "iceberg_quantity"):
            _require(getattr(spec, field) is None, field, "only iceberg orders take one")


def validate_order(spec: OrderSpec, instrument: Instrument, *, tick: Decimal) -> None:
    """Raise `OrderFieldError` naming the first invalid field, or return if the spec is sound."""
    _require(instrument.key == spec.key, "tradingsymbol", f"expected {instrument.key}")
    _require(
        instrument.instrument_type is not InstrumentType.INDEX,
        "tradingsymbol",
        f"{instrument.key} is an index; it cannot be traded",
    )
    _check_quantities(spec)
    _check_prices(spec, tick)
    _check_product(spec, instrument)
    _check_validity(spec)
    _check_variety(spec, instrument)
