"""Money helpers.

Money is always :class:`decimal.Decimal`; a float anywhere in a money path silently loses paise,
so every helper here refuses floats at run time as well as in the type checker.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext

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


PRICE_GRID = Decimal("0.0001")
"""A price column's scale (NUMERIC(18, 4)) and the finest tick any segment trades on."""


def average_price(cost: Decimal, quantity: int) -> Decimal:
    """The average price of `quantity` units bought for `cost`, as a book keeps it: to
    `PRICE_GRID`, half up. An exact quotient (₹4,250.10 for 3 is 1416.7000…, 28 digits) was
    kept whole on SQLite and cut to four places on PostgreSQL, and every P&L against it
    carried the noise (``"51.3499999999999999999999856"``, issue 64)."""
    return (_require_decimal(cost) / quantity).quantize(PRICE_GRID, rounding=ROUND_HALF_UP)


def paise_adding_up(parts: Sequence[Decimal]) -> tuple[Decimal, ...]:
    """Each part to the paisa such that they add up to their exact sum to the paisa: an
    itemised bill whose lines add to its total. Each part is rounded half up, and the paise
    the lines then miss (or overshoot) go one each to the parts that rounding moved most
    (largest remainder), so no line is off by more than a paisa."""
    rounded = [paise(p) for p in parts]
    missing = int((paise(sum(parts, ZERO)) - sum(rounded, ZERO)) / PAISA)
    step = PAISA if missing > 0 else -PAISA
    # the parts rounding took the most from (to give to) come first
    order = sorted(range(len(parts)), key=lambda i: (parts[i] - rounded[i]) * -step)
    for i in order[: abs(missing)]:
        rounded[i] += step
    return tuple(rounded)


SHOWN_MAGNITUDE = 16
"""A money column holds under 10^16 (NUMERIC(20, 4)); a stored value past it is not an amount."""


def shown_paise(value: Decimal | None) -> Decimal | None:
    """`paise` for a read: None for a stored value that is no amount a book can hold (a
    non-finite or absurd row written before values were checked), so a read never fails."""
    if value is None or not value.is_finite():
        return None
    if value and value.adjusted() >= SHOWN_MAGNITUDE:
        return None
    return paise(value)


def shown_float(value: Decimal | None) -> float | None:
    """A stored decimal as a JSON number; None where it is none, or no finite float (JSON
    has no Infinity, so a read would fail on it)."""
    if value is None or not value.is_finite():
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def plain(value: Decimal) -> Decimal:
    """`value` without trailing zeros or an exponent (``2273.9``, not a computed
    ``2273.9000``): as a stored decimal reads back (`db.types.ExactDecimal`), so a figure
    shown before and after its row is read again is written the same."""
    return Decimal(format(value.normalize(), "f"))


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


MINUS = "\u2212"  # the minus sign, as in −₹3,672.67 (a hyphen reads as a dash in prose)
NO_AMOUNT = "—"


def group_indian(digits: str) -> str:
    """``"1013418"`` → ``"10,13,418"``: the last three digits, then pairs (lakh, crore)."""
    if len(digits) <= 3:
        return digits
    head, tail = digits[:-3], digits[-3:]
    pairs = [head[max(i - 2, 0) : i] for i in range(len(head), 0, -2)]
    return ",".join(reversed(pairs)) + "," + tail


def inr(
    value: Decimal | int | float | None,
    *,
    places: int = 2,
    signed: bool = False,
    symbol: bool = True,
) -> str:
    """An amount as people in India read it: ``₹10,13,418.76``, ``−₹3,672.67``.

    The one formatter for rupees in the CLI, charts, messages and notifications. Rounds half
    away from zero to `places`; the sign goes before the symbol; `signed` writes ``+`` on a
    gain (P&L, a day's change); an amount that rounds to zero has no sign. Floats (the
    backtester's figures) are read through their shortest repr, so 0.1 shows as 0.10; a
    missing or non-finite value is ``—``.
    """
    if value is None:
        return NO_AMOUNT
    if not isinstance(value, Decimal | int):  # a float, or numpy's (a chart's axis)
        number = float(value)
        if not math.isfinite(number):
            return NO_AMOUNT
        value = Decimal(repr(number))
    exact = Decimal(value)
    if not exact.is_finite():
        return NO_AMOUNT
    with localcontext() as context:  # enough digits for any amount, however large
        context.prec = max(context.prec, exact.adjusted() + places + 2)
        amount = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    whole, _, fraction = f"{abs(amount):f}".partition(".")
    text = (("₹" if symbol else "") + group_indian(whole)) + (f".{fraction}" if fraction else "")
    if amount < 0:
        return MINUS + text
    return ("+" + text) if signed and amount > 0 else text


def parse_inr(text: str) -> Decimal:
    """The amount `inr` wrote (for round trips and for reading our own output back)."""
    body = text.strip()
    negative = body.startswith((MINUS, "-"))
    body = body.lstrip(MINUS + "-+").removeprefix("₹").replace(",", "")
    if not body or not all(c.isascii() and (c.isdigit() or c == ".") for c in body):
        raise ValueError(f"not an amount: {text!r}")
    amount = Decimal(body)
    return -amount if negative else amount
