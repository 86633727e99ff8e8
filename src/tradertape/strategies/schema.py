"""The published JSON Schema of a strategy document (``GET /api/strategies/schema``)."""

from __future__ import annotations

from functools import cache
from typing import Any

from tradertape.indicators import CATEGORY_LABELS, indicator_forms
from tradertape.strategies.dsl import StrategyDocument
from tradertape.strategies.scoring import SCORER_PRESETS


@cache
def strategy_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12, from the pydantic models) plus what a schema cannot say:
    the indicator name forms, the category labels and the scorer presets."""
    schema = StrategyDocument.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["x-indicators"] = [
        {"form": form, "description": description} for form, description in indicator_forms()
    ]
    schema["x-category-labels"] = {
        name: sorted(table, key=table.__getitem__) for name, table in CATEGORY_LABELS.items()
    }
    schema["x-scorer-presets"] = SCORER_PRESETS
    return schema


def blank_document() -> dict[str, Any]:
    """A new strategy's first draft: every part at its default, with no name and no entry
    condition yet. It is not a valid document (saved as it is, the answer is a 422 naming
    ``name``): the editor starts from it, and the trader names the strategy and writes its
    first condition."""
    placeholder = {"type": "compare", "left": {"type": "literal", "value": 0}, "op": ">"}
    placeholder["right"] = {"type": "literal", "value": 0}
    draft = StrategyDocument.model_validate(
        {"name": "draft", "entry_rules": placeholder}
    ).model_dump(mode="json")
    draft["name"] = ""
    draft["entry_rules"] = {"type": "and", "conditions": []}
    return draft
