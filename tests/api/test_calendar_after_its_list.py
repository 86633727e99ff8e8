"""With the clock in 2027, past the shipped NSE holiday list: the product keeps trading on
weekdays and says, in the API and the log, that the list has run out and how to load it."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tests.workers_kit import new_worker
from tradertape.jobs.trading import trading_loop
from tradertape.ports.clock import IST, ManualClock
from tradertape.runtime import Runtime
from tradertape.services.market.calendar_watch import CalendarWatch

IN_2027 = datetime(2027, 3, 3, 10, 0, tzinfo=IST)  # a Wednesday, mid-session


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(IN_2027)


def _warning(body: dict[str, Any]) -> str:
    warning = body["calendar_warning"]
    assert isinstance(warning, str)
    assert warning.startswith("the NSE holiday list ends 2026-12-31")
    assert "tradertape calendar import FILE" in warning
    return warning


def test_health_says_the_list_has_run_out(client: TestClient):
    response = client.get("/api/health")
    assert response.status_code == 200
    assert "every weekday since is treated as a trading day" in _warning(response.json())


def test_worker_calendar_status_says_so_too(client: TestClient, runtime: Runtime):
    worker = new_worker(client, runtime, "w@x.in")
    status = worker.call("GET", "/market/calendar/status").json()
    assert status["expiry_warning"] is True
    _warning(status)
    uncovered = worker.call("GET", "/market/calendar?from=2027-03-01&to=2027-03-05")
    assert uncovered.status_code == 503  # the contract: workers never get guessed days
    assert "tradertape calendar import FILE" in uncovered.json()["detail"]["message"]


def test_a_worker_asks_for_provisional_days_and_gets_them_marked(
    client: TestClient, runtime: Runtime
):
    worker = new_worker(client, runtime, "w@x.in")
    asked = "/market/calendar?from=2026-12-31&to=2027-01-04&provisional=true"
    body = worker.call("GET", asked).json()
    rows = [(s["session_type"], s["verified"], s["provisional"]) for s in body["sessions"]]
    assert rows == [
        ("regular", True, False),  # 2026-12-31, on the published list
        ("regular", False, True),  # 2027-01-01: New Year's Day trades, as far as we know
        ("weekend", False, True),
        ("weekend", False, True),
        ("regular", False, True),
    ]
    assert body["complete"] is False
    known = worker.call("GET", "/market/calendar?from=2026-12-01&to=2026-12-02&provisional=true")
    assert known.json()["complete"] is True
    beyond = worker.call("GET", "/market/calendar?from=2036-12-31&to=2037-01-01&provisional=true")
    assert beyond.status_code == 503
    status = worker.call("GET", "/market/calendar/status").json()
    assert (status["coverage_end"], status["provisional_until"]) == ("2026-12-31", "2036-12-31")


def test_orders_still_trade_on_a_2027_weekday(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "t@x.in")
    client.post("/api/portfolio/funds", json={"amount": "100000"})
    placed = client.post(
        "/api/orders",
        json={
            "exchange": "NSE",
            "tradingsymbol": "INFY",
            "transaction_type": "BUY",
            "quantity": 1,
            "order_type": "LIMIT",
            "price": "1500",
            "product": "CNC",
        },
    )
    assert placed.status_code == 201, placed.text
    assert runtime.exchange.calendar.is_trading_day(IN_2027.date())


def test_the_trading_loop_logs_it_once_a_day(
    runtime: Runtime, clock: ManualClock, caplog: pytest.LogCaptureFixture
):
    watch = CalendarWatch(runtime.exchange.calendar, clock)
    with caplog.at_level(logging.WARNING, logger="tradertape.calendar"):
        first = watch.run_due()
        again = watch.run_due()
        clock.set(datetime(2027, 3, 4, 9, 0, tzinfo=IST))
        next_day = watch.run_due()
    assert first is not None
    assert again is None
    assert next_day == first
    assert [r.levelno for r in caplog.records] == [logging.WARNING, logging.WARNING]
    trading_loop(runtime)  # the leader's loop is wired with the watch


def test_every_server_process_says_it_when_it_starts(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
):
    from tradertape.api.app import create_app

    with (
        caplog.at_level(logging.WARNING, logger="tradertape.calendar"),
        TestClient(create_app(runtime)),
    ):
        pass
    (record,) = [r for r in caplog.records if r.name == "tradertape.calendar"]
    assert "the NSE holiday list ends 2026-12-31" in record.getMessage()
