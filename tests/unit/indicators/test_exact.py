"""Ties are ties: on the tick grid, indicator values that are mathematically equal are the
same float, so a rule like ``crosses_above(sma20, sma50)`` never sees a phantom cross."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tradertape.indicators import IndicatorBook

TICK = 20  # ticks per rupee


def _book(*columns: list[int]) -> IndicatorBook:
    """A book whose closes (and every other price) are the given tick counts, one column
    each, aligned at the last row; volume is constant."""
    days = max(len(c) for c in columns)
    close = np.full((days, len(columns)), np.nan)
    for j, ticks in enumerate(columns):
        close[days - len(ticks) :, j] = np.array(ticks) / TICK
    return IndicatorBook(close, close, close, close, np.full_like(close, 1000.0))


@st.composite
def equal_mean_windows(draw: st.DrawFn) -> tuple[list[int], list[int]]:
    """20 and 50 tick prices whose means are exactly equal (in ticks: the 50 sum to 2.5 ×
    the 20). The long window starts level and is then spread by zero-sum swings."""
    short = draw(st.lists(st.integers(1, 400_000), min_size=20, max_size=20))
    if sum(short) % 2:
        short[0] += 1
    base, extra = divmod(sum(short) * 5 // 2, 50)
    long = [base + (1 if k < extra else 0) for k in range(50)]
    for k, swing in enumerate(draw(st.lists(st.integers(0, 10**6), min_size=25, max_size=25))):
        swing = min(swing, long[2 * k + 1] - 1)
        long[2 * k] += swing
        long[2 * k + 1] -= swing
    return short, draw(st.permutations(long))


@settings(max_examples=200, deadline=None)
@given(
    windows=equal_mean_windows(), filler=st.lists(st.integers(1, 400_000), min_size=30, max_size=30)
)
def test_equal_means_are_equal_floats(windows: tuple[list[int], list[int]], filler: list[int]):
    short, long = windows
    assert Fraction(sum(short), 20) == Fraction(sum(long), 50)  # the construction is right
    book = _book(filler[:30] + short, long)
    assert book.get("sma20")[-1, 0] == book.get("sma50")[-1, 1]


def test_naive_means_would_differ():
    """Why the exact path exists: the textbook float mean splits this tie."""
    short = [1] * 10 + [3] * 10  # mean 2 ticks = 0.10 rupees
    long = [2] * 50
    prices = [np.array(t) / TICK for t in (short, long)]
    assert np.mean(prices[0]) != np.mean(prices[1])
    book = _book(short, long)
    assert book.get("sma20")[-1, 0] == book.get("sma50")[-1, 1] == 0.1


@settings(max_examples=100, deadline=None)
@given(window=st.lists(st.integers(1, 10**7), min_size=20, max_size=20), data=st.data())
def test_order_within_a_window_does_not_matter(window: list[int], data: st.DataObject):
    shuffled = data.draw(st.permutations(window))
    book = _book(window, shuffled)
    for name in ("sma20", "stddev20", "bb20_upper", "bb20_lower"):
        values = book.get(name)[-1]
        assert values[0] == values[1], name


@settings(max_examples=100, deadline=None)
@given(
    window=st.lists(st.integers(1, 10**6), min_size=30, max_size=60),
    shift=st.integers(-(10**5), 10**6),
)
def test_deviation_ignores_the_price_level(window: list[int], shift: int):
    shifted = [max(t + shift, 0) for t in window]
    if min(shifted) == 0:
        return
    deviations = _book(window, shifted).get("stddev30")
    np.testing.assert_array_equal(deviations[:, 0], deviations[:, 1])


@settings(max_examples=100, deadline=None)
@given(ticks=st.integers(1, 2 * 10**6), days=st.integers(30, 80))
def test_flat_prices_are_exactly_flat(ticks: int, days: int):
    book = _book([ticks] * days)
    price = ticks / TICK
    for name in ("sma20", "ema20", "wma20", "bb20_upper", "bb20_lower", "high20", "low20"):
        assert set(book.get(name)[19:, 0]) == {price}, name
    assert set(book.get("stddev20")[19:, 0]) == {0.0}
    assert set(book.get("dist_sma20_pct")[19:, 0]) == {0.0}
    assert np.isnan(book.get("bb20_pctb")).all()
