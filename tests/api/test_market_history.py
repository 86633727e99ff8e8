"""GET /api/market/history: Kite-shaped candles, labelled with their source."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tradertape.candles import Bars, CandleSource
from tradertape.candles.populate import synthesize
from tradertape.candles.synthetic import SyntheticMarket
from tradertape.domain.market import Interval
from tradertape.ports.clock import IST
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
    "bad-interval": ("symbol=NSE:INFY&interval=fortnight", "interval"),
    "bad-date": ("symbol=NSE:INFY&from=2024-02-30", "from"),
    "minute-range": ("symbol=NSE:INFY&interval=minute&from=2024-01-01&to=2024-06-30", "to"),
    "hour-range": ("symbol=NSE:INFY&interval=60minute&from=2023-01-01&to=2024-06-30", "to"),
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


def _minutes(day: str, first: str, last: str) -> np.ndarray:
    """Every minute from `first` to `last` (IST, inclusive) of `day`, as UTC instants."""
    start = np.datetime64(f"{day}T{first}") - np.timedelta64(330, "m")
    stop = np.datetime64(f"{day}T{last}") - np.timedelta64(330, "m")
    return np.arange(start, stop + np.timedelta64(1, "m"), np.timedelta64(1, "m")).astype(
        "datetime64[s]"
    )


def test_intraday_intervals_fold_the_minutes_from_0915_as_nse_does(
    signed_in: TestClient, runtime: Runtime
):
    # A whole session of minutes, 09:15 … 15:29 IST (375), each opening at its index,
    # closing one higher, spanning a rupee and trading 10 shares.
    time = _minutes("2024-03-01", "09:15", "15:29")
    n = len(time)
    assert n == 375
    price = 100.0 + np.arange(n)
    bars = Bars.from_arrays(
        Interval.MINUTE,
        time=time,
        open=price,
        high=price + 1.5,
        low=price - 0.5,
        close=price + 1,
        volume=np.full(n, 10),
    )
    runtime.candles.write("NSE:SBIN", Interval.MINUTE, bars, source=CandleSource.BROKER)

    def candles(interval: str) -> Any:
        query = {
            "symbol": "NSE:SBIN",
            "interval": interval,
            "from": "2024-03-01",
            "to": "2024-03-01",
        }
        body = signed_in.get("/api/market/history", params=query).json()
        assert (body["interval"], body["source"]) == (interval, "broker")
        return body["candles"]

    hours = candles("60minute")
    # 09:15-10:15, 10:15-11:15 … 14:15-15:15, then the session's short last hour, 15:15-15:30
    assert [c[0][11:16] for c in hours] == [
        "09:15",
        "10:15",
        "11:15",
        "12:15",
        "13:15",
        "14:15",
        "15:15",
    ]
    assert hours[0] == ["2024-03-01T09:15:00+05:30", 100.0, 160.5, 99.5, 160.0, 600]
    assert hours[1][1:] == [160.0, 220.5, 159.5, 220.0, 600]  # opens on 10:15's open
    assert hours[-1] == ["2024-03-01T15:15:00+05:30", 460.0, 475.5, 459.5, 475.0, 150]
    assert sum(c[5] for c in hours) == 3750  # every share once

    fifteen = candles("15minute")
    assert len(fifteen) == 25
    assert [c[0][11:16] for c in fifteen[:3]] == ["09:15", "09:30", "09:45"]
    assert fifteen[-1][0][11:16] == "15:15"
    assert [c[0][11:16] for c in candles("30minute")][-2:] == ["14:45", "15:15"]
    three = candles("3minute")
    assert (len(three), three[1][0][11:16]) == (125, "09:18")
    assert len(candles("5minute")) == 75
    assert len(candles("minute")) == 375


def test_weeks_start_on_monday_and_are_dated_by_it(signed_in: TestClient, runtime: Runtime):
    # Thu 2024-02-29, Fri 03-01, then Mon 03-04 … Fri 03-08 less Fri 03-08 (Mahashivratri),
    # then Tue 03-12 (a week whose Monday is missing is still dated by that Monday).
    days = [
        "2024-02-29",
        "2024-03-01",
        "2024-03-04",
        "2024-03-05",
        "2024-03-06",
        "2024-03-07",
        "2024-03-12",
    ]
    runtime.candles.write_daily(
        "NSE:TCS",
        Bars.from_arrays(
            Interval.DAY,
            time=days,
            open=[10, 11, 12, 13, 14, 15, 16],
            high=[11, 13, 12.5, 18, 14.5, 15.5, 17],
            low=[9, 10.5, 11, 12.5, 13, 14, 15],
            close=[11, 12, 12.2, 14, 14.1, 15.2, 16.5],
            volume=[1, 2, 3, 4, 5, 6, 7],
        ),
        source=CandleSource.IMPORT,
    )
    body = signed_in.get(
        "/api/market/history",
        params={"symbol": "NSE:TCS", "interval": "week", "from": "2024-02-01", "to": "2024-03-31"},
    ).json()
    assert body["interval"] == "week"
    assert body["candles"] == [
        ["2024-02-26T00:00:00+05:30", 10.0, 13.0, 9.0, 12.0, 3],
        ["2024-03-04T00:00:00+05:30", 12.0, 18.0, 11.0, 15.2, 18],
        ["2024-03-11T00:00:00+05:30", 16.0, 17.0, 15.0, 16.5, 7],
    ]


def test_intraday_intervals_fold_todays_minutes_from_the_feed_with_the_stored_ones(
    signed_in: TestClient, runtime: Runtime
):
    # the tests' clock reads 10:00 IST on 2026-11-20
    stored = _minutes("2026-11-20", "09:15", "09:29")
    price = np.full(len(stored), 1500.0)
    runtime.candles.write(
        "NSE:INFY",
        Interval.MINUTE,
        Bars.from_arrays(
            Interval.MINUTE,
            time=stored,
            open=price,
            high=price,
            low=price,
            close=price,
            volume=np.full(len(stored), 5),
        ),
        source=CandleSource.BROKER,
    )
    volume = 0
    for minute, px in ((30, "1510"), (31, "1490"), (44, "1520")):
        volume += 100
        tick = make_tick(
            "NSE:INFY",
            px,
            ts=datetime(2026, 11, 20, 9, minute, 5, tzinfo=IST),
            volume=volume,
            last_quantity=100,
        )
        runtime.candle_book.update(tick)
    body = signed_in.get(
        "/api/market/history", params={"symbol": "NSE:INFY", "interval": "15minute"}
    ).json()
    assert [c[0][11:16] for c in body["candles"]] == ["09:15", "09:30"]
    assert body["candles"][0][1:5] == [1500.0, 1500.0, 1500.0, 1500.0]
    assert body["candles"][1][1:5] == [1510.0, 1520.0, 1490.0, 1520.0]
