"""Live candles: ticks folded into minute candles, and minutes into any Kite interval.

`CandleBook` keeps the recent minute candles of every instrument it has seen ticks for
(two sessions' worth by default), so a worker asking for "the last 20 five-minute
candles and the forming one" is answered from memory. `resample` turns minute candles
(from the book or the candle store) into 3-, 5-, 10-, 15-, 30- or 60-minute candles
aligned to the 09:15 open, as Kite aligns them; a bucket is complete once its end has
passed on the market clock.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from decimal import Decimal

from tradertape.domain.market import Tick, supersedes
from tradertape.ports.clock import IST

SESSION_OPEN = time(9, 15)
KEEP_MINUTES = 2 * 375 + 60  # two sessions and a little

INTERVAL_MINUTES = {
    "minute": 1,
    "3minute": 3,
    "5minute": 5,
    "10minute": 10,
    "15minute": 15,
    "30minute": 30,
    "60minute": 60,
}
ALIASES = {
    "1m": "minute",
    "1minute": "minute",
    "3m": "3minute",
    "5m": "5minute",
    "10m": "10minute",
    "15m": "15minute",
    "30m": "30minute",
    "60m": "60minute",
    "1h": "60minute",
    "1d": "day",
    "day": "day",
}


def interval_name(value: str) -> str | None:
    """Kite's name of an interval or one of its aliases (``5m`` → ``5minute``), or None."""
    text = value.strip().lower()
    if text in INTERVAL_MINUTES or text == "day":
        return text
    return ALIASES.get(text)


@dataclass(frozen=True, slots=True)
class Candle:
    """One candle; ``start`` is an aware instant (IST)."""

    start: datetime
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: int

    def merged(self, later: Candle) -> Candle:
        """This candle extended by a later one."""
        return replace(
            self,
            high=max(self.high, later.high),
            low=min(self.low, later.low),
            close=later.close,
            volume=self.volume + later.volume,
        )


def bucket_start(moment: datetime, minutes: int) -> datetime:
    """The start of the `minutes`-long bucket holding `moment`, counted from 09:15 IST."""
    local = moment.astimezone(IST).replace(second=0, microsecond=0)
    opening = datetime.combine(local.date(), SESSION_OPEN, tzinfo=IST)
    if local < opening or minutes == 1:
        return local
    offset = int((local - opening).total_seconds() // 60)
    return opening + timedelta(minutes=offset - offset % minutes)


def resample(minutes: Iterable[Candle], size: int) -> list[Candle]:
    """Minute candles (time-ordered) folded into `size`-minute buckets."""
    out: list[Candle] = []
    for candle in minutes:
        start = bucket_start(candle.start, size)
        if out and out[-1].start == start:
            out[-1] = out[-1].merged(candle)
        else:
            out.append(replace(candle, start=start))
    return out


def split_forming(
    candles: Sequence[Candle], size: timedelta, now: datetime
) -> tuple[list[Candle], Candle | None]:
    """Complete candles, and the last one if its bucket has not ended yet."""
    if candles and candles[-1].start + size > now:
        return list(candles[:-1]), candles[-1]
    return list(candles), None


class _Series:
    __slots__ = ("candles", "last_volume", "last_tick")

    def __init__(self, keep: int) -> None:
        self.candles: deque[Candle] = deque(maxlen=keep)
        self.last_volume: int | None = None
        self.last_tick: Tick | None = None


class CandleBook:
    """Thread-safe minute candles per ``EXCH:SYMBOL``, built from the ticks handed to it."""

    def __init__(self, *, keep_minutes: int = KEEP_MINUTES) -> None:
        self._keep = keep_minutes
        self._series: dict[str, _Series] = {}
        self._lock = threading.Lock()

    def update(self, tick: Tick) -> None:
        """Fold one tick in. A tick a little older than the current minute (a broker's
        exchange time lagging) is ignored; one from well before it is the session played
        again (a demo replay back at 09:15), whose minutes start afresh, as the quote book
        takes its price."""
        with self._lock:
            series = self._series.get(tick.key)
            if series is None:
                series = self._series[tick.key] = _Series(self._keep)
            traded = tick.last_quantity
            if series.last_volume is not None and tick.volume >= series.last_volume:
                traded = tick.volume - series.last_volume
            series.last_volume = tick.volume
            series.last_tick = tick
            minute = bucket_start(tick.ts, 1)
            price = tick.last_price
            candles = series.candles
            if candles and minute < candles[-1].start and supersedes(minute, candles[-1].start):
                while candles and candles[-1].start >= minute:
                    candles.pop()
            if candles and candles[-1].start == minute:
                last = candles[-1]
                candles[-1] = replace(
                    last,
                    high=max(last.high, price),
                    low=min(last.low, price),
                    close=price,
                    volume=last.volume + traded,
                )
            elif not candles or candles[-1].start < minute:
                candles.append(Candle(minute, price, price, price, price, traded))

    def instruments(self) -> list[str]:
        """Every key the book has seen ticks for."""
        with self._lock:
            return list(self._series)

    def minutes(self, key: str) -> list[Candle]:
        """The key's minute candles, oldest first."""
        with self._lock:
            series = self._series.get(key)
            return list(series.candles) if series is not None else []

    def last_tick(self, key: str) -> Tick | None:
        """The last tick folded in for `key`."""
        with self._lock:
            series = self._series.get(key)
            return series.last_tick if series is not None else None
