"""Fixtures of the candle tests: the shipped catalog and calendar, a store in a temp folder."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from tradertape.candles import Bars, CandleStore
from tradertape.candles.synthetic import SyntheticMarket
from tradertape.domain.calendar import TradingCalendar
from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.instruments import InstrumentCatalog
from tradertape.domain.instruments_data import reference_catalog
from tradertape.domain.market import Interval


@pytest.fixture(scope="session")
def catalog() -> InstrumentCatalog:
    return reference_catalog()


@pytest.fixture(scope="session")
def calendar() -> TradingCalendar:
    return nse_calendar()


@pytest.fixture
def store(tmp_path: Path, catalog: InstrumentCatalog) -> CandleStore:
    return CandleStore(tmp_path / "candles", catalog=catalog)


@pytest.fixture(scope="session")
def market(catalog: InstrumentCatalog, calendar: TradingCalendar) -> SyntheticMarket:
    return SyntheticMarket(catalog, calendar, seed=11)


def day_bars(days: list[str], base: float = 100.0) -> Bars:
    """Simple valid day candles on the given ISO dates: close rises by 1 a day."""
    n = len(days)
    close = base + np.arange(n, dtype=np.float64)
    return Bars.from_arrays(
        Interval.DAY,
        time=np.array(days, dtype="datetime64[D]"),
        open=close - 0.5,
        high=close + 1.0,
        low=close - 1.0,
        close=close,
        volume=np.full(n, 1000.0),
    )


def weekdays(start: date, count: int, calendar: TradingCalendar) -> list[str]:
    """``count`` NSE trading days from ``start``, as ISO strings."""
    days = calendar.trading_days(start, date(start.year + 1, 12, 31))[:count]
    return [d.isoformat() for d in days]
