"""Candles of one instrument for the UI and the API, always labelled with their source.

Rows are Kite's historical-candle shape, ``[timestamp, open, high, low, close, volume]`` with
an IST ISO-8601 timestamp, so a chart or a Kite client reads them as they are. A range with no
candles still answers, with the series' source, or ``none`` when nothing is stored at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from tradertape.candles import CandleStore
from tradertape.candles.bars import Bars
from tradertape.candles.live import Candle as LiveCandle
from tradertape.candles.live import CandleBook
from tradertape.domain.market import Interval
from tradertape.errors import InvalidField, NotFound
from tradertape.ports.clock import IST, Clock, ist_now

NO_DATA = "none"
#: Like Kite, minute candles are served at most this many days per request.
MAX_MINUTE_DAYS = 60
DEFAULT_DAYS = {Interval.DAY: 365, Interval.MINUTE: 5}
_IST = np.timedelta64(330, "m")

Candle = tuple[str, float, float, float, float, int]


@dataclass(frozen=True, slots=True)
class History:
    """One instrument's candles over a range, and where they came from."""

    symbol: str
    interval: Interval
    source: str
    start: date
    end: date
    candles: list[Candle]


def _timestamps(bars: Bars, interval: Interval) -> list[str]:
    if interval is Interval.DAY:
        days = np.datetime_as_string(bars.time, unit="D")
        return [f"{d}T00:00:00+05:30" for d in days.tolist()]
    local = np.datetime_as_string(bars.time + _IST, unit="s")
    return [f"{t}+05:30" for t in local.tolist()]


def candle_rows(bars: Bars, interval: Interval) -> list[Candle]:
    """Kite-shaped rows."""
    return list(
        zip(
            _timestamps(bars, interval),
            bars.open.tolist(),
            bars.high.tolist(),
            bars.low.tolist(),
            bars.close.tolist(),
            bars.volume.astype(np.int64).tolist(),
            strict=True,
        )
    )


def history(
    store: CandleStore,
    *,
    clock: Clock,
    symbol: str,
    interval: Interval,
    start: date | None = None,
    end: date | None = None,
    live: CandleBook | None = None,
    live_source: str = "live",
) -> History:
    """Candles of ``symbol`` from ``start`` to ``end`` (IST dates, inclusive).

    Without ``end`` the range ends today; without ``start`` it covers the last year of days
    (or five days of minutes). Minutes the feed built today (`live`) follow the stored ones,
    labelled `live_source` when nothing is stored.
    """
    instrument = store.catalog.find(symbol)
    if instrument is None:
        raise NotFound(f"unknown instrument '{symbol}'")
    end = end or ist_now(clock).date()
    start = start or end - timedelta(days=DEFAULT_DAYS[interval])
    if start > end:
        raise InvalidField("to", f"{end} is before from ({start})")
    if interval is Interval.MINUTE and (end - start).days >= MAX_MINUTE_DAYS:
        raise InvalidField("to", f"minute candles are served {MAX_MINUTE_DAYS} days at a time")
    info = store.info(instrument.key, interval)
    bars = store.read(instrument.key, interval, start, end)
    rows = candle_rows(bars, interval)
    source = info.source.value if info else NO_DATA
    if interval is Interval.MINUTE and live is not None:
        # today's minutes from the feed, after the last stored one (the chart's intraday view)
        last = rows[-1][0] if rows else ""
        extra = [_live_row(c) for c in live.minutes(instrument.key)]
        extra = [r for r in extra if r[0] > last and start.isoformat() <= r[0][:10] <= str(end)]
        if extra and not rows:
            source = live_source
        rows += extra
    return History(
        symbol=instrument.key,
        interval=interval,
        source=source,
        start=start,
        end=end,
        candles=rows,
    )


def _live_row(candle: LiveCandle) -> Candle:
    return (
        candle.start.astimezone(IST).isoformat(timespec="seconds"),
        float(candle.open),
        float(candle.high),
        float(candle.low),
        float(candle.close),
        candle.volume,
    )
