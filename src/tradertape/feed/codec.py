"""Ticks as JSON: Kite-shaped views for clients, and an exact message for the bus.

`tick_to_dict` follows Kite's quote shapes per mode:

- ``ltp``: ``instrument_token``, ``last_price``;
- ``quote``: adds ``ohlc`` (``open``/``high``/``low`` of the day so far, ``close`` = previous
  close, as Kite does), ``volume``, ``last_quantity``, ``change`` (percent from the previous
  close, as in Kite's ticker) and ``timestamp`` (ISO 8601 in IST, milliseconds);
- ``full``: adds ``depth`` ``{"buy": [...5], "sell": [...5]}`` of ``{price, quantity, orders}``,
  padded with zero levels as Kite pads a thin book.

Prices there are JSON numbers for clients. The bus carries `tick_to_message` instead: prices as
decimal strings, so a fill booked from a tick received from another process is exact.

`stream_json_of_message` is the WebSocket hot path: the tick hub renders every routed tick
once per subscribed mode, and composing the JSON text directly costs a fraction of building
the dict and encoding it (the text is the same, byte for byte; a property test holds them
together).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from tradertape.domain.calendar import IST
from tradertape.domain.market import DepthLevel, Tick

DEPTH_LEVELS = 5
_EMPTY_LEVEL = {"price": 0.0, "quantity": 0, "orders": 0}


class TickMode(StrEnum):
    """How much of a tick a subscriber receives (Kite's modes)."""

    LTP = "ltp"
    QUOTE = "quote"
    FULL = "full"


def _levels(
    levels: tuple[DepthLevel, ...], price: Decimal | None, quantity: int
) -> list[dict[str, Any]]:
    if not levels and price is not None:
        levels = (DepthLevel(price=price, quantity=quantity, orders=1 if quantity else 0),)
    out = [
        {"price": float(lv.price), "quantity": lv.quantity, "orders": lv.orders}
        for lv in levels[:DEPTH_LEVELS]
    ]
    out.extend(dict(_EMPTY_LEVEL) for _ in range(DEPTH_LEVELS - len(out)))
    return out


def timestamp(ts: datetime) -> str:
    """A tick instant as clients see it: ISO 8601 in IST with milliseconds.

    Through UTC: `astimezone` hands a time already in IST's zone back as it is, so a wall time
    IST skipped (00:30 on 1942-09-01, when war time began) was shown as given, while the
    bus's copy of the same instant read 01:30+06:30 (found by the hub's property test)."""
    return ts.astimezone(UTC).astimezone(IST).isoformat(timespec="milliseconds")


def tick_to_dict(tick: Tick, mode: TickMode | str) -> dict[str, Any]:
    """The Kite-shaped view of `tick` for `mode` (``ltp``, ``quote`` or ``full``)."""
    mode = TickMode(mode)
    out: dict[str, Any] = {
        "instrument_token": tick.instrument_token,
        "last_price": float(tick.last_price),
    }
    if mode is TickMode.LTP:
        return out
    out["ohlc"] = {
        "open": float(tick.open),
        "high": float(tick.high),
        "low": float(tick.low),
        "close": float(tick.prev_close),
    }
    out["volume"] = tick.volume
    out["last_quantity"] = tick.last_quantity
    out["change"] = round(tick.change_pct, 4)
    out["timestamp"] = timestamp(tick.ts)
    if mode is TickMode.FULL:
        out["depth"] = depth_dict(tick)
    return out


def depth_dict(tick: Tick) -> dict[str, list[dict[str, Any]]]:
    """Kite's ``depth``: five bids (best first) and five offers of ``{price, quantity,
    orders}``, padded with zero levels as Kite pads a thin book."""
    return {
        "buy": _levels(tick.bids, tick.bid, tick.bid_quantity),
        "sell": _levels(tick.asks, tick.ask, tick.ask_quantity),
    }


def stream_payload(tick: Tick, mode: TickMode) -> dict[str, Any]:
    """One symbol's entry in a WebSocket ``ticks`` message.

    Seed 001's names come first (``ltp``; ``high``/``low`` of the day in quote and full
    modes), followed by the Kite-shaped fields of `tick_to_dict`, and ``source`` last for a
    price the feed's socket did not send (``rest``: the broker's REST quote filled it).
    """
    out: dict[str, Any] = {"ltp": float(tick.last_price)}
    if mode is not TickMode.LTP:
        out["high"] = float(tick.high)
        out["low"] = float(tick.low)
    out.update(tick_to_dict(tick, mode))
    if tick.source is not None:  # a price the socket did not send (the REST quote's)
        out["source"] = tick.source
    return out


def _ts_text(raw: str, _last: list[str] = ["", ""]) -> str:  # noqa: B006 - a one-entry cache
    # A feed step's ticks share one instant: parse and render it once per step.
    if raw != _last[0]:
        ts = datetime.fromisoformat(raw)
        if ts.tzinfo is None:
            raise ValueError("tick timestamps must be timezone-aware")
        _last[:] = [raw, timestamp(ts)]
    return _last[1]


# Rendered numbers by the decimal text the bus carries: a tick's open and previous close stay
# the same all day, its high and low for long stretches and its price within a few hundred
# ticks of the tick size, so the float conversions (half of a quote's rendering) are mostly
# looked up. Only text is a key: 0.0 and -0.0 are equal keys that render differently.
_MEMO_LIMIT = 1 << 16  # entries per memo; cleared whole when full (a day's prices fit)
_NUMBERS: dict[str, str] = {}
_CHANGES: dict[tuple[str, str], str] = {}


def _num(value: Any) -> str:
    """``repr(float(value))``, JSON's spelling of a price, looked up for decimal text."""
    if type(value) is not str:
        return repr(float(value))
    text = _NUMBERS.get(value)
    if text is None:
        if len(_NUMBERS) >= _MEMO_LIMIT:
            _NUMBERS.clear()
        text = _NUMBERS[value] = repr(float(value))
    return text


def _change(last: Any, prev: Any) -> str:
    """The rounded percent change from `prev` to `last`, as `Tick.change_pct` computes it
    (in `Decimal`, then to float), looked up for decimal text."""
    memo = type(last) is str and type(prev) is str
    if memo:
        text = _CHANGES.get((last, prev))
        if text is not None:
            return text
    prev_close = Decimal(prev)
    change = float((Decimal(last) - prev_close) / prev_close * 100) if prev_close else 0.0
    text = repr(round(change, 4))
    if memo:
        if len(_CHANGES) >= _MEMO_LIMIT:
            _CHANGES.clear()
        _CHANGES[last, prev] = text
    return text


def stream_json_of_message(message: dict[str, Any], mode: TickMode) -> str:
    """`stream_payload` of the tick a bus message carries, as compact JSON text.

    Composed directly, without rebuilding the `Tick` or a dict, and equal byte for byte to
    ``json.dumps(stream_payload(tick, mode), separators=(",", ":"))`` (floats as ``repr``,
    which is how `json` writes them); a property test holds the two together.
    """
    last = message["last_price"]
    ltp = _num(last)
    token = message["instrument_token"]
    source = message.get("source")
    tail = "}" if source is None else f',"source":{json.dumps(source)}}}'
    if mode is TickMode.LTP:
        return f'{{"ltp":{ltp},"instrument_token":{token},"last_price":{ltp}' + tail
    high, low = _num(message["high"]), _num(message["low"])
    prev = message["prev_close"]
    text = (
        f'{{"ltp":{ltp},"high":{high},"low":{low},"instrument_token":{token},'
        f'"last_price":{ltp},"ohlc":{{"open":{_num(message["open"])},"high":{high},'
        f'"low":{low},"close":{_num(prev)}}},"volume":{message["volume"]},'
        f'"last_quantity":{message["last_quantity"]},"change":{_change(last, prev)},'
        f'"timestamp":"{_ts_text(message["ts"])}"'
    )
    if mode is TickMode.FULL:
        buy = _depth_json(message["bids"], message["bid"], message["bid_quantity"])
        sell = _depth_json(message["asks"], message["ask"], message["ask_quantity"])
        text += f',"depth":{{"buy":[{buy}],"sell":[{sell}]}}'
    return text + tail


_EMPTY_LEVEL_JSON = '{"price":0.0,"quantity":0,"orders":0}'


def _depth_json(rows: list[list[Any]], price: str | None, quantity: int) -> str:
    if not rows and price is not None:
        rows = [[price, quantity, 1 if quantity else 0]]
    levels = [
        f'{{"price":{_num(p)},"quantity":{q},"orders":{n}}}' for p, q, n in rows[:DEPTH_LEVELS]
    ]
    levels.extend([_EMPTY_LEVEL_JSON] * (DEPTH_LEVELS - len(levels)))
    return ",".join(levels)


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _book(levels: tuple[DepthLevel, ...]) -> list[list[Any]]:
    return [[str(lv.price), lv.quantity, lv.orders] for lv in levels]


class TickMessage(dict[str, Any]):
    """A tick's bus message that keeps the `Tick` it was made from.

    The in-process bus hands subscribers the very message published, so the trading loop
    takes the tick back from it instead of rebuilding one (every field, each depth level a
    `Decimal`) for each of hundreds of ticks a second, on the event loop that also fans
    them out. Across processes it travels as the plain JSON object it is, and is rebuilt.
    """

    __slots__ = ("tick",)

    def __init__(self, tick: Tick, fields: dict[str, Any]) -> None:
        super().__init__(fields)
        self.tick = tick


def tick_to_message(tick: Tick) -> dict[str, Any]:
    """The bus message of a tick: every field, prices as exact decimal strings."""
    fields: dict[str, Any] = {
        "key": tick.key,
        "instrument_token": tick.instrument_token,
        "ts": tick.ts.isoformat(),
        "last_price": str(tick.last_price),
        "last_quantity": tick.last_quantity,
        "volume": tick.volume,
        "open": str(tick.open),
        "high": str(tick.high),
        "low": str(tick.low),
        "prev_close": str(tick.prev_close),
        "bid": _dec(tick.bid),
        "ask": _dec(tick.ask),
        "bid_quantity": tick.bid_quantity,
        "ask_quantity": tick.ask_quantity,
        "bids": _book(tick.bids),
        "asks": _book(tick.asks),
    }
    if tick.source is not None:  # a filled price (only then: the stream's hot path reads none)
        fields["source"] = tick.source
    return TickMessage(tick, fields)


def _opt(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _levels_from(rows: list[list[Any]]) -> tuple[DepthLevel, ...]:
    return tuple(DepthLevel(Decimal(p), int(q), int(n)) for p, q, n in rows)


def tick_from_message(message: dict[str, Any]) -> Tick:
    """Rebuild the `Tick` of a bus message (inverse of `tick_to_message`).

    Raises
    ------
    KeyError, ValueError, TypeError, decimal.InvalidOperation
        The message is not a tick message.
    """
    if isinstance(message, TickMessage):  # published in this process: the tick itself
        return message.tick
    ts = datetime.fromisoformat(message["ts"])
    if ts.tzinfo is None:
        raise ValueError("tick timestamps must be timezone-aware")
    return Tick(
        key=message["key"],
        instrument_token=int(message["instrument_token"]),
        ts=ts,
        last_price=Decimal(message["last_price"]),
        last_quantity=int(message["last_quantity"]),
        volume=int(message["volume"]),
        open=Decimal(message["open"]),
        high=Decimal(message["high"]),
        low=Decimal(message["low"]),
        prev_close=Decimal(message["prev_close"]),
        bid=_opt(message["bid"]),
        ask=_opt(message["ask"]),
        bid_quantity=int(message["bid_quantity"]),
        ask_quantity=int(message["ask_quantity"]),
        bids=_levels_from(message["bids"]),
        asks=_levels_from(message["asks"]),
        source=message.get("source"),
    )
