"""Money helpers: Decimal only, explicit rounding."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradertape.domain.money import (
    group_indian,
    inr,
    paise,
    paise_adding_up,
    parse_inr,
    percent,
    quantize_to_step,
    whole_rupees,
)

D = Decimal


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("1.005", "1.01", id="half-up"),
        pytest.param("1.0049", "1.00", id="below-half"),
        pytest.param("-1.005", "-1.01", id="half-away-from-zero"),
        pytest.param("337.18774", "337.19", id="worked-example-total"),
    ],
)
def test_paise(value, expected):
    assert paise(D(value)) == D(expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("35.25", "35", id="quarter-down"),
        pytest.param("35.5", "36", id="half-up"),
        pytest.param("815.75", "816", id="three-quarters-up"),
    ],
)
def test_whole_rupees(value, expected):
    assert whole_rupees(D(value)) == D(expected)


@pytest.mark.parametrize("helper", [paise, whole_rupees])
def test_floats_are_refused(helper):
    with pytest.raises(TypeError, match="Decimal"):
        helper(1.5)


def test_percent_is_exact():
    assert percent("0.00307") == D("0.0000307")


@pytest.mark.parametrize(
    ("value", "step", "up", "expected"),
    [
        pytest.param("100.03", "0.05", True, "100.05", id="up"),
        pytest.param("100.03", "0.05", False, "100.00", id="down"),
        pytest.param("-0.03", "0.05", False, "-0.05", id="down-below-zero"),
        pytest.param("7", "5", True, "10", id="whole-step"),
    ],
)
def test_quantize_to_step(value, step, up, expected):
    assert quantize_to_step(D(value), D(step), up=up) == D(expected)


def test_quantize_to_step_needs_a_positive_step():
    with pytest.raises(ValueError, match="positive"):
        quantize_to_step(D("1"), D("0"), up=True)


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=6))
def test_paise_is_within_half_a_paisa(value):
    rounded = paise(value)

    assert abs(rounded - value) <= D("0.005")
    assert rounded == rounded.quantize(D("0.01"))


# -- display: Indian grouping, the sign before the symbol -------------------------------------

INDIAN = re.compile(r"^(?:[−+])?₹(?:\d{1,3}|\d{1,2}(?:,\d{2})*,\d{3})\.\d{2}$")


@pytest.mark.parametrize(
    ("value", "kwargs", "shown"),
    [
        pytest.param(Decimal("1013418.76"), {}, "₹10,13,418.76", id="ten-lakh"),
        pytest.param(Decimal("-3672.67"), {}, "−₹3,672.67", id="loss"),
        pytest.param(Decimal("-3672.67"), {"signed": True}, "−₹3,672.67", id="signed-loss"),
        pytest.param(Decimal("250.5"), {"signed": True}, "+₹250.50", id="signed-gain"),
        pytest.param(Decimal("999.995"), {}, "₹1,000.00", id="rounds-half-up"),
        pytest.param(Decimal("-0.004"), {"signed": True}, "₹0.00", id="no-sign-on-zero"),
        pytest.param(Decimal(10**7), {"places": 0}, "₹1,00,00,000", id="crore"),
        pytest.param(Decimal("123456789012.3"), {}, "₹1,23,45,67,89,012.30", id="lakh-crore"),
        pytest.param(1_000_000.0, {}, "₹10,00,000.00", id="float"),
        pytest.param(0.1, {}, "₹0.10", id="float-repr"),
        pytest.param(Decimal("1600000"), {"symbol": False}, "16,00,000.00", id="no-symbol"),
        pytest.param(Decimal("1E+30"), {"places": 0}, "₹10" + ",00" * 13 + ",000", id="huge"),
        pytest.param(Decimal("NaN"), {}, "—", id="decimal-nan"),
        pytest.param(None, {}, "—", id="missing"),
        pytest.param(float("nan"), {}, "—", id="nan"),
    ],
)
def test_inr_worked_examples(value: Decimal | float | None, kwargs: dict[str, Any], shown: str):
    assert inr(value, **kwargs) == shown


@pytest.mark.parametrize(
    ("digits", "grouped"),
    [
        ("7", "7"),
        ("999", "999"),
        ("1000", "1,000"),
        ("100000", "1,00,000"),
        ("12345678", "1,23,45,678"),
    ],
)
def test_group_indian(digits: str, grouped: str):
    assert group_indian(digits) == grouped


AMOUNTS = st.decimals(
    min_value=Decimal("-1e15"), max_value=Decimal("1e15"), places=4, allow_nan=False
)


@given(AMOUNTS)
def test_inr_round_trips_to_the_paisa(value: Decimal):
    assert parse_inr(inr(value)) == paise(value)


@given(AMOUNTS, st.booleans())
def test_inr_groups_the_indian_way_and_signs_before_the_symbol(value: Decimal, signed: bool):
    shown = inr(value, signed=signed)
    assert INDIAN.match(shown), shown
    rounded = paise(value)
    assert shown.startswith("−₹") == (rounded < 0)
    assert shown.startswith("+₹") == (signed and rounded > 0)
    # Only separators were added: the digits are the plain rendering's.
    assert shown.lstrip("−+₹").replace(",", "") == f"{abs(rounded):f}"


def test_parse_inr_refuses_what_is_not_an_amount():
    for text in ("", "₹", "₹1,0a0.00", "₹١٢٣"):
        with pytest.raises(ValueError, match="not an amount"):
            parse_inr(text)


@settings(max_examples=60)
@given(st.lists(st.decimals(min_value=0, max_value=10_000, places=6), min_size=1, max_size=8))
def test_paise_adding_up_lines_add_to_the_total_and_stay_within_a_paisa(parts):
    lines = paise_adding_up(parts)

    assert sum(lines, Decimal(0)) == paise(sum(parts, Decimal(0)))
    assert all(abs(line - part) < Decimal("0.01") for line, part in zip(lines, parts, strict=True))
    assert all(line == line.quantize(Decimal("0.01")) for line in lines)
