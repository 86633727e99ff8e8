"""Stored candles folded into longer ones: minutes into 3- to 60-minute candles, days into weeks.

Columns in, columns out (`Bars`), so a chart's months of minutes fold without a Python loop.
The buckets are the ones traders know from NSE and Kite:

- an intraday candle of ``n`` minutes starts at 09:15 IST and every ``n`` minutes after it,
  so 60-minute candles run 09:15-10:15, 10:15-11:15 … 14:15-15:15, and 15:15-15:30 is the
  session's last, short one; a minute before 09:15 (a pre-open print) stays a candle of its
  own, as `candles.live.bucket_start` keeps it, which the live candles use (a property test
  holds the two together);
- a week starts on Monday (IST) and is dated by that Monday, whether or not it traded.

A candle's open is its first minute's (day's) open, its close the last one's close, its high
and low the extremes, its volume the sum. Only buckets holding a candle appear.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tradertape.candles.bars import TIME_UNIT, Bars
from tradertape.domain.market import Interval

IST_OFFSET_S = 19_800  # +05:30
SESSION_OPEN_S = (9 * 60 + 15) * 60  # 09:15 after midnight IST
_DAY_S = 86_400
_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday: days since the epoch + 3, mod 7, is Mon = 0


def minute_buckets(time: npt.NDArray[np.datetime64], minutes: int) -> npt.NDArray[np.int64]:
    """The UTC second each minute (``datetime64[s]``, UTC) starts its `minutes` bucket at."""
    seconds = time.astype("datetime64[s]").astype(np.int64)
    local = seconds + IST_OFFSET_S
    midnight = local - local % _DAY_S
    into = local - midnight
    size = minutes * 60
    after_open = into - SESSION_OPEN_S
    aligned = np.where(
        after_open >= 0, SESSION_OPEN_S + after_open - after_open % size, into - into % 60
    )
    starts: npt.NDArray[np.int64] = midnight + aligned - IST_OFFSET_S
    return starts


def week_starts(days: npt.NDArray[np.datetime64]) -> npt.NDArray[np.int64]:
    """The Monday (days since the epoch) of each day's week."""
    count = days.astype("datetime64[D]").astype(np.int64)
    return count - (count + _EPOCH_WEEKDAY) % 7


def _fold(bars: Bars, keys: npt.NDArray[np.int64], time: npt.NDArray[np.datetime64]) -> Bars:
    """Consecutive bars sharing a key as one bar stamped `time` (one per bar, run-aligned)."""
    if len(bars) == 0:
        return bars
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[starts[1:], len(bars)] - 1
    return Bars(
        time=time[starts],
        open=bars.open[starts],
        high=np.maximum.reduceat(bars.high, starts),
        low=np.minimum.reduceat(bars.low, starts),
        close=bars.close[ends],
        volume=np.add.reduceat(bars.volume, starts),
    )


def intraday(bars: Bars, minutes: int) -> Bars:
    """Minute bars (time-ascending) folded into `minutes`-minute candles from 09:15 IST."""
    if minutes < 1:
        raise ValueError("a candle lasts at least a minute")
    if minutes == 1:
        return bars
    keys = minute_buckets(bars.time, minutes)
    return _fold(bars, keys, keys.astype(TIME_UNIT[Interval.MINUTE]))


def weekly(bars: Bars) -> Bars:
    """Day bars (time-ascending) folded into weeks, each dated by its Monday."""
    keys = week_starts(bars.time)
    return _fold(bars, keys, keys.astype(TIME_UNIT[Interval.DAY]))
