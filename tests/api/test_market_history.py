"""GET /api/market/history: Kite-shaped candles, labelled with their source."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tradertape.candles import Bars, CandleSource
from tradertape.candles.populate import synthesize
from tradertape.candles.synthetic import SyntheticMarket
from tradertape.domain.market import Interval
from tradertape.runtime import Runtime
from tradertape.testkit import make_tick


@pytest.fixture
def signed_in(client: TestClient, runtime: Runtime) -> TestClient:
    sign_in(client, runtime, "a@x.in")
    return client


def test_requires_sign_in(client: TestClient):
    response = client.get("/api/market/history?symbol=NSE:INFY")
    assert response.status_code == 401


def test_synthetic_day_candles(signed_in: TestClient, runtime: Runtime):
    store = runtime.candles
    market = SyntheticMarket(store.catalog, store.calendar, seed=3)
    synthesize(store, market, ["NSE:INFY"], date(2024, 1, 1), date(2024, 12, 31))
    response = signed_in.get(
        "/api/market/history",
        params={"symbol": "infy", "interval": "day", "from": "2024-01-01", "to": "2024-01-31"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["symbol"], body["interval"], body["source"]) == ("NSE:INFY", "day", "synthetic")
    days = store.calendar.trading_days(date(2024, 1, 1), date(2024, 1, 31))
    assert [row[0] for row in body["candles"]] == [f"{d}T00:00:00+05:30" for d in days]
    stored = store.read_daily("NSE:INFY", date(2024, 1, 1), date(2024, 1, 31))
    first = body["candles"][0]
    assert first[1:] == [
        stored.open[0],
        stored.high[0],
        stored.low[0],
        stored.close[0],
        int(stored.volume[0]),
    ]
    assert isinstance(first[5], int)
    # Without dates: the last year. Nothing stored at all: "none".
    body = signed_in.get("/api/market/history?symbol=NSE:NIFTY%2050").json()
    assert (body["symbol"], body["source"], body["candles"]) == ("NSE:NIFTY 50", "none", [])
    unknown = signed_in.get("/api/market/history?symbol=NSE:NOSUCH")
    assert unknown.status_code == 404
    assert unknown.json() == {"detail": "unknown instrument 'NSE:NOSUCH'"}


def test_range_without_candles_still_says_the_source(signed_in: TestClient, runtime: Runtime):
    runtime.candles.write_daily(
        "NSE:TCS",
        Bars.from_arrays(
            Interval.DAY, time=["2024-01-02"], open=[10], high=[11], low=[9], close=[10], volume=[1]
        ),
        source=CandleSource.IMPORT,
    )
    body = signed_in.get("/api/market/history?symbol=NSE:TCS&from=2023-01-01&to=2023-12-31").json()
    assert (body["source"], body["candles"]) == ("import", [])


def test_minute_candles_in_ist(signed_in: TestClient, runtime: Runtime):
    utc = np.array(["2024-03-01T03:45:00", "2024-03-01T03:46:00"], dtype="datetime64[s]")
    bars = Bars.from_arrays(
        Interval.MINUTE,
        time=utc,
        open=[10, 10.5],
        high=[11, 11],
        low=[9, 10],
        close=[10.5, 10.8],
        volume=[100, 50],
    )
    runtime.candles.write("NSE:SBIN", Interval.MINUTE, bars, source=CandleSource.BROKER)
    response = signed_in.get(
        "/api/market/history?symbol=NSE:SBIN&interval=minute&from=2024-03-01&to=2024-03-01"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["source"] == "broker"
    assert body["candles"] == [
        ["2024-03-01T09:15:00+05:30", 10.0, 11.0, 9.0, 10.5, 100],
        ["2024-03-01T09:16:00+05:30", 10.5, 11.0, 10.0, 10.8, 50],
    ]


# One sign-in for every case: signing in hashes a password, the slow part of an API test.
BAD_QUERIES = {
    "reversed-dates": ("symbol=NSE:INFY&from=2024-12-31&to=2024-01-01", "to"),
    "bad-interval": ("symbol=NSE:INFY&interval=week", "interval"),
    "bad-date": ("symbol=NSE:INFY&from=2024-02-30", "from"),
    "minute-range": ("symbol=NSE:INFY&interval=minute&from=2024-01-01&to=2024-06-30", "to"),
    "empty-symbol": ("symbol=", "symbol"),
    "no-symbol": ("interval=day", "symbol"),
}


def test_bad_queries_are_422_naming_the_field(signed_in: TestClient):
    for case, (query, field) in BAD_QUERIES.items():
        response = signed_in.get(f"/api/market/history?{query}")
        assert response.status_code == 422, case
        assert response.json()["detail"][0]["field"] == field, case


def test_minute_candles_end_with_todays_minutes_from_the_feed(
    signed_in: TestClient, runtime: Runtime
):
    now = runtime.clock.now()
    for seconds, price in ((0, "1400"), (20, "1404.5"), (65, "1401")):
        runtime.candle_book.update(
            make_tick("NSE:INFY", price, ts=now + timedelta(seconds=seconds), last_quantity=10)
        )
    body = signed_in.get(
        "/api/market/history", params={"symbol": "NSE:INFY", "interval": "minute"}
    ).json()
    # nothing stored: the feed's minutes, labelled by the feed (the tests run none: "live")
    assert runtime.settings.feed != "simulated"
    assert body["source"] == "live"
    first, second = body["candles"]
    assert first[1:5] == [1400.0, 1404.5, 1400.0, 1404.5]
    assert second[4] == 1401.0
    assert first[0] < second[0]
