"""Intraday paths: open to close through the high and the low, on ticks, volume to the day's."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradertape.feed.path import IntradayPath, volume_fraction


@st.composite
def bars(draw: st.DrawFn) -> dict[str, int]:
    low = draw(st.integers(1, 10_000))
    high = low + draw(st.integers(0, 600))
    open_, close = (draw(st.integers(low, high)) for _ in range(2))
    return {"open": open_, "high": high, "low": low, "close": close}


@settings(max_examples=60, deadline=None)
@given(
    bar=bars(),
    volume=st.integers(0, 10**8),
    steps=st.integers(4, 800),
    knot_every=st.integers(1, 60),
    salt=st.integers(0, 2**63),
)
def test_the_path_reproduces_the_bar(
    bar: dict[str, int], volume: int, steps: int, knot_every: int, salt: int
):
    if -(-steps // knot_every) < 3:
        knot_every = 1
    path = IntradayPath(**bar, volume=volume, steps=steps, knot_every=knot_every, salt=salt)
    points = [path.at(step) for step in range(steps + 1)]
    prices = [p.price for p in points]

    assert prices[0] == bar["open"]
    assert prices[-1] == bar["close"]
    assert max(prices) == bar["high"]
    assert min(prices) == bar["low"]
    # the running high/low is exactly what a feed that saw every step would report
    for n, point in enumerate(points):
        assert point.high == max(prices[: n + 1])
        assert point.low == min(prices[: n + 1])
    volumes = [p.volume for p in points]
    assert volumes == sorted(volumes)
    assert volumes[-1] == volume
    # a feed that starts late or skips steps sees the same states
    fresh = IntradayPath(**bar, volume=volume, steps=steps, knot_every=knot_every, salt=salt)
    for step in range(steps, -1, -max(1, steps // 17)):
        assert fresh.at(step) == points[step]


def test_the_same_salt_gives_the_same_path_and_another_salt_another():
    bar = {"open": 1000, "high": 1100, "low": 950, "close": 1050}
    one = [IntradayPath(**bar, volume=10, steps=375, knot_every=1, salt=1).at(s) for s in (7, 99)]
    again = [IntradayPath(**bar, volume=10, steps=375, knot_every=1, salt=1).at(s) for s in (7, 99)]
    other = [IntradayPath(**bar, volume=10, steps=375, knot_every=1, salt=2).at(s) for s in (7, 99)]
    assert one == again
    assert one != other


def test_volume_is_u_shaped():
    early = volume_fraction(0.1) - volume_fraction(0.0)
    middle = volume_fraction(0.55) - volume_fraction(0.45)
    late = volume_fraction(1.0) - volume_fraction(0.9)
    assert volume_fraction(0.0) == 0
    assert volume_fraction(1.0) == 1
    assert early > 2 * middle
    assert late > 2 * middle


@pytest.mark.parametrize(
    ("bar", "steps", "knot_every", "message"),
    [
        pytest.param((10, 9, 8, 9), 375, 1, "inconsistent", id="high-below-open"),
        pytest.param((10, 12, 11, 11), 375, 1, "inconsistent", id="low-above-open"),
        pytest.param((0, 1, 0, 1), 375, 1, "inconsistent", id="zero-price"),
        pytest.param((10, 12, 9, 11), 2, 1, "at least 3 knots", id="too-few-steps"),
        pytest.param((10, 12, 9, 11), 375, 200, "at least 3 knots", id="too-few-knots"),
        pytest.param((10, 12, 9, 11), 375, 0, "at least 3 knots", id="no-knot-spacing"),
    ],
)
def test_inconsistent_input_is_refused(
    bar: tuple[int, int, int, int], steps: int, knot_every: int, message: str
):
    o, h, low, c = bar
    with pytest.raises(ValueError, match=message):
        IntradayPath(
            open=o, high=h, low=low, close=c, volume=1, steps=steps, knot_every=knot_every, salt=0
        )


def test_a_step_outside_the_session_is_refused():
    path = IntradayPath(open=5, high=6, low=4, close=5, volume=1, steps=10, knot_every=1, salt=0)
    with pytest.raises(ValueError, match="outside"):
        path.at(11)


def _longest_flat(prices: list[int]) -> int:
    longest = run = 1
    for before, now in zip(prices, prices[1:], strict=False):
        run = run + 1 if now == before else 1
        longest = max(longest, run)
    return longest


@settings(max_examples=10, deadline=None)
@given(salt=st.integers(0, 2**63), close=st.integers(555_000, 562_000))
def test_an_index_never_rests_at_its_high_or_low_for_minutes(salt: int, close: int):
    # NIFTY 50 printed one price for 15 minutes: the bridge between two knots was clipped to
    # the day's high while it wandered above it. A session of 1-second steps, 0.05 ticks.
    bar = {"open": 557_800, "high": 562_000, "low": 553_500, "close": close}
    path = IntradayPath(**bar, volume=0, steps=22_500, knot_every=60, salt=salt)
    prices = [path.price(step)[0] for step in range(22_501)]
    assert (max(prices), min(prices)) == (bar["high"], bar["low"])
    assert _longest_flat(prices) < 60  # never a whole minute
