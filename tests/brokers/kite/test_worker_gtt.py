"""The workers' GTT passthrough at the fake Kite: a live token's triggers go through the
live GTT book (both switches, the one gate, recorded first, placed once); a trigger placed
for a run, once Kite fires it, becomes the run's order, booked and journalled once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.brokers.kite.conftest import Fake
from tests.brokers.kite.test_live_gtts import OCO, SINGLE, _gtts, _sweep
from tests.brokers.kite.test_live_orders import connect
from tests.brokers.kite.test_server_login import kite_login
from tests.brokers.kite.test_worker_live import live_run, live_worker
from tests.brokers.kite.test_worker_live import server_live as server_live  # noqa: F401
from tests.brokers.kite.test_worker_live import settings as settings  # noqa: F401 - fixture
from tests.live_kit import CHARGES, booked, ours
from tests.workers_kit import order
from tradertape.domain.brokers import BrokerName
from tradertape.runtime import Runtime

pytestmark = pytest.mark.db

# Kite's own GTT body: no ``mode`` (a worker's triggers are always live).
KITE_SINGLE = {k: v for k, v in SINGLE.items() if k != "mode"}
KITE_OCO = {k: v for k, v in OCO.items() if k != "mode"}


def _reason(answer: Any) -> str:
    reason: str = answer.json()["detail"]["rejection_reason"]
    return reason


def test_a_runs_gtt_is_placed_at_kite_once_and_its_fired_order_joins_the_run(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    worker = live_worker(client)
    live_run(worker)
    fake.price("NSE:INFY", 1480)

    placed = worker.call(
        "POST", "/gtt/triggers", json=KITE_SINGLE | {"strategy_run_id": "run_live_1"}
    )

    assert placed.status_code == 200, placed.text
    trigger_id = placed.json()["trigger_id"]
    [at_kite] = fake.state()["gtts"]
    assert (at_kite["status"], at_kite["condition"]["trigger_values"]) == ("active", [1487.0])
    assert _gtts(runtime) == [("kite", str(at_kite["id"]), "active", None)]
    [listed] = worker.call("GET", "/gtt/triggers").json()
    assert (listed["id"], listed["status"], listed["meta"]) == (trigger_id, "active", None)
    assert listed["condition"]["trigger_values"] == [1487.0]
    assert listed["orders"][0]["price"] == 1490.0

    fake.price("NSE:INFY", 1488)  # Kite fires it; its LIMIT 1490 buy fills at 1488
    _sweep(runtime)
    _sweep(runtime)  # a second sweep adopts, books and journals nothing more

    [order] = ours(runtime)
    assert (order.source, order.status, order.attribution["strategy_run_id"]) == (
        "gtt",
        "COMPLETE",
        "run_live_1",
    )
    trades, cash = booked(runtime)
    assert trades == [("kite", "INFY", "BUY", 10, Decimal("1488.00"), CHARGES)]
    assert cash == [("buy", Decimal("-14880.00")), ("charges", -CHARGES)]
    run_orders = worker.call("GET", "/orders", params={"strategy_run_id": "run_live_1"}).json()
    assert [(o["order_id"], o["status"]) for o in run_orders["orders"]] == [
        (order.order_id, "COMPLETE")
    ]
    timeline = worker.call(
        "GET", "/runs/run_live_1/timeline", params={"event_kind": "execution"}
    ).json()["events"]
    assert [(e["payload"]["status"], e["payload"]["role"]) for e in timeline] == [
        ("OPEN", "gtt"),
        ("COMPLETE", "gtt"),
    ]
    assert timeline[0]["payload"]["gtt_id"] == trigger_id
    assert timeline[1]["payload"]["fill_price"] == 1488.0
    pnl = worker.call("GET", "/runs/run_live_1/pnl").json()
    assert (pnl["totals"]["charges"], pnl["legs"][0]["net_quantity"]) == (float(CHARGES), 10)
    shown = worker.call("GET", f"/gtt/triggers/{trigger_id}").json()
    assert (shown["status"], shown["meta"]) == ("triggered", {"order_id": order.order_id})


def test_a_workers_gtt_is_changed_and_deleted_at_kite(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    worker = live_worker(client)
    fake.price("NSE:INFY", 1488)
    trigger_id = worker.call("POST", "/gtt/triggers", json=KITE_OCO).json()["trigger_id"]
    wider = KITE_OCO | {"condition": KITE_OCO["condition"] | {"trigger_values": ["1440", "1560"]}}

    moved = worker.call("PUT", f"/gtt/triggers/{trigger_id}", json=wider)
    deleted = worker.call("DELETE", f"/gtt/triggers/{trigger_id}")

    assert moved.json() == {"trigger_id": trigger_id}
    assert deleted.json() == {"trigger_id": trigger_id}
    [at_kite] = fake.state()["gtts"]
    assert (at_kite["status"], at_kite["condition"]["trigger_values"]) == (
        "deleted",
        [1440.0, 1560.0],
    )
    assert [g[2] for g in _gtts(runtime)] == ["deleted"]
    again = worker.call("DELETE", f"/gtt/triggers/{trigger_id}")
    assert (again.status_code, _reason(again)) == (400, "GTT_REQUEST_INVALID")
    missing = worker.call("GET", "/gtt/triggers/999999")
    assert (missing.status_code, _reason(missing)) == (404, "GTT_TRIGGER_NOT_FOUND")


def test_a_workers_gtt_refusals_reach_nothing_at_kite(
    client: TestClient, runtime: Runtime, fake: Fake
):
    user_id = connect(client, runtime, fake)
    worker = live_worker(client)
    with runtime.db.session() as db:  # the day's Kite session ends
        runtime.brokers.expire(db, user_id=user_id, broker=BrokerName.KITE)

    no_session = worker.call("POST", "/gtt/triggers", json=KITE_SINGLE)

    assert (no_session.status_code, _reason(no_session)) == (
        503,
        "WORKER_KITE_SESSION_UNAVAILABLE",
    )
    assert kite_login(client, fake)["login"] == ["ok"]  # logged in again
    client.put("/api/auth/live-trading", json={"live_trading": False})
    switched_off = worker.call("POST", "/gtt/triggers", json=KITE_SINGLE)
    assert (switched_off.status_code, _reason(switched_off)) == (403, "LIVE_TRADING_DISABLED")
    client.put("/api/auth/live-trading", json={"live_trading": True, "confirm": "LIVE"})
    bad = worker.call("POST", "/gtt/triggers", json=KITE_SINGLE | {"type": "three-leg"})
    assert (bad.status_code, _reason(bad)) == (400, "GTT_REQUEST_INVALID")
    assert bad.json()["detail"]["message"].startswith("type: ")
    paper_run = worker.call(
        "POST", "/gtt/triggers", json=KITE_SINGLE | {"strategy_run_id": "no_such_run"}
    )
    assert paper_run.status_code == 404
    assert client.post("/api/risk/kill-switch", json={"on": True}).status_code == 200
    killed = worker.call("POST", "/gtt/triggers", json=KITE_SINGLE)
    assert (killed.status_code, _reason(killed)) == (400, "GTT_REQUEST_INVALID")
    assert killed.json()["detail"]["message"] == (
        "Order rejected by risk rule: kill switch is on: new entries are blocked"
    )
    assert fake.state()["gtts"] == []
    assert _gtts(runtime) == []


def test_a_runs_own_rules_gate_its_gtt_but_not_the_accounts(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    worker = live_worker(client)
    live_run(worker)
    fake.price("NSE:INFY", 1480)
    rule = client.post(
        "/api/risk/rules", json={"type": "kill_switch", "strategy_run_id": "run_live_1"}
    )
    assert rule.status_code in (200, 201), rule.text

    for_run = worker.call(
        "POST", "/gtt/triggers", json=KITE_SINGLE | {"strategy_run_id": "run_live_1"}
    )
    for_account = worker.call("POST", "/gtt/triggers", json=KITE_SINGLE)

    assert (for_run.status_code, _reason(for_run)) == (400, "GTT_REQUEST_INVALID")
    assert for_run.json()["detail"]["message"].startswith("Order rejected by risk rule: kill")
    assert for_account.status_code == 200, for_account.text
    [at_kite] = fake.state()["gtts"]  # only the account's trigger reached Kite
    assert _gtts(runtime) == [("kite", str(at_kite["id"]), "active", None)]


def test_a_run_that_exits_deletes_its_stop_at_kite_and_leaves_the_accounts(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    worker = live_worker(client)
    live_run(worker)
    fake.price("NSE:INFY", 1488)
    entry = worker.place("run_live_1", "live-entry-0001", order(quantity=10))
    assert entry.status_code == 200, entry.text
    run_stop = KITE_OCO | {"strategy_run_id": "run_live_1"}
    stop_id = worker.call("POST", "/gtt/triggers", json=run_stop).json()["trigger_id"]
    own_id = worker.call("POST", "/gtt/triggers", json=KITE_OCO).json()["trigger_id"]
    worker.call("GET", "/runs/run_live_1/pnl")  # asks Kite: the entry's fill is booked

    exited = worker.call(
        "POST", "/runs/run_live_1/exit", json={"reason": "done", "idempotency_key": "live-exit-01"}
    )

    assert exited.status_code == 200, exited.text
    assert (exited.json()["status"], exited.json()["run"]["status"]) == ("submitted", "exiting")
    by_id = {g["id"]: g["status"] for g in worker.call("GET", "/gtt/triggers").json()}
    assert by_id == {stop_id: "cancelled", own_id: "active"}  # retired by the platform
    assert sorted(g["status"] for g in fake.state()["gtts"]) == ["active", "deleted"]
    [_, sell] = fake.state()["orders"]
    assert (sell["transaction_type"], sell["quantity"], sell["status"]) == ("SELL", 10, "COMPLETE")
    fake.price("NSE:INFY", 1440)  # below the deleted stop: only the account's trigger fires
    _sweep(runtime)
    assert len(fake.state()["orders"]) == 3
    assert [o["strategy_run_id"] for o in ours_attributed(runtime)] == [
        "run_live_1",
        "run_live_1",
        None,
    ]


def test_a_run_with_only_a_trigger_closes_once_it_is_deleted(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    worker = live_worker(client)
    live_run(worker)
    fake.price("NSE:INFY", 1480)
    body = KITE_SINGLE | {"strategy_run_id": "run_live_1"}
    assert worker.call("POST", "/gtt/triggers", json=body).status_code == 200

    exited = worker.call("POST", "/runs/run_live_1/exit", json={"reason": "done"})

    assert exited.status_code == 200, exited.text
    assert (exited.json()["status"], exited.json()["run"]["status"]) == ("noop", "closed")
    assert [g["status"] for g in fake.state()["gtts"]] == ["deleted"]
    assert _gtts(runtime)[0][2] == "cancelled"


def ours_attributed(runtime: Runtime) -> list[dict[str, Any]]:
    return [{"strategy_run_id": o.attribution.get("strategy_run_id")} for o in ours(runtime)]
