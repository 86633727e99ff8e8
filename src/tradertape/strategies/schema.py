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
