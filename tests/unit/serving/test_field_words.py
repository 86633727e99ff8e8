"""A bad field said for people, held to the table the web app's wording reads too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradertape.serving.field_words import field_words, problem_words

CASES: dict[str, Any] = json.loads(
    (Path(__file__).parents[3] / "web/src/api/fieldWords.cases.json").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("case", CASES["labels"], ids=lambda c: c["field"])
def test_a_field_in_words(case):
    assert field_words(case["field"]) == case["words"]


@pytest.mark.parametrize("case", CASES["too_short"], ids=lambda c: c["field"])
def test_a_short_list_says_what_to_add(case):
    least = case["least"]
    msg = f"List should have at least {least} item after validation, not 0"
    assert problem_words(case["field"], msg, "too_short", {"min_length": least}) == case["words"]


@pytest.mark.parametrize(
    ("field", "msg", "kind", "said"),
    [
        (
            "config.min_hold",
            "Input should be greater than or equal to 0",
            "greater_than_equal",
            "Config, min hold: must be greater than or equal to 0",
        ),
        ("name", "Field required", "missing", "Name: required"),
        (
            "entry_rules",
            "Value error, RSI 14 < 45 and RSI 14 > 50 can never both be true",
            "value_error",
            "Entry rules: RSI 14 < 45 and RSI 14 > 50 can never both be true",
        ),
        ("body", "Value error, pick one", "value_error", "Pick one"),
    ],
)
def test_library_sentences_are_said_as_ours(field, msg, kind, said):
    assert problem_words(field, msg, kind) == said


@given(st.text(), st.text(), st.sampled_from(["too_short", "value_error", "missing"]))
def test_any_field_is_said_without_failing(field, msg, kind):
    """The words are made inside the error handler: they must never raise (a 500)."""
    assert isinstance(problem_words(field, msg, kind, {"min_length": 1}), str)
