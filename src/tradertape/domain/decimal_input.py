"""Numbers as a request writes them: ASCII digits, and rupee amounts to the paisa.

Python's ``Decimal("١٢٣")`` is 123 (it reads every Unicode digit), so a price or an amount
written in Arabic-Indic, Devanagari or full-width digits would be taken as a number no screen
shows the same way. Every decimal that enters through a request goes through one of the types
here (or `parse_decimal` for free-form payloads), so the rule lives in one place; see
docs/api-conventions.md, "Numbers".
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_core import PydanticCustomError

ASCII_DIGITS = "write numbers with the ASCII digits 0-9"
PAISE_ONLY = "a rupee amount has at most 2 decimal places (paise)"


def ascii_only(value: object) -> object:
    """Refuse a number written as text with anything but ASCII (digits, sign, point, exponent)."""
    if isinstance(value, str) and not value.isascii():
        raise PydanticCustomError("ascii_digits", ASCII_DIGITS)
    return value


def _paise_only(value: float) -> float:
    # A float keeps only what JSON wrote when read back through repr: 1.000000001 stays 9 places.
    exponent = Decimal(repr(value)).as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise PydanticCustomError("decimal_max_places", PAISE_ONLY)
    return value


ASCII_ONLY = BeforeValidator(ascii_only)
"""Put last in ``Annotated[Decimal, Field(...), ASCII_ONLY]``: constraints placed after a
validator are checked but vanish from the OpenAPI document."""

Number = Annotated[Decimal, ASCII_ONLY]
"""Any decimal a request sends (a price, a percentage, a multiplier)."""

PAISE = Field(decimal_places=2)
"""The constraint of every rupee amount; with bounds, ``Field(gt=0, decimal_places=2)``."""

Rupees = Annotated[Decimal, PAISE, ASCII_ONLY]
"""A rupee amount (capital, funds, a loss limit): at most two decimal places."""

Amount = Annotated[
    Decimal, Field(gt=0, le=Decimal(10) ** 12, max_digits=16, decimal_places=2), ASCII_ONLY
]
"""A positive rupee amount up to ₹1 lakh crore: money added, a rupee limit."""

RupeesFloat = Annotated[float, AfterValidator(_paise_only)]
"""A rupee amount an engine keeps as a float (backtests): still at most two decimal places."""


def parse_decimal(value: object) -> Decimal:
    """A payload's number (JSON number or text) as a Decimal; `InvalidOperation` if it is not
    one written in ASCII, so callers name their own field in the error."""
    if isinstance(value, bool) or (isinstance(value, str) and not value.isascii()):
        raise InvalidOperation(ASCII_DIGITS)
    return Decimal(str(value))
