"""Worker runs: create or recover, get, list by signed cursor; sessions; the safety check."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.workers_kit import Worker, new_worker, set_price
from tradertape.db.models import WorkerRun
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.services.workers.access import run_lock, run_locks

SAFETY_KEYS = {
    "strategy_run_id",
    "can_trade",
    "run_status",
    "safety_token",
    "token_expires_at",
    "blocking_reasons",
    "generic_protection",
    "options_protection",
    "evaluated_at",
}


@pytest.fixture
def worker(client: TestClient, runtime: Runtime) -> Worker:
    return new_worker(client, runtime)


def test_create_then_recover_by_run_id(worker: Worker):
    body = {
        "template_id": "basic-equity",
        "account_scope": "kite:paper",
        "execution_mode": "paper",
        "strategy_run_id": "run_basic_equity_001",
        "metadata": {"strategy_family": "indicator_strategy", "strategy_name": "Basic Equity"},
        "runtime_state": {"risk": {"max_loss": 500}},
    }
    first = worker.call("POST", "/runs", json=body)
    again = worker.call("POST", "/runs", json=body)

    assert first.status_code == 201
    assert again.status_code == 200
    run = first.json()
    assert again.json() == run
    assert run["strategy_run_id"] == "run_basic_equity_001"
    assert run["status"] == "open"
    assert run["name"] == "Basic Equity"
    assert run["token_id"] == worker.token_id
    assert run["runtime_state"]["risk"] == {"max_loss": 500}
    assert run["runtime_state"]["backend_protection_state"]["generation"] == 1
    assert run["allowed_actions"] == ["edit_risk", "exit_strategy"]
    assert (run["session_status"], run["health_status"]) == ("missing", "unknown")


def test_the_document_declares_the_recovered_runs_200(client: TestClient):
    """The fuzzer found a recovery answering 200 where the document declared only 201."""
    paths = client.get("/api/openapi.json").json()["paths"]
    answers = paths["/api/algo-workers/worker/runs"]["post"]["responses"]
    assert {"200", "201"} <= set(answers)


def test_recovering_with_another_config_is_409(worker: Worker):
    worker.create_run("run_a_0001")
    response = worker.call(
        "POST",
        "/runs",
        json={
            "template_id": "other",
            "account_scope": "kite:paper",
            "execution_mode": "paper",
            "strategy_run_id": "run_a_0001",
        },
    )
    assert response.status_code == 409
    assert response.json()["detail"]["rejection_reason"] == "RUN_CONFIG_MISMATCH"


def test_generated_run_id(worker: Worker):
    response = worker.call(
        "POST", "/runs", json={"template_id": "t", "account_scope": "kite:paper"}
    )
    run_id = response.json()["strategy_run_id"]
    assert run_id.startswith("run_")
    assert len(run_id) == 4 + 32
    assert response.json()["execution_mode"] == "paper"


def test_unknown_run_is_404_and_another_tokens_run_is_the_same_404(
    client: TestClient, runtime: Runtime, worker: Worker
):
    worker.create_run("run_private")
    other = new_worker(client, runtime, "other@x.in")

    mine = worker.call("GET", "/runs/run_private")
    theirs = other.call("GET", "/runs/run_private")
    unknown = worker.call("GET", "/runs/run_missing")

    assert mine.status_code == 200
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json() == unknown.json() == {"detail": "Strategy run not found"}
    assert other.call("POST", "/runs/run_private/claim-session").status_code == 404
    assert other.call("GET", "/runs/run_private/pnl").status_code == 404
    # the same id is free for the other token: run ids are per token
    assert other.create_run("run_private")["token_id"] == other.token_id


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        pytest.param({"execution_mode": "live"}, 403, "EXECUTION_MODE_NOT_ALLOWED", id="live"),
        pytest.param({"execution_mode": "yolo"}, 403, "EXECUTION_MODE_NOT_ALLOWED", id="unknown"),
        pytest.param(
            {"account_scope": "kite:ZX1234"}, 403, "ACCOUNT_SCOPE_NOT_ALLOWED", id="scope"
        ),
        pytest.param({"account_scope": "zerodha"}, 400, "INVALID_ACCOUNT_SCOPE", id="grammar"),
    ],
)
def test_create_refusals(worker: Worker, body: dict[str, str], status: int, reason: str):
    payload = {"template_id": "t", "account_scope": "kite:paper", **body}
    response = worker.call("POST", "/runs", json=payload)
    assert response.status_code == status
    assert response.json()["detail"]["rejection_reason"] == reason


def test_live_gates(client: TestClient, runtime: Runtime):
    live = new_worker(
        client,
        runtime,
        "live@x.in",
        account_scope="kite:ZX1234",
        allowed_modes=["live", "paper", "dry_run"],
    )
    base = {"template_id": "t", "account_scope": "kite:ZX1234", "execution_mode": "live"}
    meta = {"strategy_family": "indicator_strategy", "strategy_name": "Momentum"}

    disabled = live.call("POST", "/runs", json={**base, "metadata": meta})
    paper_on_live = live.call("POST", "/runs", json={**base, "execution_mode": "paper"})

    assert disabled.status_code == 403
    assert disabled.json()["detail"]["rejection_reason"] == "LIVE_TRADING_DISABLED"
    assert paper_on_live.status_code == 400
    assert paper_on_live.json()["detail"]["rejection_reason"] == "PAPER_SCOPE_REQUIRED"

    object.__setattr__(runtime.workers, "live_trading_enabled", True)
    no_meta = live.call("POST", "/runs", json=base)
    user_off = live.call("POST", "/runs", json={**base, "metadata": meta})
    on = client.put("/api/auth/live-trading", json={"live_trading": True, "confirm": "LIVE"})
    assert on.status_code == 200, on.text
    created = live.call("POST", "/runs", json={**base, "metadata": meta, "strategy_run_id": "lv1"})
    placed = live.place("lv1", "live-entry-1")

    assert no_meta.status_code == 400
    assert no_meta.json()["detail"]["rejection_reason"] == "LIVE_METADATA_REQUIRED"
    assert user_off.status_code == 403
    assert user_off.json()["detail"]["rejection_reason"] == "LIVE_TRADING_DISABLED"
    assert user_off.json()["detail"]["message"].startswith("live trading is off for your account")
    assert created.status_code == 201  # no Kite session yet: the run waits for one
    assert placed.status_code == 503
    assert placed.json()["detail"] == {
        "rejection_reason": "WORKER_KITE_SESSION_UNAVAILABLE",
        "message": "no live Kite session for kite:ZX1234: log in to Kite first "
        "(Settings → Brokers)",
        "account_scope": "kite:ZX1234",
    }


def test_template_allow_list(client: TestClient, runtime: Runtime):
    worker = new_worker(client, runtime, allowed_templates=["ema_cross"])
    refused = worker.call("POST", "/runs", json={"template_id": "t", "account_scope": "kite:paper"})
    assert refused.status_code == 403
    assert refused.json()["detail"]["rejection_reason"] == "TEMPLATE_NOT_ALLOWED"
    assert worker.create_run("r1234567", template_id="ema_cross")["template_id"] == "ema_cross"


def test_list_pages_with_a_signed_cursor(client: TestClient, runtime: Runtime, worker: Worker):
    for i in range(5):
        worker.create_run(f"run_{i}")
    new_worker(client, runtime, "other@x.in").create_run("run_theirs")

    first = worker.call("GET", "/runs", params={"limit": 2}).json()
    second = worker.call("GET", "/runs", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    last = worker.call("GET", "/runs", params={"limit": 2, "cursor": second["next_cursor"]}).json()

    assert [r["strategy_run_id"] for r in first["items"]] == ["run_4", "run_3"]
    assert [r["strategy_run_id"] for r in second["items"]] == ["run_2", "run_1"]
    assert [r["strategy_run_id"] for r in last["items"]] == ["run_0"]
    assert last["next_cursor"] is None
    assert set(first["items"][0]) == {
        "strategy_run_id",
        "name",
        "template_id",
        "account_scope",
        "execution_mode",
        "status",
        "created_at",
        "updated_at",
        "closed_at",
    }


def test_forged_or_foreign_cursor_is_400(client: TestClient, runtime: Runtime, worker: Worker):
    for i in range(3):
        worker.create_run(f"run_{i}")
    cursor = worker.call("GET", "/runs", params={"limit": 1}).json()["next_cursor"]
    other = new_worker(client, runtime, "other@x.in")

    foreign = other.call("GET", "/runs", params={"cursor": cursor})
    forged = worker.call("GET", "/runs", params={"cursor": "MTAwLmFiYw"})
    over = worker.call("GET", "/runs", params={"limit": 101})

    assert foreign.status_code == forged.status_code == 400
    assert "invalid cursor" in forged.json()["detail"]
    assert over.status_code == 422


def test_claim_heartbeat_release(worker: Worker, clock: ManualClock):
    worker.create_run("run_s")
    claim = worker.call("POST", "/runs/run_s/claim-session")
    nonce = claim.json()["worker_session_nonce"]
    again = worker.call("POST", "/runs/run_s/claim-session")
    beat = worker.call(
        "POST",
        "/runs/run_s/heartbeat",
        nonce=nonce,
        json={"status": "healthy", "metrics": {"k": 1}},
    )
    clock.advance(timedelta(seconds=50))
    run = worker.call("GET", "/runs/run_s").json()

    assert claim.status_code == 200
    assert nonce.startswith("wsn_")
    assert len(nonce) == 4 + 32
    assert again.status_code == 409
    assert again.json()["detail"]["rejection_reason"] == "WORKER_SESSION_CONFLICT"
    assert beat.json()["status"] == "ok"
    assert run["worker_session_nonce"] == nonce
    assert (run["heartbeat_age_sec"], run["health_status"]) == (50, "stale")
    assert run["session_status"] == "stale"

    released = worker.call("DELETE", "/runs/run_s/claim-session", nonce=nonce)
    assert released.json() == {"status": "released", "strategy_run_id": "run_s"}
    assert worker.call("GET", "/runs/run_s").json()["session_status"] == "missing"


@pytest.mark.parametrize("sent", [None, "None", "wsn_wrong"])
def test_heartbeat_and_release_need_the_holders_nonce(worker: Worker, sent: str | None):
    worker.create_run("run_n")
    worker.call("POST", "/runs/run_n/claim-session")
    beat = worker.call("POST", "/runs/run_n/heartbeat", nonce=sent, json={})
    release = worker.call("DELETE", "/runs/run_n/claim-session", nonce=sent)
    expected = "WORKER_SESSION_CONFLICT" if sent == "wsn_wrong" else "WORKER_SESSION_REQUIRED"
    for response in (beat, release):
        assert response.status_code == 409
        assert response.json()["detail"]["rejection_reason"] == expected


def test_stale_session_can_be_taken_over(worker: Worker, clock: ManualClock):
    worker.create_run("run_t")
    first = worker.call("POST", "/runs/run_t/claim-session").json()["worker_session_nonce"]
    worker.call("POST", "/runs/run_t/heartbeat", nonce=first, json={})
    clock.advance(timedelta(seconds=60))
    assert worker.call("POST", "/runs/run_t/claim-session").status_code == 409
    clock.advance(timedelta(seconds=1))
    assert worker.call("GET", "/runs/run_t").json()["session_status"] == "takeover_required"

    second = worker.call("POST", "/runs/run_t/claim-session").json()["worker_session_nonce"]

    assert second != first
    old = worker.call("POST", "/runs/run_t/heartbeat", nonce=first, json={})
    assert old.json()["detail"]["rejection_reason"] == "WORKER_SESSION_CONFLICT"
    # claimed but never beaten: it is held for the claim window, then free again
    clock.advance(timedelta(seconds=120))
    assert worker.call("POST", "/runs/run_t/claim-session").status_code == 409
    clock.advance(timedelta(seconds=1))
    assert worker.call("POST", "/runs/run_t/claim-session").status_code == 200


def test_progress_needs_its_action_and_the_nonce(client: TestClient, runtime: Runtime):
    actions = ["runs:create", "runs:read", "runs:progress"]
    worker = new_worker(client, runtime, allowed_actions=actions)
    worker.create_run("run_p")
    nonce = worker.call("POST", "/runs/run_p/claim-session").json()["worker_session_nonce"]

    ok = worker.call("POST", "/runs/run_p/progress", nonce=nonce, json={"note": "bar 10"})
    long = worker.call("POST", "/runs/run_p/progress", nonce=nonce, json={"note": "x" * 201})
    missing = worker.call("POST", "/runs/run_p/progress", json={})
    plain = new_worker(client, runtime, "p2@x.in")
    plain.create_run("run_p")

    assert ok.json() == {"status": "ok", "strategy_run_id": "run_p", "recorded": True}
    assert long.status_code == 422
    assert missing.json()["detail"]["rejection_reason"] == "WORKER_SESSION_REQUIRED"
    assert plain.call("POST", "/runs/run_p/progress", json={}).status_code == 403


def test_safety_check_has_exactly_the_sdk_keys(worker: Worker, runtime: Runtime):
    worker.create_run("run_safe")
    check = worker.call("GET", "/runs/run_safe/safety-check").json()

    assert set(check) == SAFETY_KEYS
    assert check["can_trade"] is True
    assert check["blocking_reasons"] == []
    assert check["safety_token"].startswith("wst1.")
    assert check["generic_protection"]["status"] == "disabled"
    assert check["options_protection"]["applicable"] is False


def test_safety_token_expires_and_binds_the_state(
    worker: Worker, runtime: Runtime, clock: ManualClock
):
    set_price(runtime, "NSE:INFY", "1500")
    worker.create_run("run_tok")
    token = worker.call("GET", "/runs/run_tok/safety-check").json()["safety_token"]

    ok = worker.place("run_tok", "with-token-1", safety_token=token)
    clock.advance(timedelta(seconds=10))
    set_price(runtime, "NSE:INFY", "1500")
    expired = worker.place("run_tok", "with-token-2", safety_token=token)
    forged = worker.place("run_tok", "with-token-3", safety_token=token[:-2] + "AA")
    replay = worker.place("run_tok", "with-token-1", safety_token=token)

    assert ok.json()["status"] == "accepted"
    for refused in (expired, forged):
        assert refused.status_code == 409
        detail = refused.json()["detail"]
        assert detail["rejection_reason"] == "SAFETY_TOKEN_EXPIRED"
        assert detail["blocking_reasons"] == ["SAFETY_STATE_UNKNOWN"]
        assert detail["strategy_run_id"] == "run_tok"
    # a replay answers before the token is looked at (the contract's order of checks)
    assert replay.json()["status"] == "deduped"


def test_safety_token_of_another_state_is_refused(worker: Worker, runtime: Runtime):
    set_price(runtime, "NSE:INFY", "1500")
    worker.create_run("run_st")
    token = worker.call("GET", "/runs/run_st/safety-check").json()["safety_token"]
    worker.create_run("run_other")

    other_run = worker.place("run_other", "cross-run-1", safety_token=token)

    assert other_run.status_code == 409
    assert other_run.json()["detail"]["rejection_reason"] == "SAFETY_TOKEN_EXPIRED"


def test_closed_run_cannot_trade(worker: Worker):
    worker.create_run("run_c", execution_mode="dry_run")
    closed = worker.call("POST", "/runs/run_c/exit", json={"reason": "done"})
    check = worker.call("GET", "/runs/run_c/safety-check").json()
    placed = worker.place("run_c", "after-close")

    assert closed.json()["status"] == "closed"
    assert closed.json()["run"]["status"] == "closed"
    assert check["can_trade"] is False
    assert check["blocking_reasons"] == ["RUN_NOT_OPEN"]
    assert check["safety_token"] is None
    assert check["token_expires_at"] is None
    assert placed.status_code == 409
    assert placed.json()["detail"]["rejection_reason"] == "RUN_NOT_OPEN"


def test_a_runs_lock_is_named_alike_whether_the_session_holds_it_or_reads_it(
    worker: Worker, runtime: Runtime
):
    # The OMS asks a run's owner policy for its lock before recording the run's orders: a
    # run the session holds (the intent's) is named without a read, the rest by one.
    worker.create_run("run_a")
    worker.create_run("run_b")
    expected = {run_lock(worker.token_id, "run_a"), run_lock(worker.token_id, "run_b")}
    with runtime.db.session() as db:
        pks = list(db.scalars(select(WorkerRun.id).where(WorkerRun.token_id == worker.token_id)))
        assert set(run_locks(db, pks)) == expected  # none held: read
        held = db.scalar(select(WorkerRun).where(WorkerRun.run_key == "run_a"))
        assert held is not None
        assert set(run_locks(db, pks)) == expected  # one held, one read
        db.expire(held)
        assert set(run_locks(db, [*pks, 10**9])) == expected  # held but expired; unknown pk


def test_two_runs_of_one_name_are_told_apart_in_the_books(
    client: TestClient, runtime: Runtime, worker: Worker
):
    """Two runs of one template share its name; each book's label adds the run's key, so
    Funds and the book filter never show two rows alike (a run's own name stays alone)."""
    set_price(runtime, "NSE:INFY", "1400")
    client.post("/api/portfolio/funds", json={"amount": 1_000_000})
    first = worker.create_run("run_same_a")
    second = worker.create_run("run_same_b")
    alone = worker.create_run("run_alone", metadata={"strategy_name": "Breakout"})
    for run in (first, second, alone):
        placed = worker.place(run["strategy_run_id"], f"{run['strategy_run_id']}:1")
        assert placed.status_code in (200, 201), placed.text

    ids = {c["strategy_run_id"]: c["id"] for c in client.get("/api/algo-workers/runs").json()}
    labels = {b["book"]: b["label"] for b in client.get("/api/portfolio/books").json()}

    assert first["name"] == second["name"]
    named = f"Worker run: {first['name']}"
    assert labels[f"run:{ids['run_same_a']}"] == f"{named} · run_same_a"
    assert labels[f"run:{ids['run_same_b']}"] == f"{named} · run_same_b"
    assert labels[f"run:{ids['run_alone']}"] == "Worker run: Breakout"
