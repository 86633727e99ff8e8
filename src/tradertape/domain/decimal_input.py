"""Numbers as a request writes them: plain ASCII numbers of a size a book can hold.

Python reads far more as a number than any screen shows the same way: ``Decimal("١٢٣")`` is
123, ``int("1_000")`` is 1000, ``int("  5  ")`` is 5, ``true`` is 1, and ``"1E+999"`` is a
finite Decimal that no tick grid can divide (`value % tick` raises) and no float can show.
Every number that enters through a request goes through one of the types here (or
`parse_decimal` for free-form payloads), so the rule lives in one place; see
docs/api-conventions.md, "Numbers":

- a decimal is a JSON number or a plain ASCII numeral (sign, digits, one point, exponent),
  finite, and zero or between 10^-8 and 10^15 in size;
- a count (a quantity, a number of lots) is a JSON integer: not ``true``, not ``5.0``, not
  text.

Each check runs before any arithmetic and in constant time: a text numeral is at most
`MAX_NUMERAL_CHARS` long before it is read, an integer at most 64 bits before it becomes a
Decimal, and a Decimal's size is read off its exponent (``adjusted()``). Python's own
conversions are not: ``int(Decimal("1E+600000"))`` runs for 40 s and holds the process.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from typing import Annotated

from annotated_types import Ge, Gt, Le
from pydantic import AfterValidator, BeforeValidator, Field, Strict
from pydantic_core import PydanticCustomError

from tradertape.domain.money import group_indian
from tradertape.domain.orders import MAX_QUANTITY

ASCII_DIGITS = "write numbers with the ASCII digits 0-9"
PLAIN_NUMBER = (
    "write a plain number (digits, an optional sign, point and exponent), "
    "without spaces, underscores, true/false, NaN or Infinity"
)
PAISE_ONLY = "a rupee amount has at most 2 decimal places (paise)"
MAX_MAGNITUDE = 15
"""A decimal is below 10^15 (₹1,000 lakh crore): above any price, amount or rate a book holds."""
MIN_MAGNITUDE = -8
"""…and, unless zero, at least 10^-8: below any tick, rate or fraction a book uses."""
# in words a trader reads (a form shows it under its box): not "1E-8" and "1E+15"
SANE_SIZE = "must be 0, or at least 0.00000001 and below 10^15 (₹1,000 lakh crore)"
assert (MIN_MAGNITUDE, MAX_MAGNITUDE) == (-8, 15)  # the words above say these
MAX_NUMERAL_CHARS = 40
"""A sane number needs at most 23 digits (15 whole, 8 fractional) with its sign, point and
exponent; a longer text is refused unread (reading a million digits is not free)."""
_MAX_INT_BITS = 64  # 10^15 needs 50: a larger integer is refused before it becomes a Decimal

_NUMERAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _sane(number: Decimal) -> None:
    if not number.is_finite():
        raise PydanticCustomError("finite_number", "must be a finite number")
    if number and not MIN_MAGNITUDE <= number.adjusted() < MAX_MAGNITUDE:
        raise PydanticCustomError("number_size", SANE_SIZE)


def _plain_text(value: str) -> None:
    if len(value) > MAX_NUMERAL_CHARS:  # before the text is read at all
        raise PydanticCustomError(
            "number_length", f"at most {MAX_NUMERAL_CHARS} characters for a number"
        )
    if not value.isascii():
        raise PydanticCustomError("ascii_digits", ASCII_DIGITS)
    if not _NUMERAL.fullmatch(value):
        raise PydanticCustomError("number_format", PLAIN_NUMBER)
    _sane(Decimal(value))


def plain_number(value: object) -> object:
    """Refuse anything but a finite, sanely sized number written plainly (see the module)."""
    if isinstance(value, bool):
        raise PydanticCustomError("number_type", "must be a number, not true or false")
    if isinstance(value, str):
        _plain_text(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise PydanticCustomError("finite_number", "must be a finite number")
        _sane(Decimal(repr(value)))
    elif isinstance(value, int):
        if value.bit_length() > _MAX_INT_BITS:
            raise PydanticCustomError("number_size", SANE_SIZE)
        _sane(Decimal(value))
    elif isinstance(value, Decimal):
        _sane(value)
    return value


def _paise_only(value: float) -> float:
    # A float keeps only what JSON wrote when read back through repr: 1.000000001 stays 9 places.
    exponent = Decimal(repr(value)).as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise PydanticCustomError("decimal_max_places", PAISE_ONLY)
    return value


PLAIN = BeforeValidator(plain_number)
"""Put last in ``Annotated[Decimal, Field(...), PLAIN]``: constraints placed after a
validator are checked but vanish from the OpenAPI document."""

Number = Annotated[Decimal, PLAIN]
"""Any decimal a request sends (a percentage, a multiplier): plain, finite, of sane size."""

PAISE = Field(decimal_places=2)
"""The constraint of every rupee amount; with bounds, ``Field(gt=0, decimal_places=2)``."""

Rupees = Annotated[Decimal, PAISE, PLAIN]
"""A rupee amount (capital, funds, a loss limit): at most two decimal places."""

MAX_AMOUNT = Decimal(10) ** 12
"""₹1 lakh crore: more than any one request moves."""

Amount = Annotated[Decimal, Field(gt=0, le=MAX_AMOUNT, max_digits=16, decimal_places=2), PLAIN]
"""A positive rupee amount up to ₹1 lakh crore: money added, a rupee limit."""

MAX_PRICE = Decimal(10) ** 10
"""No instrument trades at ₹1,000 crore a unit; quantity × price stays exact below it."""

Price = Annotated[Decimal, Gt(0), Le(MAX_PRICE), Field(max_digits=14, decimal_places=4), PLAIN]
"""A price or trigger: positive, at most 4 decimal places (the tick grid is checked against
the instrument, which a schema cannot know)."""

KitePrice = Annotated[Decimal, Ge(0), Le(MAX_PRICE), Field(max_digits=14, decimal_places=4), PLAIN]
"""An order's price or trigger as Kite takes it: as `Price`, or 0 for none."""

Count = Annotated[int, Strict()]
"""A whole number a request sends (a leg count, minutes, a percentage of protection): a JSON
integer, never ``true``, ``5.0`` or text."""

Flag = Annotated[bool, Strict()]
"""A yes/no a request body sends: JSON ``true`` or ``false``, never ``0``, ``1`` or ``"yes"``
(lenient parsing read ``{"on": 0}`` as switching the kill switch off)."""

Quantity = Annotated[int, Gt(0), Le(MAX_QUANTITY), Strict()]
"""An order's quantity in units: a positive JSON integer up to `MAX_QUANTITY`."""

RupeesFloat = Annotated[float, AfterValidator(_paise_only), PLAIN]
"""A rupee amount an engine keeps as a float (backtests): still at most two decimal places."""


def parse_decimal(value: object) -> Decimal:
    """A payload's number (JSON number or plain text) as a finite Decimal of sane size;
    `InvalidOperation` if it is not one, so callers name their own field in the error."""
    if not isinstance(value, str | int | float | Decimal):
        raise InvalidOperation("must be a number")
    try:
        plain_number(value)
    except PydanticCustomError as exc:
        raise InvalidOperation(exc.message()) from exc
    return Decimal(str(value))


def parse_bounded(
    value: object, *, most: Decimal, places: int | None = None, whole: bool = False
) -> Decimal:
    """A payload's positive number up to `most`, with at most `places` decimal places (or
    `whole`), checked before any arithmetic on it; `InvalidOperation` saying which rule it
    broke, so the caller names its field. The one reader of free-form payloads' quantities,
    prices and amounts (a webhook's body): ``int()`` of what it returns is cheap."""
    number = parse_decimal(value)
    if number <= 0:
        raise InvalidOperation("must be a positive number")
    if number > most:
        raise InvalidOperation(f"must be at most {group_indian(f'{most:f}')}")
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)  # finite: parse_decimal refused NaN and Infinity
    if whole and number != number.to_integral_value():
        raise InvalidOperation("must be a whole number")
    if places is not None and exponent < -places and number != round(number, places):
        raise InvalidOperation(f"at most {places} decimal places")
    return number


def parse_quantity(value: object, *, most: int = MAX_QUANTITY) -> int:
    """A payload's quantity: a whole number from 1 to `most` (a JSON integer, or text such
    as ``"7"`` or ``"7.0"``, as TradingView writes ``{{strategy.order.contracts}}``)."""
    return int(parse_bounded(value, most=Decimal(most), whole=True))
