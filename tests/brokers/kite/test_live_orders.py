"""Live orders to the fake Kite through the server: both switches, the one pre-trade gate,
one order at the broker whatever times out, and each fill booked once however it arrives
(postback, ticker order update, polling)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.brokers.kite.conftest import Fake, server_settings
from tests.brokers.kite.test_server_login import kite_login, save_key
from tests.helpers import sign_in
from tests.live_kit import BUY, CHARGES, booked, ours
from tradertape.fakebrokers.kite import DEFAULT_API_SECRET
from tradertape.feed.kite import KITE_ORDER_UPDATES_TOPIC
from tradertape.jobs.trading import trading_loop
from tradertape.oms.live.orders import BrokerReport
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.services.brokers.live_trading import (
    apply_order_update,
    book_order_updates,
    kite_postback_checksum,
)
from tradertape.settings import Settings

pytestmark = pytest.mark.db


@pytest.fixture
def server_live() -> bool:
    return True


@pytest.fixture
def settings(tmp_path: Path, fake: Fake, server_live: bool) -> Settings:
    return server_settings(
        tmp_path,
        fake,
        kite_timeout_secs=0.5,
        live_trading_enabled=server_live,
    )


def connect(client: TestClient, runtime: Runtime, fake: Fake, *, switch: bool = True) -> int:
    """A signed-in user with a stored secret, a Kite session and (by default) live on."""
    user_id = sign_in(client, runtime, "live@x.in")
    save_key(client, secret=True)
    assert kite_login(client, fake)["login"] == ["ok"]
    if switch:
        on = client.put("/api/auth/live-trading", json={"live_trading": True, "confirm": "LIVE"})
        assert on.status_code == 200, on.text
    return user_id


def test_the_users_switch_needs_a_typed_confirmation_and_gates_live_orders(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake, switch=False)

    refused = client.post("/api/orders", json=BUY)

    assert refused.status_code == 403
    assert refused.json()["detail"].startswith("live trading is off for your account")
    assert fake.state()["orders"] == []
    assert ours(runtime) == []
    me = client.get("/api/auth/me").json()
    assert (me["live_trading_enabled"], me["live_trading_server"], me["live_trading_user"]) == (
        False,
        True,
        False,
    )
    unconfirmed = client.put("/api/auth/live-trading", json={"live_trading": True})
    assert unconfirmed.status_code == 422
    assert unconfirmed.json()["detail"][0]["field"] == "confirm"
    on = client.put("/api/auth/live-trading", json={"live_trading": True, "confirm": "LIVE"})
    assert on.json()["live_trading_enabled"] is True
    off = client.put("/api/auth/live-trading", json={"live_trading": False})
    assert off.json()["live_trading_enabled"] is False


@pytest.mark.parametrize("server_live", [False])
def test_the_servers_switch_off_refuses_live_orders_even_with_the_users_on(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)

    refused = client.post("/api/orders", json=BUY)

    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        "live trading is disabled on this server (TRADERTAPE_LIVE_TRADING_ENABLED)"
    )
    assert fake.state()["orders"] == []
    assert ours(runtime) == []
    me = client.get("/api/auth/me").json()
    assert (me["live_trading_enabled"], me["live_trading_user"]) == (False, True)


def test_a_live_order_without_a_kite_session_is_409_and_nothing_is_stored(
    client: TestClient, runtime: Runtime, fake: Fake
):
    sign_in(client, runtime, "nokite@x.in")
    client.put("/api/auth/live-trading", json={"live_trading": True, "confirm": "LIVE"})

    answer = client.post("/api/orders", json=BUY)
    named = client.post("/api/orders", json=BUY | {"broker": "kite"})

    assert answer.status_code == 409
    assert answer.json()["detail"] == (
        "no live broker session: log in to Kite, Upstox or Groww first (Settings → Brokers), "
        'then send "broker"'
    )
    assert named.status_code == 409
    assert named.json()["detail"] == (
        'no live Kite session for "broker": "kite": log in to Kite first (Settings → Brokers)'
    )
    assert fake.state()["orders"] == []
    assert ours(runtime) == []


def test_the_kill_switch_refuses_a_live_entry_before_it_reaches_kite(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    assert client.post("/api/risk/kill-switch", json={"on": True}).status_code == 200

    refused = client.post("/api/orders", json=BUY)

    assert refused.status_code == 201
    assert (refused.json()["status"], refused.json()["status_message"]) == (
        "REJECTED",
        "Order rejected by risk rule: kill switch is on: new entries are blocked",
    )
    assert fake.state()["orders"] == []
    [order] = ours(runtime)
    assert (order.broker, order.broker_order_id, order.status) == ("kite", None, "REJECTED")


def test_a_live_limit_fill_is_booked_once_by_postback_socket_and_polling(
    client: TestClient, runtime: Runtime, fake: Fake
):
    user_id = connect(client, runtime, fake)
    fake.price("NSE:INFY", 1500)

    placed = client.post("/api/orders", json=BUY | {"idempotency_key": "live-buy-0001"})

    assert placed.status_code == 201, placed.text
    assert placed.json()["status"] == "OPEN"
    [at_kite] = fake.state()["orders"]
    [order] = ours(runtime)
    assert (order.broker, order.broker_order_id) == ("kite", at_kite["order_id"])
    replay = client.post("/api/orders", json=BUY | {"idempotency_key": "live-buy-0001"})
    assert (replay.status_code, replay.json()["replayed"]) == (200, True)
    assert len(fake.state()["orders"]) == 1

    fake.price("NSE:INFY", 1488)  # crosses the limit: the fake fills at its last price
    [filled] = fake.state()["orders"]
    assert (filled["status"], filled["filled_quantity"]) == ("COMPLETE", 10)
    stamp = str(filled["order_timestamp"])
    good = kite_postback_checksum(filled["order_id"], stamp, DEFAULT_API_SECRET)
    postback = filled | {"order_timestamp": stamp, "checksum": good, "user_id": "FK1234"}

    forged = client.post("/api/brokers/kite/postback", json=postback | {"checksum": "0" * 64})
    assert forged.status_code == 403
    assert forged.json()["detail"] == "postback refused: bad checksum"
    assert booked(runtime) == ([], [])

    assert client.post("/api/brokers/kite/postback", json=postback).status_code == 200
    with runtime.db.session() as db:
        update = {"broker": "kite", "user_id": user_id, "data": filled}
        assert apply_order_update(runtime.live, db, update) is True
        assert runtime.live.poll(db) == 0  # nothing open any more: nothing asked
    again = client.post("/api/brokers/kite/postback", json=postback)
    assert again.json() == {"status": "ok", "order_id": filled["order_id"], "known": True}

    trades, cash = booked(runtime)
    assert trades == [("kite", "INFY", "BUY", 10, Decimal("1488.00"), CHARGES)]
    assert cash == [("buy", Decimal("-14880.00")), ("charges", -CHARGES)]
    [order] = ours(runtime)
    assert (order.status, order.filled_quantity, order.average_price) == (
        "COMPLETE",
        10,
        Decimal("1488.00"),
    )
    history = client.get(f"/api/orders/{order.order_id}/history").json()
    assert [h["status"] for h in history] == ["OPEN", "COMPLETE"]


@pytest.mark.parametrize("figures", [{"average_price": "abc"}, {"filled_quantity": ""}])
def test_a_signed_postback_with_malformed_figures_books_nothing_and_is_no_500(
    client: TestClient, runtime: Runtime, fake: Fake, figures: dict[str, str]
):
    user_id = connect(client, runtime, fake)
    fake.price("NSE:INFY", 1500)
    client.post("/api/orders", json=BUY)
    fake.price("NSE:INFY", 1488)
    [filled] = fake.state()["orders"]
    stamp = str(filled["order_timestamp"])
    good = kite_postback_checksum(filled["order_id"], stamp, DEFAULT_API_SECRET)
    postback = filled | {"order_timestamp": stamp, "checksum": good} | figures

    answer = client.post("/api/brokers/kite/postback", json=postback)
    with runtime.db.session() as db:
        update = {"broker": "kite", "user_id": user_id, "data": filled | figures}
        assert apply_order_update(runtime.live, db, update) is False

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"status": "ok", "order_id": filled["order_id"], "known": False}
    assert booked(runtime) == ([], [])
    [order] = ours(runtime)
    assert (order.status, order.filled_quantity) == ("OPEN", 0)


def test_polling_books_a_fill_no_postback_or_socket_reported(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    fake.price("NSE:INFY", 1500)
    client.post("/api/orders", json=BUY)
    fake.price("NSE:INFY", 1485)

    with runtime.db.session() as db:
        assert runtime.live.poll(db) == 1
        assert runtime.live.poll(db) == 0

    trades, _cash = booked(runtime)
    assert [(t[3], t[4]) for t in trades] == [(10, Decimal("1485.00"))]


def test_a_live_cancel_goes_to_kite_and_the_status_follows_kites(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    fake.price("NSE:INFY", 1500)
    order_id = client.post("/api/orders", json=BUY).json()["order_id"]

    moved = client.put(f"/api/orders/{order_id}", json={"price": "1480"})
    assert moved.status_code == 200, moved.text
    assert fake.state()["orders"][0]["price"] == 1480.0
    cancelled = client.delete(f"/api/orders/{order_id}")

    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "CANCELLED"
    assert fake.state()["orders"][0]["status"] == "CANCELLED"


def test_a_cancel_kite_did_but_answered_late_is_cancelled_when_asked_again(
    client: TestClient, runtime: Runtime, fake: Fake
):
    """Kite refuses to cancel an order already cancelled; met by a cancel sent again after
    a lost answer, that refusal is the order cancelled (the OMS reads Kite's status)."""
    connect(client, runtime, fake)
    fake.price("NSE:INFY", 1500)
    order_id = client.post("/api/orders", json=BUY).json()["order_id"]
    fake.fault("timeout", method="DELETE", path_prefix="/orders", delay_secs=1.5)

    first = client.delete(f"/api/orders/{order_id}")
    again = first if first.status_code != 503 else client.delete(f"/api/orders/{order_id}")

    assert first.status_code in (200, 503), first.text
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "CANCELLED"
    [at_kite] = fake.state()["orders"]
    assert at_kite["status"] == "CANCELLED"


def test_a_timeout_after_kite_accepted_leaves_one_order_there_and_here(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    fake.price("NSE:INFY", 1500)
    fake.fault("timeout", method="POST", path_prefix="/orders", delay_secs=1.5)

    placed = client.post("/api/orders", json=BUY)

    assert placed.status_code == 201, placed.text
    assert placed.json()["status"] == "OPEN"
    [at_kite] = fake.state()["orders"]
    [order] = ours(runtime)
    assert order.broker_order_id == at_kite["order_id"]


def test_a_send_with_no_known_outcome_is_found_by_its_tag_and_never_resent(
    client: TestClient, runtime: Runtime, fake: Fake, clock: ManualClock
):
    connect(client, runtime, fake)
    fake.price("NSE:INFY", 1500)
    # Kite accepts the order but every answer (and every lookup) times out.
    fake.fault("timeout", method="POST", path_prefix="/orders", delay_secs=1.5)
    fake.fault("timeout", method="GET", path_prefix="/orders", delay_secs=1.5, count=4)

    placed = client.post("/api/orders", json=BUY)

    assert placed.json()["status"] == "PUT ORDER REQ RECEIVED"
    [at_kite] = fake.state()["orders"]
    with runtime.db.session() as db:
        assert runtime.live.resolve_unsent(db) == 0  # still within the send's grace
    clock.advance(timedelta(seconds=31))
    with runtime.db.session() as db:
        assert runtime.live.resolve_unsent(db) == 1
    [order] = ours(runtime)
    assert (order.status, order.broker_order_id) == ("OPEN", at_kite["order_id"])
    assert len(fake.state()["orders"]) == 1


def test_a_send_kite_never_received_is_marked_and_not_sent_again(
    client: TestClient, runtime: Runtime, fake: Fake, clock: ManualClock
):
    connect(client, runtime, fake)
    fake.fault("503", method="POST", path_prefix="/orders", count=4)  # refused before work

    placed = client.post("/api/orders", json=BUY)

    assert placed.json()["status"] == "PUT ORDER REQ RECEIVED"
    clock.advance(timedelta(seconds=31))
    with runtime.db.session() as db:
        assert runtime.live.resolve_unsent(db) == 1
    [order] = ours(runtime)
    assert (order.status, order.status_message) == (
        "REJECTED",
        "The broker never received this order; it was not sent again.",
    )
    assert fake.state()["orders"] == []


def test_the_trading_loops_timer_polls_live_orders_when_the_server_allows_live(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    fake.price("NSE:INFY", 1500)
    client.post("/api/orders", json=BUY)
    fake.price("NSE:INFY", 1486.5)

    assert trading_loop(runtime).run_jobs(force=True) is True

    trades, cash = booked(runtime)
    assert [(t[3], t[4]) for t in trades] == [(10, Decimal("1486.50"))]
    assert cash[0] == ("buy", Decimal("-14865.00"))


class _Delivered:
    """A subscription that delivers the given bus messages, then ends."""

    def __init__(self, messages: list[dict[str, Any]]) -> None:
        self._messages = [(KITE_ORDER_UPDATES_TOPIC, m) for m in messages]
        self.closed = False

    def __aiter__(self) -> _Delivered:
        return self

    async def __anext__(self) -> tuple[str, dict[str, Any]]:
        if not self._messages:
            raise StopAsyncIteration
        return self._messages.pop(0)

    async def close(self) -> None:
        self.closed = True


def test_the_sockets_order_updates_on_the_bus_book_a_fill_once(
    client: TestClient, runtime: Runtime, fake: Fake
):
    user_id = connect(client, runtime, fake)
    fake.price("NSE:INFY", 1500)
    client.post("/api/orders", json=BUY)
    fake.price("NSE:INFY", 1487)
    [filled] = fake.state()["orders"]
    update = {"broker": "kite", "user_id": user_id, "data": filled}

    delivered = _Delivered([update, update])  # as feed.kite publishes them; the socket repeats
    asyncio.run(book_order_updates(delivered, runtime.live, runtime.db))

    trades, cash = booked(runtime)
    assert [(t[3], t[4], t[5]) for t in trades] == [(10, Decimal("1487.00"), Decimal("17.79"))]
    assert len(cash) == 2
    assert delivered.closed


def test_partial_reports_book_each_new_part_at_the_price_that_makes_kites_average(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    fake.price("NSE:INFY", 1500)
    client.post("/api/orders", json=BUY)
    [order] = ours(runtime)
    assert order.broker_order_id is not None
    first = BrokerReport(order.broker_order_id, "OPEN", 4, Decimal("1490"))
    # 4 @ 1490 then 6 @ 1489: Kite reports the cumulative 10 at an average of 1489.40.
    second = BrokerReport(order.broker_order_id, "COMPLETE", 10, Decimal("1489.4"))

    with runtime.db.session() as db:
        assert runtime.live.apply_reports(db, "kite", [first, first, second, first, second]) == 5

    trades, _cash = booked(runtime)
    assert [(t[3], t[4]) for t in trades] == [(4, Decimal("1490")), (6, Decimal("1489"))]
    [order] = ours(runtime)
    assert (order.status, order.filled_quantity, order.average_price) == (
        "COMPLETE",
        10,
        Decimal("1489.40"),
    )
