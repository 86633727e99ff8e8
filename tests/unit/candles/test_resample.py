"""Folding stored candles: intraday buckets from 09:15 IST as the live candles fold them,
weeks from Monday, every candle's prices and volume kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tradertape.candles.bars import Bars
from tradertape.candles.live import Candle, bucket_start, resample
from tradertape.candles.resample import intraday, minute_buckets, week_starts, weekly
from tradertape.domain.market import Interval
from tradertape.ports.clock import IST

SIZES = st.sampled_from([1, 3, 5, 10, 15, 30, 60])
# A few days' minutes around the session, pre-open and after-hours prints included.
MINUTES = st.lists(st.integers(min_value=0, max_value=4 * 24 * 60), min_size=1, max_size=200)
ORIGIN = datetime(2024, 2, 28, 0, 0, tzinfo=IST)


def _at(minute: int) -> datetime:
    return ORIGIN + timedelta(minutes=minute)


@given(minutes=MINUTES, size=SIZES)
def test_a_stored_minute_lands_in_the_bucket_a_live_minute_does(minutes: list[int], size: int):
    moments = [_at(m) for m in sorted(set(minutes))]
    utc = np.array([m.astimezone(UTC).replace(tzinfo=None) for m in moments], "datetime64[s]")
    folded = minute_buckets(utc, size).astype("datetime64[s]")
    expected = [bucket_start(m, size).astimezone(UTC).replace(tzinfo=None) for m in moments]
    assert folded.tolist() == expected


@given(minutes=MINUTES, size=SIZES)
def test_folded_columns_equal_the_live_resample(minutes: list[int], size: int):
    moments = [_at(m) for m in sorted(set(minutes))]
    prices = [Decimal(100 + (i * 7) % 13) for i in range(len(moments))]
    live = [
        Candle(m, p, p + 2, p - 1, p + 1, 10 + i)
        for i, (m, p) in enumerate(zip(moments, prices, strict=True))
    ]
    bars = Bars.from_arrays(
        Interval.MINUTE,
        time=np.array(
            [m.astimezone(UTC).replace(tzinfo=None) for m in moments], dtype="datetime64[us]"
        ),
        open=[float(c.open) for c in live],
        high=[float(c.high) for c in live],
        low=[float(c.low) for c in live],
        close=[float(c.close) for c in live],
        volume=[c.volume for c in live],
    )
    folded = intraday(bars, size)
    expected = resample(live, size)
    assert len(folded) == len(expected)
    assert folded.time.tolist() == [c.start.astimezone(UTC).replace(tzinfo=None) for c in expected]
    for column in ("open", "high", "low", "close"):
        assert getattr(folded, column).tolist() == [float(getattr(c, column)) for c in expected]
    assert folded.volume.tolist() == [c.volume for c in expected]


@given(days=st.lists(st.integers(min_value=0, max_value=3000), min_size=1, max_size=100))
def test_a_week_is_dated_by_the_monday_on_or_before_each_day(days: list[int]):
    dates = np.datetime64("2015-01-01") + np.array(sorted(set(days)), dtype="timedelta64[D]")
    mondays = week_starts(dates).astype("datetime64[D]").tolist()
    for day, monday in zip(dates.tolist(), mondays, strict=True):
        assert monday.weekday() == 0
        assert 0 <= (day - monday).days <= 6
    bars = Bars.from_arrays(
        Interval.DAY,
        time=dates,
        open=np.arange(len(dates), dtype=float),
        high=np.arange(len(dates), dtype=float) + 1,
        low=np.arange(len(dates), dtype=float) - 1,
        close=np.arange(len(dates), dtype=float) + 0.5,
        volume=np.ones(len(dates)),
    )
    weeks = weekly(bars)
    assert weeks.time.tolist() == sorted(set(mondays))
    assert weeks.volume.sum() == len(dates)
    assert weeks.high.max() == bars.high.max()
    assert weeks.low.min() == bars.low.min()


def test_nothing_folds_into_nothing():
    empty = Bars.empty(Interval.MINUTE)
    assert len(intraday(empty, 60)) == 0
    assert len(weekly(Bars.empty(Interval.DAY))) == 0
