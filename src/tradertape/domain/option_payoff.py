"""Payoff of an option structure: at expiry, and today under Black-76, over a range of spots.

Model values (floats) for a chart and a what-if: the caller rounds what it shows as money.
A leg is signed quantity (units, + bought, - sold) of one contract bought or sold at
``entry``; its value today uses its own volatility and years to expiry, so a what-if moves
spot, volatility and time for every leg at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tradertape.domain.option_math import Greeks, OptionKind, greeks

MAX_LOTS = 10_000
"""The most lots one leg of an option structure may hold (a request's bound)."""


@dataclass(frozen=True, slots=True)
class PayoffLeg:
    """One leg: the contract, signed units, entry premium, and its model inputs now."""

    kind: OptionKind
    strike: float
    quantity: int  # + bought, - sold (units, not lots)
    entry: float
    vol: float  # annualised, 0.2 = 20 %
    years: float  # to its expiry


@dataclass(frozen=True, slots=True)
class Scenario:
    """A what-if: the index at `spot`, volatility moved by `vol_shift` (0.02 = +2 points)
    and `elapsed_years` gone by (every leg's time to expiry shorter by it, never below 0)."""

    spot: float
    vol_shift: float = 0.0
    elapsed_years: float = 0.0


def expiry_value(leg: PayoffLeg, spot: float) -> float:
    """P&L of the leg at its expiry with the index at `spot`."""
    intrinsic = (
        max(spot - leg.strike, 0.0) if leg.kind is OptionKind.CE else max(leg.strike - spot, 0.0)
    )
    return leg.quantity * (intrinsic - leg.entry)


def _point(leg: PayoffLeg, spot: float, scenario: Scenario, rate: float) -> Greeks:
    years = max(leg.years - scenario.elapsed_years, 0.0)
    vol = max(leg.vol + scenario.vol_shift, 0.01)
    forward = spot * math.exp(rate * years)
    return greeks(leg.kind, forward, leg.strike, years, vol, rate)


def today_value(legs: list[PayoffLeg], spot: float, scenario: Scenario, rate: float) -> float:
    """P&L of the structure marked at Black-76 with the index at `spot` under `scenario`."""
    return sum(leg.quantity * (_point(leg, spot, scenario, rate).price - leg.entry) for leg in legs)


def net_greeks(legs: list[PayoffLeg], scenario: Scenario, rate: float) -> Greeks:
    """The structure's value and greeks at the scenario's spot (units as option_math)."""
    parts = [(leg.quantity, _point(leg, scenario.spot, scenario, rate)) for leg in legs]
    return Greeks(
        price=sum(q * g.price for q, g in parts),
        delta=sum(q * g.delta for q, g in parts),
        gamma=sum(q * g.gamma for q, g in parts),
        theta=sum(q * g.theta for q, g in parts),
        vega=sum(q * g.vega for q, g in parts),
    )


def spot_grid(
    center: float, strikes: list[float], points: int = 81, width: float = 0.05
) -> list[float]:
    """`points` spots evenly over ±`width` of `center`, widened to take in every strike."""
    low = min([center * (1 - width), *[s * 0.97 for s in strikes]])
    high = max([center * (1 + width), *[s * 1.03 for s in strikes]])
    low = max(low, 0.01)
    step = (high - low) / (points - 1)
    return [low + step * i for i in range(points)]


def breakevens(spots: list[float], values: list[float]) -> list[float]:
    """Where the curve crosses zero, linearly between neighbouring points."""
    found: list[float] = []
    for i in range(len(spots) - 1):
        s0, s1, v0, v1 = spots[i], spots[i + 1], values[i], values[i + 1]
        if v0 == 0:
            found.append(s0)
        elif v0 * v1 < 0:
            found.append(s0 + (s1 - s0) * (-v0) / (v1 - v0))
    if values and values[-1] == 0:
        found.append(spots[-1])
    return found


def upside_slope(legs: list[PayoffLeg]) -> int:
    """Units of index the structure holds far above every strike (calls net of sign):
    positive means unlimited profit as the index rises, negative unlimited loss."""
    return sum(leg.quantity for leg in legs if leg.kind is OptionKind.CE)


def extremes(legs: list[PayoffLeg], strikes: list[float]) -> tuple[float | None, float | None]:
    """(max profit, max loss) at expiry over every spot ≥ 0; None where it is unlimited.

    The expiry curve is piecewise linear with kinks at the strikes, so its extremes are at
    0, a strike, or unbounded beyond the last strike.
    """
    at = [0.0, *sorted(strikes)]
    values = [sum(expiry_value(leg, s) for leg in legs) for s in at]
    slope = upside_slope(legs)
    best: float | None = max(values)
    worst: float | None = min(values)
    if slope > 0:
        best = None
    elif slope < 0:
        worst = None
    return best, worst
