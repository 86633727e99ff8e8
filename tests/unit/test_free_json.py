"""The quick check of a JSON value agrees with the full walk that names the problem."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tradertape.serving.free_json import check_json, find_problem, within_depth

text = st.text(st.characters() | st.sampled_from(("\x00", "\ud800"))) | st.sampled_from(
    ("NaN", "\\u0000")  # in text: the quick check suspects them, the walk finds nothing
)
values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(text, children, max_size=4),
    max_leaves=40,
)


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return 1 + max((_depth(item) for item in value), default=0)
    return 0


@given(value=values, max_depth=st.integers(0, 8), ascii_only=st.booleans())
def test_the_quick_check_finds_what_the_walk_finds(value: Any, max_depth: int, ascii_only: bool):
    written = json.dumps(value, ensure_ascii=ascii_only)

    assert check_json(value, text=written, max_depth=max_depth) == find_problem(
        value, max_depth=max_depth
    )
    assert within_depth(value, max_depth) == (_depth(value) <= max_depth)


def test_a_problem_is_named_by_its_path():
    problem = find_problem({"a": [1, {"b": "x\x00"}]}, max_depth=8)

    assert problem is not None
    assert (problem.path, problem.type) == (("a", 1, "b"), "text_unstorable")
