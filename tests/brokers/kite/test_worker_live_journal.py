"""A worker run's live fill on its timeline: however Kite reports it (postback, the ticker
socket, polling), and however often, the run's timeline gets one ``order.updated`` entry
for the booking, written with it, by a watcher of the booking's events under the run's
lock, which the OMS takes before the ledger's (the run's owner lock)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.api.test_agent_fill_subscriber import _locks_asked
from tests.brokers.kite.conftest import Fake
from tests.brokers.kite.test_live_orders import _Delivered, connect
from tests.brokers.kite.test_worker_live import live_run, live_worker
from tests.brokers.kite.test_worker_live import server_live as server_live  # noqa: F401
from tests.brokers.kite.test_worker_live import settings as settings  # noqa: F401 - fixture
from tests.live_kit import booked
from tests.workers_kit import Worker, order
from tradertape.db.models import WorkerRun
from tradertape.fakebrokers.kite import DEFAULT_API_SECRET
from tradertape.oms.live.orders import BrokerReport
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.services.brokers.live_trading import (
    apply_order_update,
    book_order_updates,
    kite_postback_checksum,
)
from tradertape.services.workers.access import run_lock

pytestmark = pytest.mark.db


def _postback(client: TestClient, filled: dict[str, Any]) -> None:
    stamp = str(filled["order_timestamp"])
    checksum = kite_postback_checksum(filled["order_id"], stamp, DEFAULT_API_SECRET)
    body = filled | {"order_timestamp": stamp, "checksum": checksum, "user_id": "FK1234"}
    for _ in range(2):  # Kite may post twice
        assert client.post("/api/brokers/kite/postback", json=body).status_code == 200


def _socket(runtime: Runtime, user_id: int, filled: dict[str, Any]) -> None:
    update = {"broker": "kite", "user_id": user_id, "data": filled}
    asyncio.run(book_order_updates(_Delivered([update, update]), runtime.live, runtime.db))


def _poll(runtime: Runtime) -> None:
    with runtime.db.session() as db:
        assert runtime.live.poll(db) == 1
        assert runtime.live.poll(db) == 0


def _executions(worker: Worker) -> list[dict[str, Any]]:
    answer = worker.call("GET", "/runs/run_live_1/timeline", params={"event_kind": "execution"})
    assert answer.status_code == 200, answer.text
    events: list[dict[str, Any]] = answer.json()["events"]
    return events


@pytest.mark.parametrize("route", ["postback", "socket", "poll"])
def test_a_live_runs_fill_is_journalled_once_however_kite_reports_it(
    route: str, client: TestClient, runtime: Runtime, fake: Fake
):
    user_id = connect(client, runtime, fake)
    worker = live_worker(client)
    live_run(worker)
    fake.price("NSE:INFY", 1500)
    limit = order(quantity=10, order_type="LIMIT", price=1490)
    placed = worker.place("run_live_1", "live-limit-0001", limit)
    assert placed.status_code == 200, placed.text
    order_id = placed.json()["result"]["order_id"]
    fake.price("NSE:INFY", 1488)  # crosses the limit: the fake fills at its last price
    [filled] = fake.state()["orders"]

    if route == "postback":
        _postback(client, filled)
    elif route == "socket":
        _socket(runtime, user_id, filled)
    else:
        _poll(runtime)
    with runtime.db.session() as db:  # every route again: nothing more is booked or journalled
        assert apply_order_update(
            runtime.live, db, {"broker": "kite", "user_id": user_id, "data": filled}
        )
        assert runtime.live.poll(db) == 0

    trades, _cash = booked(runtime)
    assert [(t[3], t[4]) for t in trades] == [(10, Decimal("1488.00"))]
    placed_event, fill_event = _executions(worker)
    assert placed_event["payload"]["status"] == "OPEN"
    assert fill_event["cursor"] > placed_event["cursor"]
    assert {k: fill_event[k] for k in ("event_kind", "event_source", "event_type")} == {
        "event_kind": "execution",
        "event_source": "live_oms",
        "event_type": "order.updated",
    }
    assert (fill_event["related_resource_type"], fill_event["related_resource_id"]) == (
        "order",
        order_id,
    )
    assert fill_event["account_id"] == placed_event["account_id"] == "FK1234"
    assert fill_event["summary"] == "BUY 10 INFY: COMPLETE (filled 10 at 1488.0000)"
    assert fill_event["payload"] == {
        "order_id": order_id,
        "broker_order_id": filled["order_id"],
        "status": "COMPLETE",
        "filled_quantity": 10,
        "average_price": 1488.0,
        "role": "entry",
        "events": ["filled"],
        "fill_quantity": 10,
        "fill_price": 1488.0,
    }


def test_a_live_runs_order_cancelled_at_kite_is_journalled_with_its_final_state(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    worker = live_worker(client)
    live_run(worker)
    fake.price("NSE:INFY", 1500)
    limit = order(quantity=10, order_type="LIMIT", price=1490)
    order_id = worker.place("run_live_1", "live-limit-0001", limit).json()["result"]["order_id"]
    [at_kite] = fake.state()["orders"]
    cancelled_at_kite = BrokerReport(at_kite["order_id"], "CANCELLED", 0, Decimal(0), "by you")

    with runtime.db.session() as db:  # Kite's word that it was cancelled in its own app
        assert runtime.live.apply_report(db, "kite", cancelled_at_kite)
        assert runtime.live.apply_report(db, "kite", cancelled_at_kite)  # again: no change

    _placed, cancelled = _executions(worker)
    assert cancelled["payload"]["status"] == "CANCELLED"
    assert cancelled["payload"]["events"] == ["cancelled"]
    assert cancelled["payload"]["status_message"] == "by you"
    assert "fill_quantity" not in cancelled["payload"]
    assert cancelled["related_resource_id"] == order_id
    assert booked(runtime) == ([], [])


def test_a_live_order_whose_send_was_lost_is_journalled_when_it_is_settled(
    client: TestClient, runtime: Runtime, fake: Fake, clock: ManualClock
):
    connect(client, runtime, fake)
    worker = live_worker(client)
    live_run(worker)
    fake.price("NSE:INFY", 1500)
    fake.fault("503", method="POST", path_prefix="/orders", count=4)  # refused before work
    placed = worker.place("run_live_1", "live-lost-0001", order(quantity=10))
    order_id = placed.json()["result"]["order_id"]
    assert placed.json()["result"]["order"]["status"] == "PUT ORDER REQ RECEIVED"
    assert _executions(worker) == []  # no answer from Kite yet: nothing to say

    clock.advance(timedelta(seconds=31))
    with runtime.db.session() as db:
        assert runtime.live.resolve_unsent(db) == 1

    [settled] = _executions(worker)
    assert (settled["event_source"], settled["summary"]) == ("live_oms", "BUY 10 INFY: REJECTED")
    assert settled["payload"] == {
        "order_id": order_id,
        "broker_order_id": None,
        "status": "REJECTED",
        "filled_quantity": 0,
        "role": "entry",
        "idempotency_key": "live-lost-0001",
    }


def test_a_booked_reports_run_lock_is_taken_before_the_ledgers(
    client: TestClient, runtime: Runtime, fake: Fake
):
    user_id = connect(client, runtime, fake)
    worker = live_worker(client)
    live_run(worker)
    fake.price("NSE:INFY", 1500)
    limit = order(quantity=10, order_type="LIMIT", price=1490)
    assert worker.place("run_live_1", "live-lock-0001", limit).status_code == 200
    with runtime.db.session() as db:
        token_id, run_key = db.execute(select(WorkerRun.token_id, WorkerRun.run_key)).one()
    fake.price("NSE:INFY", 1488)
    [filled] = fake.state()["orders"]
    heard: list[str] = []

    def owners(_db: Any, attributions: Any) -> list[str]:
        heard.append("owners")
        return []

    runtime.events.watch(lambda _db, _events: heard.append("watcher"), owners=owners)
    with _locks_asked(runtime) as asked, runtime.db.session() as db:
        report = {"broker": "kite", "user_id": user_id, "data": filled}
        assert apply_order_update(runtime.live, db, report)

    # the owners' locks are asked for before the booking's events reach any watcher
    assert heard == ["owners", "watcher"]
    with runtime.db.session() as db:
        if db.get_bind().dialect.name == "postgresql":
            ledger = asked.index(f"books:kite:{user_id}")
            assert run_lock(token_id, run_key) in asked[:ledger]
    *_, fill_event = _executions(worker)
    assert fill_event["payload"]["events"] == ["filled"]
