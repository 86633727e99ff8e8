"""``PATCH /runs/{id}/protection`` and ``/risk``: generations, the spent exit, validation."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.workers_kit import PROTECTED_POSITION as STOP
from tests.workers_kit import Worker, new_worker, order, set_price
from tradertape.runtime import Runtime


@pytest.fixture
def worker(client: TestClient, runtime: Runtime) -> Worker:
    set_price(runtime, "NSE:INFY", "1500")
    worker = new_worker(client, runtime)
    worker.create_run("run_p", runtime_state={"backend_protection": STOP})
    return worker


def patch(worker: Worker, body: dict[str, Any], nonce: str | None = None, run: str = "run_p"):
    return worker.call("PATCH", f"/runs/{run}/protection", json=body, nonce=nonce)


def state(worker: Worker, run: str = "run_p") -> dict[str, Any]:
    found: dict[str, Any] = worker.call("GET", f"/runs/{run}").json()["runtime_state"]
    return found


def test_a_new_run_starts_at_generation_one(worker: Worker):
    protection = state(worker)["backend_protection_state"]
    assert (protection["status"], protection["generation"]) == ("active", 1)
    assert protection["exit_submitted"] is False


def test_an_update_is_a_new_generation_and_a_new_version(worker: Worker):
    body = {"backend_protection": {**STOP, "version": 1}, "reason": "tighter"}
    first = patch(worker, body)
    second = patch(worker, {"backend_protection": {**STOP, "version": 7}})

    assert first.status_code == 200, first.text
    after_first = first.json()["runtime_state"]
    assert after_first["backend_protection_state"]["generation"] == 2
    assert after_first["backend_protection"]["version"] == 2  # max(1, previous + 1)
    assert after_first["backend_protection_state"]["reason"] == "tighter"
    assert second.json()["runtime_state"]["backend_protection"]["version"] == 7
    timeline = worker.call("GET", "/runs/run_p/timeline", params={"event_kind": "protection"})
    assert [e["event_type"] for e in timeline.json()["events"]] == [
        "protection.state_changed",
        "protection.state_changed",
    ]


def test_disabling_disarms_the_engine(worker: Worker, runtime: Runtime):
    worker.place("run_p", "run_p:entry:1", order())
    response = patch(worker, {"backend_protection": {"enabled": False}})
    set_price(runtime, "NSE:INFY", "1000")

    assert response.json()["runtime_state"]["backend_protection_state"]["status"] == "disabled"
    assert runtime.protection.on_prices(["NSE:INFY"]) == []
    assert runtime.protection.on_timer() == []


def test_trailing_memory_survives_an_update_only_when_asked(worker: Worker, runtime: Runtime):
    worker.place("run_p", "run_p:entry:1", order())
    set_price(runtime, "NSE:INFY", "1560")
    runtime.protection.on_prices(["NSE:INFY"])
    kept = patch(worker, {"backend_protection": STOP, "reset_trailing": False}).json()
    dropped = patch(worker, {"backend_protection": STOP}).json()

    key = "symbol:NSE:INFY:CNC"
    assert kept["runtime_state"]["backend_protection_state"]["position_states"] == {
        key: {"best_pnl_pct": 4.0}
    }
    assert dropped["runtime_state"]["backend_protection_state"]["position_states"] == {}


@pytest.mark.parametrize(
    ("document", "field"),
    [
        pytest.param({"enabled": True}, "backend_protection", id="no-rules"),
        pytest.param(
            {"positions": [{**STOP["positions"][0], "side": "LONG"}]},
            "backend_protection.positions[0].side",
            id="side",
        ),
        pytest.param(
            {"operations": {"mis_squareoff_buffer_sec": -1}},
            "backend_protection.operations.mis_squareoff_buffer_sec",
            id="buffer",
        ),
        pytest.param({"basket": {"stoploss_pct": 0}}, "backend_protection.basket.stoploss_pct"),
    ],
)
def test_invalid_documents_are_422_with_the_field(
    worker: Worker, document: dict[str, Any], field: str
):
    response = patch(worker, {"backend_protection": document})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == field


def test_invalid_protection_at_creation_is_422(worker: Worker):
    response = worker.call(
        "POST",
        "/runs",
        json={
            "template_id": "t",
            "account_scope": "kite:paper",
            "runtime_state": {"backend_protection": {"enabled": True, "mode": "greed"}},
        },
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "runtime_state.backend_protection"


def test_a_claimed_run_needs_the_nonce(worker: Worker):
    nonce = worker.call("POST", "/runs/run_p/claim-session").json()["worker_session_nonce"]
    missing = patch(worker, {"backend_protection": STOP})
    wrong = patch(worker, {"backend_protection": STOP}, nonce="wsn_" + "0" * 32)
    right = patch(worker, {"backend_protection": STOP}, nonce=nonce)

    assert missing.json()["detail"]["rejection_reason"] == "WORKER_SESSION_REQUIRED"
    assert wrong.json()["detail"]["rejection_reason"] == "WORKER_SESSION_CONFLICT"
    assert right.status_code == 200


def test_another_tokens_run_is_404(client: TestClient, runtime: Runtime, worker: Worker):
    other = new_worker(client, runtime, "o@x.in")
    assert patch(other, {"backend_protection": STOP}).status_code == 404
    risk = other.call("PATCH", "/runs/run_p/risk", json={"patch": {"x": 1}})
    assert risk.status_code == 404


def test_after_the_protection_exit_the_generation_is_spent(worker: Worker, runtime: Runtime):
    worker.place("run_p", "run_p:entry:1", order())
    set_price(runtime, "NSE:INFY", "1400")
    assert runtime.protection.on_prices(["NSE:INFY"]) == ["position_stoploss"]

    response = patch(worker, {"backend_protection": STOP})
    assert response.status_code == 409
    assert response.json()["detail"]["rejection_reason"] in (
        "PROTECTION_EXIT_SUBMITTED",
        "RUN_NOT_ACTIVE",
    )


def test_a_claim_whose_exit_failed_can_be_reset_by_the_worker(
    worker: Worker, runtime: Runtime, clock
):
    from datetime import datetime

    from tradertape.ports.clock import IST

    worker.place("run_p", "run_p:entry:1", order())
    clock.set(datetime(2026, 11, 20, 16, 0, tzinfo=IST))  # closed: the exit cannot be placed
    set_price(runtime, "NSE:INFY", "1400")
    assert runtime.protection.on_prices(["NSE:INFY"]) == ["position_stoploss"]
    blocked = worker.call("GET", "/runs/run_p/safety-check").json()

    reset = patch(worker, {"backend_protection": {"enabled": False}, "reason": "manual"})
    after = worker.call("GET", "/runs/run_p/safety-check").json()

    assert blocked["can_trade"] is False
    assert "GENERIC_EXIT_IN_PROGRESS" in blocked["blocking_reasons"]
    assert reset.status_code == 200
    protection = reset.json()["runtime_state"]["backend_protection_state"]
    assert (protection["status"], protection["exit_claim_id"]) == ("disabled", None)
    assert after["can_trade"] is True
    kinds = worker.call("GET", "/runs/run_p/timeline", params={"event_kind": "protection"})
    assert [e["event_type"] for e in kinds.json()["events"]][-2:] == [
        "protection.reset",
        "protection.state_changed",
    ]


def test_risk_patch_merges_into_state_and_schema(worker: Worker):
    worker.create_run(
        "run_r",
        risk_schema=[{"key": "stop_loss_pct", "label": "Stop", "value": 2.0}, {"label": "x"}],
        runtime_state={"risk": {"stop_loss_pct": 2.0, "max_positions": 3}},
    )
    response = worker.call(
        "PATCH",
        "/runs/run_r/risk",
        json={"patch": {"stop_loss_pct": 1.0}, "reason": "volatility adjustment"},
    )

    run = response.json()
    assert response.status_code == 200
    assert run["runtime_state"]["risk"] == {"stop_loss_pct": 1.0, "max_positions": 3}
    assert run["risk_schema"][0]["value"] == 1.0
    assert run["risk_schema"][1] == {"label": "x"}
    events = worker.call("GET", "/runs/run_r/timeline").json()["events"]
    assert events[-1]["event_type"] == "risk.updated"
    assert events[-1]["summary"] == "volatility adjustment"


def test_a_closed_run_takes_no_risk_or_protection_change(worker: Worker):
    worker.call("POST", "/runs/run_p/exit", json={})
    risk = worker.call("PATCH", "/runs/run_p/risk", json={"patch": {"a": 1}})
    protection = patch(worker, {"backend_protection": STOP})
    assert risk.json()["detail"]["rejection_reason"] == "RUN_NOT_ACTIVE"
    assert protection.json()["detail"]["rejection_reason"] == "RUN_NOT_ACTIVE"


def test_risk_update_needs_its_action(client: TestClient, runtime: Runtime):
    reader = new_worker(client, runtime, "r@x.in", allowed_actions=["runs:create", "runs:read"])
    reader.create_run("run_ro")
    response = reader.call("PATCH", "/runs/run_ro/risk", json={"patch": {"a": 1}})
    assert response.status_code == 403
