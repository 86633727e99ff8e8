"""A stale price never prices a MARKET order without saying so (issue 54): while the feed
watchdog finds the feed quiet (here a Kite feed with no session: down), a paper MARKET order
filled at a tick older than 10 s of market time in the normal session fills at it (the paper
exchange has no fresher price) and its answer's ``status_message`` says how old the price
was; a fresh tick, or a LIMIT order, says nothing, nor does an old tick while the feed is
live (an illiquid instrument's last trade may be minutes old)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tradertape.feed.broker_feed import FeedLink
from tradertape.feed.watchdog import FeedHealth
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.settings import Settings
from tradertape.testkit import make_tick


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"feed": "kite"})  # built, never connected: down


@pytest.fixture(autouse=True)
def leading(runtime: Runtime) -> None:
    """This process runs the feed (as the leader does): its own watch is the verdict."""
    runtime.feed_state.leading = True


ORDER = {
    "exchange": "NSE",
    "tradingsymbol": "INFY",
    "transaction_type": "BUY",
    "quantity": 10,
    "product": "CNC",
    "order_type": "MARKET",
}


def _place(client: TestClient, runtime: Runtime, clock: ManualClock, age_s: int, **order: object):
    sign_in(client, runtime, "t@x.in")
    assert client.post("/api/portfolio/funds", json={"amount": 100000}).status_code == 201
    ts = clock.now() - timedelta(seconds=age_s)
    runtime.quotes.update(make_tick("NSE:INFY", "1400", ts=ts, last_quantity=10**5))
    placed = client.post("/api/orders", json={**ORDER, **order, "idempotency_key": "stale-0001"})
    assert placed.status_code == 201, placed.text
    return placed.json()


def test_a_market_order_priced_from_a_stale_tick_says_so(
    client: TestClient, runtime: Runtime, clock: ManualClock
):
    assert runtime.feed_watch.status().state is FeedHealth.DOWN
    body = _place(client, runtime, clock, age_s=42)
    assert body["status"] == "COMPLETE"
    assert body["status_message"] == (
        "priced from a stale tick: the last price of NSE:INFY is 42 s old "
        "(the market feed went quiet)"
    )
    history = client.get(f"/api/orders/{body['order_id']}/history").json()
    assert history[-1]["event"] == "filled"
    listed = client.get("/api/portfolio/orders").json()
    assert listed[0]["status_message"] == body["status_message"]


@pytest.mark.parametrize(
    ("age_s", "order"),
    [
        pytest.param(3, {}, id="fresh tick"),
        pytest.param(42, {"order_type": "LIMIT", "price": 1401}, id="limit order"),
    ],
)
def test_a_fresh_price_or_a_limit_order_says_nothing(
    client: TestClient, runtime: Runtime, clock: ManualClock, age_s: int, order: dict[str, object]
):
    body = _place(client, runtime, clock, age_s=age_s, **order)
    assert (body["status"], body["status_message"]) == ("COMPLETE", None)


def test_an_old_tick_on_a_live_feed_says_nothing(
    client: TestClient, runtime: Runtime, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
):
    feed = runtime.feed
    assert feed is not None
    monkeypatch.setattr(type(feed), "link", property(lambda _self: FeedLink.OPEN))
    assert runtime.feed_watch.status().state is FeedHealth.LIVE
    body = _place(client, runtime, clock, age_s=42)
    assert (body["status"], body["status_message"]) == ("COMPLETE", None)
