"""XIRR: the annual rate at which a series of dated cash flows has a net present value of
nil, as spreadsheets compute it (actual days over 365, compounding yearly).

Money in is negative (a purchase), money out positive (a redemption, or today's value as
if redeemed). Newton's method from 10 %, with a bracketing bisection when it wanders; no
answer (None) when the flows never change sign or no rate in (-99.99 %, 10 000 %) fits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

LOW, HIGH = -0.9999, 100.0
TOLERANCE = 1e-10


def _npv(rate: float, flows: Sequence[tuple[float, float]]) -> float:
    return float(sum(amount / (1.0 + rate) ** years for years, amount in flows))


def _slope(rate: float, flows: Sequence[tuple[float, float]]) -> float:
    return float(sum(-years * amount / (1.0 + rate) ** (years + 1.0) for years, amount in flows))


def xirr(cashflows: Sequence[tuple[date, Decimal]]) -> Decimal | None:
    """The rate as a fraction (0.3734 is 37.34 % a year), to 1e-6; None if there is none."""
    if not cashflows:
        return None
    if not any(a < 0 for _, a in cashflows) or not any(a > 0 for _, a in cashflows):
        return None
    first = min(d for d, _ in cashflows)
    flows = [((d - first).days / 365.0, float(a)) for d, a in cashflows]
    if all(years == 0 for years, _ in flows):
        return None
    rate = 0.1
    for _ in range(60):
        try:
            value, slope = _npv(rate, flows), _slope(rate, flows)
        except (OverflowError, ZeroDivisionError):
            break
        if abs(value) < TOLERANCE:
            return _rounded(rate)
        if slope == 0 or not math.isfinite(slope):
            break
        step = rate - value / slope
        if not LOW < step < HIGH or not math.isfinite(step):
            break
        if abs(step - rate) < 1e-12:
            return _rounded(step)
        rate = step
    return _bisect(flows)


def _bisect(flows: Sequence[tuple[float, float]]) -> Decimal | None:
    low, high = LOW, HIGH
    try:
        f_low, f_high = _npv(low, flows), _npv(high, flows)
    except (OverflowError, ZeroDivisionError):
        return None
    if f_low * f_high > 0:
        return None
    for _ in range(300):
        middle = (low + high) / 2
        try:
            f_mid = _npv(middle, flows)
        except (OverflowError, ZeroDivisionError):  # flows centuries apart
            return None
        if abs(f_mid) < TOLERANCE or high - low < 1e-12:
            return _rounded(middle)
        if f_low * f_mid < 0:
            high = middle
        else:
            low, f_low = middle, f_mid
    return _rounded((low + high) / 2)


def _rounded(rate: float) -> Decimal:
    return Decimal(repr(rate)).quantize(Decimal("0.000001"))
