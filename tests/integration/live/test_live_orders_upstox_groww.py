"""Live REST orders to Upstox and Groww, as to Kite: through the real SDKs to each fake,
the one gate, one order at the broker whatever times out, fills booked once by polling,
at each broker's own charges (docs/charges.md), in the broker's own books."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import START
from tests.helpers import sign_in
from tests.integration.groww.conftest import FakeServer
from tests.integration.live.conftest import Venue, groww_venue, upstox_venue
from tests.live_kit import BUY, booked, ours
from tests.upstox_kit import FakeUpstox
from tradertape.db.models.trading import Order, Trade
from tradertape.oms.order_log import UNPLACED, claim, new_order, spec_of
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime

pytestmark = pytest.mark.db

# 10 INFY bought for delivery at ₹1,488 (₹14,880), by hand: STT ₹14.88 → ₹15, NSE ₹0.441936,
# IPFT ₹0.01488, SEBI ₹0.01488, stamp ₹2.232, GST 18 % on brokerage + NSE + IPFT + SEBI.
# Upstox: brokerage ₹20 (lower of ₹20 and 2.5 %), GST ₹3.68490528: ₹41.38862128 → ₹41.39.
# Groww: brokerage ₹14.88 (0.1 %, above its ₹5 minimum), GST ₹2.76330528: ₹35.34700128 → ₹35.35.
# (Zerodha's free delivery would be ₹17.79.)
CHARGES = {"upstox": Decimal("41.39"), "groww": Decimal("35.35")}
# Groww at ₹1,487 (₹14,870): brokerage ₹14.87, NSE ₹0.441639, IPFT and SEBI ₹0.01487 each,
# stamp ₹2.2305, STT ₹15, GST ₹2.76144822: ₹35.33332722 → ₹35.33.
GROWW_AT_1487 = Decimal("35.33")


def connect(client: TestClient, runtime: Runtime, venue: Venue, *, switch: bool = True) -> int:
    """A signed-in admin (Upstox's login needs the stored secret) with the venue's session."""
    user_id = sign_in(client, runtime, "live@x.in", admin=True)
    venue.connect(client, runtime)
    if switch:
        on = client.put("/api/auth/live-trading", json={"live_trading": True, "confirm": "LIVE"})
        assert on.status_code == 200, on.text
    return user_id


def test_a_live_limit_fill_is_booked_once_in_the_brokers_books_at_our_charges(
    client: TestClient, runtime: Runtime, venue: Venue
):
    connect(client, runtime, venue)
    venue.price("NSE:INFY", 1500)

    placed = client.post("/api/orders", json=BUY | {"idempotency_key": "live-buy-0001"})

    assert placed.status_code == 201, placed.text
    assert placed.json()["status"] == "OPEN"
    [at_broker] = venue.orders()
    [order] = ours(runtime)
    assert (order.broker, order.broker_order_id) == (venue.name, at_broker.order_id)
    assert at_broker.key == order.order_id  # the tag / order_reference_id it is found by
    replay = client.post("/api/orders", json=BUY | {"idempotency_key": "live-buy-0001"})
    assert (replay.status_code, replay.json()["replayed"]) == (200, True)
    assert len(venue.orders()) == 1

    venue.price("NSE:INFY", 1488)  # crosses the limit: the fake fills at its last price
    with runtime.db.session() as db:
        assert runtime.live.poll(db) == 1
        assert runtime.live.poll(db) == 0  # nothing open any more: nothing asked

    trades, cash = booked(runtime, venue.name)
    charges = CHARGES[venue.name]
    assert trades == [(venue.name, "INFY", "BUY", 10, Decimal("1488.00"), charges)]
    assert cash == [("buy", Decimal("-14880.00")), ("charges", -charges)]
    assert booked(runtime, "paper")[1] == []  # the paper book is untouched
    with runtime.db.session() as db:
        [trade] = db.scalars(select(Trade))
    # Booked from the broker's tradebook (its trade id), at the exchange's time (to the second).
    assert trade.broker_trade_id, trade.broker_trade_id
    assert trade.filled_at == START
    [order] = ours(runtime)
    assert (order.status, order.filled_quantity, order.average_price) == (
        "COMPLETE",
        10,
        Decimal("1488.00"),
    )
    history = client.get(f"/api/orders/{order.order_id}/history").json()
    assert [h["status"] for h in history] == ["OPEN", "COMPLETE"]


def test_a_timeout_after_the_broker_accepted_leaves_one_order_there_and_here(
    client: TestClient, runtime: Runtime, venue: Venue
):
    connect(client, runtime, venue)
    venue.price("NSE:INFY", 1500)
    venue.late_place()

    placed = client.post("/api/orders", json=BUY)

    assert placed.status_code == 201, placed.text
    assert placed.json()["status"] == "OPEN"
    [at_broker] = venue.orders()
    [order] = ours(runtime)
    assert order.broker_order_id == at_broker.order_id


def test_a_live_modify_and_cancel_go_to_the_broker_and_our_status_follows(
    client: TestClient, runtime: Runtime, venue: Venue
):
    connect(client, runtime, venue)
    venue.price("NSE:INFY", 1500)
    order_id = client.post("/api/orders", json=BUY).json()["order_id"]

    moved = client.put(f"/api/orders/{order_id}", json={"price": "1480"})

    assert moved.status_code == 200, moved.text
    assert (moved.json()["price"], moved.json()["status"]) == (1480.0, "OPEN")
    [at_broker] = venue.orders()
    assert (at_broker.price, at_broker.filled) == (Decimal("1480"), 0)
    history = client.get(f"/api/orders/{order_id}/history").json()
    [modified] = [e for e in history if e["event"] == "modified"]
    assert modified["changes"] == [{"field": "price", "old": 1490.0, "new": 1480.0}]

    cancelled = client.delete(f"/api/orders/{order_id}")

    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "CANCELLED"
    [at_broker] = venue.orders()
    assert at_broker.status.upper() == "CANCELLED"
    assert booked(runtime, venue.name) == ([], [])


def test_a_cancel_whose_answer_was_lost_is_cancelled_when_asked_again(
    client: TestClient, runtime: Runtime, venue: Venue
):
    """The broker cancels but answers too late, and the cancel is sent again (Groww's
    adapter and Upstox's SDK retry it themselves; a client asks again after a 503): it
    meets the first at the broker, and that is the order cancelled, not a refusal."""
    connect(client, runtime, venue)
    venue.price("NSE:INFY", 1500)
    order_id = client.post("/api/orders", json=BUY).json()["order_id"]
    venue.late_cancel()

    first = client.delete(f"/api/orders/{order_id}")
    again = first if first.status_code != 503 else client.delete(f"/api/orders/{order_id}")

    assert first.status_code in (200, 503), first.text
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "CANCELLED"
    [at_broker] = venue.orders()
    assert at_broker.status.upper() == "CANCELLED"
    [order] = ours(runtime)
    assert order.status == "CANCELLED"
    history = client.get(f"/api/orders/{order_id}/history").json()
    assert [h["status"] for h in history] == ["OPEN", "CANCELLED"]


def test_a_cancel_of_a_filled_order_is_refused_and_the_fill_is_booked(
    client: TestClient, runtime: Runtime, venue: Venue
):
    """A refused cancel is still a refusal when the broker says the order did not end
    cancelled; what it did say (a fill that beat the cancel) is booked on the way."""
    connect(client, runtime, venue)
    venue.price("NSE:INFY", 1500)
    order_id = client.post("/api/orders", json=BUY).json()["order_id"]
    venue.price("NSE:INFY", 1488)  # crosses the limit at the broker; no poll has run

    refused = client.delete(f"/api/orders/{order_id}")

    assert refused.status_code == 400, refused.text
    [order] = ours(runtime)
    assert (order.status, order.filled_quantity) == ("COMPLETE", 10)


def test_the_users_switch_off_refuses_the_order_and_nothing_reaches_the_broker(
    client: TestClient, runtime: Runtime, venue: Venue
):
    connect(client, runtime, venue, switch=False)

    refused = client.post("/api/orders", json=BUY)

    assert refused.status_code == 403
    assert refused.json()["detail"].startswith("live trading is off for your account")
    assert venue.orders() == []
    assert ours(runtime) == []


def test_rows_with_no_known_send_are_found_by_their_key_or_rejected_never_resent(
    client: TestClient, runtime: Runtime, venue: Venue, clock: ManualClock
):
    connect(client, runtime, venue)
    venue.price("NSE:INFY", 1500)
    client.post("/api/orders", json=BUY)
    [at_broker] = venue.orders()
    with runtime.db.session() as db:
        # A crash after the broker accepted, before its id was stored ...
        sent = db.scalars(select(Order)).one()
        sent.status, sent.broker_order_id = UNPLACED, None
        # ... and a row recorded whose send never left us.
        instrument = runtime.exchange.context.catalog(db).get("NSE:INFY")
        lost = new_order(
            sent.user_id,
            spec_of(sent),
            instrument,
            client_key=None,
            source="api",
            attribution={"mode": "live"},
            now=clock.now(),
        )
        lost.broker = venue.name
        claim(db, lost)
        db.commit()
    clock.advance(timedelta(seconds=31))

    with runtime.db.session() as db:
        assert runtime.live.resolve_unsent(db) == 2

    found, rejected = ours(runtime)
    assert (found.status, found.broker_order_id) == ("OPEN", at_broker.order_id)
    assert (rejected.status, rejected.status_message, rejected.broker_order_id) == (
        "REJECTED",
        "The broker never received this order; it was not sent again.",
        None,
    )
    assert len(venue.orders()) == 1


def test_broker_on_a_paper_order_is_422_naming_it(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "paper@x.in")

    answer = client.post("/api/orders", json=BUY | {"mode": "paper", "broker": "groww"})
    unknown = client.post("/api/orders", json=BUY | {"broker": "dhan"})

    assert answer.status_code == 422
    assert answer.json()["detail"][0]["field"] == "broker"
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["field"] == "broker"
    assert ours(runtime) == []


def test_with_two_brokers_connected_broker_picks_one_and_each_is_polled(
    client: TestClient, runtime: Runtime, upstox: FakeUpstox, groww: FakeServer
):
    at_upstox, at_groww = upstox_venue(upstox), groww_venue(groww)
    connect(client, runtime, at_upstox)
    at_groww.connect(client, runtime)
    at_upstox.price("NSE:INFY", 1500)
    at_groww.price("NSE:INFY", 1500)

    ambiguous = client.post("/api/orders", json=BUY)
    to_upstox = client.post("/api/orders", json=BUY | {"broker": "upstox"})
    to_groww = client.post("/api/orders", json=BUY | {"broker": "groww"})

    assert ambiguous.status_code == 409
    assert ambiguous.json()["detail"] == (
        'several brokers are connected ("upstox", "groww"): say which with "broker"'
    )
    assert (to_upstox.status_code, to_groww.status_code) == (201, 201)
    upstox_order, groww_order = ours(runtime)
    [sent_upstox], [sent_groww] = at_upstox.orders(), at_groww.orders()
    assert (upstox_order.broker, upstox_order.broker_order_id) == ("upstox", sent_upstox.order_id)
    assert (groww_order.broker, groww_order.broker_order_id) == ("groww", sent_groww.order_id)

    at_upstox.price("NSE:INFY", 1488)
    at_groww.price("NSE:INFY", 1487)
    with runtime.db.session() as db:
        assert runtime.live.poll(db) == 2

    trades, upstox_cash = booked(runtime, "upstox")
    # Polled broker by broker (Groww's first, by name); each at its own broker's charges.
    assert trades == [
        ("groww", "INFY", "BUY", 10, Decimal("1487.00"), GROWW_AT_1487),
        ("upstox", "INFY", "BUY", 10, Decimal("1488.00"), CHARGES["upstox"]),
    ]
    assert upstox_cash == [("buy", Decimal("-14880.00")), ("charges", -CHARGES["upstox"])]
    groww_cash = [("buy", Decimal("-14870.00")), ("charges", -GROWW_AT_1487)]
    assert booked(runtime, "groww")[1] == groww_cash


def test_a_malformed_report_is_skipped_by_the_poller_and_the_next_good_one_books(
    client: TestClient, runtime: Runtime, groww: FakeServer
):
    at_groww = groww_venue(groww)
    connect(client, runtime, at_groww)
    at_groww.price("NSE:INFY", 1500)
    client.post("/api/orders", json=BUY)
    at_groww.price("NSE:INFY", 1488)
    [row] = groww.fake.book.orders.values()
    row["average_fill_price"] = ""  # Groww says "filled 10" with no price: unusable

    with runtime.db.session() as db:
        assert runtime.live.poll(db) == 0  # skipped (logged), not a crash of the poller

    assert booked(runtime, "groww") == ([], [])
    [order] = ours(runtime)
    assert (order.status, order.filled_quantity) == ("OPEN", 0)

    row["average_fill_price"] = 1488.0
    with runtime.db.session() as db:
        assert runtime.live.poll(db) == 1

    trades, _ = booked(runtime, "groww")
    assert trades == [("groww", "INFY", "BUY", 10, Decimal("1488.00"), CHARGES["groww"])]
