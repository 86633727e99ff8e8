"""The synthetic day plan: deterministic, consistent bars chained close to open."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.instruments_data import reference_catalog
from tradertape.feed.plan import SyntheticDayPlan

CATALOG = reference_catalog()
KEYS = sorted(i.key for i in CATALOG)


def plan(seed: int = 1) -> SyntheticDayPlan:
    return SyntheticDayPlan(CATALOG, nse_calendar(), seed=seed)


@settings(max_examples=200)
@given(key=st.sampled_from(KEYS), ordinal=st.integers(date(2024, 1, 1).toordinal(), 739_900))
def test_bars_are_consistent_and_deterministic(key: str, ordinal: int):
    day = date.fromordinal(ordinal)
    bar = plan()(key, day)
    assert bar is not None
    assert 0 < bar.low <= min(bar.open, bar.close) <= max(bar.open, bar.close) <= bar.high
    assert bar.high / bar.low < 1.25  # a plausible day, not a crash
    assert bar == plan()(key, day)
    assert bar.day == day


def test_the_open_gaps_from_the_previous_trading_days_close():
    fri, mon = date(2026, 11, 20), date(2026, 11, 23)
    previous = plan()("NSE:INFY", fri)
    today = plan()("NSE:INFY", mon)
    assert previous is not None
    assert today is not None
    assert abs(today.open / previous.close - 1) < 0.03


@pytest.mark.parametrize(
    ("key", "low", "high", "volume"),
    [
        pytest.param("NSE:NIFTY 50", 15_000, 40_000, False, id="nifty-level"),
        pytest.param("NSE:INDIA VIX", 7, 25, False, id="vix-level"),
        pytest.param("NSE:RELIANCE", 40, 6_000, True, id="equity"),
    ],
)
def test_levels_and_volume_are_plausible(key: str, low: float, high: float, volume: bool):
    bar = plan()(key, date(2026, 11, 20))
    assert bar is not None
    assert low < bar.close < high
    assert (bar.volume > 0) is volume  # indices print no volume, as on Kite


def test_unknown_keys_have_no_bar_and_seeds_differ():
    assert plan()("NSE:NOPE", date(2026, 11, 20)) is None
    assert plan(1)("NSE:TCS", date(2026, 11, 20)) != plan(2)("NSE:TCS", date(2026, 11, 20))


def test_the_calendars_first_day_has_its_own_close_as_previous():
    first = nse_calendar().first_day
    instrument = CATALOG.get("NSE:TCS")
    assert plan().prev_close(instrument, first) == plan().close_level(instrument, first)
