"""NSE tick table by price band and date, tick rounding and circuit limits."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tradertape.domain.ticks import (
    CAS_BAND_PCT,
    FIXED_BAND_PCTS,
    InstrumentKind,
    RoundDirection,
    band_limits,
    is_on_tick,
    round_to_tick,
    tick_size,
    within_band,
)

D = Decimal
K = InstrumentKind


@pytest.mark.parametrize(
    ("price", "kind", "as_of", "tick"),
    [
        pytest.param("249.99", K.EQUITY, None, "0.01", id="under-250"),
        pytest.param("250", K.EQUITY, None, "0.05", id="250-opens-0.05-band"),
        pytest.param("1000", K.EQUITY, None, "0.05", id="1000-stays-in-0.05-band"),
        pytest.param("1000.01", K.EQUITY, None, "0.10", id="above-1000"),
        pytest.param("5000", K.EQUITY, None, "0.10", id="5000"),
        pytest.param("5000.01", K.EQUITY, None, "0.50", id="above-5000"),
        pytest.param("10000", K.EQUITY, None, "0.50", id="10000"),
        pytest.param("20000", K.EQUITY, None, "1.00", id="20000"),
        pytest.param("20000.01", K.EQUITY, None, "5.00", id="above-20000"),
        pytest.param("120", K.EQUITY, date(2024, 6, 9), "0.05", id="cash-before-june-2024"),
        pytest.param("120", K.EQUITY, date(2024, 6, 10), "0.01", id="cash-from-june-2024"),
        pytest.param("1500", K.EQUITY, date(2025, 4, 14), "0.05", id="cash-before-apr-2025"),
        pytest.param("1500", K.EQUITY, date(2025, 4, 15), "0.10", id="cash-from-apr-2025"),
        pytest.param("120", K.STOCK_FUTURE, date(2024, 6, 20), "0.05", id="stkfut-june-2024"),
        pytest.param("120", K.STOCK_FUTURE, date(2024, 7, 1), "0.01", id="stkfut-july-2024"),
        pytest.param("25000", K.STOCK_FUTURE, None, "5.00", id="stkfut-latest"),
        pytest.param("14999.95", K.INDEX_FUTURE, None, "0.05", id="index-under-15k"),
        pytest.param("15000", K.INDEX_FUTURE, None, "0.10", id="index-15k"),
        pytest.param("30000", K.INDEX_FUTURE, None, "0.10", id="index-30k"),
        pytest.param("30000.05", K.INDEX_FUTURE, None, "0.20", id="index-above-30k"),
        pytest.param("25000", K.INDEX_OPTION, None, "0.05", id="index-option"),
        pytest.param("200", K.STOCK_OPTION, date(2025, 11, 2), "0.05", id="stkopt-before-nov"),
        pytest.param("200", K.STOCK_OPTION, date(2025, 11, 3), "0.01", id="stkopt-from-nov"),
        pytest.param("300", K.STOCK_OPTION, None, "0.05", id="stkopt-above-250"),
    ],
)
def test_tick_size_by_band_and_date(price, kind, as_of, tick):
    assert tick_size(D(price), kind, as_of=as_of) == D(tick)


@pytest.mark.parametrize(
    ("price", "error"),
    [
        pytest.param(100.0, TypeError, id="float"),
        pytest.param(D("0"), ValueError, id="zero"),
        pytest.param(D("-5"), ValueError, id="negative"),
    ],
)
def test_tick_size_rejects_bad_prices(price, error):
    with pytest.raises(error):
        tick_size(price)


@pytest.mark.parametrize(
    ("price", "tick", "on"),
    [
        pytest.param("100.05", "0.05", True, id="on-0.05"),
        pytest.param("100.03", "0.05", False, id="off-0.05"),
        pytest.param("100.03", None, True, id="default-tick-under-250"),
        pytest.param("1500.05", None, False, id="default-tick-0.10"),
        pytest.param("25005", "5.00", True, id="on-5"),
    ],
)
def test_is_on_tick(price, tick, on):
    assert is_on_tick(D(price), None if tick is None else D(tick)) is on


def test_a_non_positive_tick_is_refused():
    with pytest.raises(ValueError, match="tick must be positive"):
        is_on_tick(D("1"), D("0"))


@pytest.mark.parametrize(
    ("price", "direction", "expected"),
    [
        pytest.param("100.03", RoundDirection.UP, "100.05", id="up"),
        pytest.param("100.03", RoundDirection.DOWN, "100.00", id="down"),
        pytest.param("100.024", RoundDirection.NEAREST, "100.00", id="nearest-below-half"),
        pytest.param("100.025", RoundDirection.NEAREST, "100.05", id="nearest-half-goes-up"),
        pytest.param("100.05", RoundDirection.UP, "100.05", id="on-tick-unchanged"),
    ],
)
def test_round_to_tick(price, direction, expected):
    assert round_to_tick(D(price), direction, D("0.05")) == D(expected)


def test_round_to_tick_refuses_non_positive_prices():
    with pytest.raises(ValueError, match="positive"):
        round_to_tick(D("0"), RoundDirection.UP, D("0.05"))


@pytest.mark.parametrize(
    ("prev", "pct", "tick", "low", "high"),
    [
        pytest.param("53.45", "5", "0.05", "50.80", "56.10", id="inward-on-0.05-grid"),
        pytest.param("53.45", "5", "0.01", "50.78", "56.12", id="inward-on-paise-grid"),
        pytest.param("100", "20", "0.05", "80.00", "120.00", id="exact-20pct"),
        pytest.param("2500", "10", None, "2250.00", "2750.00", id="default-tick"),
        pytest.param("0.05", "20", "0.01", "0.04", "0.06", id="tiny-price"),
    ],
)
def test_band_limits(prev, pct, tick, low, high):
    got = band_limits(D(prev), D(pct), None if tick is None else D(tick))

    assert got == (D(low), D(high))


@pytest.mark.parametrize(
    ("prev", "pct", "tick"),
    [
        pytest.param("100", "0", "0.05", id="zero-band"),
        pytest.param("100", "100", "0.05", id="full-band"),
        pytest.param("0", "5", "0.05", id="zero-close"),
        pytest.param("1.03", "1", "0.05", id="band-narrower-than-a-tick"),
    ],
)
def test_band_limits_rejects_impossible_bands(prev, pct, tick):
    with pytest.raises(ValueError, match="band|prev_close"):
        band_limits(D(prev), D(pct), D(tick))


def test_within_band_is_inclusive():
    limits = (D("90"), D("110"))

    assert within_band(D("90"), limits)
    assert within_band(D("110"), limits)
    assert not within_band(D("110.05"), limits)


@pytest.mark.parametrize("pct", [*FIXED_BAND_PCTS, CAS_BAND_PCT])
def test_every_published_band_holds_the_previous_close(pct):
    low, high = band_limits(D("101.35"), pct, D("0.05"))

    assert low < D("101.35") < high


# --- properties -----------------------------------------------------------------------------

prices = st.decimals(min_value=D("0.01"), max_value=D("100000"), places=4)
ticks = st.sampled_from([D("0.01"), D("0.05"), D("0.10"), D("0.20"), D("0.50"), D("1"), D("5")])


@given(prices, ticks, st.sampled_from(RoundDirection))
def test_round_to_tick_lands_on_tick_within_one_tick_in_the_asked_direction(price, tick, way):
    got = round_to_tick(price, way, tick)

    assert is_on_tick(got, tick)
    assert abs(got - price) < tick
    if way is RoundDirection.UP:
        assert got >= price
    elif way is RoundDirection.DOWN:
        assert got <= price
    else:
        assert abs(got - price) <= tick / 2


@given(
    st.sampled_from(InstrumentKind),
    st.dates(min_value=date(2020, 1, 1), max_value=date(2027, 12, 31)),
    prices,
    prices,
)
def test_tick_size_never_shrinks_as_the_price_rises(kind, day, a, b):
    low, high = sorted((a, b))

    assert tick_size(low, kind, as_of=day) <= tick_size(high, kind, as_of=day)


@given(
    st.decimals(min_value=D("1"), max_value=D("50000"), places=2),
    st.sampled_from(FIXED_BAND_PCTS),
    ticks,
)
def test_band_limits_are_the_widest_on_grid_band_within_the_percentage(prev, pct, tick):
    prev = round_to_tick(prev, RoundDirection.NEAREST, tick)
    assume(prev > 0)
    low, high = band_limits(prev, pct, tick)
    up, down = prev * (1 + pct / 100), prev * (1 - pct / 100)

    assert is_on_tick(low, tick)
    assert is_on_tick(high, tick)
    assert down <= low <= prev <= high <= up
    assert high + tick > up
    assert low - tick < down
