"""The fake's prices: settable, moved by a seeded random walk, and daily candles.

Prices live in paise-exact Decimals on NSE's 0.05 tick. Unknown symbols get a stable
price derived from their name, so any symbol can be traded without set-up.
"""

from __future__ import annotations

import hashlib
import random
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from tradertape.ports.clock import IST

TICK = Decimal("0.05")
DEFAULT_PRICES = {
    "INFY": Decimal("1500"),
    "RELIANCE": Decimal("2500"),
    "TCS": Decimal("3500"),
    "SBIN": Decimal("800"),
    "WIPRO": Decimal("250"),
}


def on_tick(value: Decimal) -> Decimal:
    """Round to NSE's 0.05 tick (never below one tick)."""
    snapped = (value / TICK).quantize(Decimal(1), rounding=ROUND_HALF_UP) * TICK
    return max(snapped, TICK)


def _seeded(symbol: str) -> random.Random:
    digest = hashlib.sha256(symbol.encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))  # noqa: S311 - simulation


class Prices:
    """Last traded prices per symbol (the fake ignores which exchange quotes it)."""

    def __init__(self, seed: int = 7) -> None:
        self._last: dict[str, Decimal] = dict(DEFAULT_PRICES)
        self._rng = random.Random(seed)  # noqa: S311 - a simulation, not security

    def get(self, symbol: str) -> Decimal:
        """The symbol's last price (a stable made-up one the first time it is asked)."""
        if symbol not in self._last:
            self._last[symbol] = on_tick(Decimal(_seeded(symbol).randint(100, 3000)))
        return self._last[symbol]

    def set(self, symbol: str, price: Decimal) -> None:
        """Move a symbol to `price` (a control action)."""
        self._last[symbol] = on_tick(price)

    def walk(self, steps: int) -> None:
        """Move every known price `steps` random steps of up to ±0.2 %."""
        for _ in range(steps):
            for symbol, price in sorted(self._last.items()):
                move = Decimal(str(self._rng.uniform(-0.002, 0.002)))
                self._last[symbol] = on_tick(price * (1 + move))

    def snapshot(self) -> dict[str, str]:
        """Every known price, as strings."""
        return {s: str(p) for s, p in sorted(self._last.items())}


def daily_candles(symbol: str, last: Decimal, start: date, end: date) -> list[list[float | int]]:
    """Weekday candles ``[epoch_seconds, o, h, l, c, volume]`` ending near `last`."""
    days = []
    day = start
    while day <= end:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    rng = _seeded(f"{symbol}:candles")
    close = last
    rows: list[list[float | int]] = []
    for day in reversed(days):
        drift = Decimal(str(rng.uniform(-0.015, 0.015)))
        open_ = on_tick(close * (1 - drift))
        high = on_tick(max(open_, close) * Decimal("1.006"))
        low = on_tick(min(open_, close) * Decimal("0.994"))
        stamp = int(datetime.combine(day, time(0, 0), tzinfo=IST).timestamp())
        volume = rng.randint(50_000, 2_000_000)
        rows.append([stamp, float(open_), float(high), float(low), float(close), volume])
        close = open_
    rows.reverse()
    return rows
