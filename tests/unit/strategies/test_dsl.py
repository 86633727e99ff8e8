"""The DSL's validation, error paths, cross semantics and built-ins."""

from __future__ import annotations

import typing

import numpy as np
import pytest
from pydantic import ValidationError

from tests.unit.backtest.dsl import cmp, ind, num, pos
from tradertape.strategies.builtins import builtin, builtin_models
from tradertape.strategies.compile import crosses
from tradertape.strategies.dsl import PresetName, StrategyDocument, json_path
from tradertape.strategies.scoring import SCORER_PRESETS


def _errors(document: dict[str, typing.Any]) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        StrategyDocument.model_validate(document)
    return [(json_path(e["loc"]), e["msg"]) for e in caught.value.errors()]


@pytest.mark.parametrize(
    ("document", "path", "words"),
    [
        pytest.param(
            {
                "name": "x",
                "entry_rules": {"type": "not", "condition": cmp(ind("close"), "~", num(1))},
            },
            "entry_rules.condition.op",
            "'>'",
            id="nested-operator",
        ),
        pytest.param(
            {
                "name": "x",
                "entry_rules": cmp(ind("close"), ">", {"type": "literal", "value": "bull"}),
            },
            "entry_rules.right.value",
            "category label",
            id="unknown-label",
        ),
        pytest.param(
            {
                "name": "x",
                "entry_rules": cmp(ind("close"), "==", {"type": "literal", "value": "aligned"}),
            },
            "entry_rules",
            "categorical indicator",
            id="label-against-a-number",
        ),
        pytest.param(
            {
                "name": "x",
                "entry_rules": {
                    "type": "crosses_above",
                    "left": pos("entry_price"),
                    "right": ind("sma5"),
                },
            },
            "entry_rules.left",
            "position fields",
            id="cross-of-a-position-field",
        ),
        pytest.param(
            {
                "name": "x",
                "entry_rules": cmp(ind("close"), ">", num(1)),
                "addon_rules": {"enabled": True},
            },
            "addon_rules",
            "condition is required",
            id="addons-without-condition",
        ),
        pytest.param(
            {
                "name": "x",
                "entry_rules": cmp(ind("close"), ">", num(1)),
                "exit_rules": [
                    {"name": "a", "condition": cmp(ind("close"), ">", num(1))},
                    {"name": "a", "condition": cmp(ind("close"), ">", num(2))},
                ],
            },
            "exit_rules",
            "unique",
            id="duplicate-exit-names",
        ),
        pytest.param(
            {"name": "x", "entry_rules": cmp(ind("close"), ">", num(1)), "colour": "red"},
            "colour",
            "Extra inputs",
            id="unknown-key",
        ),
    ],
)
def test_errors_name_the_node(document, path, words):
    ((where, message),) = _errors(document)
    assert where == path
    assert words in message


def test_presets_and_their_names_agree():
    assert set(typing.get_args(PresetName)) == set(SCORER_PRESETS)


@pytest.mark.parametrize("model", builtin_models(), ids=lambda m: m.value)
def test_builtins_round_trip(model):
    document = builtin(model)
    again = StrategyDocument.model_validate(document.model_dump(mode="json"))
    assert again == document
    assert document.base_model is model


@pytest.mark.parametrize(
    ("a", "b", "up", "down"),
    [
        pytest.param([1, 2, 3], [2, 2, 2], [0, 0, 1], [0, 0, 0], id="tie-then-through"),
        pytest.param([3, 2, 3], [2, 2, 2], [0, 0, 0], [0, 0, 0], id="touch-and-bounce"),
        pytest.param([1, 3, 1], [2, 2, 2], [0, 1, 0], [0, 0, 1], id="straight-through"),
        pytest.param([np.nan, 1, 3], [2, 2, 2], [0, 0, 1], [0, 0, 0], id="warm-up-is-no-side"),
    ],
)
def test_crosses_decide_ties_exactly(a, b, up, down):
    left = np.array(a, dtype=float)[:, None]
    right = np.array(b, dtype=float)[:, None]
    assert crosses(left, right, above=True)[:, 0].astype(int).tolist() == up
    assert crosses(left, right, above=False)[:, 0].astype(int).tolist() == down


def _all_of(conditions: list[dict[str, typing.Any]]) -> dict[str, typing.Any]:
    return {"type": "and", "conditions": conditions}


def test_a_document_of_too_many_nodes_is_refused_where_it_crosses_the_limit():
    """Entry rules of 10 × 50 comparisons are 1,511 nodes: the part that crosses 500 is named."""
    wide = _all_of([_all_of([cmp(ind("close"), ">", num(i))] * 50) for i in range(10)])
    exits = [{"name": "e", "condition": cmp(ind("close"), "<", num(1))}]
    small = {"name": "x", "entry_rules": cmp(ind("close"), ">", num(1)), "exit_rules": exits}

    assert _errors({**small, "entry_rules": wide}) == [
        (
            "entry_rules",
            "Value error, the document reaches 1511 nodes here (conditions, "
            "operands, rules, scorers); at most 500",
        )
    ]
    StrategyDocument.model_validate({**small, "entry_rules": wide["conditions"][0]})
    exits_wide = [{"name": f"e{i}", "condition": wide["conditions"][i]} for i in range(4)]
    [(path, msg)] = _errors({**small, "exit_rules": exits_wide})
    assert path == "exit_rules"
    assert "reaches 611 nodes" in msg


def test_conditions_nested_too_deep_are_refused():
    condition = cmp(ind("close"), ">", num(1))
    for _ in range(24):
        condition = {"type": "not", "condition": condition}

    [(path, msg)] = _errors({"name": "x", "entry_rules": condition})

    assert path == "entry_rules"
    assert msg == "Value error, nodes nest 26 deep here; at most 24"
