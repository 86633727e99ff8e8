"""An alert's condition: the strategy DSL's `Condition`, read from JSON and judged on the
last bar of one instrument's candles.

The condition is the same tree a strategy's entry rule is (``close crosses_above 1500``,
``rsi14 crosses_below 30``, ``roc1 > 3``, ``vol_ratio20 > 3``), compiled by the same code,
so an alert and a backtest of the same rule agree bar for bar. Position fields and random
draws are refused: an alert watches the market, not a position.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from pydantic import BaseModel, TypeAdapter, ValidationError

from tradertape.candles.live import Candle
from tradertape.errors import InvalidField
from tradertape.indicators import IndicatorBook
from tradertape.strategies.compile import condition_truth
from tradertape.strategies.dsl import (
    Condition,
    Cross,
    IndicatorOperand,
    LiteralOperand,
    RandomOperand,
    extent,
    json_path,
    uses_position,
)

MAX_NODES = 60  # an alert is a rule, not a strategy
# A price cross past ₹1 crore a share is a typo (extra zeros), as is one at or below 0:
# neither can ever fire, and the alert would sit "active" for ever.
MAX_PRICE = 10_000_000.0
_PRICES = frozenset({"open", "high", "low", "close"})
_CONDITION: TypeAdapter[Condition] = TypeAdapter(Condition)


def _draws(node: BaseModel) -> bool:
    if isinstance(node, RandomOperand):
        return True
    for name in type(node).model_fields:
        value = getattr(node, name)
        for child in value if isinstance(value, list) else (value,):
            if isinstance(child, BaseModel) and _draws(child):
                return True
    return False


def parse_condition(raw: object, *, field: str = "condition") -> Condition:
    """The condition `raw` holds; a 422 naming the bad node (``condition.left.name``)."""
    try:
        condition = _CONDITION.validate_python(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        if loc and isinstance(raw, dict) and loc[0] == raw.get("type"):
            loc = loc[1:]  # the root union's tag: not part of the document
        path = json_path(loc)
        raise InvalidField(f"{field}.{path}" if path else field, first["msg"]) from None
    nodes, _depth = extent(condition)
    if nodes > MAX_NODES:
        raise InvalidField(field, f"{nodes} nodes; an alert's condition has at most {MAX_NODES}")
    if uses_position(condition):
        raise InvalidField(field, "an alert reads the market, not a position's fields")
    if _draws(condition):
        raise InvalidField(field, "an alert cannot draw a random number")
    _check_price_level(condition, field)
    return condition


def _check_price_level(condition: Condition, field: str) -> None:
    """A price crossing a level it can never reach is refused, naming the level."""
    if not isinstance(condition, Cross):
        return
    left, right = condition.left, condition.right
    if not (isinstance(left, IndicatorOperand) and left.name in _PRICES):
        return
    level = right.value if isinstance(right, LiteralOperand) else None
    if isinstance(level, float) and not 0 < level <= MAX_PRICE:
        raise InvalidField(
            f"{field}.right.value", "a price level must be above ₹0 and at most ₹1,00,00,000"
        )


@dataclass(frozen=True, slots=True)
class Compiled:
    """A parsed condition as the alert watcher judges it with others: its `shape` (the
    tree with its numeric levels taken out, hashable: alerts of one shape are judged in one
    pass), its numeric literal `nodes` and their `levels`, in one order."""

    condition: Condition
    shape: tuple[object, ...]
    nodes: tuple[LiteralOperand, ...]
    levels: tuple[float, ...]


def compiled(condition: Condition) -> Compiled:
    """The condition's shape and levels (once per alert as the watcher arms it)."""
    found: list[LiteralOperand] = []
    shape = _shape(condition, found)
    return Compiled(condition, shape, tuple(found), tuple(float(n.value) for n in found))


def _shape(node: BaseModel, levels: list[LiteralOperand]) -> tuple[object, ...]:
    if isinstance(node, LiteralOperand) and not isinstance(node.value, str):
        levels.append(node)
        return ("literal",)
    parts: list[object] = [type(node).__name__]
    for name in type(node).model_fields:
        value = getattr(node, name)
        if isinstance(value, list):
            value = tuple(_shape(c, levels) if isinstance(c, BaseModel) else c for c in value)
        elif isinstance(value, BaseModel):
            value = _shape(value, levels)
        parts.append((name, value))
    return tuple(parts)


def book_of(candles: Sequence[Candle]) -> IndicatorBook:
    """The indicators of one instrument's candles, oldest first (a one-column book)."""

    def column(values: list[float]) -> np.ndarray[Any, np.dtype[np.float64]]:
        return np.asfortranarray(np.array(values, dtype=np.float64).reshape(-1, 1))

    return IndicatorBook(
        column([float(c.open) for c in candles]),
        column([float(c.high) for c in candles]),
        column([float(c.low) for c in candles]),
        column([float(c.close) for c in candles]),
        column([float(c.volume) for c in candles]),
    )


def holds_now(condition: Condition, candles: Sequence[Candle]) -> bool:
    """Whether the condition holds on the last candle (False with no candles)."""
    if not candles:
        return False
    return holds_on(condition, book_of(candles))


def holds_on(condition: Condition, book: IndicatorBook) -> bool:
    """Whether the condition holds on the book's last bar (a book shared by every alert on
    one symbol computes each indicator once)."""
    return bool(condition_truth(condition, book)[-1, 0])


def last_price(candles: Sequence[Candle]) -> Decimal:
    """The price an alert fired at: the last candle's close."""
    return candles[-1].close
