"""Money helpers: Decimal only, explicit rounding."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradertape.domain.money import paise, percent, quantize_to_step, whole_rupees

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
