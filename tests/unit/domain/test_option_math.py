"""Black-76: worked values, put–call parity, IV round trips, greek bounds and finite differences."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tradertape.domain.option_math import (
    OptionKind,
    atm_strike,
    greeks,
    implied_vol,
    intrinsic,
    norm_cdf,
    price,
    strike_ladder,
)

CE, PE = OptionKind.CE, OptionKind.PE

forwards = st.floats(min_value=50.0, max_value=100_000.0)
moneyness = st.floats(min_value=0.6, max_value=1.6)
years = st.floats(min_value=1 / 365, max_value=2.0)
vols = st.floats(min_value=0.03, max_value=1.5)
rates = st.floats(min_value=0.0, max_value=0.1)


def test_at_the_money_worked_value() -> None:
    """F = K = 100, T = 1, σ = 20 %, r = 0.

    d1 = σ√T/2 = 0.1, d2 = −0.1, so C = P = 100·(N(0.1) − N(−0.1)) = 100·(2·0.5398278 − 1)
    = 7.96557 (the familiar ≈ 0.4·σ√T·F = 8.0).
    """
    assert price(CE, 100, 100, 1.0, 0.2) == pytest.approx(7.965567, abs=1e-6)
    assert price(PE, 100, 100, 1.0, 0.2) == pytest.approx(7.965567, abs=1e-6)


def test_hull_black_put_worked_value() -> None:
    """Hull's Black-model example: futures 20, strike 20, r = 9 %, T = 4 months, σ = 25 %.

    σ√T = 0.25·√(1/3) = 0.144338, d1 = 0.072169, d2 = −0.072169;
    P = e^(−0.03)·20·(N(0.072169) − N(−0.072169)) = 0.970446·20·0.057533 = 1.1166 (≈ 1.12).
    """
    assert price(PE, 20, 20, 4 / 12, 0.25, 0.09) == pytest.approx(1.1166, abs=1e-4)


def test_nifty_like_greeks_worked_value() -> None:
    """F = 25,000, K = 25,000, 7 days, σ = 13 %, r = 0.

    σ√T = 0.13·√(7/365) = 0.018003; d1 = 0.0090016; N(d1) = 0.503591, φ(d1) = 0.398926.
    Call = 25,000·(2·0.503591 − 1) = 179.55; delta 0.5036; gamma = 0.398926/(25,000·0.018003)
    = 0.0008864; vega per point = 25,000·0.398926·√(7/365)/100 = 13.811;
    theta per day = −25,000·0.398926·0.13/(2·0.138485)/365 = −12.825.
    """
    g = greeks(CE, 25_000, 25_000, 7 / 365, 0.13)
    assert g.price == pytest.approx(179.55, abs=0.01)
    assert g.delta == pytest.approx(0.5036, abs=1e-4)
    assert g.gamma == pytest.approx(0.0008864, rel=1e-3)
    assert g.vega == pytest.approx(13.811, abs=1e-3)
    assert g.theta == pytest.approx(-12.825, abs=2e-3)


def test_put_theta_and_vega_units_worked_value() -> None:
    """The chain's units: theta in ₹ per calendar day (negative: the holder loses it), vega
    in ₹ per vol point. NIFTY-like put, F = 25,000, K = 24,800, 7 days, σ = 16 %, r = 0.

    √T = √(7/365) = 0.1384850, σ√T = 0.0221576; ln(25,000/24,800) = 0.0080322;
    d1 = 0.0080322/0.0221576 + 0.0221576/2 = 0.3735808; φ(d1) = 0.3720527.
    Vega per point = 25,000·0.3720527·0.1384850/100 = 12.8809;
    theta per day = −25,000·0.3720527·0.16/(2·0.1384850)/365 = −14.7211.
    """
    g = greeks(PE, 25_000, 24_800, 7 / 365, 0.16)
    assert g.vega == pytest.approx(12.8809, abs=1e-3)
    assert g.theta == pytest.approx(-14.7211, abs=1e-3)
    # vega per vol point: σ from 16 % to 17 % moves the premium by about vega
    up = price(PE, 25_000, 24_800, 7 / 365, 0.17) - price(PE, 25_000, 24_800, 7 / 365, 0.16)
    assert up == pytest.approx(g.vega, rel=0.01)
    # theta per calendar day: a day later (6 days left) the premium is lower by about theta
    day = price(PE, 25_000, 24_800, 6 / 365, 0.16) - g.price
    assert day == pytest.approx(g.theta, rel=0.1)


@given(forwards, moneyness, years, vols)
def test_a_holder_loses_time_value_without_interest(
    forward: float, m: float, t: float, vol: float
) -> None:
    for kind in (CE, PE):
        assert greeks(kind, forward, forward * m, t, vol).theta <= 0


@given(forwards, moneyness, years, vols, rates)
def test_put_call_parity(forward: float, m: float, t: float, vol: float, r: float) -> None:
    strike = forward * m
    call, put = price(CE, forward, strike, t, vol, r), price(PE, forward, strike, t, vol, r)
    assert call - put == pytest.approx(math.exp(-r * t) * (forward - strike), abs=1e-7 * forward)


@settings(max_examples=300)
@given(forwards, moneyness, years, vols, rates, st.sampled_from([CE, PE]))
def test_implied_vol_inverts_price(
    forward: float, m: float, t: float, vol: float, r: float, kind: OptionKind
) -> None:
    strike = forward * m
    premium = price(kind, forward, strike, t, vol, r)
    # Deep out of the money the premium is below what a float can tell apart from σ.
    assume(premium - intrinsic(kind, forward, strike, t, r) > 1e-6 * forward)
    solved = implied_vol(kind, premium, forward, strike, t, r)
    assert solved is not None
    assert solved == pytest.approx(vol, rel=1e-4, abs=1e-5)


@given(forwards, moneyness, years, vols, rates)
def test_delta_bounds_and_signs(forward: float, m: float, t: float, vol: float, r: float) -> None:
    strike = forward * m
    call, put = greeks(CE, forward, strike, t, vol, r), greeks(PE, forward, strike, t, vol, r)
    discount = math.exp(-r * t)
    assert 0.0 <= call.delta <= discount
    assert -discount <= put.delta <= 0.0
    assert call.delta - put.delta == pytest.approx(discount, abs=1e-12)
    assert call.gamma >= 0
    assert call.vega >= 0
    assert call.gamma == pytest.approx(put.gamma)
    assert call.vega == pytest.approx(put.vega)


def test_greeks_match_finite_differences() -> None:
    f, k, t, vol, r = 24_800.0, 25_000.0, 10 / 365, 0.15, 0.06
    g = greeks(PE, f, k, t, vol, r)
    h = 0.01
    assert g.delta == pytest.approx(
        (price(PE, f + h, k, t, vol, r) - price(PE, f - h, k, t, vol, r)) / (2 * h), rel=1e-5
    )
    dv = 1e-5
    vega = (price(PE, f, k, t, vol + dv, r) - price(PE, f, k, t, vol - dv, r)) / (2 * dv) / 100
    assert g.vega == pytest.approx(vega, rel=1e-5)
    day = 1 / 365
    theta = price(PE, f, k, t - day / 100, vol, r) - price(PE, f, k, t, vol, r)
    assert g.theta == pytest.approx(theta * 100, rel=1e-3)


@pytest.mark.parametrize(
    ("kind", "premium"),
    [
        pytest.param(CE, 0.0, id="zero"),
        pytest.param(CE, 10.0, id="below-intrinsic"),
        pytest.param(PE, 30_000.0, id="above-strike"),
        pytest.param(CE, math.nan, id="nan"),
    ],
)
def test_implied_vol_refuses_impossible_premiums(kind: OptionKind, premium: float) -> None:
    assert implied_vol(kind, premium, 25_100.0, 25_000.0, 7 / 365) is None


def test_expired_option_is_intrinsic() -> None:
    assert price(CE, 25_100, 25_000, 0.0, 0.2) == pytest.approx(100.0)
    g = greeks(PE, 24_900, 25_000, 0.0, 0.2)
    assert g.price == pytest.approx(100.0)
    assert (g.delta, g.gamma, g.vega) == (-1.0, 0.0, 0.0)
    assert implied_vol(CE, 120.0, 25_100, 25_000, 0.0) is None


def test_bad_inputs_raise() -> None:
    with pytest.raises(ValueError, match="positive"):
        price(CE, 0, 100, 1, 0.2)
    with pytest.raises(ValueError, match="negative"):
        greeks(CE, 100, 100, -1, 0.2)
    with pytest.raises(ValueError, match="step"):
        atm_strike(100, 0)
    with pytest.raises(ValueError, match="negative"):
        strike_ladder(100, 50, -1)


def test_atm_and_ladder() -> None:
    assert atm_strike(25_024.9, 50) == 25_000
    assert atm_strike(25_025.0, 50) == 25_050  # a tie goes up
    assert strike_ladder(25_000, 50, 2) == [24_900, 24_950, 25_000, 25_050, 25_100]
    assert strike_ladder(100, 50, 3) == [50, 100, 150, 200, 250]
    assert norm_cdf(0.0) == 0.5
