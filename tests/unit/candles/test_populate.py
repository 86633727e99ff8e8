"""Filling the store with synthetic history: idempotent, appending, never touching real data."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tests.unit.candles.conftest import day_bars
from tradertape.candles import CandleSource, CandleStore
from tradertape.candles.populate import last_completed_session, synthesize
from tradertape.candles.synthetic import SyntheticMarket
from tradertape.domain.calendar import IST, TradingCalendar
from tradertape.domain.market import Interval

STOCKS = ["NSE:INFY", "NSE:TCS"]


def test_synthesize_is_idempotent_and_appends(store: CandleStore, market: SyntheticMarket):
    seen: list[tuple[str, int, int]] = []
    first = synthesize(
        store,
        market,
        STOCKS,
        date(2024, 1, 1),
        date(2024, 3, 28),
        progress=lambda *a: seen.append(a),
    )
    assert (first.written, first.complete, first.real) == (3, 0, 0)  # + INDIA VIX
    assert (first.first, first.last, first.total) == (date(2024, 1, 1), date(2024, 3, 28), 3)
    assert seen[0] == ("generate", 0, 1)
    assert seen[-1] == ("write", 3, 3)
    info = store.info("NSE:INFY", Interval.DAY)
    assert info is not None
    assert (info.source, info.origin) == (CandleSource.SYNTHETIC, market.origin)
    again = synthesize(store, market, STOCKS, date(2024, 1, 1), date(2024, 3, 28))
    assert (again.written, again.complete) == (0, 3)
    later = synthesize(store, market, STOCKS, date(2024, 1, 1), date(2024, 4, 30))
    assert later.written == 3
    whole = store.read_daily("NSE:INFY", date(2024, 1, 1), date(2024, 4, 30))
    direct = market.generate(["NSE:INFY"], date(2024, 1, 1), date(2024, 4, 30))
    assert whole.close.tolist() == direct.close[:, 0].tolist()


def test_real_data_is_left_alone_and_another_seed_replaces(
    store: CandleStore, market: SyntheticMarket
):
    store.write_daily("NSE:TCS", day_bars(["2024-01-02"]), source=CandleSource.IMPORT)
    report = synthesize(store, market, STOCKS, date(2024, 1, 1), date(2024, 1, 31))
    assert (report.written, report.real) == (2, 1)
    assert store.read_daily("NSE:TCS", date(2024, 1, 1), date(2024, 1, 31)).close.tolist() == [
        100.0
    ]
    other = SyntheticMarket(market.catalog, market.calendar, seed=market.seed + 1)
    replaced = synthesize(store, other, STOCKS, date(2024, 1, 15), date(2024, 1, 31))
    assert replaced.written == 2
    info = store.info("NSE:INFY", Interval.DAY)
    assert info is not None
    assert (info.origin, info.first) == (other.origin, date(2024, 1, 15))


def test_an_empty_range_does_nothing(store: CandleStore, market: SyntheticMarket):
    report = synthesize(store, market, STOCKS, date(2024, 1, 6), date(2024, 1, 7))  # a weekend
    assert (report.written, report.first) == (0, None)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param(datetime(2026, 11, 20, 10, 0, tzinfo=IST), date(2026, 11, 19), id="open"),
        pytest.param(datetime(2026, 11, 20, 15, 30, tzinfo=IST), date(2026, 11, 20), id="closed"),
        pytest.param(datetime(2026, 11, 22, 12, 0, tzinfo=IST), date(2026, 11, 20), id="sunday"),
        pytest.param(datetime(2026, 11, 24, 18, 0, tzinfo=IST), date(2026, 11, 23), id="holiday"),
    ],
)
def test_last_completed_session(calendar: TradingCalendar, now: datetime, expected: date):
    assert last_completed_session(calendar, now) == expected
