"""Synthetic minute candles inside stored day candles: the demo's intraday history.

Each session's 375 minutes (09:15 to 15:29 IST) are drawn through that day's candle, so the
minutes fold back into exactly the day: the first minute opens at the day's open, the last
closes at its close, one minute's close touches the day's high and another's its low, and the
volumes sum to the day's volume. The path between those four waypoints is a Brownian bridge
reflected into the day's range; a minute's high and low stretch a few ticks beyond its open
and close, never beyond the day's. Volume follows the simulated feed's U-shaped profile
(`feed.path.volume_fraction`) with the opening auction's share in the first minute.

Prices stay on the grid the day's prices lie on: the tick used is the largest NSE tick (at
most the one the day's close calls for) that divides all four of the day's prices, and every
NSE tick is a multiple of the smaller ones, so the minutes' prices are valid where the day's
are. Every draw is seeded by (seed, instrument, day): a day's minutes never depend on which
other instruments or days are generated with it, and re-running writes the same candles.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from tradertape.candles.bars import Bars, CandleSource
from tradertape.candles.store import CandleStore, SourceConflict, canonical_key
from tradertape.domain.market import Interval
from tradertape.domain.ticks import tick_size
from tradertape.feed.path import volume_fraction
from tradertape.ports.clock import IST

IST_OFFSET = timedelta(hours=5, minutes=30)

SESSION_MINUTES = 375  # 09:15 .. 15:29 IST, one candle a minute
OPEN_UTC_MINUTE = 3 * 60 + 45  # 09:15 IST is 03:45 UTC
OPENING_SHARE = 0.03  # of the day's volume in the first minute (the opening auction)
#: The NSE ticks, each a multiple of the ones before it (in paise).
TICKS_PAISE = (1, 5, 10, 50, 100, 500)
_WIGGLE_TICKS = 3.0  # a minute's high/low stretch beyond its body, in ticks (exponential mean)
MINUTES_ORIGIN = "synthetic-minutes:v1"

FloatArray = npt.NDArray[np.float64]


def grid_tick(open_: float, high: float, low: float, close: float, day: date) -> float:
    """The tick (rupees) the minutes of this day are drawn on (see the module docstring)."""
    ceiling = round(float(tick_size(Decimal(repr(close)), as_of=day)) * 100)
    prices = [round(p * 100) for p in (open_, high, low, close)]
    best = 1
    for paise in TICKS_PAISE:
        if paise <= ceiling and all(p % paise == 0 for p in prices):
            best = paise
    return best / 100


def _volume_cuts(volume: float) -> FloatArray:
    """Whole volumes per minute summing to `volume` (U-shaped, the auction in the first)."""
    position = np.arange(1, SESSION_MINUTES + 1) / SESSION_MINUTES
    x = 2 * position - 1
    share = OPENING_SHARE + (1 - OPENING_SHARE) * (position + (x**3 + 1) / 2) / 2
    assert abs(volume_fraction(1.0) - 1.0) < 1e-12  # the feed's profile, closed form above
    cumulative = np.floor(volume * share)
    cumulative[-1] = volume
    return np.diff(np.r_[0.0, cumulative])


def day_minutes(
    key: str,
    day: date,
    open_: float,
    high: float,
    low: float,
    close: float,
    volume: float,
    *,
    seed: int,
) -> Bars:
    """The 375 minute candles of one session through its day candle (times in UTC)."""
    tick = grid_tick(open_, high, low, close, day)
    o, h, lo, c = (round(p / tick) for p in (open_, high, low, close))
    rng = np.random.default_rng([seed, zlib.crc32(key.encode()), day.toordinal()])
    n = SESSION_MINUTES
    # points 0..n: point 0 is the open, point k (k >= 1) minute k-1's close
    waypoints = {0: float(o), n: float(c)}
    spots = rng.choice(np.arange(1, n), size=2, replace=False)
    waypoints[int(spots[0])] = float(h)
    waypoints[int(spots[1])] = float(lo)
    at = np.array(sorted(waypoints))
    values = np.array([waypoints[i] for i in at])
    steps = np.arange(n + 1, dtype=np.float64)
    line = np.interp(steps, at, values)
    walk = np.r_[0.0, np.cumsum(rng.standard_normal(n))] * max(h - lo, 1) * 0.5 / np.sqrt(n)
    pinned = np.interp(steps, at, walk[at])  # the walk through zero at every waypoint
    path = line + walk - pinned
    span = h - lo
    if span > 0:  # reflected into the day's range, not clipped (no flat runs at the edges)
        folded = np.mod(path - lo, 2 * span)
        path = lo + np.where(folded <= span, folded, 2 * span - folded)
    else:
        path = np.full_like(path, lo)
    points = np.floor(path + 0.5)
    points[at] = values  # the waypoints exactly
    opens, closes = points[:-1], points[1:]
    opens[0] = o
    body_high, body_low = np.maximum(opens, closes), np.minimum(opens, closes)
    highs = np.minimum(body_high + np.floor(rng.exponential(_WIGGLE_TICKS, n) * 0.5), h)
    lows = np.maximum(body_low - np.floor(rng.exponential(_WIGGLE_TICKS, n) * 0.5), lo)
    start = np.datetime64(day, "m") + np.timedelta64(OPEN_UTC_MINUTE, "m")
    return Bars.from_arrays(
        Interval.MINUTE,
        time=start + np.arange(n).astype("timedelta64[m]"),
        open=np.round(opens * tick, 2),
        high=np.round(highs * tick, 2),
        low=np.round(lows * tick, 2),
        close=np.round(closes * tick, 2),
        volume=_volume_cuts(volume),
    )


def minutes_within(key: str, days: Bars, *, seed: int) -> Bars:
    """Minute candles of every day in `days` (day bars), one session after another."""
    parts = [
        day_minutes(
            key,
            d,
            *(float(getattr(days, f)[i]) for f in ("open", "high", "low", "close", "volume")),
            seed=seed,
        )
        for i, d in enumerate(days.time.astype("datetime64[D]").tolist())
    ]
    if not parts:
        return Bars.empty(Interval.MINUTE)
    return Bars.from_arrays(
        Interval.MINUTE,
        **{f: np.concatenate([getattr(p, f) for p in parts]) for f in Bars.__slots__},
    )


def _day(moment: date | datetime | None) -> date:
    """The IST date of a stored series' first or last candle (`date.min` if none)."""
    if moment is None:
        return date.min
    if isinstance(moment, datetime):
        return (
            (moment + IST_OFFSET).date() if moment.tzinfo is None else moment.astimezone(IST).date()
        )
    return moment


@dataclass(frozen=True, slots=True)
class MinutesReport:
    """What a run did: series written, series already there, series holding other data."""

    written: int
    complete: int
    skipped: int
    first: date | None
    last: date | None


def synthesize_minutes(
    store: CandleStore,
    keys: Sequence[str],
    sessions: Sequence[date],
    *,
    seed: int,
    progress: Callable[[str, int, int], None] | None = None,
) -> MinutesReport:
    """Ensure synthetic minutes of `keys` for `sessions`, within their stored day candles.

    A series whose minutes already cover the sessions (from this generator) is left alone,
    as is one holding real or recorded minutes of another source (never overwritten)."""
    report = progress or (lambda stage, done, total: None)
    if not sessions:
        return MinutesReport(0, 0, 0, None, None)
    first, last = min(sessions), max(sessions)
    wanted = np.array(sorted(sessions), dtype="datetime64[D]")
    complete = skipped = 0
    todo: list[str] = []
    for key in dict.fromkeys(canonical_key(k) for k in keys):
        info = store.info(key, Interval.MINUTE)
        if info is not None and info.source.is_real:
            skipped += 1
        elif (
            info is not None
            and info.origin == MINUTES_ORIGIN
            and _day(info.first) <= first
            and _day(info.last) >= last
        ):
            complete += 1
        else:
            todo.append(key)

    def write(key: str) -> bool:
        days = store.read_daily(key, first, last)
        days = days.take(np.isin(days.time, wanted))
        if not len(days):
            return False
        bars = minutes_within(key, days, seed=seed)
        try:
            store.write(
                key, Interval.MINUTE, bars, source=CandleSource.SYNTHETIC, origin=MINUTES_ORIGIN
            )
        except SourceConflict:
            return False
        return True

    written = 0
    with ThreadPoolExecutor(max_workers=3) as pool:
        for done, wrote in enumerate(pool.map(write, todo), start=1):
            written += wrote
            skipped += not wrote
            report("minutes", done, len(todo))
    return MinutesReport(written, complete, skipped, first, last)
