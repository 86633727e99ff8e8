"""The backtest evaluates the entry condition in its kernel (`kernel._program_signals` over
`compile.EntryProgram`), a symbol at a time; the scanner, and the backtest before, read the
grid `compile.truth` builds in NumPy. Both are run on random conditions (NaN bars, lags,
arithmetic, crosses, negations, position fields, division by zero) and their signals,
listed as the kernel lists them, must be the same."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numba import njit

from tradertape.backtest import kernel
from tradertape.backtest.engine import _day_numbers
from tradertape.backtest.synthetic import make_panel
from tradertape.candles.panel import Panel
from tradertape.indicators import IndicatorBook
from tradertape.strategies.compile import compile_strategy, symbol_major

from .dsl import cmp, doc, ind, num, pos


@njit(cache=False)
def _signals(code: Any, consts: Any, columns: Any, strides: Any, depth: int, score: Any,
             close: Any, start: int, end: int) -> Any:  # fmt: skip
    return kernel._program_signals(code, consts, columns, strides, depth, score, close, start, end)


def _panel() -> Panel:
    rng = np.random.default_rng(7)
    closes = {}
    for k in range(5):
        walk = 100.0 + np.cumsum(rng.normal(0.0, 1.5, 60))
        walk = np.round(walk / 0.05) * 0.05
        walk[rng.random(60) < 0.08] = np.nan  # days without a bar
        if k == 3:
            walk[:10] = np.nan  # listed later
        closes[f"NSE:S{k}"] = walk.tolist()
    return make_panel(closes)


PANEL = _panel()

_INDICATORS = ["close", "open", "rsi14", "sma5", "ema10", "high20"]
_OPS = [">", ">=", "<", "<=", "==", "!="]

_indicators = st.builds(ind, st.sampled_from(_INDICATORS), st.integers(0, 2))
_literals = st.builds(num, st.sampled_from([0.0, 1.0, 30.0, 50.0, 100.0, -2.5]))
_positions = st.builds(pos, st.sampled_from(["unrealized_pct", "total_bars_held"]))
_leaves = _indicators | _literals | _positions
_operands = st.recursive(
    _leaves,
    lambda inner: st.builds(
        lambda kind, a, b: {"type": kind, "left": a, "right": b},
        st.sampled_from(["add", "sub", "mul", "div"]),
        inner,
        inner,
    ),
    max_leaves=3,
)
_compares = st.builds(cmp, _operands, st.sampled_from(_OPS), _operands)
_crosses = st.builds(
    lambda kind, a, b: {"type": kind, "left": a, "right": b},
    st.sampled_from(["crosses_above", "crosses_below"]),
    _indicators,
    _indicators,
)
_conditions = st.recursive(
    _compares | _crosses,
    lambda inner: (
        st.builds(
            lambda c: {"type": "and", "conditions": c}, st.lists(inner, min_size=1, max_size=3)
        )
        | st.builds(
            lambda c: {"type": "or", "conditions": c}, st.lists(inner, min_size=1, max_size=3)
        )
        | st.builds(lambda c: {"type": "not", "condition": c}, inner)
    ),
    max_leaves=5,
)


def _grid_signals(
    entry: npt.NDArray[np.bool_], score: Any, close: Any, start: int, end: int
) -> tuple[Any, Any, Any]:
    """The signals as the kernel listed them from the NumPy grid."""
    hits = symbol_major(entry)[:, start:end] & ~np.isnan(close[:, start:end])
    symbol, day = np.nonzero(hits)  # symbol-major: by symbol, then day
    order = np.argsort(day, kind="stable")
    first = np.zeros(end - start + 1, dtype=np.int64)
    np.add.at(first, day + 1, 1)
    return np.cumsum(first), symbol[order], -score[symbol[order], day[order] + start]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(condition=_conditions, start=st.integers(0, 20))
def test_the_kernels_entry_signals_are_the_grids(condition: dict[str, Any], start: int):
    document = doc(
        entry=condition,
        conviction_scoring=[{"type": "weighted", "operand": ind("rsi14"), "weight": -1}],
    )
    book = IndicatorBook.from_panel(PANEL)
    numbers = _day_numbers(PANEL)
    grid = compile_strategy(document, book, day_numbers=numbers, keys=PANEL.keys)
    program = compile_strategy(
        document, book, day_numbers=numbers, keys=PANEL.keys, entry_grid=False
    ).entry_program
    assert program is not None
    close = symbol_major(PANEL.close)
    score = symbol_major(grid.score)
    end = PANEL.shape[0]
    columns, strides = program.locations()
    got = _signals(
        program.code, program.consts, columns, strides, program.depth, score, close, start, end
    )
    want = _grid_signals(grid.entry, score, close, start, end)
    for mine, theirs in zip(got, want, strict=True):
        np.testing.assert_array_equal(mine, theirs)
