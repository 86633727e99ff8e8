"""One clock per kind of event (issue 64): in a demo replay, a practice session, orders
and fills carry the replayed session's time, alerts the real time, and the API says which
clock each figure comes from."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from fastapi.testclient import TestClient

from tests.api.test_trading_api import ORDER
from tests.helpers import sign_in
from tradertape.api.app import create_app
from tradertape.db.engine import Database
from tradertape.ports.clock import IST
from tradertape.ports.mailer import LogTransport
from tradertape.runtime import Runtime
from tradertape.settings import Settings
from tradertape.testkit import make_tick

NIGHT = datetime(2026, 11, 21, 2, 37, tzinfo=IST)  # a Saturday night, long after Friday's close
REPLAYED = date(2026, 11, 20)  # the Friday session the demo plays again
CLOSE = {"type": "indicator", "name": "close"}


@pytest.fixture
def practice(settings: Settings, database: Database) -> Runtime:
    """A demo deployment whose real clock starts on Saturday night (in the past)."""
    demo = settings.model_copy(
        update={"feed": "simulated", "demo_mode": True, "clock_start": NIGHT}
    )
    return Runtime.build(demo, db=database, transport=LogTransport())


@pytest.fixture
def desk(practice: Runtime) -> TestClient:
    return TestClient(create_app(practice), base_url="http://testserver")


def _ist_day(stamp: str) -> date:
    """The IST date of an aware ISO time, or of Kite's naive IST wall-clock text."""
    parsed = datetime.fromisoformat(stamp)
    return (parsed if parsed.tzinfo is None else parsed.astimezone(IST)).date()


def test_the_api_names_both_clocks_of_a_practice_session(desk: TestClient, practice: Runtime):
    sign_in(desk, practice, "p@x.in")
    clock = desk.get("/api/market/clock").json()
    assert clock["phase"] == "replay"
    assert clock["replay"] is True
    assert clock["replay_of"] == REPLAYED.isoformat()
    assert _ist_day(clock["market_time"]) == REPLAYED
    assert _ist_day(clock["now"]) == NIGHT.date()
    assert "orders" in clock["market_time_stamps"]
    assert "alerts" in clock["real_time_stamps"]
    assert not set(clock["market_time_stamps"]) & set(clock["real_time_stamps"])


def test_an_order_carries_the_replay_and_an_alert_the_real_time(
    desk: TestClient, practice: Runtime
):
    sign_in(desk, practice, "p@x.in")
    assert desk.post("/api/portfolio/funds", json={"amount": 100000}).status_code == 201
    # a tick of the replayed session, as the feed prints it
    practice.quotes.update(
        make_tick("NSE:INFY", "1399.90", ts=practice.market_clock.now(), last_quantity=100_000)
    )
    placed = desk.post("/api/orders", json={**ORDER, "idempotency_key": "one-clock-1"})
    assert placed.status_code in (200, 201), placed.text
    (order,) = [o for o in desk.get("/api/portfolio/orders").json() if o["status"] == "COMPLETE"]
    assert _ist_day(order["order_timestamp"]) == REPLAYED
    (trade,) = desk.get("/api/portfolio/trades").json()
    assert _ist_day(trade["fill_timestamp"]) == REPLAYED

    made = desk.post(
        "/api/alerts",
        json={
            "name": "INFY over 1500",
            "symbol": "NSE:INFY",
            "condition": {
                "type": "compare",
                "left": CLOSE,
                "op": ">",
                "right": {"type": "literal", "value": 1500},
            },
        },
    )
    assert made.status_code == 201, made.text
    assert _ist_day(made.json()["created_at"]) == NIGHT.date()
