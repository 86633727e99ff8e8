"""The risk desk measures a live order on the live book (what we book of the user's real
brokers: positions, working orders) and a paper order on the paper book, to the rupee."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.live.conftest import Venue, upstox_venue
from tests.integration.live.test_live_orders_upstox_groww import connect
from tests.live_kit import BUY, ours
from tests.upstox_kit import FakeUpstox
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime

pytestmark = pytest.mark.db

REFUSED = "Order rejected by risk rule: "


def funded(client: TestClient, runtime: Runtime, venue: Venue) -> int:
    """Signed in, connected to `venue`, live on, and ₹10,00,000 in the paper account."""
    user_id = connect(client, runtime, venue)
    with runtime.db.session() as db:
        runtime.exchange.deposit(db, user_id=user_id, amount=Decimal(1_000_000))
    return user_id


def order(client: TestClient, **fields: Any) -> tuple[str, str | None]:
    """Place (live unless told) and answer (status, status message)."""
    answer = client.post("/api/orders", json=BUY | fields)
    assert answer.status_code == 201, answer.text
    return answer.json()["status"], answer.json()["status_message"]


def rule(client: TestClient, body: dict[str, Any]) -> None:
    assert client.post("/api/risk/rules", json=body).status_code == 201


def test_max_exposure_counts_live_working_orders_and_positions_not_paper_ones(
    client: TestClient, runtime: Runtime, upstox: FakeUpstox
):
    venue = upstox_venue(upstox)
    funded(client, runtime, venue)
    venue.price("NSE:INFY", 1500)
    rule(client, {"type": "max_exposure", "threshold_amount": "20000"})

    # Live: 10 × ₹1,490 working (₹14,900); paper is measured on its own, empty book.
    assert order(client) == ("OPEN", None)
    assert order(client, mode="paper") == ("OPEN", None)
    # Live again: ₹14,900 working + 4 × ₹1,490 = ₹20,860.
    assert order(client, quantity=4) == (
        "REJECTED",
        REFUSED + "exposure would reach ₹20,860.00, over the ₹20,000.00 limit",
    )
    assert len(venue.orders()) == 1  # the refused one never reached Upstox

    venue.price("NSE:INFY", 1488)  # the first live order fills: 10 held at ₹1,488
    with runtime.db.session() as db:
        assert runtime.live.poll(db) == 1
    # ₹14,880 held + 4 × ₹1,280 = ₹20,000: at the limit, not over it.
    assert order(client, quantity=4, price="1280") == ("OPEN", None)
    # ₹20,000 + 1 × ₹1 is over.
    assert order(client, quantity=1, price="1") == (
        "REJECTED",
        REFUSED + "exposure would reach ₹20,001.00, over the ₹20,000.00 limit",
    )
    # Selling the 10 held live is an exit of the live book: never blocked. The same sale
    # on paper, which holds none, opens a short: ₹16,000 + ₹14,900 working is over.
    sell = {"transaction_type": "SELL", "price": "1600"}
    assert order(client, **sell) == ("OPEN", None)
    assert order(client, **sell, product="MIS", mode="paper") == (
        "REJECTED",
        REFUSED + "exposure would reach ₹30,900.00, over the ₹20,000.00 limit",
    )
    assert [o.status for o in ours(runtime)] == [
        "COMPLETE",
        "OPEN",
        "REJECTED",
        "OPEN",
        "REJECTED",
        "OPEN",
        "REJECTED",
    ]
    assert len(venue.orders()) == 3


def test_max_open_positions_counts_the_live_book_for_live_orders(
    client: TestClient, runtime: Runtime, upstox: FakeUpstox
):
    venue = upstox_venue(upstox)
    funded(client, runtime, venue)
    venue.price("NSE:INFY", 1500)
    venue.price("NSE:RELIANCE", 2600)
    rule(client, {"type": "max_open_positions", "threshold_count": 1})
    reliance = {"tradingsymbol": "RELIANCE", "quantity": 1, "price": "2500"}

    assert order(client) == ("OPEN", None)  # live INFY: one open

    assert order(client, **reliance) == (
        "REJECTED",
        REFUSED + "a new position would make 2 open, over the limit of 1",
    )
    assert order(client, **reliance, mode="paper") == ("OPEN", None)  # paper had none
    assert len(venue.orders()) == 1


def test_todays_live_loss_stops_live_entries_not_paper_ones(
    client: TestClient, runtime: Runtime, upstox: FakeUpstox
):
    venue = upstox_venue(upstox)
    funded(client, runtime, venue)
    rule(client, {"type": "daily_loss_limit", "threshold_amount": "500"})
    venue.price("NSE:INFY", 1500)
    order(client)
    venue.price("NSE:INFY", 1488)  # bought 10 at ₹1,488
    with runtime.db.session() as db:
        assert runtime.live.poll(db) == 1
    venue.price("NSE:INFY", 1400)
    # An exit (never blocked), marketable: sold 10 at ₹1,400, so ₹880 lost today.
    assert order(client, transaction_type="SELL", price="1400") == ("OPEN", None)
    with runtime.db.session() as db:
        assert runtime.live.poll(db) == 1

    assert order(client, quantity=1) == (
        "REJECTED",
        REFUSED + "today's loss ₹880.00 has reached the ₹500.00 limit",
    )
    assert order(client, quantity=1, mode="paper") == ("OPEN", None)
    assert len(venue.orders()) == 2


def funds(fake: FakeUpstox, cash: int) -> None:
    """Upstox reports `cash` as the account's money (its equity ``net`` less what fills use)."""
    fake.control("funds", {"cash": cash})


def live_state(client: TestClient) -> dict[str, Any]:
    answer = client.get("/api/risk/state", params={"book": "live"})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_a_percent_of_capital_rule_measures_live_entries_on_the_brokers_funds(
    client: TestClient, runtime: Runtime, clock: ManualClock, upstox: FakeUpstox
):
    venue = upstox_venue(upstox)
    funded(client, runtime, venue)
    venue.price("NSE:INFY", 1500)
    funds(upstox, 20_000)
    rule(client, {"type": "max_exposure", "threshold_pct": "50"})

    # Upstox reports ₹20,000: half is ₹10,000, and 10 × ₹1,490 is over it.
    assert order(client) == (
        "REJECTED",
        REFUSED + "exposure would reach ₹14,900.00, over 50.00% of capital (₹10,000.00)",
    )
    assert order(client, mode="paper") == ("OPEN", None)  # half of ₹10,00,000 on paper
    assert venue.orders() == []

    funds(upstox, 40_000)  # the refusal dropped the cached funds: the next check reads anew
    assert order(client) == ("OPEN", None)  # ₹14,900 of half of ₹40,000
    venue.price("NSE:INFY", 1488)  # it fills: 10 held at ₹1,488, ₹14,880 used at Upstox
    with runtime.db.session() as db:
        assert runtime.live.poll(db) == 1
    clock.advance(timedelta(seconds=30))  # the cached funds age out

    # Capital: Upstox's net ₹25,120 plus 10 × ₹1,488 held = ₹40,000, half ₹20,000;
    # ₹14,880 held + 4 × ₹1,280 = ₹20,000 is at the limit, one rupee more is over.
    assert order(client, quantity=4, price="1280") == ("OPEN", None)
    assert order(client, quantity=1, price="1") == (
        "REJECTED",
        REFUSED + "exposure would reach ₹20,001.00, over 50.00% of capital (₹20,000.00)",
    )
    assert len(venue.orders()) == 2

    state = live_state(client)
    assert state["book"] == "live"
    assert (state["capital"], state["capital_unknown"]) == ("40000.00", None)
    assert state["exposure"] == {
        "total": "20000.00",
        "positions": "14880.00",
        "working": "5120.00",
        "pct_of_capital": "50.00",
        "by_sector": {"Information Technology": "20000.00"},
    }
    assert (state["open_positions"], state["working_entries"]) == (1, 1)
    [reading] = state["rules"]
    assert (reading["value"], reading["limit"], reading["headroom"]) == (
        "20000.00",
        "20000.00",
        "0.00",
    )
    assert (reading["breached"], reading["near_limit"]) == (False, True)
    # The paper account's figures are still the default, unchanged in shape.
    paper = client.get("/api/risk/state").json()
    assert (paper["book"], paper["capital"], paper["exposure"]["total"]) == (
        "paper",
        "1000000.00",
        "14900.00",
    )
    assert paper["capital_unknown"] is None


def test_a_broker_that_does_not_report_funds_stops_percent_rules_not_rupee_ones(
    client: TestClient, runtime: Runtime, upstox: FakeUpstox
):
    venue = upstox_venue(upstox)
    user_id = funded(client, runtime, venue)
    venue.price("NSE:INFY", 1500)
    rule(client, {"type": "max_exposure", "threshold_amount": "20000"})
    # Every read of the funds fails (each read tries three times).
    failing = {"kind": "500", "path": "/v2/user/get-funds-and-margin", "count": 100}

    upstox.control("faults", failing)
    assert order(client) == ("OPEN", None)  # ₹14,900 of ₹20,000: rupees need no funds

    rule(client, {"type": "max_exposure", "threshold_pct": "50"})
    status, message = order(client, quantity=1)
    assert status == "REJECTED"
    assert message is not None
    assert message.startswith(REFUSED + "capital unknown: upstox did not report funds (")
    assert message.endswith("; exposure would reach ₹16,390.00 against 50.00% of it")
    assert len(venue.orders()) == 1

    why = message.removeprefix(REFUSED + "capital unknown: ").split(";")[0]
    state = live_state(client)
    assert (state["capital"], state["capital_unknown"]) == ("0.00", why)
    pct = next(r for r in state["rules"] if r["limit"] is None)
    assert (pct["value"], pct["breached"], pct["headroom"]) == ("14900.00", True, None)
    assert pct["detail"]["capital_unknown"].startswith("upstox did not report funds (")
    with runtime.db.session() as db:  # a live worker run's safety check reads the same book
        assert runtime.risk.blocking(db, user_id=user_id, live=True) == ["RISK_MAX_EXPOSURE"]
        assert runtime.risk.blocking(db, user_id=user_id) == []
