"""Open interest readings: PCR and max pain on a worked chain, and the synthetic model's shape."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradertape.domain.open_interest import (
    StrikeInterest,
    max_pain,
    previous_oi,
    put_call_ratio,
    session_fraction,
    session_volume,
    synthetic_oi,
)

D = Decimal
# A five-strike chain (units): calls crowd 25,100-25,200, puts 24,800-24,900.
CHAIN = [
    StrikeInterest(D(24800), 1_000, 9_000),
    StrikeInterest(D(24900), 2_000, 7_000),
    StrikeInterest(D(25000), 4_000, 4_000),
    StrikeInterest(D(25100), 8_000, 1_000),
    StrikeInterest(D(25200), 6_000, 500),
]


def test_pcr_is_put_oi_over_call_oi():
    assert put_call_ratio(CHAIN) == round(21_500 / 21_000, 4) == 1.0238
    assert put_call_ratio([StrikeInterest(D(100), 0, 5)]) is None
    assert put_call_ratio([]) is None


def test_max_pain_is_the_settlement_holders_collect_least_at():
    # Holders' payout at each settlement S (calls (S-K)+, puts (K-S)+), in rupees per unit:
    #   24,800: puts 7,000×100 + 4,000×200 + 1,000×300 + 500×400                 = 2,000,000
    #   24,900: calls 1,000×100; puts 4,000×100 + 1,000×200 + 500×300           =   850,000
    #   25,000: calls 1,000×200 + 2,000×100; puts 1,000×100 + 500×200           =   600,000
    #   25,100: calls 1,000×300 + 2,000×200 + 4,000×100; puts 500×100           = 1,150,000
    #   25,200: calls 1,000×400 + 2,000×300 + 4,000×200 + 8,000×100; puts 0     = 2,600,000
    assert max_pain(CHAIN) == D(25000)
    assert max_pain([]) is None


def test_max_pain_ties_go_to_the_lower_strike():
    flat = [StrikeInterest(D(100), 0, 0), StrikeInterest(D(110), 0, 0)]
    assert max_pain(flat) == D(100)


def test_synthetic_oi_is_whole_lots_crowded_just_out_of_the_money():
    anchor = D(25000)

    def oi(strike: int, call: bool) -> int:
        symbol = f"NIFTY26D01{strike}{'CE' if call else 'PE'}"
        return synthetic_oi(symbol, strike=D(strike), is_call=call, anchor=anchor, lot_size=65)

    assert oi(25400, call=True) % 65 == 0
    assert oi(25400, call=True) == oi(25400, call=True)  # stable
    assert oi(25400, call=True) > oi(24600, call=True)  # calls written above the index
    assert oi(24600, call=False) > oi(25400, call=False)  # puts below
    assert oi(27500, call=True) < oi(25500, call=True) / 100  # thins far from the money


symbols = st.from_regex(r"NIFTY26D0[1-9]2[45][0-9]00(CE|PE)", fullmatch=True)
interest = st.integers(min_value=0, max_value=100_000).map(lambda lots: lots * 65)


@given(symbols, interest)
def test_previous_oi_is_whole_lots_within_its_band(symbol: str, oi: int):
    """Yesterday's interest is 75 % to 115 % of today's, in whole lots, and stable: so the
    change (today less yesterday) is a whole number of lots, never more than +25 % of today
    nor below −15 %."""
    before = previous_oi(symbol, oi=oi, lot_size=65)
    assert before == previous_oi(symbol, oi=oi, lot_size=65)
    assert before % 65 == 0
    assert 0.75 * oi - 65 <= before <= 1.15 * oi
    assert (oi - before) % 65 == 0


def test_the_session_runs_from_0915_to_1530_ist():
    assert session_fraction(9 * 60) == 0.0  # before the open
    assert session_fraction(9 * 60 + 15) == 0.0
    assert session_fraction(12 * 60 + 22) == pytest.approx(187 / 375)
    assert session_fraction(15 * 60 + 30) == 1.0
    assert session_fraction(18 * 60) == 1.0  # after the close the day's volume stands


@given(symbols, interest, st.floats(0, 1), st.floats(0, 1))
def test_volume_is_whole_lots_and_only_grows_through_the_day(
    symbol: str, oi: int, early: float, late: float
):
    early, late = sorted((early, late))
    first = session_volume(symbol, oi=oi, lot_size=65, fraction=early)
    then = session_volume(symbol, oi=oi, lot_size=65, fraction=late)
    assert first % 65 == 0
    assert 0 <= first <= then
    # a full day turns the interest over 1.5 to 4.5 times
    day = session_volume(symbol, oi=oi, lot_size=65, fraction=1.0)
    assert 1.5 * oi - 65 <= day <= 4.5 * oi
    assert session_volume(symbol, oi=oi, lot_size=65, fraction=0.0) == 0
