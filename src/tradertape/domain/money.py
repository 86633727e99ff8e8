"""Money helpers.

Money is always :class:`decimal.Decimal`; a float anywhere in a money path silently loses paise,
so every helper here refuses floats at run time as well as in the type checker.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

PAISA = Decimal("0.01")
RUPEE = Decimal("1")
ZERO = Decimal("0")


def _require_decimal(value: object) -> Decimal:
    if not isinstance(value, Decimal):
        raise TypeError(f"money must be a Decimal, got {type(value).__name__}")
    return value


def paise(value: Decimal) -> Decimal:
    """Round to the paisa, half away from zero, as Indian contract notes and ledgers do."""
    return _require_decimal(value).quantize(PAISA, rounding=ROUND_HALF_UP)


def whole_rupees(value: Decimal) -> Decimal:
    """Round to the rupee, half up: the rule the STT/CTT rules apply per contract note."""
    return _require_decimal(value).quantize(RUPEE, rounding=ROUND_HALF_UP)


def percent(text: str) -> Decimal:
    """Turn a percentage written as in a broker's rate card ("0.00307") into an exact fraction.

    Rates are kept as strings in the tables so that they read exactly like their source and never
    pass through binary floating point.
    """
    return Decimal(text) / 100


def quantize_to_step(value: Decimal, step: Decimal, *, up: bool) -> Decimal:
    """Snap ``value`` onto the grid of multiples of ``step``, towards +inf (``up``) or -inf.

    Used for tick grids, where a half-up rule would be wrong: an order price or circuit limit
    has to land on the side of the grid that the caller chooses.
    """
    _require_decimal(value)
    if _require_decimal(step) <= 0:
        raise ValueError("step must be positive")
    units = (value / step).to_integral_value(rounding=ROUND_CEILING if up else ROUND_FLOOR)
    return (units * step).quantize(step)
