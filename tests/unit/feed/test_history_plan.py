"""The feed's day plan over the synthetic history: index ticks are the stored index's bars."""

from __future__ import annotations

from datetime import date

import pytest

from tradertape.candles.synthetic import DEFAULT_SEED, SyntheticMarket
from tradertape.candles.synthetic_indices import derive_indices
from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.instruments import InstrumentType
from tradertape.domain.instruments_data import reference_catalog
from tradertape.feed.history_plan import SyntheticHistoryPlan
from tradertape.feed.plan import SyntheticDayPlan

DAY = date(2026, 11, 20)


@pytest.mark.parametrize("key", ["NSE:NIFTY 50", "NSE:NIFTY BANK", "BSE:SENSEX", "NSE:INDIA VIX"])
def test_index_bars_are_the_stored_history(key: str):
    # NIFTY 50 ticked at 29,293.6 (previous close 29,338.7) while its history said 14,639.1.
    catalog, calendar = reference_catalog(), nse_calendar()
    market = SyntheticMarket(catalog, calendar, seed=DEFAULT_SEED)
    equities = [i.key for i in catalog if i.instrument_type is InstrumentType.EQ]
    plan = SyntheticHistoryPlan(market, equities, SyntheticDayPlan(catalog, calendar, seed=1))
    history = derive_indices(market.generate(equities, date(2026, 11, 2), DAY), catalog)[key]
    for row in (-2, -1):
        bar = plan(key, history.time[row].astype("datetime64[D]").item())
        assert bar is not None
        assert (bar.open, bar.high, bar.low, bar.close) == (
            history.open[row],
            history.high[row],
            history.low[row],
            history.close[row],
        )
