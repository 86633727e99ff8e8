"""Alerts of one shape judged together (issue 69): `strategies.compile.last_truths` on one
book of many symbols, each alert's level from a vector, agrees with each alert judged alone
on its own symbol's candles (`rules.holds_now`), or says it cannot tell (a cross whose
earlier side lies before the bars it compares), which the watcher then judges alone."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tradertape.candles.live import Candle
from tradertape.ports.clock import IST
from tradertape.services.alerts.panel import Floats, MinutePanel
from tradertape.services.alerts.rules import compiled, holds_now, parse_condition
from tradertape.strategies.compile import last_truths

START = datetime(2026, 11, 20, 9, 15, tzinfo=IST)
CLOSE = {"type": "indicator", "name": "close"}


def candles(closes: list[int]) -> list[Candle]:
    return [
        Candle(
            START + timedelta(minutes=i), Decimal(c), Decimal(c + 1), Decimal(c - 1), Decimal(c), 10
        )
        for i, c in enumerate(closes)
    ]


def shaped(kind: str, level: float, lag: int) -> dict[str, Any]:
    left = {"type": "indicator", "name": "close", "lag": lag}
    right = {"type": "literal", "value": level}
    if kind == "rsi":
        return {
            "type": "compare",
            "left": {"type": "indicator", "name": "rsi14"},
            "op": "<",
            "right": right,
        }
    if kind == "levelless":  # no level at all: every alert of the shape is the same rule
        return {
            "type": "crosses_above",
            "left": left,
            "right": {"type": "indicator", "name": "sma5"},
        }
    if kind == "between":
        return {
            "type": "and",
            "conditions": [
                {"type": "compare", "left": left, "op": ">=", "right": right},
                {
                    "type": "compare",
                    "left": CLOSE,
                    "op": "<",
                    "right": {"type": "literal", "value": level + 3},
                },
            ],
        }
    return {"type": kind, "left": left, "right": right}


walks = st.lists(st.integers(min_value=98, max_value=102), min_size=1, max_size=60)


@settings(max_examples=60, deadline=None)
@given(
    series=st.lists(walks, min_size=1, max_size=5),
    kind=st.sampled_from(
        ["crosses_above", "crosses_below", "compare_gt", "rsi", "between", "levelless"]
    ),
    levels=st.lists(st.integers(min_value=97, max_value=103), min_size=1, max_size=12),
    lag=st.integers(min_value=0, max_value=3),
    rows=st.integers(min_value=2, max_value=8),
)
def test_judged_together_as_each_alone(
    series: list[list[int]], kind: str, levels: list[int], lag: int, rows: int
):
    keys = [f"NSE:S{i}" for i in range(len(series))]
    held = {k: candles(s) for k, s in zip(keys, series, strict=True)}
    panel = MinutePanel(keys, held.__getitem__, Floats())
    assert panel.book is not None
    if kind == "compare_gt":
        rules = [
            parse_condition(
                {
                    "type": "compare",
                    "left": CLOSE,
                    "op": ">",
                    "right": {"type": "literal", "value": float(v)},
                }
            )
            for v in levels
        ]
    else:
        rules = [parse_condition(shaped(kind, float(v), lag)) for v in levels]
    made = [compiled(r) for r in rules]
    assert len({m.shape for m in made}) == 1  # one shape, many levels
    symbols = [keys[i % len(keys)] for i in range(len(made))]
    columns = np.array([panel.column[s] for s in symbols], dtype=np.intp)
    matrix = np.array([m.levels for m in made]).reshape(len(made), len(made[0].nodes))
    by_node = {id(n): matrix[:, j] for j, n in enumerate(made[0].nodes)}
    holds, unsure = last_truths(made[0].condition, panel.book, columns, by_node, rows)
    for j, (rule, symbol) in enumerate(zip(rules, symbols, strict=True)):
        alone = holds_now(rule, held[symbol])
        if not unsure[j]:
            assert holds[j] == alone, (j, symbol, rule)
        if max(map(len, series)) <= rows or kind in ("compare_gt", "rsi", "between"):
            assert not unsure[j]  # every bar compared, or no cross: always told


def test_a_cross_after_a_long_tie_is_unsure_and_the_whole_history_decides():
    """Close sits on the level for longer than the compared bars, then leaves it: whether
    that is a cross depends on the side before the tie, which only the whole history has."""
    from_below = candles([95, *[100] * 20, 104])
    from_above = candles([105, *[100] * 20, 104])
    keys = ["NSE:A", "NSE:B"]
    held = dict(zip(keys, [from_below, from_above], strict=True))
    panel = MinutePanel(keys, held.__getitem__, Floats())
    assert panel.book is not None
    rule = compiled(parse_condition(shaped("crosses_above", 100.0, 0)))
    levels = {id(rule.nodes[0]): np.array([100.0, 100.0])}
    holds, unsure = last_truths(rule.condition, panel.book, np.array([0, 1]), levels, rows=8)
    assert unsure.tolist() == [True, True]
    assert [holds_now(rule.condition, held[k]) for k in keys] == [True, False]
    del holds


def test_settled_minutes_are_converted_once_and_follow_a_moving_front():
    """`Floats` keeps the settled minutes' rows; a series that lost its oldest minutes and
    gained new ones gives the same rows as converting it afresh."""
    floats = Floats()
    series = candles(list(range(100, 140)))
    first = floats.rows("NSE:X", series[:30])
    assert first[:, 3].tolist() == [float(c) for c in range(100, 130)]
    moved = series[3:35]  # three oldest gone, five new
    rows = floats.rows("NSE:X", moved)
    assert rows[:, 3].tolist() == [float(c) for c in range(103, 135)]
    replayed = candles([7, 8, 9])  # another series under the key: converted afresh
    assert floats.rows("NSE:X", replayed)[:, 3].tolist() == [7.0, 8.0, 9.0]
