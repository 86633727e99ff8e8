"""SPAN's risk array for one sold option: its worst loss over the exchange's 16 scenarios.

NSE Clearing's SPAN prices each contract under 16 scenarios of the underlying's price and
volatility and margins a portfolio by its worst loss (NSE Clearing, "SPAN Risk
Parameters"): the price moves by 0, ±⅓, ±⅔ and ±1 of the price scan range, each with the
volatility up and down by the volatility scan range (14 scenarios), and by ±2 price scan
ranges at unchanged volatility, of which 35 % of the loss counts (the two extreme moves).

The price scan range is the risk class's SPAN share (`MarginRates.span`: what a future
of the class needs, its loss under a full move); the volatility scan range is NSE's floor,
4 volatility points for index options and 10 for stock options. The option is priced by
Black-76 (`domain.option_math`) on the underlying's price, at the volatility its premium
implies, with the days to expiry (at least one). The model's loss a unit is a float,
rounded to the paisa before it becomes money.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tradertape.domain.money import paise
from tradertape.domain.option_math import OptionKind, implied_vol, price

VOLATILITY_SCAN_INDEX = 0.04
VOLATILITY_SCAN_STOCK = 0.10
EXTREME_MOVE = 2.0  # price scan ranges
EXTREME_SHARE = 0.35  # of the extreme move's loss
_MOVES = (0.0, 1 / 3, 2 / 3, 1.0)
_VOL_FLOOR = 0.01
_DAYS_A_YEAR = 365


def scenario_span(
    kind: OptionKind,
    *,
    underlying: Decimal,
    strike: Decimal,
    premium: Decimal,
    expiry: date,
    today: date,
    price_scan: Decimal,
    index: bool,
) -> Decimal | None:
    """The worst loss of one sold unit over the 16 scenarios, to the paisa; None when the
    premium implies no volatility (at or below intrinsic, or above the bound): the caller
    keeps its flat figure rather than a made-up volatility."""
    forward, level = float(underlying), float(strike)
    years = max((expiry - today).days, 1) / _DAYS_A_YEAR
    vol = implied_vol(kind, float(premium), forward, level, years)
    if vol is None or forward <= 0 or level <= 0:
        return None
    scan = float(price_scan)
    shift = VOLATILITY_SCAN_INDEX if index else VOLATILITY_SCAN_STOCK
    now = price(kind, forward, level, years, vol)
    worst = 0.0
    for move in _MOVES:
        for sign in (1.0, -1.0):
            moved = forward * (1.0 + sign * move * scan)
            for volatility in (vol + shift, max(vol - shift, _VOL_FLOOR)):
                worst = max(worst, price(kind, moved, level, years, volatility) - now)
    for sign in (1.0, -1.0):
        moved = max(forward * (1.0 + sign * EXTREME_MOVE * scan), 1e-9)
        worst = max(worst, EXTREME_SHARE * (price(kind, moved, level, years, vol) - now))
    return paise(Decimal(repr(worst)))
