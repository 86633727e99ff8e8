"""A process that does not run the feed answers the leader's verdict and marks prices by it
(issue 54): `GET /api/market/feed`, the worker quotes (``is_stale``, ``price_source``,
``feed_state``), the desk's quote (``price_source``) and a paper MARKET fill's note agree
with what the feed's own process publishes (`feed.shared_state`).

The test runtime runs no feed (``feed = "none"``), as an API process beside the leader
would; the leader's report is handed to it as its bus follower would (`FeedState.hear`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tests.workers_kit import Worker, new_worker
from tradertape.feed.shared_state import status_message
from tradertape.feed.watchdog import FeedHealth, FeedStatus
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.testkit import make_tick

QUIET = FeedStatus(
    source="kite",
    state=FeedHealth.RECONNECTING,
    last_tick_age_secs=12.0,
    subscriptions=40,
    stale_after_secs=10.0,
    reconnects=1,
    filling_from="rest",
    last_fill_age_secs=1.0,
)
LIVE = replace(QUIET, state=FeedHealth.LIVE, last_tick_age_secs=0.5, filling_from=None)


def _report(runtime: Runtime, status: FeedStatus, clock: ManualClock) -> None:
    """The leader's report, as this process's bus follower hears it."""
    runtime.feed_state.hear(status_message(status, clock.now()))


def test_the_feed_is_what_the_leader_reports_aged_here(
    client: TestClient, runtime: Runtime, clock: ManualClock
):
    sign_in(client, runtime, "a@x.in")
    _report(runtime, QUIET, clock)
    clock.advance(timedelta(seconds=2))

    answer = client.get("/api/market/feed")

    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "source": "kite",
        "state": "reconnecting",
        "last_tick_age_secs": 14.0,  # the leader's 12 s, two seconds on
        "subscriptions": 40,
        "stale_after_secs": 10.0,
        "reconnects": 1,
        "filling_from": "rest",
        "last_fill_age_secs": 3.0,
        "report_age_secs": 2.0,
    }
    clock.advance(timedelta(seconds=20))  # no report since: the leader is gone
    gone = client.get("/api/market/feed").json()
    assert (gone["state"], gone["report_age_secs"]) == ("down", None)


@pytest.fixture
def worker(client: TestClient, runtime: Runtime) -> Worker:
    return new_worker(client, runtime)


def _quotes(worker: Worker) -> dict[str, dict[str, object]]:
    body = {"symbols": ["NSE:INFY", "NSE:TCS"], "mode": "quote"}
    answer = worker.call("POST", "/market/quotes", json=body)
    assert answer.status_code == 200, answer.text
    return {q["symbol"]: q for q in answer.json()["quotes"]}


def test_worker_quotes_say_a_quiet_feeds_price_is_stale_and_a_filled_one_is_from_rest(
    worker: Worker, runtime: Runtime, clock: ManualClock
):
    # INFY's last price is the socket's, 3 s old; TCS's was filled from the REST quote now.
    runtime.quotes.update(make_tick("NSE:INFY", "1500", ts=clock.now() - timedelta(seconds=3)))
    runtime.quotes.update(replace(make_tick("NSE:TCS", "3200", ts=clock.now()), source="rest"))
    _report(runtime, LIVE, clock)
    live = _quotes(worker)
    assert [(q["is_stale"], q["price_source"], q["feed_state"]) for q in live.values()] == [
        (False, "feed", "live"),
        (False, "rest", "live"),
    ]

    _report(runtime, replace(QUIET, state=FeedHealth.STALE), clock)
    quiet = _quotes(worker)
    infy, tcs = quiet["NSE:INFY"], quiet["NSE:TCS"]
    # 3 s old only, but the socket that sent it has gone quiet since: nothing newer came.
    assert (infy["is_stale"], infy["age_ms"], infy["price_source"]) == (True, 3000, "feed")
    assert (tcs["is_stale"], tcs["price_source"], tcs["feed_state"]) == (False, "rest", "stale")

    clock.advance(timedelta(seconds=16))  # the REST fill stopped answering too: old by age
    assert _quotes(worker)["NSE:TCS"]["is_stale"] is True


def test_without_a_report_quotes_are_judged_by_age_alone(worker: Worker, runtime: Runtime):
    runtime.quotes.update(make_tick("NSE:INFY", "1500", ts=runtime.clock.now()))
    infy = _quotes(worker)["NSE:INFY"]
    assert (infy["is_stale"], infy["price_source"], infy["feed_state"]) == (False, "feed", "down")


def test_the_desk_quote_says_a_price_came_from_the_rest_quote(
    client: TestClient, runtime: Runtime, clock: ManualClock
):
    sign_in(client, runtime, "a@x.in")
    runtime.quotes.update(replace(make_tick("NSE:TCS", "3200", ts=clock.now()), source="rest"))
    runtime.quotes.update(make_tick("NSE:INFY", "1500", ts=clock.now()))

    quotes = client.get("/api/market/quote", params={"i": ["NSE:TCS", "NSE:INFY"]}).json()

    assert quotes["quotes"]["NSE:TCS"]["price_source"] == "rest"
    assert quotes["quotes"]["NSE:INFY"]["price_source"] == "feed"


ORDER = {
    "exchange": "NSE",
    "tradingsymbol": "INFY",
    "transaction_type": "BUY",
    "quantity": 10,
    "product": "CNC",
    "order_type": "MARKET",
}


@pytest.mark.parametrize(
    ("status", "note"),
    [
        pytest.param(
            QUIET,
            "priced from a stale tick: the last price of NSE:INFY is 42 s old "
            "(the market feed went quiet)",
            id="quiet",
        ),
        pytest.param(LIVE, None, id="live"),
    ],
)
def test_a_market_order_here_says_what_the_leader_knows_of_its_price(
    client: TestClient, runtime: Runtime, clock: ManualClock, status: FeedStatus, note: str | None
):
    sign_in(client, runtime, "t@x.in")
    assert client.post("/api/portfolio/funds", json={"amount": 100000}).status_code == 201
    ts = clock.now() - timedelta(seconds=42)
    runtime.quotes.update(make_tick("NSE:INFY", "1400", ts=ts, last_quantity=10**5))
    _report(runtime, status, clock)

    placed = client.post("/api/orders", json={**ORDER, "idempotency_key": "feed-mark-01"})

    assert placed.status_code == 201, placed.text
    assert (placed.json()["status"], placed.json()["status_message"]) == ("COMPLETE", note)
