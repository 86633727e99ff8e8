"""The one rule for request numbers (`domain.decimal_input`): what it takes, it takes exactly;
everything a lenient parser would bend into a number is refused."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from tradertape.domain.decimal_input import (
    MAX_NUMERAL_CHARS,
    Number,
    Price,
    Quantity,
    parse_bounded,
    parse_decimal,
    parse_quantity,
)
from tradertape.domain.orders import MAX_QUANTITY

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
        "1E+600000",  # int() of it held a server for 40 s
        "1e-600000",
        "1" * 5000,
        "0." + "0" * 60 + "1",
        10**400,
        "1_000",
    ],
    ids=lambda value: repr(value)[:24],
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


EXOTIC = ["1E+600000", "1e-600000", "NaN", "Infinity", "-0", "0x10", "1_000", "9" * 100_000]


@pytest.mark.parametrize("value", [*EXOTIC, "0", "-5", "1.5", "100000001", 10**400, True])
def test_a_payloads_quantity_is_refused_before_it_is_made_an_int(value: object):
    """`int(Decimal("1E+600000"))` runs for minutes: `parse_quantity` refuses such a value
    on its text's length or its exponent, before any arithmetic on it."""
    with pytest.raises(InvalidOperation):
        parse_quantity(value)


def test_a_numeral_is_refused_unread_past_its_length():
    """A text is not even matched past `MAX_NUMERAL_CHARS`: a sane number never needs more."""
    assert parse_decimal("1" + "0" * 14 + "." + "0" * 8) == Decimal(10**14)
    with pytest.raises(InvalidOperation, match="at most 40 characters"):
        parse_decimal("1" * (MAX_NUMERAL_CHARS + 1))


@given(value=st.one_of(st.integers(), st.text(max_size=30), st.decimals(allow_nan=True)))
def test_what_a_quantity_takes_is_a_whole_number_within_its_bound(value: object):
    """Whatever is sent, an accepted quantity has at most 9 digits (≤ `MAX_QUANTITY`)."""
    try:
        quantity = parse_quantity(value)
    except InvalidOperation:
        return
    assert 1 <= quantity <= MAX_QUANTITY
    assert Decimal(str(value)) == quantity  # taken exactly, never rounded


def test_a_bounded_number_keeps_to_its_places_and_its_most():
    most = Decimal(10) ** 10
    assert parse_bounded("1413.0500", most=most, places=4) == Decimal("1413.05")
    for value, rule in (
        ("1413.00001", "4 decimal places"),
        ("10000000001", "at most 10,00,00,00,000"),
        ("0", "positive"),
        ("1E+600000", r"below 10\^15"),
    ):
        with pytest.raises(InvalidOperation, match=rule):
            parse_bounded(value, most=most, places=4)
