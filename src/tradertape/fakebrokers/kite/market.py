"""Quotes and candles of the fake: quotes from the book's prices, candles made up but stable.

Candles are a smooth deterministic curve around each instrument's opening price, so the
same request always returns the same history (no randomness, no stored series).
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from tradertape.fakebrokers.kite.book import KiteBook
from tradertape.fakebrokers.kite.errors import input_error
from tradertape.fakebrokers.kite.instruments import Instrument
from tradertape.ports.clock import IST

INTERVAL_MINUTES = {
    "minute": 1,
    "3minute": 3,
    "5minute": 5,
    "10minute": 10,
    "15minute": 15,
    "30minute": 30,
    "60minute": 60,
}
_OPEN, _CLOSE = time(9, 15), time(15, 30)


def quote(book: KiteBook, inst: Instrument, mode: str) -> dict[str, Any]:
    """One instrument's ``ltp``, ``ohlc`` or full ``quote`` entry."""
    day = book.day(inst.instrument_token)
    last = float(day.last)
    entry: dict[str, Any] = {"instrument_token": inst.instrument_token, "last_price": last}
    if mode == "ltp":
        return entry
    entry["ohlc"] = {
        "open": float(day.open),
        "high": float(day.high),
        "low": float(day.low),
        "close": float(day.close),
    }
    if mode == "ohlc":
        return entry
    stamp = book.stamp()
    tick = inst.tick_size or Decimal("0.05")
    entry.update(
        timestamp=stamp,
        last_trade_time=stamp,
        last_quantity=1,
        buy_quantity=5000,
        sell_quantity=5000,
        volume=day.volume,
        average_price=last,
        oi=0,
        oi_day_high=0,
        oi_day_low=0,
        net_change=float(day.last - day.close),
        lower_circuit_limit=float((day.close * Decimal("0.8")).quantize(Decimal("0.05"))),
        upper_circuit_limit=float((day.close * Decimal("1.2")).quantize(Decimal("0.05"))),
        depth={
            "buy": [
                {"price": float(day.last - tick * n), "quantity": 100 * n, "orders": n}
                for n in range(1, 6)
            ],
            "sell": [
                {"price": float(day.last + tick * n), "quantity": 100 * n, "orders": n}
                for n in range(1, 6)
            ],
        },
    )
    return entry


def _bar(inst: Instrument, n: int, scale: float) -> list[Any]:
    base = float(inst.price)
    close = base * (1 + scale * math.sin(n / 7 + inst.instrument_token % 97))
    open_ = base * (1 + scale * math.sin((n - 1) / 7 + inst.instrument_token % 97))
    high, low = max(open_, close) * (1 + scale / 5), min(open_, close) * (1 - scale / 5)
    volume = 100_000 + (n * 7919) % 50_000
    return [round(open_, 2), round(high, 2), round(low, 2), round(close, 2), volume]


def _parse(text: str, name: str) -> datetime:
    try:
        return datetime.strptime(text[:19] + "+0530", "%Y-%m-%d %H:%M:%S%z")
    except ValueError:
        try:
            return datetime.combine(date.fromisoformat(text[:10]), time(), tzinfo=IST)
        except ValueError as exc:
            raise input_error(f"Invalid `{name}`.") from exc


def candles(inst: Instrument, interval: str, start: str, end: str, today: date) -> list[Any]:
    """Kite's ``candles`` array for `inst` between `start` and `end` (IST wall times)."""
    first, last = _parse(start, "from"), _parse(end, "to")
    if last < first:
        raise input_error("`from` is after `to`.")
    if interval != "day" and interval not in INTERVAL_MINUTES:
        raise input_error("Invalid `interval`.")
    rows: list[Any] = []
    day = first.date()
    while day <= min(last.date(), today):
        if day.weekday() < 5:
            if interval == "day":
                midnight = datetime.combine(day, time(), tzinfo=IST)
                rows.append(
                    [midnight.strftime("%Y-%m-%dT%H:%M:%S%z"), *_bar(inst, day.toordinal(), 0.05)]
                )
            else:
                step = INTERVAL_MINUTES[interval]
                at = datetime.combine(day, _OPEN, tzinfo=IST)
                while at.time() < _CLOSE:
                    if first <= at <= last:
                        n = day.toordinal() * 400 + (at.hour * 60 + at.minute)
                        stamp = at.strftime("%Y-%m-%dT%H:%M:%S%z")
                        rows.append([stamp, *_bar(inst, n, 0.002)])
                    at += timedelta(minutes=step)
        day += timedelta(days=1)
    return rows
