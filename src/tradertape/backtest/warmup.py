"""Compile every backtest kernel before the first request needs it.

The first call of a numba function in a process compiles it (seconds) or, when numba's
on-disk cache holds a build for the same argument types, loads it (milliseconds). The
server calls `warm_up` once at start-up so a user's first backtest pays neither, nor a
portfolio's first scan (`kernel.decide_day`, which the scanner calls for one day).

numba builds one version of a kernel per argument *type*, and an array's type includes its
memory layout: a warm-up over C-ordered arrays would leave the Fortran-ordered version the
candle store's panels need uncompiled. So the tiny panel here is laid out exactly as
`tradertape.candles.panel.assemble` lays out a loaded one, and it goes through
`run_backtest` itself, which converts and passes arrays as real runs do.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from tradertape import indicators
from tradertape.backtest import kernel
from tradertape.backtest.day_decision import Loaded
from tradertape.backtest.engine import BacktestSettings, params_of, rules_of, run_backtest
from tradertape.backtest.synthetic import make_panel
from tradertape.candles.bars import FloatArray
from tradertape.candles.panel import Panel
from tradertape.strategies.builtins import builtin, builtin_models
from tradertape.strategies.dsl import StrategyDocument

# Longer than every built-in's longest window (SMA 200, the 52-week high and low), so each
# indicator actually runs its kernel rather than returning early on a short series.
_DAYS = 300
_SECTORS = {"NSE:WARMA": "IT", "NSE:WARMB": "IT", "NSE:WARMC": "BANKING", "NSE:WARMD": ""}

# Both charge modes and both fill times, every constraint on and off: the kernel's settings
# are scalars (one type whatever their values), but this keeps the warm-up honest if a
# setting ever changes what the engine passes.
_SETTINGS = (
    BacktestSettings(
        starting_capital=1e7,
        position_size_pct=10,
        max_positions=20,
        max_per_sector=2,
        slippage_bps=5,
        charges="zerodha",
    ),
    BacktestSettings(charges=0.1, fill_at="close"),
)


# Every kind of conviction scorer has its kernel (`tradertape.strategies.score_kernels`);
# the built-ins use all but the condition scorer, which this one adds.
_SCORERS = StrategyDocument.model_validate(
    {
        "name": "warm-up: every scorer",
        "entry_rules": {"type": "compare", "left": {"type": "indicator", "name": "rsi14"},
                        "op": "<", "right": {"type": "literal", "value": 60}},
        "conviction_scoring": [
            {"type": "when", "points": 2, "condition": {
                "type": "compare", "left": {"type": "indicator", "name": "close"},
                "op": ">", "right": {"type": "indicator", "name": "sma20"}}},
            "rsi_band", "vol_regime", "lowest_rsi",
        ],
    }
)  # fmt: skip


def store_layout(panel: Panel) -> Panel:
    """``panel`` with its fields laid out as the candle store returns them: Fortran-ordered
    (days × symbols) views of one (field, symbol, day) block."""
    fields = (panel.open, panel.high, panel.low, panel.close, panel.volume)
    block = np.empty((len(fields), panel.shape[1], panel.shape[0]))
    for k, values in enumerate(fields):
        block[k] = values.T
    o, h, lo, c, v = (block[k].T for k in range(len(fields)))
    return replace(panel, open=o, high=h, low=lo, close=c, volume=v)


def warm_up_panel(symbols: int = len(_SECTORS)) -> Panel:
    """``symbols`` (at most four) × 300 trading days of a seeded random walk, in the store's
    layout."""
    rng = np.random.default_rng(7)
    keys = sorted(_SECTORS)[:symbols]
    steps = rng.normal(0.0005, 0.02, size=(_DAYS, len(keys)))
    close: FloatArray = 100.0 * np.exp(np.cumsum(steps, axis=0))
    gap: FloatArray = rng.normal(0.0, 0.005, size=close.shape)
    open_ = np.vstack([close[:1], close[:-1] * np.exp(gap[1:])])
    spread = np.abs(rng.normal(0.0, 0.01, size=close.shape)) * close
    high, low = np.fmax(open_, close) + spread, np.fmin(open_, close) - spread

    def columns(values: FloatArray) -> dict[str, list[float]]:
        return {k: values[:, j].tolist() for j, k in enumerate(keys)}

    panel = make_panel(
        columns(close),
        open_=columns(open_),
        high=columns(high),
        low=columns(low),
        sectors={k: _SECTORS[k] for k in keys if _SECTORS[k]},
    )
    return store_layout(panel)


def warm_up() -> None:
    """Compile (or load from numba's cache) the indicator and backtest kernels: a tiny
    backtest of every built-in under each of `_SETTINGS`, on four symbols and on one, and
    the options scan (`warm_up_first`, then `warm_up_later`).

    One symbol is a layout of its own: a single-column array is both C- and Fortran-
    contiguous, which numba types as C-ordered, so a one-stock backtest needs its own build.
    """
    warm_up_first()
    warm_up_later()


def warm_up_first() -> None:
    """The builds a server needs before it serves: several symbols' (every universe, the
    demo's portfolios, a portfolio's scan); all but the one-instrument indicators' builds
    and the options scan, which are about a third of the compiling."""
    indicators.warm_up((3,))
    _backtests(warm_up_panel())


def warm_up_later() -> None:
    """The builds few runs need: a one-stock backtest's and the options scan. On an empty
    cache a server compiles them in a process of its own after it serves (`jobs.kernels`);
    a run that needs one sooner compiles it itself."""
    indicators.warm_up((1,))
    _backtests(warm_up_panel(1))
    warm_up_options()


def _backtests(panel: Panel, *, run: bool = True, decide: bool = True) -> None:
    for document in (*map(builtin, builtin_models()), _SCORERS):
        for settings in _SETTINGS:
            if run:
                run_backtest(document, panel, settings)
            if decide:
                decide_last_day(document, panel, settings)


SHARES = 2


def warm_up_share(share: int) -> None:
    """One of `SHARES` parts of `warm_up`'s compiling, for processes side by side
    (`tradertape warm-up --jobs 2`; numba compiles in one thread). Measured on an empty
    cache (CPU s, 2026-11-30): the backtest's kernel and its helpers 42, the scanner's 22,
    each set of indicator builds (several instruments', one's) 16-17, the options scan 1.4;
    so 60 and 38. The backtest's share starts with the one-instrument indicators, so that
    by the time its runs need the several-instrument ones the other share has cached them;
    a build the other process has not saved yet is compiled again here (the same machine
    code, saved under `jit`'s lock)."""
    if share == 0:
        indicators.warm_up((3,))
        _backtests(warm_up_panel(), run=False)
    else:
        indicators.warm_up((1,))
        warm_up_options()  # a margin before the runs, which need the other share's builds
        _backtests(warm_up_panel(), decide=False)


def warm_up_options() -> None:
    """The options backtester's scan over two legs and three bars, with the argument types
    its runs pass (`backtest.options.engine`)."""
    from tradertape.backtest.options import kernel as options

    bars = np.full((2, 3), 100.0)
    legs = np.ones(2)
    nan = np.full(2, np.nan)
    options.scan(
        bars, bars, bars, bars, 0, 3, np.zeros(2, dtype=np.int64), -legs, legs, legs * 100,
        legs * 125, legs * 125, nan.copy(), legs * 0, legs * 0, nan.copy(), nan.copy(),
        nan.copy(), np.zeros(2, dtype=np.bool_), False, 0.0, np.nan, np.nan, np.full(5, np.nan),
        np.full(2, -1, dtype=np.int64), nan.copy(), np.zeros(2, dtype=np.int64),
    )  # fmt: skip


def decide_last_day(document: StrategyDocument, panel: Panel, settings: BacktestSettings) -> None:
    """`kernel.decide_day` on the panel's last day from an empty book, its arguments built
    by the scanner's own `day_decision.Loaded`."""
    loaded = Loaded(panel)
    compiled, market = loaded.bind(document)
    book = loaded.new_book(1e7)
    kernel.decide_day(
        market, rules_of(compiled), book, params_of(document, settings), panel.shape[0] - 1
    )


if __name__ == "__main__":  # a process of `tradertape warm-up --jobs`, or of a server
    import os
    import sys

    if sys.argv[1:2] == ["share"]:
        warm_up_share(int(sys.argv[2]))
    else:  # `jobs.kernels`, on an empty cache
        os.nice(10)  # the server it readies kernels for comes first
        warm_up_later()
