"""`compile_strategy(list_entries=True)` lists the cells where the entry holds: the same
cells, in the same order, as the entry grid it no longer builds."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tests.unit.backtest.dsl import ALWAYS, cmp, compiled, doc, ind, num, pos
from tradertape.backtest.synthetic import make_panel
from tradertape.candles.panel import Panel
from tradertape.strategies.compile import symbol_major


def _panel() -> Panel:
    rng = np.random.default_rng(11)
    closes: dict[str, list[float]] = {}
    for k in range(6):
        walk = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.02, 260)))
        if k % 2:  # on the tick grid (the others off it: the averages' floating-point path)
            walk = np.round(walk * 20.0) / 20.0
        walk[rng.random(260) < 0.05] = np.nan  # days without a bar
        closes[f"NSE:S{k}"] = walk.tolist()
    return make_panel(closes)


def _and(*parts: dict[str, Any]) -> dict[str, Any]:
    return {"type": "and", "conditions": list(parts)}


_ENTRIES = [
    pytest.param(ALWAYS, id="compare"),
    pytest.param(_and(cmp(ind("rsi14"), "<", num(45)), cmp(ind("close"), ">", ind("sma200"))),
                 id="dip-buyer"),
    pytest.param(_and(cmp(ind("close"), ">", ind("sma20")), cmp(ind("sma50"), "<=", ind("close"))),
                 id="smas-both-sides"),
    pytest.param(_and(cmp(ind("rsi14"), "<", num(50)), cmp(ind("sma20"), "!=", ind("sma20", 1))),
                 id="not-equal-lagged"),
    pytest.param(_and(cmp(num(1), "<", num(2)), cmp(pos("unrealized_pct"), "==", num(0)),
                      cmp(ind("close"), ">=", ind("sma10"))), id="numbers-and-position"),
    pytest.param(_and(cmp(ind("rsi14"), ">", num(40)),
                      {"type": "or", "conditions": [cmp(ind("close"), ">", ind("sma30")),
                                                    {"type": "not", "condition": ALWAYS}]},
                      {"type": "crosses_above", "left": ind("close"), "right": ind("sma20")}),
         id="or-not-cross"),
    pytest.param(_and(cmp({"type": "sub", "left": ind("close"), "right": ind("sma20")}, ">",
                          num(0)), cmp(ind("close"), "<", num(1))), id="arithmetic-none"),
]  # fmt: skip


@pytest.mark.parametrize("entry", _ENTRIES)
def test_listed_entries_are_the_grids_cells(entry: dict[str, Any]):
    panel = _panel()
    document = doc(entry)

    grid, listed = compiled(document, panel), compiled(document, panel, list_entries=True)
    expected = np.flatnonzero(symbol_major(grid.entry))
    assert grid.entry_cells is None
    assert listed.entry.size == 0
    assert listed.entry_cells is not None
    assert listed.entry_cells.tolist() == expected.tolist()
