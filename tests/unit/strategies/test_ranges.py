"""The satisfiability check of AND-ed comparisons: it says "never" exactly when no number
meets them all, and a strategy holding such an ``and`` is refused naming the two."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from tradertape.strategies.dsl import StrategyDocument
from tradertape.strategies.ranges import Bound, contradiction

_OPS = {
    ">": lambda x, v: x > v,
    ">=": lambda x, v: x >= v,
    "<": lambda x, v: x < v,
    "<=": lambda x, v: x <= v,
    "==": lambda x, v: x == v,
}

bounds = st.lists(
    st.tuples(st.sampled_from(sorted(_OPS)), st.integers(-5, 5).map(float)), max_size=8
)


def _meets_all(constraints: list[tuple[str, float]]) -> bool:
    """The oracle, by search: an interval whose ends are among the constants holds one of
    them, a midpoint between two neighbours, or a point past either end."""
    values = sorted({v for _, v in constraints})
    if not values:
        return True
    points = [values[0] - 1, values[-1] + 1, *values]
    points += [(a + b) / 2 for a, b in zip(values, values[1:], strict=False)]
    return any(all(_OPS[op](x, v) for op, v in constraints) for x in points)


@given(bounds)
def test_contradiction_exactly_when_the_intersection_is_empty(constraints):
    found = contradiction(Bound("rsi14", op, v, i) for i, (op, v) in enumerate(constraints))
    assert (found is None) == _meets_all(constraints)
    if found is not None:  # the two named cannot hold together on their own
        assert not _meets_all([(b.op, b.value) for b in found])
        assert found[0].index < found[1].index


@given(bounds, bounds)
def test_series_are_judged_apart(one, other):
    mixed = [Bound("rsi14", op, v, i) for i, (op, v) in enumerate(one)]
    mixed += [Bound("sma20", op, v, len(one) + i) for i, (op, v) in enumerate(other)]
    assert (contradiction(mixed) is None) == (_meets_all(one) and _meets_all(other))


def _compare(op: str, value: float, name: str = "rsi14", lag: int = 0) -> dict[str, Any]:
    series = {"type": "indicator", "name": name, "lag": lag}
    number = {"type": "literal", "value": value}
    return {"type": "compare", "left": series, "op": op, "right": number}


def _document(*conditions: dict[str, Any]) -> dict[str, Any]:
    return {"name": "t", "entry_rules": {"type": "and", "conditions": list(conditions)}}


def test_rsi_below_45_and_above_50_is_refused_naming_both():
    with pytest.raises(ValidationError) as caught:
        StrategyDocument.model_validate(_document(_compare("<", 45), _compare(">", 50)))
    (error,) = caught.value.errors()
    assert "RSI 14 < 45 and RSI 14 > 50 can never both be true" in error["msg"]


@pytest.mark.parametrize(
    "conditions",
    [
        pytest.param([_compare("<", 55), _compare(">", 50)], id="a-band"),
        pytest.param([_compare("<", 45), _compare(">", 50, lag=1)], id="another-day"),
        pytest.param([_compare("<", 45), _compare(">", 50, name="rsi7")], id="another-period"),
        pytest.param([_compare("<=", 50), _compare(">=", 50)], id="touching"),
        pytest.param([_compare("!=", 50), _compare("==", 50)], id="not-equal-unjudged"),
    ],
)
def test_conditions_that_can_hold_together_pass(conditions):
    StrategyDocument.model_validate(_document(*conditions))


def test_a_constant_on_the_left_and_a_nested_and_count():
    mirrored = {**_compare("<", 0), "left": {"type": "literal", "value": 70}}
    mirrored["right"] = {"type": "indicator", "name": "rsi14"}  # 70 < rsi14
    nested = {"type": "and", "conditions": [_compare("<=", 60)]}
    with pytest.raises(ValidationError, match="RSI 14 > 70 and RSI 14 <= 60"):
        StrategyDocument.model_validate(_document(mirrored, nested))


def test_an_or_is_not_an_and():
    either = {"type": "or", "conditions": [_compare("<", 45), _compare(">", 50)]}
    StrategyDocument.model_validate({"name": "t", "entry_rules": either})
