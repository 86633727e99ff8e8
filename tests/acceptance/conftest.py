"""One synthetic NIFTY 100 market for the whole session, built once into a temporary store.

The cross-checks compare our backtester with independent engines on the same candles, so
every test reads this one panel (or a column of it): the data is seeded and deterministic.
"""

from __future__ import annotations

import dataclasses
import warnings
from datetime import date

import numpy as np
import pytest

from tradertape.candles.panel import Panel
from tradertape.candles.populate import synthesize
from tradertape.candles.store import CandleStore
from tradertape.candles.synthetic import SyntheticMarket
from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.instruments_data import reference_catalog

with warnings.catch_warnings():
    # backtrader 1.9.78's docstrings hold invalid escape sequences ('\\*'). Python 3.11
    # reports them as a DeprecationWarning while compiling the module, which
    # `filterwarnings = error` turns into a SyntaxError at import; the test modules then
    # find it imported.
    warnings.filterwarnings("ignore", "invalid escape sequence", DeprecationWarning)
    import backtrader  # noqa: F401

START = date(2019, 1, 1)
END = date(2025, 4, 21)  # a day the dip buyers hold positions: open trades at the end


def nifty_100() -> list[str]:
    """The NIFTY 100 members of the reference catalog, sorted (the panel's column order)."""
    return sorted(instrument.key for instrument in reference_catalog().universe("nifty_100"))


def columns(panel: Panel, keys: list[str]) -> Panel:
    """The sub-panel of ``keys``, in that order."""
    index = [panel.column(k) for k in keys]
    return dataclasses.replace(
        panel,
        keys=tuple(keys),
        sectors=tuple(panel.sectors[j] for j in index),
        sources=tuple(panel.sources[j] for j in index),
        **{
            name: np.ascontiguousarray(getattr(panel, name)[:, index])
            for name in ("open", "high", "low", "close", "volume")
        },
    )


@pytest.fixture(scope="session")
def nifty_panel(tmp_path_factory: pytest.TempPathFactory) -> Panel:
    """Daily candles of the NIFTY 100 members with a bar on every day of the window."""
    catalog = reference_catalog()
    store = CandleStore(tmp_path_factory.mktemp("candles"), catalog=catalog)
    keys = nifty_100()
    synthesize(store, SyntheticMarket(catalog, nse_calendar()), keys, START, END)
    panel = store.load_panel(keys, START, END)
    complete = [k for j, k in enumerate(panel.keys) if not np.isnan(panel.close[:, j]).any()]
    return columns(panel, complete)
