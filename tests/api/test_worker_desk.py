"""The owner's desk of worker runs (session cookie): cards, a run, its P&L, book and
timeline (also as SSE), and the owner's protection, risk and exit over a worker's session."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.helpers import sign_in
from tests.workers_kit import PROTECTED_POSITION, Worker, new_worker, order, set_price
from tradertape.db.models import WorkerRun
from tradertape.domain.worker_runs import RunStatus
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.settings import Settings

D = "/api/algo-workers/runs"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    quick = {"worker_stream_poll_secs": 0.02, "worker_stream_heartbeat_secs": 0.2}
    return settings.model_copy(update=quick)


@pytest.fixture
def worker(client: TestClient, runtime: Runtime) -> Worker:
    set_price(runtime, "NSE:INFY", "1500")
    worker = new_worker(client, runtime)
    worker.create_run("run_d")
    assert worker.place("run_d", "run_d:entry:1", order(quantity=2)).status_code == 200
    return worker


def _ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def _run_id(client: TestClient) -> int:
    (card,) = _ok(client.get(D))
    return int(card["id"])


def test_cards_show_mode_health_and_net_pnl(client: TestClient, runtime: Runtime, worker: Worker):
    set_price(runtime, "NSE:INFY", "1510")
    (card,) = _ok(client.get(D))
    assert (card["strategy_run_id"], card["execution_mode"], card["status"]) == (
        "run_d",
        "paper",
        "open",
    )
    assert card["token_name"] == "worker"
    assert card["health_status"] == "unknown"  # no heartbeat yet
    pnl = _ok(client.get(f"{D}/{card['id']}/pnl"))
    assert card["net_pnl"] == pnl["totals"]["net_pnl"]
    assert pnl["totals"]["unrealized_pnl"] == 20.0
    assert card["position_count"] == 1


def test_run_detail_book_and_timeline(client: TestClient, worker: Worker):
    run_id = _run_id(client)
    run = _ok(client.get(f"{D}/{run_id}"))
    assert (run["id"], run["strategy_run_id"], run["is_option_run"]) == (run_id, "run_d", False)
    book = _ok(client.get(f"{D}/{run_id}/book"))
    assert [o["tradingsymbol"] for o in book["orders"]] == ["INFY"]
    assert sum(t["quantity"] for t in book["trades"]) == 2
    note = {"decision_type": "note", "action": "observe", "summary": "watching"}
    assert worker.call("POST", "/runs/run_d/decision-events", json=note).status_code == 200
    decisions = _ok(client.get(f"{D}/{run_id}/timeline", params={"event_kind": "decision"}))
    assert [e["summary"] for e in decisions["events"]] == ["watching"]
    everything = _ok(client.get(f"{D}/{run_id}/timeline"))
    assert len(everything["events"]) > 1


def test_another_users_run_is_not_found(client: TestClient, runtime: Runtime, worker: Worker):
    run_id = _run_id(client)
    other = TestClient(client.app)
    sign_in(other, runtime, "other@x.in")
    assert other.get(D).json() == []
    for path in ("", "/pnl", "/book", "/timeline", "/option"):
        assert other.get(f"{D}/{run_id}{path}").status_code == 404
    assert other.post(f"{D}/{run_id}/exit", json={"dry_run": True}).status_code == 404


def test_streams_follow_pnl_and_timeline(client: TestClient, runtime: Runtime, worker: Worker):
    run_id = _run_id(client)
    with client.stream("GET", f"{D}/{run_id}/pnl/stream", params={"interval_seconds": 0.25}) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        lines = r.iter_lines()
        first = _data(lines, "snapshot")
        set_price(runtime, "NSE:INFY", "1520")
        moved = _data(lines, "snapshot")
    assert (first["totals"]["unrealized_pnl"], moved["totals"]["unrealized_pnl"]) == (0.0, 40.0)
    with client.stream("GET", f"{D}/{run_id}/timeline/stream") as r:
        backfill = _data(r.iter_lines(), None)
    assert backfill["cursor"] == 1


def _data(lines: Any, wanted: str | None) -> Any:
    event = None
    for line in lines:
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:"):
            if event == wanted:
                return json.loads(line.split(":", 1)[1])
            event = None
    raise AssertionError("the stream ended")


def test_owner_acts_over_a_claimed_session(client: TestClient, worker: Worker):
    run_id = _run_id(client)
    claim = _ok(worker.call("POST", "/runs/run_d/claim-session"))
    assert claim["worker_session_nonce"]
    body = {"backend_protection": PROTECTED_POSITION, "reason": "from the desk"}
    run = _ok(client.patch(f"{D}/{run_id}/protection", json=body))
    assert run["runtime_state"]["backend_protection_state"]["status"] == "active"
    risky = _ok(client.patch(f"{D}/{run_id}/risk", json={"patch": {"stop_loss_pct": 1.5}}))
    assert risky["runtime_state"]["risk"]["stop_loss_pct"] == 1.5
    plan = _ok(client.post(f"{D}/{run_id}/exit", json={"dry_run": True}))
    assert plan["status"] == "dry_run"
    assert [o["transaction_type"] for o in plan["exit"]["orders"]] == ["SELL"]
    assert _ok(client.get(f"{D}/{run_id}"))["status"] == "open"  # a preview changes nothing
    done = _ok(client.post(f"{D}/{run_id}/exit", json={"reason": "enough"}))
    assert done["run"]["status"] == "closed"
    assert _ok(client.get(f"{D}/{run_id}/pnl"))["position_count"] == 0


def test_bad_protection_names_the_field(client: TestClient, worker: Worker):
    run_id = _run_id(client)
    bad = {
        **PROTECTED_POSITION,
        "positions": [{**PROTECTED_POSITION["positions"][0], "side": "HOLD"}],
    }
    response = client.patch(f"{D}/{run_id}/protection", json={"backend_protection": bad})
    assert response.status_code == 422, response.text
    fields = [
        item.get("field") or ".".join(map(str, item["loc"])) for item in response.json()["detail"]
    ]
    assert fields == ["backend_protection.positions[0].side"]


def test_health_follows_the_heartbeat_and_a_finished_run_is_stopped(
    client: TestClient, runtime: Runtime, worker: Worker, clock: ManualClock
):
    """A worker whose script exited stops beating: its card says so after 45 s, not
    "healthy"; a run closed or failed is stopped whatever its last heartbeat said."""
    claimed = worker.call("POST", "/runs/run_d/claim-session").json()
    nonce = claimed["worker_session_nonce"]
    assert worker.call("POST", "/runs/run_d/heartbeat", nonce=nonce, json={}).status_code == 200
    (card,) = _ok(client.get(D))
    assert (card["health_status"], card["heartbeat_age_sec"]) == ("healthy", 0)

    clock.advance(timedelta(seconds=60))  # the script exited: no heartbeat since
    (card,) = _ok(client.get(D))
    assert (card["health_status"], card["heartbeat_age_sec"]) == ("stale", 60)

    assert worker.call("POST", "/runs/run_d/heartbeat", nonce=nonce, json={}).status_code == 200
    with runtime.db.session() as db:
        db.execute(update(WorkerRun).values(status=RunStatus.CLOSED))
        db.commit()
    (card,) = _ok(client.get(D))
    assert (card["status"], card["health_status"]) == ("closed", "stopped")
    assert _ok(client.get(f"{D}/{card['id']}"))["health_status"] == "stopped"
