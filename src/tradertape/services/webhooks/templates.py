"""A hook's template: how a sender's JSON body becomes orders.

Each field is a constant (``"CNC"``) or names a path of the body in double braces
(``"{{ticker}}"``, ``"{{strategy.order.action}}"``); `PRESETS` are TradingView's and
Chartink's. ``symbol`` may hold several, comma-separated (Chartink's ``stocks``): one order
each. ``amount`` (rupees) instead of ``quantity`` buys as many shares as it pays for at the
last price. Errors name the field of the template or the path of the body they came from.

Every number is bounded by what its field can mean (`domain.decimal_input.parse_bounded`)
before any arithmetic: a quantity up to `MAX_QUANTITY`, a price up to `MAX_PRICE` with 4
places, an amount up to ₹1 lakh crore with 2 (``"1E+600000"`` contracts once held the
server for 40 s in ``int()``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from tradertape.domain.decimal_input import MAX_AMOUNT, MAX_PRICE, parse_bounded
from tradertape.domain.orders import MAX_QUANTITY
from tradertape.errors import InvalidField
from tradertape.oms import LastTick
from tradertape.services.term_orders import OrderTerms

FIELDS = ("symbol", "exchange", "side", "quantity", "amount", "product", "order_type", "price")
MAX_SYMBOLS = 10
_PLACEHOLDER = re.compile(r"^\{\{\s*([A-Za-z0-9_.]+)\s*\}\}$")
_SIDES = {"BUY": "BUY", "LONG": "BUY", "SELL": "SELL", "SHORT": "SELL", "EXIT": "SELL"}
PRODUCTS = ("CNC", "MIS", "NRML")
ORDER_TYPES = ("MARKET", "LIMIT")
EXCHANGES = ("NSE", "BSE", "NFO", "BFO")

PRESETS: dict[str, dict[str, str]] = {
    # TradingView: the alert's message is JSON you write, with its own placeholders:
    # {"ticker": "{{ticker}}", "action": "{{strategy.order.action}}",
    #  "contracts": "{{strategy.order.contracts}}"}
    "tradingview": {
        "symbol": "{{ticker}}",
        "exchange": "NSE",
        "side": "{{action}}",
        "quantity": "{{contracts}}",
        "product": "MIS",
        "order_type": "MARKET",
    },
    # Chartink: {"stocks": "SBIN,INFY", "trigger_prices": "...", "scan_name": "...", ...}
    "chartink": {
        "symbol": "{{stocks}}",
        "exchange": "NSE",
        "side": "BUY",
        "amount": "10000",
        "product": "CNC",
        "order_type": "MARKET",
    },
}


def check(template: dict[str, Any]) -> dict[str, str]:
    """A template as stored; 422 naming ``template.<field>``."""
    unknown = sorted(set(template) - set(FIELDS))
    if unknown:
        raise InvalidField(f"template.{unknown[0]}", f"not a field; fields: {', '.join(FIELDS)}")
    for field in ("symbol", "side"):
        if field not in template:
            raise InvalidField(f"template.{field}", "required")
    if ("quantity" in template) == ("amount" in template):
        raise InvalidField("template.quantity", "give quantity or amount, one of them")
    out: dict[str, str] = {}
    for field, value in template.items():
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise InvalidField(f"template.{field}", "a text, a number or a {{path}} of the body")
        text = str(value).strip()
        if not text or len(text) > 80:
            raise InvalidField(f"template.{field}", "between 1 and 80 characters")
        out[field] = text
    _check_constants(out)
    return out


def _check_constants(template: dict[str, str]) -> None:
    """A constant (not a {{path}}) is one the field takes: a known product, order type or
    exchange, a number within its bound."""
    constants = {"product": PRODUCTS, "order_type": ORDER_TYPES, "exchange": EXCHANGES}
    for field, allowed in constants.items():
        value = template.get(field)
        if value is not None and not _PLACEHOLDER.match(value) and value.upper() not in allowed:
            raise InvalidField(f"template.{field}", f"one of {', '.join(allowed)} or a {{path}}")
    for field in _BOUNDS:
        value = template.get(field)
        if value is not None and not _PLACEHOLDER.match(value):
            _number(value, field)


_BOUNDS: dict[str, tuple[Decimal, int]] = {  # a field's largest value and decimal places
    "quantity": (Decimal(MAX_QUANTITY), 0),
    "price": (MAX_PRICE, 4),
    "amount": (MAX_AMOUNT, 2),
}


#: A number text this long or shorter is parsed once a process (`_number`): the same few
#: quantities ("1", "25") come in every alert.
_KEPT_NUMBER_CHARS = 24


def _number(text: str, field: str) -> Decimal:
    """The field's number within its bound (commas dropped: ``1,00,000`` and ``100,000``)."""
    if len(text) <= _KEPT_NUMBER_CHARS:
        return _kept_number(text, field)
    return _parsed_number(text, field)


def _parsed_number(text: str, field: str) -> Decimal:
    most, places = _BOUNDS[field]
    try:
        return parse_bounded(text.replace(",", ""), most=most, places=places, whole=not places)
    except InvalidOperation as exc:
        raise InvalidField(f"template.{field}", f"'{text[:40]}' {exc}") from None


# A refusal is not kept (it raises): only a good number is, and a Decimal never changes.
_kept_number = lru_cache(maxsize=1024)(_parsed_number)


@dataclass(frozen=True, slots=True)
class HookOrder:
    """One order a request asks for."""

    key: str
    terms: OrderTerms


def _key(symbol: str, exchange: str) -> str:
    symbol = symbol.strip().upper()
    if ":" in symbol:  # TradingView's NSE:INFY
        exchange, symbol = symbol.split(":", 1)
    return f"{exchange.upper()}:{symbol}"


def _quantity(
    key: str,
    quantity_text: str | None,
    amount_text: str | None,
    price: Decimal | None,
    quotes: LastTick,
) -> int:
    """The quantity asked for, or what ``amount`` rupees buy at the price or the last one."""
    if quantity_text is not None:
        return int(_number(quantity_text, "quantity"))  # bounded: int() is cheap
    amount = _number(amount_text or "", "amount")
    tick = quotes(key)
    at = price or (tick.last_price if tick is not None else None)
    if at is None:
        raise InvalidField("template.amount", f"no price of {key} to size it by")
    quantity = (amount / at).to_integral_value(rounding="ROUND_FLOOR")
    if quantity < 1:
        raise InvalidField("template.amount", f"buys no share of {key} at {at}")
    if quantity > MAX_QUANTITY:
        raise InvalidField("template.amount", f"buys more than {MAX_QUANTITY:,} shares of {key}")
    return int(quantity)


def _side(text: str | None) -> str:
    side = _SIDES.get((text or "").upper())
    if side is None:
        raise InvalidField("template.side", f"'{text}' is not buy or sell")
    return side


def _product(text: str | None) -> str:
    product = (text or "CNC").upper()
    if product not in PRODUCTS:
        raise InvalidField("template.product", f"'{product}' is not one of {PRODUCTS}")
    return product


def _order_type(text: str | None) -> str:
    order_type = (text or "MARKET").upper()
    if order_type not in ORDER_TYPES:
        raise InvalidField("template.order_type", f"'{order_type}' is not one of {ORDER_TYPES}")
    return order_type


def _price(text: str | None) -> Decimal | None:
    return _number(text, "price") if text else None


def _exchange(text: str | None) -> str:
    return (text or "NSE").upper()


# What a field's text means, in the order `Mapping.orders` reads them (its errors too).
_MEANINGS: dict[str, Callable[[str | None], Any]] = {
    "side": _side,
    "product": _product,
    "order_type": _order_type,
    "price": _price,
    "exchange": _exchange,
}


class Mapping:
    """A template read once (a hook's, kept with it: `known.KnownHook`): each field a
    constant or a path of the body, and what each constant field means worked out, so a
    request resolves only its paths (the regex, the constants' checks and their parse were
    a webhook's ~180 lines of Python a request before, issue 69). Answers and errors are
    `orders`' own, in its order: a constant that does not check is judged per request."""

    __slots__ = ("_meant", "_paths", "_texts")

    def __init__(self, template: dict[str, str]) -> None:
        self._texts: dict[str, str] = {}  # a constant field's text
        self._paths: dict[str, tuple[str, tuple[str, ...]]] = {}  # a {{path}}'s, split
        for field, raw in template.items():
            match = _PLACEHOLDER.match(raw)
            if match is None:
                self._texts[field] = raw
            else:
                path = match.group(1)
                self._paths[field] = (path, tuple(path.split(".")))
        self._meant: dict[str, Any] = {}  # a constant (or absent) field's meaning
        for field, meaning in _MEANINGS.items():
            if field not in self._paths:
                with suppress(InvalidField):  # else refused on each request, as it comes
                    self._meant[field] = meaning(self._texts.get(field))

    def _text(self, body: dict[str, Any], field: str) -> str | None:
        """The field's text for this body (None: not in the template)."""
        found = self._paths.get(field)
        if found is None:
            return self._texts.get(field)
        path, parts = found
        value: object = body
        for part in parts:
            if not isinstance(value, dict) or part not in value:
                raise InvalidField(f"body.{path}", "missing from the request's body")
            value = value[part]
        if isinstance(value, dict | list) or value is None:
            raise InvalidField(f"body.{path}", "must be a text or a number")
        return str(value).strip()

    def orders(
        self, body: dict[str, Any], *, quotes: LastTick, mode: str, broker: str | None
    ) -> list[HookOrder]:
        """The orders `body` asks for; 422 naming what is wrong."""
        meant, text = self._meant, self._text
        side = meant["side"] if "side" in meant else _side(text(body, "side"))
        product = meant["product"] if "product" in meant else _product(text(body, "product"))
        order_type = (
            meant["order_type"] if "order_type" in meant else _order_type(text(body, "order_type"))
        )
        price = meant["price"] if "price" in meant else _price(text(body, "price"))
        if order_type == "LIMIT" and price is None:
            raise InvalidField("template.price", "a LIMIT order needs a price")
        exchange = meant["exchange"] if "exchange" in meant else _exchange(text(body, "exchange"))
        symbols = [s for s in (self._text(body, "symbol") or "").split(",") if s.strip()]
        if not symbols:
            raise InvalidField("template.symbol", "no symbol in the request")
        if len(symbols) > MAX_SYMBOLS:
            raise InvalidField("template.symbol", f"{len(symbols)} symbols; at most {MAX_SYMBOLS}")
        quantity_text, amount_text = self._text(body, "quantity"), self._text(body, "amount")
        out: list[HookOrder] = []
        for symbol in symbols:
            key = _key(symbol, exchange)
            quantity = _quantity(key, quantity_text, amount_text, price, quotes)
            terms = (_market_terms if price is None else OrderTerms)(
                side, quantity, product, order_type, price, mode, broker
            )
            out.append(HookOrder(key, terms))
        return out


# A priceless order's terms, made once a process (frozen: shared); a price is never a key,
# since equal Decimals may be written apart (``1.0``, ``1``).
_market_terms = lru_cache(maxsize=1024)(OrderTerms)


def orders(
    template: dict[str, str],
    body: dict[str, Any],
    *,
    quotes: LastTick,
    mode: str,
    broker: str | None,
) -> list[HookOrder]:
    """The orders `body` asks for through `template`; 422 naming what is wrong."""
    return Mapping(template).orders(body, quotes=quotes, mode=mode, broker=broker)
