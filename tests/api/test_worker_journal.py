"""Grouped P&L, funds with allocation caps, decision events and the timeline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.api.test_agent_fill_subscriber import _locks_asked
from tests.workers_kit import Worker, new_worker, order, set_price
from tradertape.db.models import Order, WorkerRun
from tradertape.oms import OmsEvent
from tradertape.runtime import Runtime
from tradertape.services.workers.access import run_lock
from tradertape.testkit import make_tick

TOTALS = {"realized_pnl", "unrealized_pnl", "gross_pnl", "charges", "net_pnl"}
LEG = {
    "instrument_token",
    "exchange",
    "tradingsymbol",
    "product",
    "net_quantity",
    "side",
    "average_price",
    "last_price",
    "realized_pnl",
    "unrealized_pnl",
    "gross_pnl",
    "charges",
    "net_pnl",
    "broker_net_quantity",
    "is_stale",
    "last_reconciled_at",
}
EVENT = {
    "cursor",
    "strategy_run_id",
    "account_id",
    "basket_execution_id",
    "event_kind",
    "event_source",
    "event_type",
    "related_resource_type",
    "related_resource_id",
    "summary",
    "payload",
    "created_at",
}


@pytest.fixture
def worker(client: TestClient, runtime: Runtime) -> Worker:
    set_price(runtime, "NSE:INFY", "1500")
    worker = new_worker(client, runtime)
    worker.create_run("run_j", account_scope="kite:paper")
    return worker


def test_pnl_realized_unrealized_and_charges(worker: Worker, runtime: Runtime):
    worker.place("run_j", "pnl-entry-1", order(quantity=10, product="MIS"))
    set_price(runtime, "NSE:INFY", "1510")
    worker.place("run_j", "pnl-entry-2", order(quantity=10, product="MIS"))  # avg 1505
    set_price(runtime, "NSE:INFY", "1520")
    worker.place("run_j", "pnl-exit-01", order(side="SELL", quantity=5, product="MIS"))
    set_price(runtime, "NSE:INFY", "1530")

    pnl = worker.call("GET", "/runs/run_j/pnl").json()
    trades = worker.call("GET", "/trades", params={"strategy_run_id": "run_j"}).json()["trades"]

    assert set(pnl) == {
        "strategy_run_id",
        "execution_mode",
        "status",
        "currency",
        "totals",
        "legs",
        "position_count",
        "is_realtime",
        "is_stale",
        "updated_at",
    }
    assert set(pnl["totals"]) == TOTALS
    (leg,) = pnl["legs"]
    assert set(leg) == LEG
    assert (leg["net_quantity"], leg["side"], leg["average_price"]) == (15, "LONG", 1505.0)
    assert leg["realized_pnl"] == 5 * 15.0  # sold 5 at 1520 against 1505
    assert leg["unrealized_pnl"] == 15 * 25.0  # 15 marked at 1530
    assert leg["broker_net_quantity"] == 15
    assert len(trades) == 3
    totals = pnl["totals"]
    assert totals["gross_pnl"] == 450.0
    assert totals["charges"] > 0
    assert totals["net_pnl"] == pytest.approx(450.0 - totals["charges"], abs=0.01)
    assert pnl["position_count"] == 1
    assert pnl["is_stale"] is False


def test_short_leg_pnl(worker: Worker, runtime: Runtime):
    worker.place("run_j", "short-entry", order(side="SELL", quantity=4, product="MIS"))
    set_price(runtime, "NSE:INFY", "1490")
    (leg,) = worker.call("GET", "/runs/run_j/pnl").json()["legs"]
    assert (leg["side"], leg["net_quantity"], leg["unrealized_pnl"]) == ("SHORT", -4, 40.0)


def test_leg_is_stale_without_a_price(worker: Worker, runtime: Runtime):
    worker.place("run_j", "stale-entry", order(quantity=1))
    runtime.quotes._ticks.pop("NSE:INFY")
    pnl = worker.call("GET", "/runs/run_j/pnl").json()
    assert pnl["is_stale"] is True
    assert pnl["legs"][0]["is_stale"] is True
    assert pnl["legs"][0]["unrealized_pnl"] == 0.0


def test_funds_snapshot_shape(worker: Worker):
    worker.place("run_j", "funds-entry-1", order(order_type="LIMIT", price=1400, quantity=10))
    funds = worker.call("GET", "/funds", params={"mode": "paper"}).json()

    assert set(funds) == {
        "account_scope",
        "mode",
        "currency",
        "source",
        "segments",
        "allocation",
        "stale",
        "updated_at",
    }
    equity = funds["segments"]["equity"]
    assert set(equity) == {
        "net",
        "available_cash",
        "opening_balance",
        "live_balance",
        "collateral",
        "utilised",
        "m2m_realised",
        "m2m_unrealised",
    }
    assert equity["net"] == 1_000_000.0
    assert equity["utilised"] == 14_000.0  # the resting CNC buy holds its value
    assert equity["available_cash"] == 986_000.0
    assert funds["source"] == "paper_runtime"


@pytest.mark.parametrize(
    ("params", "status", "reason"),
    [
        pytest.param({"mode": "live"}, 403, "EXECUTION_MODE_NOT_ALLOWED", id="live"),
        pytest.param(
            {"account_scope": "kite:AB1234"}, 403, "ACCOUNT_SCOPE_NOT_ALLOWED", id="scope"
        ),
    ],
)
def test_funds_refusals(worker: Worker, params: dict[str, str], status: int, reason: str):
    response = worker.call("GET", "/funds", params=params)
    assert response.status_code == status
    assert response.json()["detail"]["rejection_reason"] == reason


def test_run_funds_with_allocation_cap(worker: Worker):
    worker.create_run("run_cap", metadata={"allocation_cap": 20_000})
    worker.place("run_cap", "cap-entry-1", order(quantity=10))

    funds = worker.call("GET", "/runs/run_cap/funds").json()

    allocation = funds["strategy"]["allocation"]
    assert allocation == {
        "cap": 20_000.0,
        "used": 15_000.0,
        "remaining": 5_000.0,
        "basis": "gross_exposure",
    }
    assert funds["allocation"]["run"] == allocation
    assert funds["allocation"]["max_new_position_value"] == 5_000.0
    assert funds["strategy"]["gross_exposure"] == 15_000.0
    assert funds["strategy_run_id"] == "run_cap"
    uncapped = worker.call("GET", "/runs/run_j/funds").json()["strategy"]["allocation"]
    assert uncapped["cap"] is None
    assert uncapped["remaining"] is None


def test_decision_events_in_both_shapes(worker: Worker):
    seed = worker.call(
        "POST",
        "/runs/run_j/decision-events",
        json={
            "event_type": "signal.generated",
            "summary": "EMA crossover on INFY 5min",
            "details": {"fast_ema": 1450.1},
        },
    )
    backend = worker.call(
        "POST",
        "/runs/run_j/decision-events",
        json={
            "decision_type": "entry",
            "action": "enter",
            "summary": "go long",
            "metadata": {"z": 1},
        },
    )

    assert seed.status_code == backend.status_code == 200
    first, second = seed.json(), backend.json()
    assert set(first) == EVENT
    assert (first["event_kind"], first["event_type"]) == ("decision", "signal.generated")
    assert first["payload"]["details"] == {"fast_ema": 1450.1}
    assert first["account_id"] == "paper"
    assert second["event_type"] == "decision.entry"
    assert second["payload"] == {"decision_type": "entry", "action": "enter", "metadata": {"z": 1}}
    assert second["cursor"] > first["cursor"]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"summary": "no type"}, id="no-type"),
        pytest.param({"decision_type": "entry", "summary": "no action"}, id="no-action"),
        pytest.param({"decision_type": "dance", "action": "enter", "summary": "x"}, id="enum"),
        pytest.param({"event_type": "order.updated", "summary": "spoof"}, id="reserved"),
        pytest.param({"event_type": "signal.x", "summary": ""}, id="empty-summary"),
        pytest.param({"event_type": "signal.x", "summary": "x", "detail": {}}, id="typo"),
    ],
)
def test_bad_decision_events_are_422(worker: Worker, body: dict[str, object]):
    assert worker.call("POST", "/runs/run_j/decision-events", json=body).status_code == 422


def test_decision_event_related_refs(worker: Worker):
    order_id = worker.place("run_j", "ref-entry-1").json()["result"]["order_id"]
    known = worker.call(
        "POST",
        "/runs/run_j/decision-events",
        json={
            "event_type": "signal.acted",
            "summary": "entered",
            "related_resource_type": "order",
            "related_resource_id": order_id,
        },
    )
    unknown = worker.call(
        "POST",
        "/runs/run_j/decision-events",
        json={
            "decision_type": "management",
            "action": "observe",
            "summary": "x",
            "related_resource_type": "bracket_intent",
            "related_resource_id": "brk_1",
        },
    )
    assert known.json()["related_resource_id"] == order_id
    assert unknown.status_code == 422
    assert unknown.json()["detail"]["rejection_reason"] == "UNKNOWN_RELATED_REF"


def test_decision_events_nonce_rule(worker: Worker):
    nonce = worker.call("POST", "/runs/run_j/claim-session").json()["worker_session_nonce"]
    body = {"event_type": "signal.generated", "summary": "x"}
    without = worker.call("POST", "/runs/run_j/decision-events", json=body)
    literal = worker.call("POST", "/runs/run_j/decision-events", json=body, nonce="None")
    right = worker.call("POST", "/runs/run_j/decision-events", json=body, nonce=nonce)
    wrong = worker.call("POST", "/runs/run_j/decision-events", json=body, nonce="wsn_other")

    assert without.status_code == literal.status_code == right.status_code == 200
    assert wrong.status_code == 409
    assert wrong.json()["detail"]["rejection_reason"] == "WORKER_SESSION_CONFLICT"


def test_timeline_pages_by_cursor_and_filters(worker: Worker):
    for i in range(5):
        worker.call(
            "POST",
            "/runs/run_j/decision-events",
            json={"event_type": "signal.tick", "summary": f"s{i}"},
        )
    worker.place("run_j", "timeline-entry")

    page1 = worker.call("GET", "/runs/run_j/timeline", params={"limit": 2}).json()
    page2 = worker.call(
        "GET", "/runs/run_j/timeline", params={"limit": 10, "after_cursor": page1["last_cursor"]}
    ).json()
    decisions = worker.call("GET", "/runs/run_j/timeline", params={"event_kind": "decision"}).json()
    executions = worker.call(
        "GET", "/runs/run_j/timeline", params={"event_kind": "execution"}
    ).json()
    empty = worker.call(
        "GET", "/runs/run_j/timeline", params={"after_cursor": page2["last_cursor"]}
    ).json()

    assert set(page1) == {"strategy_run_id", "after_cursor", "last_cursor", "events"}
    assert [e["summary"] for e in page1["events"]] == ["s0", "s1"]
    assert [e["summary"] for e in page2["events"]][:3] == ["s2", "s3", "s4"]
    assert page2["events"][-1]["event_type"] == "order.updated"
    assert len(decisions["events"]) == 5
    assert [e["event_type"] for e in executions["events"]] == ["order.updated"]
    assert empty == {
        "strategy_run_id": "run_j",
        "after_cursor": page2["last_cursor"],
        "last_cursor": page2["last_cursor"],
        "events": [],
    }
    bad = worker.call("GET", "/runs/run_j/timeline", params={"event_kind": "gossip"})
    assert bad.status_code == 422


def test_timelines_are_per_run(client: TestClient, runtime: Runtime, worker: Worker):
    worker.create_run("run_k")
    worker.call("POST", "/runs/run_k/decision-events", json={"event_type": "a.b", "summary": "k"})
    other = new_worker(client, runtime, "o@x.in")
    assert worker.call("GET", "/runs/run_j/timeline").json()["events"] == []
    assert other.call("GET", "/runs/run_k/timeline").status_code == 404


def test_a_resting_paper_orders_fill_on_a_tick_takes_its_runs_lock_before_the_ledgers(
    worker: Worker, runtime: Runtime
):
    limit = order(quantity=10, order_type="LIMIT", price=1490)
    placed = worker.place("run_j", "rest-limit-1", limit).json()["result"]
    assert placed["order"]["status"] == "OPEN"  # rests below the market
    heard: list[Any] = []

    def owners(_db: Session, attributions: Sequence[Mapping[str, Any]]) -> list[str]:
        heard.append([a.get("run_pk") for a in attributions])
        return []

    def watcher(_db: Session, events: Sequence[OmsEvent]) -> None:
        heard.append([type(e).__name__ for e in events])

    runtime.events.watch(watcher, owners=owners)
    with runtime.db.session() as db:
        run = db.scalars(select(WorkerRun)).one()
        user_id, run_pk, name = run.user_id, run.id, run_lock(run.token_id, run.run_key)
    tick = make_tick("NSE:INFY", "1488", ts=runtime.clock.now())
    with _locks_asked(runtime) as asked, runtime.db.session() as db:
        runtime.exchange.on_tick(db, tick, traded_volume=100)

    # the owners' locks of the matched orders are asked for before their events are heard
    assert heard == [[run_pk], ["OrderFilled"]]
    with runtime.db.session() as db:
        assert db.scalar(select(Order.status).where(Order.order_id == placed["order_id"])) == (
            "COMPLETE"
        )
        if db.get_bind().dialect.name == "postgresql":
            assert name in asked[: asked.index(f"books:paper:{user_id}")]
