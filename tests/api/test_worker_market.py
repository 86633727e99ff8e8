"""Worker market data: instruments, quotes, live candles with the forming one, history,
snapshot, calendar, index lists, and the GTT passthrough's refusals."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.workers_kit import Worker, new_worker, set_price
from tradertape.candles import CandleSource
from tradertape.ports.broker import DailyBar
from tradertape.ports.clock import IST, ManualClock
from tradertape.runtime import Runtime
from tradertape.testkit import make_tick


@pytest.fixture
def worker(client: TestClient, runtime: Runtime) -> Worker:
    set_price(runtime, "NSE:INFY", "1500")
    return new_worker(client, runtime)


def get(worker: Worker, path: str, **params: Any) -> Any:
    return worker.call("GET", path, params=params)


def test_resolve_one_by_symbol_bare_symbol_or_token(worker: Worker):
    by_key = get(worker, "/market/instruments/resolve", symbol="NSE:INFY").json()
    bare = get(worker, "/market/instruments/resolve", symbol="infy").json()
    by_token = get(
        worker, "/market/instruments/resolve", symbol=str(by_key["instrument_token"])
    ).json()

    assert by_key == bare == by_token
    assert {k: by_key[k] for k in ("symbol", "exchange", "tradingsymbol", "segment")} == {
        "symbol": "NSE:INFY",
        "exchange": "NSE",
        "tradingsymbol": "INFY",
        "segment": "NSE",
    }
    assert get(worker, "/market/instruments/resolve", symbol="NSE:NOPE").status_code == 404
    # Digits int() cannot read (a superscript) are a symbol nobody lists, not a 500.
    assert get(worker, "/market/instruments/resolve", symbol="¹").status_code == 404


def test_resolve_many_lists_what_is_missing(worker: Worker):
    body = {"symbols": ["NSE:INFY", "NSE:NOPE", "NSE:INFY"], "instrument_tokens": [12]}
    found = worker.call("POST", "/market/instruments/resolve", json=body).json()
    assert [i["symbol"] for i in found["instruments"]] == ["NSE:INFY"]
    assert found["missing"] == ["NSE:NOPE", 12]
    bad = worker.call("POST", "/market/instruments/resolve", json={"instrument_tokens": [0]})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "instrument_tokens[0]"


def test_search_filters_by_exchange_and_caps_the_limit(worker: Worker):
    hits = get(worker, "/market/instruments/search", query="INF", limit=2).json()["results"]
    assert len(hits) == 2
    assert hits[0]["symbol"] == "NSE:INFY"
    bse = get(worker, "/market/instruments/search", query="INF", exchange="BSE").json()
    assert all(h["exchange"] == "BSE" for h in bse["results"])
    assert get(worker, "/market/instruments/search", query="INF", limit=51).status_code == 422


@pytest.mark.parametrize("mode", ["ltp", "quote", "full"])
def test_quotes_are_a_list_with_age_and_staleness(
    worker: Worker, runtime: Runtime, clock: ManualClock, mode: str
):
    clock.advance(timedelta(seconds=20))
    set_price(runtime, "NSE:TCS", "3200")
    body = {"symbols": ["NSE:INFY", "NSE:TCS", "NSE:SBIN"], "mode": mode}
    found = worker.call("POST", "/market/quotes", json=body).json()

    quotes = {q["symbol"]: q for q in found["quotes"]}
    assert found["missing"] == ["NSE:SBIN"]
    assert (quotes["NSE:INFY"]["is_stale"], quotes["NSE:INFY"]["age_ms"]) == (True, 20_000)
    assert quotes["NSE:TCS"]["is_stale"] is False
    assert quotes["NSE:TCS"]["last_price"] == 3200.0
    assert quotes["NSE:TCS"]["mode"] == mode
    assert ("ohlc" in quotes["NSE:TCS"]) is (mode != "ltp")
    assert ("depth" in quotes["NSE:TCS"]) is (mode != "ltp")  # a REST quote has the book


def test_a_bad_quote_mode_is_422(worker: Worker):
    response = worker.call("POST", "/market/quotes", json={"symbols": ["INFY"], "mode": "deep"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "mode"


def feed(runtime: Runtime, start: datetime, prices: list[str], step: timedelta) -> None:
    volume = 0
    for i, price in enumerate(prices):
        volume += 10
        tick = make_tick("NSE:INFY", price, ts=start + step * i, volume=volume, last_quantity=10)
        runtime.candle_book.update(tick)
        runtime.quotes.update(tick)


def test_live_candles_have_complete_ones_and_the_forming_one(
    worker: Worker, runtime: Runtime, clock: ManualClock
):
    start = datetime(2026, 11, 20, 10, 0, tzinfo=IST)
    prices = [str(1500 + i) for i in range(12)]  # one tick a minute, 10:00 … 10:11
    feed(runtime, start, prices, timedelta(minutes=1))
    clock.set(datetime(2026, 11, 20, 10, 11, 10, tzinfo=IST))

    five = get(worker, "/market/candles", symbol="NSE:INFY", interval="5minute", lookback=5)
    body = five.json()
    assert [c["ts"][11:16] for c in body["candles"]] == ["10:00", "10:05"]
    assert body["candles"][0] | {"ts": None} == {
        "ts": None,
        "open": 1500.0,
        "high": 1504.0,
        "low": 1500.0,
        "close": 1504.0,
        "volume": 50,
        "oi": None,
        "is_complete": True,
    }
    assert body["current"]["ts"].endswith("10:10:00+05:30")
    assert (body["current"]["close"], body["current"]["is_complete"]) == (1511.0, False)
    assert body["is_stale"] is False
    one = get(worker, "/market/candles", instrument_token=7457281, interval="1m", lookback=2)
    assert [c["close"] for c in one.json()["candles"]] == [1509.0, 1510.0]


def test_day_candles_come_from_the_store_and_today_forms_from_the_tick(
    worker: Worker, runtime: Runtime
):
    days = [date(2026, 11, d) for d in (16, 17, 18, 19, 20)]
    bars = [DailyBar(d, 1400 + i, 1410 + i, 1390 + i, 1405 + i, 1000) for i, d in enumerate(days)]
    runtime.candles.write_daily("NSE:INFY", bars, source=CandleSource.IMPORT)

    body = get(worker, "/market/candles", symbol="NSE:INFY", interval="day", lookback=3).json()

    assert [c["ts"][:10] for c in body["candles"]] == ["2026-11-17", "2026-11-18", "2026-11-19"]
    assert all(c["is_complete"] for c in body["candles"])
    assert body["current"]["ts"] == "2026-11-20T00:00:00+05:30"
    assert (body["current"]["close"], body["current"]["is_complete"]) == (1500.0, False)


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        pytest.param({"symbol": "NSE:INFY", "interval": "7minute"}, 422, "interval", id="iv"),
        pytest.param({"interval": "day"}, 422, "symbol", id="no-instrument"),
        pytest.param({"symbol": "NSE:INFY", "lookback": 501}, 422, "lookback", id="lookback"),
        pytest.param({"symbol": "NSE:NOPE"}, 404, None, id="unknown"),
    ],
)
def test_candle_requests_are_checked(
    worker: Worker, params: dict[str, Any], status: int, field: str | None
):
    response = get(worker, "/market/candles", **params)
    assert response.status_code == status
    if field:
        assert response.json()["detail"][0]["field"] == field


def test_history_serves_the_store_over_an_aware_range(worker: Worker, with_candles: Runtime):
    body = get(
        worker,
        "/market/history",
        symbol="NSE:INFY",
        timeframe="1d",
        **{"from": "2025-12-01T00:00:00+05:30", "to": "2025-12-05T23:59:00+05:30"},
        passthrough=True,
    ).json()
    assert (body["timeframe"], body["source"], body["count"]) == ("day", "historical_db", 5)
    assert body["data_source"] == "synthetic"
    assert body["ingestion"]["status"] == "disabled"
    assert "passthrough" in body["ingestion"]["message"]
    assert [c["ts"][:10] for c in body["candles"]][0] == "2025-12-01"


def test_history_defaults_to_a_window_ending_now(worker: Worker, runtime: Runtime):
    start = datetime(2026, 11, 20, 9, 15, tzinfo=IST)
    feed(runtime, start, [str(1500 + i) for i in range(30)], timedelta(minutes=1))
    body = get(worker, "/market/history", symbol="NSE:INFY", timeframe="15minute").json()
    assert body["from"].startswith("2026-09-21")  # 60 days of 15-minute candles
    assert [c["ts"][11:16] for c in body["candles"]] == ["09:15", "09:30"]
    assert body["data_source"] == "live"


@pytest.mark.parametrize(
    ("params", "status"),
    [
        pytest.param({"timeframe": "fortnight"}, 400, id="timeframe"),
        pytest.param({"from": "2025-01-01T10:00:00"}, 422, id="naive"),
        pytest.param({"from": "2025-12-05", "to": "2025-12-01"}, 422, id="backwards"),
        pytest.param({"timeframe": "minute", "from": "2025-01-01", "to": "2025-06-01"}, 422),
        pytest.param({"from": "yesterday"}, 422, id="garbage"),
    ],
)
def test_history_ranges_are_checked(worker: Worker, params: dict[str, Any], status: int):
    response = get(worker, "/market/history", symbol="NSE:INFY", **params)
    assert response.status_code == status, response.text


def test_snapshot_bundles_quotes_and_candles(worker: Worker, runtime: Runtime):
    feed(runtime, datetime(2026, 11, 20, 9, 58, tzinfo=IST), ["1500", "1501"], timedelta(1))
    body = {
        "symbols": ["NSE:INFY", "NSE:NOPE"],
        "candles": [
            {"symbol": "NSE:INFY", "interval": "minute", "lookback": 1},
            {"symbol": "NSE:NOPE"},
        ],
    }
    found = worker.call("POST", "/market/snapshot", json=body).json()
    assert [q["symbol"] for q in found["quotes"]] == ["NSE:INFY"]
    assert [c["symbol"] for c in found["candles"]] == ["NSE:INFY"]
    assert found["missing"] == ["NSE:NOPE", "NSE:NOPE"]
    assert found["updated_at"]


def test_calendar_rows_for_sessions_weekends_and_holidays(worker: Worker):
    body = get(worker, "/market/calendar", **{"from": "2026-11-06", "to": "2026-11-09"}).json()
    kinds = {s["session_date"]: s["session_type"] for s in body["sessions"]}
    assert kinds == {
        "2026-11-06": "regular",
        "2026-11-07": "weekend",
        "2026-11-08": "weekend",
        "2026-11-09": "regular",
    }
    first = body["sessions"][0]
    assert (first["opens_at"], first["closes_at"]) == (
        "2026-11-06T09:15:00+05:30",
        "2026-11-06T15:30:00+05:30",
    )
    assert (body["schema_version"], body["exchange"], body["segment"]) == (1, "NSE", "CM")
    holiday = get(worker, "/market/calendar", **{"from": "2026-01-26", "to": "2026-01-26"})
    assert holiday.json()["sessions"][0]["session_type"] == "holiday"
    assert holiday.json()["sessions"][0]["label"]


def test_calendar_refuses_what_it_does_not_cover(worker: Worker):
    uncovered = get(worker, "/market/calendar", **{"from": "2027-12-01", "to": "2027-12-31"})
    version = get(
        worker, "/market/calendar", **{"from": "2026-11-01", "to": "2026-11-02"}, schema_version=2
    )
    segment = get(
        worker, "/market/calendar", **{"from": "2026-11-01", "to": "2026-11-02"}, segment="XX"
    )
    assert uncovered.status_code == 503
    assert uncovered.json()["detail"]["rejection_reason"] == "CALENDAR_RANGE_UNCOVERED"
    assert version.json()["detail"]["rejection_reason"] == "UNSUPPORTED_SCHEMA_VERSION"
    assert segment.status_code == 422
    status = get(worker, "/market/calendar/status", segment="FO").json()
    assert (status["coverage_end"], status["expiry_warning"]) == ("2026-12-31", True)


def test_index_constituents_by_any_spelling(worker: Worker):
    members = get(worker, "/market/indices/Nifty50").json()
    assert (members["member_count"], members["complete"]) == (50, True)
    assert {"exchange", "tradingsymbol", "instrument_token"} <= set(members["members"][0])
    assert get(worker, "/market/indices/NIFTY 100/status").json()["actual_member_count"] == 100
    assert get(worker, "/market/indices/Sensex").status_code == 404


def test_market_data_needs_its_action(client: TestClient, runtime: Runtime):
    blind = new_worker(client, runtime, "b@x.in", allowed_actions=["runs:read"])
    assert get(blind, "/market/instruments/resolve", symbol="INFY").status_code == 403


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/gtt/triggers"),
        ("POST", "/gtt/triggers"),
        ("GET", "/gtt/triggers/1"),
        ("PUT", "/gtt/triggers/1"),
        ("DELETE", "/gtt/triggers/1"),
    ],
)
def test_gtt_is_for_live_scopes_only(worker: Worker, method: str, path: str):
    body: dict[str, Any] | None = {} if method in ("POST", "PUT") else None
    response = worker.call(method, path, json=body)
    assert response.status_code == 400
    assert response.json()["detail"]["rejection_reason"] == "WORKER_ACCOUNT_SCOPE_UNSUPPORTED"


def test_gtt_on_a_live_scope_has_no_broker_session(client: TestClient, runtime: Runtime):
    live = new_worker(client, runtime, "l@x.in", account_scope="kite:AB1234")
    response = live.call("GET", "/gtt/triggers")
    assert response.status_code == 503
    assert response.json()["detail"]["rejection_reason"] == "WORKER_KITE_SESSION_UNAVAILABLE"
    writer = new_worker(client, runtime, "g@x.in", allowed_actions=["runs:read"])
    assert writer.call("GET", "/gtt/triggers").status_code == 400  # runs:read may read
    assert writer.call("DELETE", "/gtt/triggers/1").status_code == 403


@pytest.mark.parametrize("symbol", ["NSE:NIFTY 50", "NSE:NIFTY50", "nse:nifty  50", "NSE:NIFTY"])
def test_indices_are_found_as_kite_writes_them(
    worker: Worker, runtime: Runtime, with_candles: Runtime, symbol: str
):
    # Search found NSE:NIFTY 50 while quotes and candles answered "missing" (issue 15).
    set_price(runtime, "NSE:NIFTY 50", "26012.35")
    found = worker.call("POST", "/market/quotes", json={"symbols": [symbol]}).json()
    assert found["missing"] == []
    assert [(q["symbol"], q["last_price"]) for q in found["quotes"]] == [("NSE:NIFTY 50", 26012.35)]
    resolved = get(worker, "/market/instruments/resolve", symbol=symbol).json()
    assert resolved["symbol"] == "NSE:NIFTY 50"
    body = get(
        worker,
        "/market/history",
        symbol=symbol,
        timeframe="1d",
        **{"from": "2025-12-01T00:00:00+05:30", "to": "2025-12-05T23:59:00+05:30"},
    ).json()
    assert body["count"] == 5
    assert body["data_source"] == "synthetic"
    candles = get(worker, "/market/candles", symbol=symbol, interval="day", lookback=3)
    assert candles.status_code == 200, candles.text
    assert candles.json()["current"]["close"] == 26012.35  # today's, forming from the tick


def test_bank_nifty_by_its_kite_name(worker: Worker, runtime: Runtime):
    set_price(runtime, "NSE:NIFTY BANK", "59000")
    found = worker.call("POST", "/market/quotes", json={"symbols": ["NSE:NIFTY BANK"]}).json()
    assert [q["symbol"] for q in found["quotes"]] == ["NSE:NIFTY BANK"]
