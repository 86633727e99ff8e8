"""The one rule for request numbers (`domain.decimal_input`): what it takes, it takes exactly;
everything a lenient parser would bend into a number is refused."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from tradertape.domain.decimal_input import Number, Price, Quantity, parse_decimal

NUMBER: TypeAdapter[Any] = TypeAdapter(Number)
PRICE: TypeAdapter[Any] = TypeAdapter(Price)
QUANTITY: TypeAdapter[Any] = TypeAdapter(Quantity)

sane = st.decimals(
    min_value=Decimal("1E-8"), max_value=Decimal("999999999999999"), places=8, allow_nan=False
)


@given(value=sane, negative=st.booleans())
def test_a_sane_decimal_is_taken_exactly_as_text(value: Decimal, negative: bool):
    number = -value if negative else value
    assert NUMBER.validate_python(str(number)) == number
    assert parse_decimal(str(number)) == number
    assert NUMBER.validate_json(f'"{number}"') == number  # a JSON string keeps every digit


@given(
    text=st.from_regex(r"\A[+-]?\d{1,6}(\.\d{1,2})?\Z"),
    pad=st.sampled_from([" ", "\t", "\n", "_", "\u00a0"]),
    where=st.sampled_from(["before", "after", "inside"]),
)
def test_padding_and_separators_are_refused(text: str, pad: str, where: str):
    bent = {"before": pad + text, "after": text + pad, "inside": text[:1] + pad + text[1:]}[where]
    with pytest.raises(ValidationError):
        NUMBER.validate_python(bent)
    with pytest.raises(InvalidOperation):
        parse_decimal(bent)


@pytest.mark.parametrize(
    "value",
    [
        True,
        False,
        "NaN",
        "sNaN",
        "Infinity",
        "-inf",
        float("inf"),
        float("nan"),
        "1E+999",
        "1e15",
        10**15,
        1e308,
        "1e-9",
        1e-30,
        "0x10",
        "1e",
        "",
        ".",
    ],
    ids=repr,
)
def test_non_finite_huge_tiny_and_boolean_numbers_are_refused(value: object):
    with pytest.raises(ValidationError):
        NUMBER.validate_python(value)
    with pytest.raises(InvalidOperation):
        parse_decimal(value)


@pytest.mark.parametrize("value", [True, "5", " 5", "1_000", 5.0, 0, -1, 100_000_001], ids=repr)
def test_a_quantity_is_a_positive_json_integer(value: object):
    with pytest.raises(ValidationError):
        QUANTITY.validate_python(value)


def test_a_price_is_positive_with_at_most_four_places():
    assert PRICE.validate_python("1413.0500") == Decimal("1413.05")
    for value in ("0", "-1", "1413.00001", "10000000001"):
        with pytest.raises(ValidationError):
            PRICE.validate_python(value)
