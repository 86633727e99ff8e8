"""Small builders of strategy documents for the backtester's tests."""

from __future__ import annotations

from typing import Any

import numpy as np

from tradertape.candles.panel import Panel
from tradertape.indicators import IndicatorBook
from tradertape.strategies.compile import CompiledStrategy, compile_strategy
from tradertape.strategies.dsl import StrategyDocument


def ind(name: str, lag: int = 0) -> dict[str, Any]:
    return {"type": "indicator", "name": name, "lag": lag}


def num(value: float) -> dict[str, Any]:
    return {"type": "literal", "value": value}


def pos(field: str) -> dict[str, Any]:
    return {"type": "position", "field": field}


def cmp(left: dict[str, Any], op: str, right: dict[str, Any]) -> dict[str, Any]:
    return {"type": "compare", "left": left, "op": op, "right": right}


def rule(name: str, condition: dict[str, Any], priority: int = 0, **extra: Any) -> dict[str, Any]:
    return {"name": name, "priority": priority, "condition": condition, **extra}


ALWAYS = cmp(ind("close"), ">", num(0))


def doc(
    entry: dict[str, Any] = ALWAYS,
    exits: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> StrategyDocument:
    return StrategyDocument.model_validate(
        {"name": "test", "entry_rules": entry, "exit_rules": exits or [], **extra}
    )


def compiled(document: StrategyDocument, panel: Panel, **options: bool) -> CompiledStrategy:
    """``document`` compiled on a day panel's fresh indicators, with `compile_strategy`'s
    ``options``."""
    return compile_strategy(
        document,
        IndicatorBook.from_panel(panel),
        day_numbers=panel.days.view(np.int64),
        keys=panel.keys,
        **options,
    )
