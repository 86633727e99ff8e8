"""Payoff of option structures: expiry curve, extremes, breakevens, what-if valuation."""

from __future__ import annotations

import pytest

from tradertape.domain.option_math import OptionKind, price
from tradertape.domain.option_payoff import (
    PayoffLeg,
    Scenario,
    breakevens,
    expiry_value,
    extremes,
    net_greeks,
    spot_grid,
    today_value,
)

CE, PE = OptionKind.CE, OptionKind.PE


def _leg(kind: OptionKind, strike: float, quantity: int, entry: float) -> PayoffLeg:
    return PayoffLeg(kind=kind, strike=strike, quantity=quantity, entry=entry, vol=0.13, years=0.02)


# A bull call spread: buy 25000 CE at 120, sell 25100 CE at 70, 65 units each.
SPREAD = [_leg(CE, 25000, 65, 120), _leg(CE, 25100, -65, 70)]


def test_bull_call_spread_extremes_and_breakeven() -> None:
    best, worst = extremes(SPREAD, [25000, 25100])
    assert best == pytest.approx((100 - 50) * 65)  # width less the debit
    assert worst == pytest.approx(-50 * 65)  # the debit
    grid = spot_grid(25000, [25000, 25100], points=401)
    values = [sum(expiry_value(leg, s) for leg in SPREAD) for s in grid]
    (only,) = breakevens(grid, values)
    assert only == pytest.approx(25050, abs=0.01)  # lower strike + debit


@pytest.mark.parametrize(
    ("legs", "unlimited"),
    [
        pytest.param([_leg(CE, 25000, 65, 120)], "profit", id="long-call"),
        pytest.param([_leg(CE, 25000, -65, 120)], "loss", id="short-call"),
        pytest.param([_leg(PE, 25000, -65, 100)], None, id="short-put-bounded-at-zero"),
    ],
)
def test_unlimited_sides(legs: list[PayoffLeg], unlimited: str | None) -> None:
    best, worst = extremes(legs, [25000])
    assert (best is None) == (unlimited == "profit")
    assert (worst is None) == (unlimited == "loss")
    if unlimited is None:
        assert worst == pytest.approx(-(25000 - 100) * 65)


def test_today_value_is_black76_and_converges_to_expiry() -> None:
    leg = _leg(CE, 25000, 65, 120)
    now = today_value([leg], 25000, Scenario(spot=25000), rate=0.0)
    assert now == pytest.approx(65 * (price(CE, 25000, 25000, 0.02, 0.13) - 120))
    at_end = today_value([leg], 25200, Scenario(spot=25200, elapsed_years=1.0), rate=0.0)
    assert at_end == pytest.approx(expiry_value(leg, 25200))


def test_what_if_moves_value_and_greeks() -> None:
    base = Scenario(spot=25000)
    richer = Scenario(spot=25000, vol_shift=0.05)
    long_call = [_leg(CE, 25000, 65, 120)]
    assert today_value(long_call, 25000, richer, 0.0) > today_value(long_call, 25000, base, 0.0)
    greeks = net_greeks(SPREAD, base, 0.0)
    assert 0 < greeks.delta < 65  # long the spread: some, not all, of the index
    assert net_greeks(long_call, base, 0.0).theta < 0


def test_grid_takes_in_far_strikes() -> None:
    grid = spot_grid(25000, [30000])
    assert grid[0] == pytest.approx(23750)  # 5 % below
    assert grid[-1] >= 30000
