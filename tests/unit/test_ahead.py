"""The kernels compiled ahead of time (`tradertape.ahead`) give numba's JIT builds' bits.

Each test runs the same backtest twice in this process: with numba's builds, then with every
kernel the engine calls from Python swapped for its ahead-of-time build (a call whose
argument types the module has no build of fails the test: the CLI would fall back to numba
there, and the twin would test nothing). Skipped where the module is not built from the
current sources (`make install` builds it)."""

from __future__ import annotations

import sys
from dataclasses import fields
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradertape import ahead, jit
from tradertape.backtest.engine import BacktestResult, BacktestSettings, run_backtest
from tradertape.backtest.warmup import warm_up, warm_up_panel
from tradertape.candles import CandleStore
from tradertape.candles.panel import Panel
from tradertape.candles.populate import synthesize
from tradertape.candles.synthetic import SyntheticMarket
from tradertape.domain.instruments_data import reference_catalog
from tradertape.strategies.builtins import builtin, builtin_models
from tradertape.strategies.dsl import BaseModelId

BUILDS = ahead.Builds.load()
pytestmark = pytest.mark.skipif(BUILDS is None, reason="no current ahead-of-time build")


def _ahead_only(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Swap each kernel in its module for its ahead-of-time builds; the calls made."""
    assert BUILDS is not None
    warm_up()  # every kernel module imported
    calls: list[str] = []
    for dispatcher in jit._kernels:
        fn = dispatcher.py_func
        builds = BUILDS.of(fn)
        if not builds:
            continue

        def run(*args: Any, _builds: dict[str, Any] = builds, _name: str = fn.__name__) -> Any:
            key = ahead.key_of(args)
            assert key in _builds, f"{_name}: no ahead-of-time build for ({key})"
            calls.append(_name)
            return _builds[key](*args)

        monkeypatch.setattr(sys.modules[fn.__module__], fn.__name__, run)
    return calls


def _same(a: BacktestResult, b: BacktestResult) -> None:
    for name in ("days", "equity", "drawdown", "cash", "positions"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), strict=True)
    for field in fields(a.tape):
        left, right = getattr(a.tape, field.name), getattr(b.tape, field.name)
        if isinstance(left, np.ndarray):
            np.testing.assert_array_equal(left, right, strict=True)
        else:
            assert left == right, field.name
    assert repr(a.summary) == repr(b.summary)  # NaN equal to NaN


def _twins(panel: Panel, runs: list[tuple[Any, BacktestSettings]]) -> list[str]:
    jitted = [run_backtest(document, panel, s) for document, s in runs]
    with pytest.MonkeyPatch.context() as patched:
        calls = _ahead_only(patched)
        for (document, s), expected in zip(runs, jitted, strict=True):
            _same(run_backtest(document, panel, s), expected)
    return calls


_SETTINGS = st.builds(
    BacktestSettings,
    starting_capital=st.sampled_from([1e5, 1e6, 1e7]),
    position_size_pct=st.sampled_from([5.0, 10.0, 25.0]),
    max_positions=st.integers(1, 4),
    max_per_sector=st.sampled_from([None, 1, 2]),
    slippage_bps=st.sampled_from([0.0, 5.0, 20.0]),
    charges=st.sampled_from(["zerodha", "none", 0.1]),
    fill_at=st.sampled_from(["next_open", "close"]),
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    model=st.sampled_from(list(builtin_models())),
    run=_SETTINGS,
    symbols=st.sampled_from([1, 4]),
)
def test_a_synthetic_run_is_the_same_ahead_of_time(
    model: BaseModelId, run: BacktestSettings, symbols: int
):
    calls = _twins(warm_up_panel(symbols), [(builtin(model), run)])
    assert "simulate" in calls


def test_a_stored_run_is_the_same_ahead_of_time(tmp_path: Path):
    # the CLI's panels: the candle store's files, as `tradertape backtest` loads them
    catalog = reference_catalog()
    store = CandleStore(tmp_path, catalog=catalog)
    keys = ["NSE:INFY", "NSE:TCS", "NSE:HDFCBANK", "NSE:ICICIBANK", "NSE:RELIANCE"]
    start, end = date(2023, 1, 1), date(2024, 12, 31)
    synthesize(store, SyntheticMarket(catalog, store.calendar), keys, start, end)
    panel = store.load_panel(keys, start, end)
    runs = [(builtin(m), BacktestSettings(max_per_sector=2)) for m in builtin_models()]
    calls = _twins(panel, runs)
    assert {"simulate", "tape_columns", "curve_steps"} <= set(calls)
