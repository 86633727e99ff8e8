"""The start-up warm-up: it runs, and leaves compiled the kernel versions real runs use."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any, cast

import pytest
from numba.core.registry import CPUDispatcher

from tradertape.backtest import kernel
from tradertape.backtest.engine import BacktestSettings, run_backtest
from tradertape.backtest.warmup import warm_up, warm_up_panel
from tradertape.candles import CandleStore
from tradertape.candles.populate import synthesize
from tradertape.candles.synthetic import SyntheticMarket
from tradertape.domain.instruments_data import reference_catalog
from tradertape.strategies.builtins import builtin
from tradertape.strategies.dsl import BaseModelId

START, END = date(2024, 1, 1), date(2024, 12, 31)


def _signatures() -> list[object]:
    # the typed `kernel` decorator hides numba's dispatcher from mypy
    return list(cast(Any, kernel.simulate).signatures)


def test_warm_up_compiles_the_kernel():
    warm_up()
    # The engine calls only `simulate` from Python; the helpers it calls are built into it
    # (and have no signatures of their own when `simulate` comes from numba's disk cache).
    assert isinstance(kernel.simulate, CPUDispatcher)
    assert _signatures()


@pytest.mark.parametrize("keys", [["NSE:INFY", "NSE:TCS"], ["NSE:INFY"]], ids=["two", "one"])
def test_a_run_on_a_stored_panel_needs_no_new_build(tmp_path: Path, keys: list[str]):
    catalog = reference_catalog()
    store = CandleStore(tmp_path, catalog=catalog)
    synthesize(store, SyntheticMarket(catalog, store.calendar), keys, START, END)
    panel = store.load_panel(keys, START, END)
    warm_up()
    before = _signatures()
    settings = BacktestSettings(max_per_sector=2, slippage_bps=5)
    for model in (BaseModelId.V1, BaseModelId.V3):
        run_backtest(builtin(model), panel, settings)
    assert _signatures() == before


# A fresh process that readies only what a server needs before it serves, then runs the
# one-stock backtest whose builds `warm_up_later` readies (a server's background process).
FIRST_ONLY = """
import json
from tradertape.backtest.engine import BacktestSettings, run_backtest
from tradertape.backtest.warmup import warm_up_first, warm_up_panel
from tradertape.jit import cache_report
from tradertape.strategies.builtins import builtin
from tradertape.strategies.dsl import BaseModelId


def builds():
    report = cache_report()
    return report.loaded + report.compiled


warm_up_first()
ready = builds()
settings = BacktestSettings(max_per_sector=2, slippage_bps=5)
models = (BaseModelId.V1, BaseModelId.V3)
runs = [run_backtest(builtin(m), warm_up_panel(1), settings) for m in models]
print(json.dumps({
    "ready": ready,
    "after": builds(),
    "equity": [r.equity.tolist() for r in runs],
    "trades": [len(r.trades) for r in runs],
}))
"""


def test_a_one_stock_run_readies_its_build_on_first_use_with_the_same_results():
    done = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", FIRST_ONLY], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    lazy = json.loads(done.stdout)
    warm_up()  # here: both halves, as `make install` and a server with a full cache ready them
    settings = BacktestSettings(max_per_sector=2, slippage_bps=5)
    models = (BaseModelId.V1, BaseModelId.V3)
    runs = [run_backtest(builtin(m), warm_up_panel(1), settings) for m in models]

    # several instruments' builds only: the one-instrument indicators' waited until the
    # first run that needed them
    assert lazy["after"] > lazy["ready"] > 0
    assert lazy["equity"] == [r.equity.tolist() for r in runs]
    assert lazy["trades"] == [len(r.trades) for r in runs]
