"""Order payloads: builders, a fluent `OrderBuilder`, and the server's field rules.

`validate_order` applies the rules the server applies before it looks the instrument up
(seed 002's field constraints), naming the same field, so a malformed order fails here
instead of costing a round trip. Rules that need the instrument (tick size, lot size,
NRML only for F&O, indices) are still the server's.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from tradertape_worker._exceptions import OrderValidationError

OrderPayload = dict[str, Any]

EXCHANGES = ("NSE", "BSE", "NFO", "BFO")
TRANSACTION_TYPES = ("BUY", "SELL")
VARIETIES = ("regular", "amo", "co", "iceberg", "auction")
PRODUCTS = ("CNC", "MIS", "NRML", "MTF")
ORDER_TYPES = ("MARKET", "LIMIT", "SL", "SL-M")
VALIDITIES = ("DAY", "IOC", "TTL")
FORBIDDEN = ("tag", "tags", "attribution")
OPTIONAL = (
    "price",
    "trigger_price",
    "validity",
    "validity_ttl",
    "disclosed_quantity",
    "market_protection",
    "autoslice",
    "iceberg_legs",
    "iceberg_quantity",
    "auction_number",
    "squareoff",
    "stoploss",
    "trailing_stoploss",
)
# The server's bound on one order's quantity (and so on an iceberg leg).
MAX_QUANTITY = 100_000_000
REQUIRED = ("exchange", "tradingsymbol", "transaction_type", "product", "order_type", "quantity")
KNOWN = frozenset((*REQUIRED, "variety", *OPTIONAL))


def _fail(field: str, message: str) -> OrderValidationError:
    return OrderValidationError(field, message)


def _integer(order: Mapping[str, Any], field: str) -> int | None:
    value = order.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(field, "must be an integer")
    return value


def _price(order: Mapping[str, Any], field: str) -> Decimal | None:
    value = order.get(field)
    if value is None:
        return None
    if isinstance(value, bool):
        raise _fail(field, "must be a number")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise _fail(field, "must be a number") from None
    if not amount.is_finite() or amount < 0:
        raise _fail(field, "must be a number ≥ 0")
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -4:
        raise _fail(field, "at most 4 decimal places")
    return amount or None  # a 0 price means none, as in Kite


def _choice(order: Mapping[str, Any], field: str, allowed: tuple[str, ...], default: str) -> str:
    value = order.get(field, default)
    if value not in allowed:
        raise _fail(field, f"must be one of {', '.join(allowed)}")
    return str(value)


def _check_keys(order: Mapping[str, Any]) -> None:
    for key in order:
        if key in FORBIDDEN:
            raise _fail(key, "never send it: the backend adds attribution itself")
        if key not in KNOWN:
            raise _fail(key, "not an order field")
    for key in REQUIRED:
        if order.get(key) is None:
            raise _fail(key, "required")


def _check_cover_prices(order: Mapping[str, Any], kind: str) -> None:
    # Kite's cover order: its compulsory stop is the trigger price
    price, trigger = _price(order, "price"), _price(order, "trigger_price")
    if trigger is None:
        raise _fail("trigger_price", "required for a cover order")
    if kind == "LIMIT" and price is None:
        raise _fail("price", "required for LIMIT")
    if kind == "MARKET" and price is not None:
        raise _fail("price", "must be 0 or omitted for MARKET")


def _check_prices(order: Mapping[str, Any], kind: str, side: str, variety: str) -> None:
    if variety == "co":
        _check_cover_prices(order, kind)
        return
    price, trigger = _price(order, "price"), _price(order, "trigger_price")
    if kind in ("LIMIT", "SL") and price is None:
        raise _fail("price", f"required for {kind}")
    if kind in ("MARKET", "SL-M") and price is not None:
        raise _fail("price", f"must be 0 or omitted for {kind}")
    if kind in ("SL", "SL-M") and trigger is None:
        raise _fail("trigger_price", f"required for {kind}")
    if kind in ("MARKET", "LIMIT") and trigger is not None:
        raise _fail("trigger_price", f"only SL and SL-M take one, not {kind}")
    if kind == "SL" and price is not None and trigger is not None:
        if side == "BUY" and trigger > price:
            raise _fail("trigger_price", "must be ≤ price for a BUY SL")
        if side == "SELL" and trigger < price:
            raise _fail("trigger_price", "must be ≥ price for a SELL SL")


def _check_quantities(order: Mapping[str, Any], kind: str, quantity: int) -> None:
    disclosed = _integer(order, "disclosed_quantity")
    if disclosed is not None and disclosed < 0:
        raise _fail("disclosed_quantity", "cannot be negative")
    if disclosed is not None and disclosed > quantity:
        raise _fail("disclosed_quantity", "cannot exceed quantity")
    protection = _integer(order, "market_protection")
    if protection is not None:
        if kind not in ("MARKET", "SL-M"):
            raise _fail("market_protection", "allowed only for MARKET and SL-M")
        if protection != -1 and not 0 <= protection <= 100:
            raise _fail("market_protection", "-1 or 0..100")


def _check_validity(order: Mapping[str, Any]) -> None:
    validity = _choice(order, "validity", VALIDITIES, "DAY")
    ttl = _integer(order, "validity_ttl")
    if validity == "TTL" and (ttl is None or not 1 <= ttl <= 365):
        raise _fail("validity_ttl", "TTL needs validity_ttl in minutes, 1..365")
    if validity != "TTL" and ttl is not None:
        raise _fail("validity_ttl", "only TTL validity takes one")


def _check_cover(order: Mapping[str, Any], product: str) -> None:
    if order.get("order_type") not in ("MARKET", "LIMIT"):
        raise _fail("order_type", "a cover order enters at MARKET or LIMIT")
    if product != "MIS":
        raise _fail("product", "a cover order is intraday: MIS")
    if order.get("validity", "DAY") != "DAY":
        raise _fail("validity", "a cover order is valid for the day")


def _check_iceberg(order: Mapping[str, Any], quantity: int) -> None:
    legs = _integer(order, "iceberg_legs")
    if legs is None or not 2 <= legs <= 10:
        raise _fail("iceberg_legs", "2..10 legs")
    leg_size = _integer(order, "iceberg_quantity")
    if leg_size is None or leg_size * legs < quantity or leg_size > quantity:
        raise _fail(
            "iceberg_quantity",
            "legs × iceberg_quantity must cover quantity, and one leg cannot exceed it",
        )


def _check_auction(order: Mapping[str, Any]) -> None:
    number = order.get("auction_number")
    if not isinstance(number, str) or not number or len(number) > 16:
        raise _fail("auction_number", "an auction order needs one (≤ 16 characters)")


_ONLY = {"iceberg": ("iceberg_legs", "iceberg_quantity")}
_BRACKET = ("squareoff", "stoploss", "trailing_stoploss")


def _check_variety(order: Mapping[str, Any], variety: str, product: str, quantity: int) -> None:
    if variety == "co":
        _check_cover(order, product)
    elif variety == "iceberg":
        _check_iceberg(order, quantity)
    elif variety == "auction":
        _check_auction(order)
    for field in _BRACKET:
        if order.get(field) is not None:
            raise _fail(field, "bracket orders are gone; a cover order takes trigger_price")
    for owner, fields in _ONLY.items():
        if variety == owner:
            continue
        for field in fields:
            if order.get(field) is not None:
                raise _fail(field, "only iceberg orders take one")


def validate_order(order: Mapping[str, Any]) -> None:
    """Raise `OrderValidationError` naming the first field the server would refuse."""
    _check_keys(order)
    _choice(order, "exchange", EXCHANGES, "")
    symbol = order.get("tradingsymbol")
    if not isinstance(symbol, str) or not 1 <= len(symbol.strip()) <= 64:
        raise _fail("tradingsymbol", "1..64 characters")
    side = _choice(order, "transaction_type", TRANSACTION_TYPES, "")
    product = _choice(order, "product", PRODUCTS, "")
    kind = _choice(order, "order_type", ORDER_TYPES, "")
    variety = _choice(order, "variety", VARIETIES, "regular")
    quantity = _integer(order, "quantity")
    if quantity is None or not 0 < quantity <= MAX_QUANTITY:
        raise _fail("quantity", f"must be a positive integer up to {MAX_QUANTITY:,}")
    _check_quantities(order, kind, quantity)
    _check_prices(order, kind, side, variety)
    _check_validity(order)
    _check_variety(order, variety, product, quantity)


def _clean(payload: Mapping[str, Any]) -> OrderPayload:
    return {key: value for key, value in payload.items() if value is not None}


def _order(
    exchange: str,
    tradingsymbol: str,
    transaction_type: str,
    product: str,
    quantity: int,
    order_type: str,
    variety: str,
    extra: Mapping[str, Any],
) -> OrderPayload:
    unknown = set(extra) - set(OPTIONAL)
    if unknown:
        raise _fail(sorted(unknown)[0], "not an order field")
    payload = _clean(
        {
            "exchange": exchange,
            "tradingsymbol": tradingsymbol,
            "transaction_type": transaction_type,
            "variety": variety,
            "product": product,
            "order_type": order_type,
            "quantity": quantity,
            "validity": "DAY",
            **extra,
        }
    )
    validate_order(payload)
    return payload


def market_order(
    exchange: str,
    tradingsymbol: str,
    transaction_type: str,
    product: str,
    quantity: int,
    variety: str = "regular",
    **fields: Any,
) -> OrderPayload:
    """A MARKET order (``disclosed_quantity``, ``market_protection``, … as keywords)."""
    return _order(
        exchange, tradingsymbol, transaction_type, product, quantity, "MARKET", variety, fields
    )


def limit_order(
    exchange: str,
    tradingsymbol: str,
    transaction_type: str,
    product: str,
    quantity: int,
    price: float,
    variety: str = "regular",
    **fields: Any,
) -> OrderPayload:
    """A LIMIT order at `price`."""
    return _order(
        exchange,
        tradingsymbol,
        transaction_type,
        product,
        quantity,
        "LIMIT",
        variety,
        {**fields, "price": price},
    )


def sl_order(
    exchange: str,
    tradingsymbol: str,
    transaction_type: str,
    product: str,
    quantity: int,
    price: float,
    trigger_price: float,
    variety: str = "regular",
    **fields: Any,
) -> OrderPayload:
    """A stop-limit order: at `trigger_price` it becomes a LIMIT at `price`."""
    extra = {**fields, "price": price, "trigger_price": trigger_price}
    return _order(
        exchange, tradingsymbol, transaction_type, product, quantity, "SL", variety, extra
    )


def sl_m_order(
    exchange: str,
    tradingsymbol: str,
    transaction_type: str,
    product: str,
    quantity: int,
    trigger_price: float,
    variety: str = "regular",
    **fields: Any,
) -> OrderPayload:
    """A stop-market order: at `trigger_price` it becomes a MARKET order."""
    extra = {**fields, "trigger_price": trigger_price}
    return _order(
        exchange, tradingsymbol, transaction_type, product, quantity, "SL-M", variety, extra
    )


def equity_market_order(
    tradingsymbol: str,
    transaction_type: str,
    quantity: int,
    *,
    product: str = "CNC",
    exchange: str = "NSE",
    variety: str = "regular",
    **fields: Any,
) -> OrderPayload:
    """An NSE equity MARKET order (CNC unless told otherwise)."""
    return market_order(
        exchange, tradingsymbol, transaction_type, product, quantity, variety, **fields
    )


def option_market_order(
    tradingsymbol: str,
    transaction_type: str,
    quantity: int,
    *,
    product: str = "NRML",
    exchange: str = "NFO",
    variety: str = "regular",
    **fields: Any,
) -> OrderPayload:
    """An NFO option MARKET order (NRML unless told otherwise); quantity in units, not lots."""
    return market_order(
        exchange, tradingsymbol, transaction_type, product, quantity, variety, **fields
    )


def amo_market_order(
    exchange: str,
    tradingsymbol: str,
    transaction_type: str,
    product: str,
    quantity: int,
    **fields: Any,
) -> OrderPayload:
    """An after-market MARKET order (queued for the next open)."""
    return market_order(
        exchange, tradingsymbol, transaction_type, product, quantity, "amo", **fields
    )


def amo_limit_order(
    exchange: str,
    tradingsymbol: str,
    transaction_type: str,
    product: str,
    quantity: int,
    price: float,
    **fields: Any,
) -> OrderPayload:
    """An after-market LIMIT order."""
    return limit_order(
        exchange, tradingsymbol, transaction_type, product, quantity, price, "amo", **fields
    )


def amo_sl_order(
    exchange: str,
    tradingsymbol: str,
    transaction_type: str,
    product: str,
    quantity: int,
    price: float,
    trigger_price: float,
    **fields: Any,
) -> OrderPayload:
    """An after-market stop-limit order."""
    return sl_order(
        exchange,
        tradingsymbol,
        transaction_type,
        product,
        quantity,
        price,
        trigger_price,
        "amo",
        **fields,
    )


def amo_sl_m_order(
    exchange: str,
    tradingsymbol: str,
    transaction_type: str,
    product: str,
    quantity: int,
    trigger_price: float,
    **fields: Any,
) -> OrderPayload:
    """An after-market stop-market order."""
    return sl_m_order(
        exchange, tradingsymbol, transaction_type, product, quantity, trigger_price, "amo", **fields
    )


class OrderBuilder:
    """An order, step by step: ``OrderBuilder("NSE", "INFY", "BUY", "CNC", 1).market().build()``.

    Each step returns the builder; `build` validates and returns the payload. The
    module-level builders are also reachable here (``OrderBuilder.limit_order(...)``).
    """

    market_order = staticmethod(market_order)
    limit_order = staticmethod(limit_order)
    sl_order = staticmethod(sl_order)
    sl_m_order = staticmethod(sl_m_order)
    equity_market_order = staticmethod(equity_market_order)
    option_market_order = staticmethod(option_market_order)

    def __init__(
        self,
        exchange: str,
        tradingsymbol: str,
        transaction_type: str,
        product: str,
        quantity: int,
    ) -> None:
        self._fields: dict[str, Any] = {
            "exchange": exchange,
            "tradingsymbol": tradingsymbol,
            "transaction_type": transaction_type,
            "variety": "regular",
            "product": product,
            "order_type": "MARKET",
            "quantity": quantity,
            "validity": "DAY",
        }

    def _set(self, **fields: Any) -> OrderBuilder:
        self._fields.update(fields)
        return self

    def market(self) -> OrderBuilder:
        """A MARKET order."""
        return self._set(order_type="MARKET", price=None, trigger_price=None)

    def limit(self, price: float) -> OrderBuilder:
        """A LIMIT order at `price`."""
        return self._set(order_type="LIMIT", price=price, trigger_price=None)

    def sl(self, price: float, trigger_price: float) -> OrderBuilder:
        """A stop-limit order."""
        return self._set(order_type="SL", price=price, trigger_price=trigger_price)

    def sl_m(self, trigger_price: float) -> OrderBuilder:
        """A stop-market order."""
        return self._set(order_type="SL-M", price=None, trigger_price=trigger_price)

    def regular(self) -> OrderBuilder:
        """The regular variety."""
        return self._set(variety="regular")

    def amo(self) -> OrderBuilder:
        """An after-market order."""
        return self._set(variety="amo")

    def co(self, *, trigger_price: float) -> OrderBuilder:
        """A cover order (intraday MIS) whose compulsory stop-loss leg triggers at
        `trigger_price` (Kite's cover order)."""
        return self._set(variety="co", product="MIS", trigger_price=trigger_price)

    def iceberg(self, *, legs: int, leg_quantity: int) -> OrderBuilder:
        """An iceberg order in `legs` slices of `leg_quantity`."""
        return self._set(variety="iceberg", iceberg_legs=legs, iceberg_quantity=leg_quantity)

    def auction(self, auction_number: str) -> OrderBuilder:
        """An auction order."""
        return self._set(variety="auction", auction_number=auction_number)

    def day(self) -> OrderBuilder:
        """Valid for the day."""
        return self._set(validity="DAY", validity_ttl=None)

    def ioc(self) -> OrderBuilder:
        """Immediate or cancel."""
        return self._set(validity="IOC", validity_ttl=None)

    def ttl(self, minutes: int) -> OrderBuilder:
        """Valid for `minutes` (1..365)."""
        return self._set(validity="TTL", validity_ttl=minutes)

    def disclosed(self, quantity: int) -> OrderBuilder:
        """Show only `quantity` in the book."""
        return self._set(disclosed_quantity=quantity)

    def protection(self, percent: int) -> OrderBuilder:
        """Market protection (-1: automatic)."""
        return self._set(market_protection=percent)

    def build(self) -> OrderPayload:
        """The validated payload."""
        payload = _clean(self._fields)
        validate_order(payload)
        return payload
