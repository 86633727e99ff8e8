"""The risk desk measures a live order on the live book (what we book of the user's real
brokers: positions, working orders) and a paper order on the paper book, to the rupee."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.live.conftest import Venue, ours, upstox_venue
from tests.integration.live.test_live_orders_upstox_groww import BUY, connect
from tests.upstox_kit import FakeUpstox
from tradertape.runtime import Runtime

pytestmark = pytest.mark.db

REFUSED = "Order rejected by risk rule: "


def funded(client: TestClient, runtime: Runtime, venue: Venue) -> None:
    """Signed in, connected to `venue`, live on, and ₹10,00,000 in the paper account."""
    user_id = connect(client, runtime, venue)
    with runtime.db.session() as db:
        runtime.exchange.deposit(db, user_id=user_id, amount=Decimal(1_000_000))


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


def test_a_percent_of_capital_rule_leaves_no_room_for_live_entries(
    client: TestClient, runtime: Runtime, upstox: FakeUpstox
):
    venue = upstox_venue(upstox)
    funded(client, runtime, venue)
    venue.price("NSE:INFY", 1500)
    rule(client, {"type": "max_exposure", "threshold_pct": "50"})

    # We do not mirror Upstox's funds: the live book's capital is zero.
    assert order(client) == (
        "REJECTED",
        REFUSED + "exposure would reach ₹14,900.00, over 50.00% of capital (₹0.00)",
    )
    assert order(client, mode="paper") == ("OPEN", None)  # half of ₹10,00,000 on paper
    assert venue.orders() == []
