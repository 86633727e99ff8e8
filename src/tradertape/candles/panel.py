"""Aligned panels: N instruments × the NSE trading days of a range, one float64 array per field.

(An intraday panel, `CandleStore.load_intraday_panel`, has the same shape over the bars of
the range's sessions instead of its days: ``days`` are the bars' starts, ``ends`` their ends.)

A backtest indexes ``close[t, j]`` without asking whether instrument ``j`` traded on day ``t``:
every panel shares the calendar's axis, and a missing bar is NaN. The axis comes from the
shipped NSE calendar, so a weekday holiday is never a row and a Budget Saturday always is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache

import numpy as np
import numpy.typing as npt

from tradertape.candles.bars import Bars, DataLabel, FloatArray, TimeArray
from tradertape.candles.cache import CachedSeries
from tradertape.domain.calendar import Market as CalendarMarket
from tradertape.domain.calendar import (
    OutsideCalendarError,
    Phase,
    Session,
    TradingCalendar,
    timetable,
)
from tradertape.domain.market import Interval

EPOCH_DAY = np.datetime64("1970-01-01", "D")


@cache
def trading_axis(calendar: TradingCalendar) -> TimeArray:
    """Every trading day the calendar covers, as ``datetime64[D]`` (computed once per calendar).

    Building it walks ~4,000 dates through Python; slicing it per request is a binary search.
    """
    end = max(calendar.last_day, _provisional_end(calendar))
    days = np.array(calendar.trading_days(calendar.first_day, end), dtype="datetime64[D]")
    days.flags.writeable = False
    return days


def _provisional_end(calendar: TradingCalendar) -> date:
    # `covers` is the only public view of the provisional years; find the last covered year-end.
    year = calendar.last_day.year
    while calendar.covers(date(year + 1, 12, 31)):
        year += 1
    return date(year, 12, 31)


def axis_window(calendar: TradingCalendar, start: date, end: date) -> tuple[int, int]:
    """Rows ``lo:hi`` of `trading_axis` from ``start`` to ``end`` inclusive; refuses dates the
    calendar cannot know."""
    for day in (start, end):
        if not calendar.covers(day):
            raise OutsideCalendarError(f"{day} is outside the NSE calendar's known years")
    axis = trading_axis(calendar)
    lo = int(np.searchsorted(axis, np.datetime64(start, "D"), side="left"))
    hi = int(np.searchsorted(axis, np.datetime64(end, "D"), side="right"))
    return lo, hi


def axis_between(calendar: TradingCalendar, start: date, end: date) -> TimeArray:
    """Trading days from ``start`` to ``end`` inclusive (a view of `trading_axis`)."""
    lo, hi = axis_window(calendar, start, end)
    return trading_axis(calendar)[lo:hi]


@dataclass(frozen=True, slots=True, eq=False, weakref_slot=True)  # (`IndicatorBook`'s layouts)
class Panel:
    """Daily OHLCV of several instruments on one trading-day axis.

    Arrays are ``(len(days), len(keys))`` float64, NaN where an instrument has no bar that day.
    ``sources`` says per instrument where its stored series came from (``None``: no series),
    so a report built on the panel can say "synthetic" when it is.
    """

    days: TimeArray
    keys: tuple[str, ...]
    sectors: tuple[str | None, ...]
    sources: tuple[str | None, ...]
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray
    # An intraday panel's bars: ``days`` holds each bar's start and this its end (both
    # ``datetime64[m]``, UTC; the end capped at the session's close). None: a day panel.
    ends: TimeArray | None = None

    @property
    def intraday(self) -> bool:
        """Whether the rows are intraday bars (``days`` their starts), not days."""
        return self.ends is not None

    @property
    def label(self) -> DataLabel:
        """Where the panel's series came from (``synthetic``, ``mixed``, ...)."""
        return DataLabel.of(self.sources)

    @property
    def shape(self) -> tuple[int, int]:
        """(trading days, instruments)."""
        return (int(self.days.shape[0]), len(self.keys))

    def column(self, key: str) -> int:
        """Index of an instrument's column."""
        try:
            return self.keys.index(key)
        except ValueError:
            raise KeyError(key) from None

    def bars(self, key: str) -> Bars:
        """One instrument's candles, without the days it has no bar."""
        j = self.column(key)
        present = ~np.isnan(self.close[:, j])
        return Bars.from_arrays(
            Interval.DAY,
            time=self.days[present],
            open=self.open[present, j],
            high=self.high[present, j],
            low=self.low[present, j],
            close=self.close[present, j],
            volume=self.volume[present, j],
        )


def day_numbers(days: TimeArray) -> npt.NDArray[np.int64]:
    """Days since 1970-01-01: integer keys make alignment a plain `searchsorted`."""
    return (days.astype("datetime64[D]") - EPOCH_DAY).astype(np.int64)


def assemble(
    entries: Sequence[CachedSeries | None], lo: int, hi: int
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """The five (days, instruments) arrays for rows ``lo:hi`` of the global trading axis.

    Built instrument-major, so each instrument's values land in one contiguous row (a plain
    copy when the instrument has no gap in the window), then returned transposed: the arrays
    are Fortran-ordered views, (days, instruments) like every panel.
    """
    out = np.full((5, len(entries), hi - lo), np.nan)
    for j, entry in enumerate(entries):
        if entry is None:
            continue
        a = int(np.searchsorted(entry.pos, lo))
        b = int(np.searchsorted(entry.pos, hi))
        if a == b:
            continue
        first, last = int(entry.pos[a]), int(entry.pos[b - 1])
        if last - first == b - a - 1:  # no gap: slices, not fancy indexing
            for k, values in enumerate(entry.axis_fields):
                out[k, j, first - lo : last - lo + 1] = values[a:b]
        else:
            rows = entry.pos[a:b] - lo
            for k, values in enumerate(entry.axis_fields):
                out[k, j, rows] = values[a:b]
    o, h, low, c, v = (out[k].T for k in range(5))
    return o, h, low, c, v


_IST_OFFSET = np.timedelta64(330, "m")


def _sessions(calendar: TradingCalendar, start: date, end: date) -> list[tuple[date, Phase]]:
    """The trading days from ``start`` to ``end`` with their NSE equity continuous phase;
    refuses dates the calendar cannot know."""
    for day in (start, end):
        if not calendar.covers(day):
            raise OutsideCalendarError(f"{day} is outside the NSE calendar's known years")
    return [
        (day, next(p for p in timetable(CalendarMarket.EQUITY, day) if p.session is Session.NORMAL))
        for day in calendar.trading_days(start, end)
    ]


def session_bars(
    calendar: TradingCalendar, start: date, end: date, minutes: int
) -> tuple[TimeArray, TimeArray]:
    """Every ``minutes``-minute bar of the NSE equity sessions from ``start`` to ``end``
    (inclusive): their starts and ends, ``datetime64[m]`` UTC. Each session is the
    calendar's day and its timetable's continuous (NORMAL) phase, special sessions
    included; bars start at its open and every ``minutes`` after it (as `resample.intraday`
    folds minutes), the last one cut at its close."""
    starts: list[TimeArray] = []
    ends: list[TimeArray] = []
    for day, phase in _sessions(calendar, start, end):
        midnight = np.datetime64(day, "m") - _IST_OFFSET
        opens = phase.start.hour * 60 + phase.start.minute
        closes = phase.end.hour * 60 + phase.end.minute
        first = np.arange(opens, closes, minutes, dtype=np.int64)
        starts.append(midnight + first.astype("timedelta64[m]"))
        ends.append(midnight + np.minimum(first + minutes, closes).astype("timedelta64[m]"))
    if not starts:
        empty = np.zeros(0, dtype="datetime64[m]")
        return empty, empty.copy()
    return np.concatenate(starts), np.concatenate(ends)


def session_bar_count(calendar: TradingCalendar, start: date, end: date, minutes: int) -> int:
    """How many bars `session_bars` has, without building them."""
    total = 0
    for _, phase in _sessions(calendar, start, end):
        span = (phase.end.hour - phase.start.hour) * 60 + phase.end.minute - phase.start.minute
        total += -(-span // minutes)
    return total
