"""Worker intents exactly once: real concurrent HTTP requests, a property over replays,
and a server restart mid-run."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.helpers import PASSWORD, make_user
from tests.workers_kit import PREFIX, Worker, new_worker, order, set_price
from tradertape.api.app import create_app
from tradertape.db.models import Order, WorkerIntent, WorkerRun, WorkerRunOrder
from tradertape.ports.mailer import LogTransport
from tradertape.runtime import Runtime

CALLERS = 10


@pytest.fixture
def remote(server: str, runtime: Runtime) -> Iterator[Worker]:
    make_user(runtime, "c@x.in")
    with httpx.Client(base_url=server, timeout=30) as http:
        login = http.post(
            "/api/auth/password-login", json={"email": "c@x.in", "password": PASSWORD}
        )
        http.cookies.set("kite_session", login.cookies["kite_session"])
        token = {"name": "w", "account_scope": "kite:paper"}
        issued = http.post("/api/algo-workers/tokens", json=token).json()
        http.cookies.clear()
        yield Worker(http, issued["token"], issued["token_id"])


def _together(calls: int, request: Any) -> list[httpx.Response]:
    start = threading.Barrier(calls)

    def one(_: int) -> httpx.Response:
        start.wait()
        response: httpx.Response = request()
        return response

    with ThreadPoolExecutor(max_workers=calls) as pool:
        return list(pool.map(one, range(calls)))


def _count(runtime: Runtime, model: type[Any]) -> int:
    with runtime.db.session() as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_simultaneous_identical_intents_place_one_order(
    remote: Worker, runtime: Runtime, server: str
):
    set_price(runtime, "NSE:INFY", "1500")
    remote.create_run("run_race")
    body = {
        "intent_type": "place_order",
        "payload": {"order": order(quantity=3)},
        "idempotency_key": "run_race:entry:001",
    }
    headers = {"Authorization": f"Bearer {remote.secret}"}
    url = f"{server}{PREFIX}/runs/run_race/intents"

    responses = _together(CALLERS, lambda: httpx.post(url, json=body, headers=headers, timeout=30))

    assert [r.status_code for r in responses] == [200] * CALLERS
    statuses = sorted(r.json()["status"] for r in responses)
    assert statuses == ["accepted"] + ["deduped"] * (CALLERS - 1)
    assert len({str(r.json()["result"]) for r in responses}) == 1
    assert _count(runtime, Order) == 1
    assert _count(runtime, WorkerIntent) == 1
    assert _count(runtime, WorkerRunOrder) == 1


def test_simultaneous_claims_give_one_session(remote: Worker, runtime: Runtime, server: str):
    remote.create_run("run_claims")
    headers = {"Authorization": f"Bearer {remote.secret}"}
    url = f"{server}{PREFIX}/runs/run_claims/claim-session"

    responses = _together(8, lambda: httpx.post(url, headers=headers, timeout=30))

    assert sorted(r.status_code for r in responses) == [200] + [409] * 7
    winner = next(r for r in responses if r.status_code == 200).json()["worker_session_nonce"]
    with runtime.db.session() as db:
        assert db.scalar(select(WorkerRun.session_nonce)) == winner


def test_simultaneous_creates_give_one_run(remote: Worker, runtime: Runtime, server: str):
    headers = {"Authorization": f"Bearer {remote.secret}"}
    body = {"template_id": "t", "account_scope": "kite:paper", "strategy_run_id": "run_once"}
    url = f"{server}{PREFIX}/runs"

    responses = _together(8, lambda: httpx.post(url, json=body, headers=headers, timeout=30))

    assert sorted(r.status_code for r in responses) == [200] * 7 + [201]
    assert len({r.json()["created_at"] for r in responses}) == 1
    assert _count(runtime, WorkerRun) == 1


submissions = st.lists(
    st.tuples(st.sampled_from(["key-aaaa", "key-bbbb", "key-cccc"]), st.integers(1, 5)),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=submissions)
def test_a_key_is_one_order_whatever_is_replayed(
    client: TestClient, runtime: Runtime, steps: list[tuple[str, int]]
):
    worker = _worker(client, runtime)
    set_price(runtime, "NSE:INFY", "1500")
    run_id = f"run_{_counter()}"
    worker.create_run(run_id)
    first: dict[str, Any] = {}
    for key, quantity in steps:
        body = worker.place(run_id, key, order(quantity=quantity)).json()
        if key in first:
            assert body == {"status": "deduped", "result": first[key]}, (key, first[key])
        else:
            assert body.get("status") == "accepted", body
            assert body["result"]["order"]["quantity"] == quantity
            first[key] = body["result"]
    orders = worker.call("GET", "/orders", params={"strategy_run_id": run_id}).json()["orders"]
    listed = sorted(o["order_id"] for o in orders)
    assert listed == sorted(r["order_id"] for r in first.values()), (steps, orders)


_state: dict[str, Any] = {"n": 0}


def _counter() -> int:
    _state["n"] += 1
    return int(_state["n"])


def _worker(client: TestClient, runtime: Runtime) -> Worker:
    slot = f"worker-{id(runtime)}"
    cached = _state.get(slot)
    if cached is None:
        cached = _state[slot] = new_worker(client, runtime, f"h{id(runtime)}@x.in")
    assert isinstance(cached, Worker)
    return cached


def test_restart_keeps_run_session_and_keys(client: TestClient, runtime: Runtime):
    worker = new_worker(client, runtime)
    set_price(runtime, "NSE:INFY", "1500")
    worker.create_run("run_restart")
    nonce = worker.call("POST", "/runs/run_restart/claim-session").json()["worker_session_nonce"]
    placed = worker.place("run_restart", "restart-entry-1", nonce=nonce).json()

    # a new process on the same database: nothing in memory survives
    restarted = Runtime.build(
        runtime.settings, clock=runtime.clock, db=runtime.db, transport=LogTransport()
    )
    with TestClient(create_app(restarted)) as http:
        again = Worker(http, worker.secret, worker.token_id)
        set_price(restarted, "NSE:INFY", "1510")
        run = again.call("GET", "/runs/run_restart").json()
        replay = again.place("run_restart", "restart-entry-1", nonce=nonce).json()
        beat = again.call("POST", "/runs/run_restart/heartbeat", nonce=nonce, json={})
        pnl = again.call("GET", "/runs/run_restart/pnl").json()

    assert run["worker_session_nonce"] == nonce
    assert run["status"] == "open"
    assert replay == {"status": "deduped", "result": placed["result"]}
    assert beat.status_code == 200
    assert pnl["legs"][0]["net_quantity"] == 1
    assert pnl["totals"]["unrealized_pnl"] == 10.0
    assert _count(runtime, Order) == 1
