"""API fixtures: synthetic daily candles for backtests, generated once per session."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from tradertape.candles import CandleStore
from tradertape.candles.populate import synthesize
from tradertape.candles.synthetic import SyntheticMarket
from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.instruments_data import reference_catalog
from tradertape.runtime import Runtime

HISTORY = (date(2022, 1, 1), date(2025, 12, 31))


@pytest.fixture(scope="session")
def nifty50_candles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """NIFTY 50 members and indices, 2022–2025, synthetic (seed 7)."""
    root = tmp_path_factory.mktemp("candles")
    catalog = reference_catalog()
    store = CandleStore(root, catalog=catalog)
    members = [i.key for i in catalog.universe("nifty_50")]
    synthesize(store, SyntheticMarket(catalog, nse_calendar()), members, *HISTORY)
    return root


@pytest.fixture
def with_candles(runtime: Runtime, nifty50_candles: Path) -> Runtime:
    """The runtime with the session's synthetic candles in its data directory."""
    shutil.copytree(nifty50_candles, runtime.candles.root, dirs_exist_ok=True)
    return runtime
