"""Candles of one instrument for the UI and the API, always labelled with their source.

Rows are Kite's historical-candle shape, ``[timestamp, open, high, low, close, volume]`` with
an IST ISO-8601 timestamp, so a chart or a Kite client reads them as they are. A range with no
candles still answers, with the series' source, or ``none`` when nothing is stored at all.

Every chart interval comes from the two stored ones (`candles.resample`): 3- to 60-minute
candles are the stored minutes (and today's, as the feed built them) folded from 09:15 IST,
as NSE and Kite align them; weeks are the stored days folded from Monday. As at Kite, the
shorter the candle the fewer days one request may span (`MAX_SPAN_DAYS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, timedelta

import numpy as np

from tradertape.candles import CandleStore
from tradertape.candles.bars import Bars
from tradertape.candles.live import Candle as LiveCandle
from tradertape.candles.live import CandleBook
from tradertape.candles.resample import intraday, weekly
from tradertape.domain.market import ChartInterval, Interval
from tradertape.errors import InvalidField, NotFound
from tradertape.ports.clock import IST, Clock, ist_now

NO_DATA = "none"
#: Days shown when the request gives no ``from``.
DEFAULT_DAYS = {
    ChartInterval.MINUTE: 5,
    ChartInterval.MINUTE_3: 10,
    ChartInterval.MINUTE_5: 15,
    ChartInterval.MINUTE_15: 30,
    ChartInterval.MINUTE_30: 60,
    ChartInterval.MINUTE_60: 120,
    ChartInterval.DAY: 365,
    ChartInterval.WEEK: 5 * 365,
}
#: The longest span one request may cover (Kite's limits for its historical candles).
MAX_SPAN_DAYS = {
    ChartInterval.MINUTE: 60,
    ChartInterval.MINUTE_3: 100,
    ChartInterval.MINUTE_5: 100,
    ChartInterval.MINUTE_15: 200,
    ChartInterval.MINUTE_30: 200,
    ChartInterval.MINUTE_60: 400,
}
_IST = np.timedelta64(330, "m")

Candle = tuple[str, float, float, float, float, int]


@dataclass(frozen=True, slots=True)
class History:
    """One instrument's candles over a range, and where they came from."""

    symbol: str
    interval: ChartInterval
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
    interval: ChartInterval,
    start: date | None = None,
    end: date | None = None,
    live: CandleBook | None = None,
    live_source: str = "live",
) -> History:
    """Candles of ``symbol`` from ``start`` to ``end`` (IST dates, inclusive).

    Without ``end`` the range ends today; without ``start`` it covers `DEFAULT_DAYS` of the
    interval. Minutes the feed built (`live`) follow the stored ones, its session its own
    (`with_live_session`), labelled `live_source` when nothing is stored; intraday intervals
    fold them in with the rest.
    """
    key, start, end = chart_range(store, clock, symbol, interval, start, end)
    bars, source = chart_bars(store, key, interval, start, end, live=live, live_source=live_source)
    return History(
        symbol=key,
        interval=interval,
        source=source,
        start=start,
        end=end,
        candles=candle_rows(bars, interval.stored),
    )


def chart_range(
    store: CandleStore,
    clock: Clock,
    symbol: str,
    interval: ChartInterval,
    start: date | None,
    end: date | None,
) -> tuple[str, date, date]:
    """The instrument's key and the range a chart request covers: without ``end`` it ends
    today, without ``start`` it covers `DEFAULT_DAYS` of the interval; an unknown symbol is
    a 404, ``to`` before ``from`` or a span past `MAX_SPAN_DAYS` a 422 on ``to``."""
    instrument = store.catalog.find(symbol)
    if instrument is None:
        raise NotFound(f"unknown instrument '{symbol}'")
    end = end or ist_now(clock).date()
    start = start or end - timedelta(days=DEFAULT_DAYS[interval])
    if start > end:
        raise InvalidField("to", f"{end} is before from ({start})")
    span = MAX_SPAN_DAYS.get(interval)
    if span is not None and (end - start).days >= span:
        raise InvalidField("to", f"{interval.value} candles are served {span} days at a time")
    return instrument.key, start, end


def chart_bars(
    store: CandleStore,
    key: str,
    interval: ChartInterval,
    start: date,
    end: date,
    *,
    live: CandleBook | None = None,
    live_source: str = "live",
) -> tuple[Bars, str]:
    """The candles of `interval` from `start` to `end` as the chart shows them (stored ones
    folded, with the feed's minutes), and their source; the indicators read the same."""
    stored = interval.stored
    info = store.info(key, stored)
    bars = store.read(key, stored, start, end)
    source = info.source.value if info else NO_DATA
    if stored is Interval.MINUTE and live is not None:
        joined = with_live_session(bars, live.minutes(key), start, end)
        if len(joined) and not len(bars):
            source = live_source
        bars = joined
    if interval.minutes is not None:
        bars = intraday(bars, interval.minutes)
    elif interval is ChartInterval.WEEK:
        bars = weekly(bars)
    return bars, source


def _live_after(bars: Bars, minutes: list[LiveCandle], start: date, end: date) -> Bars:
    """The live book's minutes within the dates that the stored ones lack, as bars."""
    last = bars.time[-1] if len(bars) else None
    kept = [
        c
        for c in minutes
        if start <= c.start.astimezone(IST).date() <= end
        and (last is None or _utc_second(c) > last)
    ]
    return _as_bars(kept)


def _as_bars(kept: list[LiveCandle]) -> Bars:
    return Bars.from_arrays(
        Interval.MINUTE,
        time=[_utc_second(c) for c in kept],
        open=[float(c.open) for c in kept],
        high=[float(c.high) for c in kept],
        low=[float(c.low) for c in kept],
        close=[float(c.close) for c in kept],
        volume=[c.volume for c in kept],
    )


def with_live_session(bars: Bars, minutes: list[LiveCandle], start: date, end: date) -> Bars:
    """Stored minutes joined with the feed's: from the first minute the feed built of its
    session (the day of its last minute) on, the minutes are the feed's, whatever the store
    holds of them (a demo replays a session the store may hold in full: its later minutes
    are not the chart's yet); stored minutes before it stay (the session's start, recorded
    before a restart), and the feed's earlier days fill in after the last stored minute."""
    if not minutes:
        return bars
    day = minutes[-1].start.astimezone(IST).date()
    if not start <= day <= end:
        return _joined(bars, _live_after(bars, minutes, start, end))
    session = [c for c in minutes if c.start.astimezone(IST).date() == day]
    earlier = [c for c in minutes if c.start.astimezone(IST).date() < day]
    before = bars.take(bars.time < _utc_second(session[0]))
    return _joined(_joined(before, _live_after(before, earlier, start, end)), _as_bars(session))


def _utc_second(candle: LiveCandle) -> np.datetime64:
    return np.datetime64(candle.start.astimezone(UTC).replace(tzinfo=None), "s")


def _joined(first: Bars, then: Bars) -> Bars:
    if not len(then):
        return first
    return Bars(
        time=np.concatenate([first.time, then.time]),
        open=np.concatenate([first.open, then.open]),
        high=np.concatenate([first.high, then.high]),
        low=np.concatenate([first.low, then.low]),
        close=np.concatenate([first.close, then.close]),
        volume=np.concatenate([first.volume, then.volume]),
    )
