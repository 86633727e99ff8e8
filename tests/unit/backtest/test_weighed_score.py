"""The kernel's weighing of one weighted scorer (`compile_strategy(weigh_in_kernel=True)`)
gives the bits the summed score grid gave: the same trades, convictions and curves, with
ties, NaN, infinite points and either fill."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pytest

from tests.unit.backtest.dsl import ALWAYS, cmp, compiled, doc, ind, num, pos, rule
from tradertape.backtest.engine import BacktestResult, BacktestSettings, run_backtest
from tradertape.backtest.synthetic import make_panel
from tradertape.candles.panel import Panel

_EXITS = [rule("stop", cmp(pos("unrealized_pct"), "<=", num(-3))), rule("take", ALWAYS)]


def _panel(seed: int, symbols: int = 12, days: int = 80) -> Panel:
    rng = np.random.default_rng(seed)
    closes: dict[str, list[float]] = {}
    for k in range(symbols):
        walk = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.02, days)))
        walk = np.round(walk * 20.0) / 20.0  # (the 0.05 grid)
        walk[rng.random(days) < 0.05] = np.nan  # days without a bar
        closes[f"NSE:S{k:02d}"] = walk.tolist()
    return make_panel(closes)


def _same_runs(fast: BacktestResult, slow: BacktestResult) -> None:
    """Two runs' trades (conviction included), curves and summaries, to the bit."""
    assert fast.trades == slow.trades
    for name in ("equity", "cash", "positions"):
        assert np.array_equal(getattr(fast, name), getattr(slow, name), equal_nan=True)
    assert fast.summary == slow.summary


@pytest.mark.parametrize("fill_at", ["next_open", "close"])
@pytest.mark.parametrize(
    ("operand", "weight"),
    [
        pytest.param(ind("rsi14"), -1.0, id="minus-rsi"),
        pytest.param(ind("close", lag=1), 2.5, id="lagged-close"),
        pytest.param(ind("rsi14"), 0.0, id="zero-weight"),
        pytest.param(ind("close"), 1e308, id="infinite-points"),
    ],
)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_weighing_in_the_kernel_is_the_score_grid(
    operand: dict[str, Any], weight: float, fill_at: Literal["next_open", "close"], seed: int
):
    document = doc(
        ALWAYS,
        _EXITS,
        conviction_scoring=[{"type": "weighted", "operand": operand, "weight": weight}],
        config={"max_hold": 4},
    )
    panel = _panel(seed)
    settings = BacktestSettings(max_positions=3, fill_at=fill_at, charges=0.1)
    assert compiled(document, panel, weigh_in_kernel=True).score_weight == weight
    assert np.isnan(compiled(document, panel, weigh_in_kernel=False).score_weight)
    fast = run_backtest(document, panel, settings, weigh_in_kernel=True)
    slow = run_backtest(document, panel, settings, weigh_in_kernel=False)
    _same_runs(fast, slow)
    assert len(fast.trades) > 5  # trades were ranked and taken


def test_other_scorings_keep_the_grid():
    """Two scorers, or one that is not a weighted grid, are summed into the grid as before."""
    panel = _panel(4)
    two = doc(
        conviction_scoring=[
            {"type": "weighted", "operand": ind("rsi14"), "weight": 1.0},
            {"type": "weighted", "operand": ind("close"), "weight": 1.0},
        ]
    )
    literal = doc(conviction_scoring=[{"type": "weighted", "operand": num(3.0), "weight": 1.0}])
    for document in (two, literal, doc()):
        strategy = compiled(document, panel, weigh_in_kernel=True)
        assert np.isnan(strategy.score_weight)
        assert strategy.score.shape == panel.shape


def test_a_backtest_weighs_its_one_scorer_in_the_kernel():
    panel = _panel(5)
    document = doc(
        ALWAYS,
        _EXITS,
        conviction_scoring=[{"type": "weighted", "operand": ind("rsi14"), "weight": -1.0}],
    )
    settings = BacktestSettings(max_positions=2, charges=0.1)
    result = run_backtest(document, panel, settings)
    _same_runs(result, run_backtest(document, panel, settings, weigh_in_kernel=False))
    assert len(result.trades) > 5
