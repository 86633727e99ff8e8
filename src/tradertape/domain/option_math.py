"""Black-76 prices, greeks and implied volatility for European index options.

NSE index options are European and cash-settled; the market convention (Sensibull, Kite)
is Black-76 on the forward, discounting at a rate ``r`` that barely matters because it
only discounts. Time is in years; the caller chooses the day count (TraderTape uses
calendar days / 365 to 15:30 IST on the expiry day, see docs/options.md).

Plain floats on purpose: these are model values, turned into tick-rounded `Decimal`
prices only where money is booked.

Greek units are the ones brokers show: theta per calendar day, vega per one vol point
(σ from 20 % to 21 %), delta and gamma per unit of the forward.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

_SQRT_2 = math.sqrt(2.0)
_SQRT_2PI = math.sqrt(2.0 * math.pi)
VOL_MIN = 1e-4
VOL_MAX = 5.0  # 500 %: the reference's bracket for the IV solver


class OptionKind(StrEnum):
    """Call or put, spelt the way NSE symbols end."""

    CE = "CE"
    PE = "PE"


@dataclass(frozen=True, slots=True)
class Greeks:
    """A price and its sensitivities (units in the module docstring)."""

    price: float
    delta: float
    gamma: float
    theta: float  # per calendar day
    vega: float  # per vol point


def norm_cdf(x: float) -> float:
    """The standard normal distribution function."""
    return 0.5 * (1.0 + math.erf(x / _SQRT_2))


def norm_pdf(x: float) -> float:
    """The standard normal density."""
    return math.exp(-0.5 * x * x) / _SQRT_2PI


def _check(forward: float, strike: float, years: float, vol: float) -> None:
    if not (forward > 0 and strike > 0):
        raise ValueError("forward and strike must be positive")
    if years < 0 or vol < 0:
        raise ValueError("time and volatility must not be negative")


def intrinsic(kind: OptionKind, forward: float, strike: float, years: float, rate: float) -> float:
    """The discounted intrinsic value: the price at zero volatility or zero time."""
    payoff = forward - strike if kind is OptionKind.CE else strike - forward
    return math.exp(-rate * years) * max(payoff, 0.0)


def price(
    kind: OptionKind, forward: float, strike: float, years: float, vol: float, rate: float = 0.0
) -> float:
    """The Black-76 premium of one unit."""
    _check(forward, strike, years, vol)
    spread = vol * math.sqrt(years)
    if spread < 1e-12:
        return intrinsic(kind, forward, strike, years, rate)
    d1 = (math.log(forward / strike) + 0.5 * spread * spread) / spread
    d2 = d1 - spread
    discount = math.exp(-rate * years)
    if kind is OptionKind.CE:
        return discount * (forward * norm_cdf(d1) - strike * norm_cdf(d2))
    return discount * (strike * norm_cdf(-d2) - forward * norm_cdf(-d1))


def greeks(
    kind: OptionKind, forward: float, strike: float, years: float, vol: float, rate: float = 0.0
) -> Greeks:
    """Price, delta, gamma, theta (per day) and vega (per vol point) in one pass."""
    _check(forward, strike, years, vol)
    value = price(kind, forward, strike, years, vol, rate)
    discount = math.exp(-rate * years)
    spread = vol * math.sqrt(years)
    if spread < 1e-12:
        itm = forward > strike if kind is OptionKind.CE else forward < strike
        sign = 1.0 if kind is OptionKind.CE else -1.0
        delta = sign * discount if itm else 0.0
        return Greeks(price=value, delta=delta, gamma=0.0, theta=rate * value / 365.0, vega=0.0)
    d1 = (math.log(forward / strike) + 0.5 * spread * spread) / spread
    density = norm_pdf(d1)
    delta = discount * norm_cdf(d1) if kind is OptionKind.CE else -discount * norm_cdf(-d1)
    gamma = discount * density / (forward * spread)
    vega = discount * forward * density * math.sqrt(years)
    # dV/dt (calendar time running forward) = -(decay of time value) + r V.
    theta_year = -discount * forward * density * vol / (2.0 * math.sqrt(years)) + rate * value
    return Greeks(
        price=value, delta=delta, gamma=gamma, theta=theta_year / 365.0, vega=vega / 100.0
    )


def implied_vol(
    kind: OptionKind,
    premium: float,
    forward: float,
    strike: float,
    years: float,
    rate: float = 0.0,
    *,
    tolerance: float = 1e-10,
) -> float | None:
    """The σ in [VOL_MIN, VOL_MAX] whose Black-76 price is `premium`; None if none is.

    A premium at or below intrinsic, or above the no-arbitrage bound, has no volatility
    (None, never a made-up number). Newton steps on vega are taken only while they stay
    inside a bracket that bisection keeps shrinking, so the solver always converges
    (far out of the money, where vega vanishes, it simply bisects).
    """
    _check(forward, strike, years, 0.0)
    if years <= 0 or not math.isfinite(premium):
        return None
    low, high = VOL_MIN, VOL_MAX
    f_low = price(kind, forward, strike, years, low, rate) - premium
    f_high = price(kind, forward, strike, years, high, rate) - premium
    if f_low > 0 or f_high < 0:
        return None
    vol = 0.3 if low < 0.3 < high else 0.5 * (low + high)
    for _ in range(200):
        point = greeks(kind, forward, strike, years, vol, rate)
        error = point.price - premium
        if abs(error) <= tolerance * max(1.0, premium):
            return vol
        if error > 0:
            high = vol
        else:
            low = vol
        vega = point.vega * 100.0
        step = vol - error / vega if vega > 1e-12 else low - 1.0
        vol = step if low < step < high else 0.5 * (low + high)
        if high - low < 1e-14:
            return vol
    return vol


def atm_strike(spot: float, step: float) -> float:
    """The listed strike nearest to `spot` on a grid of `step` (a tie goes up)."""
    if step <= 0:
        raise ValueError("strike step must be positive")
    return math.floor(spot / step + 0.5) * step


def strike_ladder(center: float, step: float, count_each_side: int) -> list[float]:
    """`count_each_side` strikes below and above `center` (included), ascending, all > 0."""
    if count_each_side < 0:
        raise ValueError("count_each_side must not be negative")
    strikes = [center + step * i for i in range(-count_each_side, count_each_side + 1)]
    return [s for s in strikes if s > 0]
