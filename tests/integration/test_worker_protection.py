"""Backend protection on a real database: ticks through the trading loop, the timer,
exactly one exit under repeated and concurrent evaluation, retries across a restart."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.workers_kit import Worker, new_worker, order, set_price
from tradertape.api.app import create_app
from tradertape.db.models import WorkerRun, WorkerRunOrder
from tradertape.jobs.loop import TradingLoop
from tradertape.ports.clock import IST, ManualClock
from tradertape.ports.mailer import LogTransport
from tradertape.runtime import Runtime
from tradertape.testkit import make_tick

STOP_2PCT: dict[str, Any] = {
    "enabled": True,
    "positions": [
        {
            "symbol": "NSE:INFY",
            "product": "CNC",
            "side": "BUY",
            "quantity": 10,
            "entry_price": 1500,
            "stoploss_pct": 2,
        }
    ],
}


def protected_run(worker: Worker, run_id: str, protection: dict[str, Any]) -> None:
    worker.create_run(run_id, runtime_state={"backend_protection": protection})


def events(worker: Worker, run_id: str, kind: str | None = None) -> list[str]:
    params = {"event_kind": kind} if kind else None
    body = worker.call("GET", f"/runs/{run_id}/timeline", params=params).json()
    return [e["event_type"] for e in body["events"]]


def roles(runtime: Runtime, run_id: str) -> list[str]:
    with runtime.db.session() as db:
        return list(
            db.scalars(
                select(WorkerRunOrder.role)
                .join(WorkerRun, WorkerRun.id == WorkerRunOrder.run_pk)
                .where(WorkerRun.run_key == run_id)
                .order_by(WorkerRunOrder.id)
            )
        )


def loop_of(runtime: Runtime) -> TradingLoop:
    return TradingLoop(
        db=runtime.db,
        clock=runtime.clock,
        quotes=runtime.quotes,
        exchange=runtime.exchange,
        gtts=runtime.gtts,
        jobs=runtime.session_jobs,
        watchers=(runtime.protection,),
    )


@pytest.fixture
def worker(client: TestClient, runtime: Runtime) -> Worker:
    set_price(runtime, "NSE:INFY", "1500")
    set_price(runtime, "NSE:TCS", "3200")
    return new_worker(client, runtime)


def test_a_stop_fires_on_the_tick_that_crosses_it(worker: Worker, runtime: Runtime):
    protected_run(worker, "run_sl", STOP_2PCT)
    assert worker.place("run_sl", "run_sl:entry:1", order(quantity=10)).status_code == 200
    loop = loop_of(runtime)
    clock = runtime.clock

    loop.on_ticks([make_tick("NSE:INFY", "1471", ts=clock.now())])  # -1.93 %: holds
    assert worker.call("GET", "/runs/run_sl").json()["status"] == "open"
    loop.on_ticks([make_tick("NSE:INFY", "1470", ts=clock.now())])  # -2 %: fires

    run = worker.call("GET", "/runs/run_sl").json()
    state = run["runtime_state"]["backend_protection_state"]
    assert run["status"] == "closed"
    assert (state["status"], state["triggered_rule"]) == ("triggered", "position_stoploss")
    assert state["exit_submitted"] is True
    assert state["exit_claim_id"].startswith("pcl_")
    assert state["details"]["pnl_pct"] == -2.0
    assert roles(runtime, "run_sl") == ["entry", "protection"]
    assert events(worker, "run_sl", "protection") == [
        "protection.triggered",
        "protection.exit_submitted",
    ]
    pnl = worker.call("GET", "/runs/run_sl/pnl").json()
    assert pnl["totals"]["realized_pnl"] == -300.0
    safety = worker.call("GET", "/runs/run_sl/safety-check").json()
    assert "GENERIC_PROTECTION_TRIGGERED" in safety["blocking_reasons"]
    assert safety["generic_protection"]["triggered_rule"] == "position_stoploss"


def test_only_ticks_of_the_runs_instruments_cost_an_evaluation(worker: Worker, runtime: Runtime):
    protected_run(worker, "run_sl", STOP_2PCT)
    worker.place("run_sl", "run_sl:entry:1", order(quantity=10))
    set_price(runtime, "NSE:INFY", "1400")  # through the stop, but no INFY tick is reported

    assert runtime.protection.on_prices(["NSE:TCS"]) == []
    assert runtime.protection.on_prices(["NSE:INFY"]) == ["position_stoploss"]
    assert runtime.protection.on_prices(["NSE:INFY"]) == []  # spent: one exit per generation


def test_trailing_memory_is_kept_and_written_only_when_it_improves(
    worker: Worker, runtime: Runtime
):
    trailing = {**STOP_2PCT, "positions": [{**STOP_2PCT["positions"][0], "stoploss_pct": None}]}
    trailing["positions"][0]["trailing_stoploss_pct"] = 1
    protected_run(worker, "run_trail", trailing)
    worker.place("run_trail", "run_trail:entry:1", order(quantity=10))

    for price in ("1530", "1545", "1540"):  # best +3 %, now +2.67 %
        set_price(runtime, "NSE:INFY", price)
        assert runtime.protection.on_prices(["NSE:INFY"]) == []
    state = worker.call("GET", "/runs/run_trail").json()["runtime_state"]
    best = state["backend_protection_state"]["position_states"]["symbol:NSE:INFY:CNC"]
    assert best == {"best_pnl_pct": 3.0}

    set_price(runtime, "NSE:INFY", "1529.9")  # 1.007 points below the best
    assert runtime.protection.on_prices(["NSE:INFY"]) == ["position_trailing_stoploss"]


def test_a_quiet_worker_is_exited_by_its_stale_rule_on_the_timer(
    worker: Worker, runtime: Runtime, clock: ManualClock
):
    rules = {"enabled": True, "operations": {"exit_on_worker_stale": True, "worker_stale_sec": 60}}
    protected_run(worker, "run_stale", rules)
    nonce = worker.call("POST", "/runs/run_stale/claim-session").json()["worker_session_nonce"]
    worker.call("POST", "/runs/run_stale/heartbeat", nonce=nonce, json={})
    worker.place("run_stale", "run_stale:entry:1", order(quantity=5), nonce=nonce)

    clock.advance(timedelta(seconds=59))
    assert runtime.protection.on_timer() == []
    clock.advance(timedelta(seconds=1))
    assert runtime.protection.on_timer() == ["worker_stale"]

    run = worker.call("GET", "/runs/run_stale").json()
    assert run["status"] == "closed"
    assert roles(runtime, "run_stale") == ["entry", "protection"]


def test_a_run_without_heartbeats_is_never_stale_by_protection(worker: Worker, runtime: Runtime):
    rules = {"enabled": True, "operations": {"exit_on_worker_stale": True, "worker_stale_sec": 30}}
    protected_run(worker, "run_quiet", rules)
    runtime.clock.advance(timedelta(hours=2))  # type: ignore[attr-defined]
    assert runtime.protection.on_timer() == []


def test_the_mis_buffer_exits_before_the_broker_square_off(
    worker: Worker, runtime: Runtime, clock: ManualClock
):
    protected_run(
        worker, "run_mis", {"enabled": True, "operations": {"mis_squareoff_buffer_sec": 600}}
    )
    worker.place("run_mis", "run_mis:entry:1", order(product="MIS", quantity=4))
    clock.set(datetime(2026, 11, 20, 15, 9, 59, tzinfo=IST))
    assert runtime.protection.on_timer() == []
    clock.set(datetime(2026, 11, 20, 15, 10, tzinfo=IST))
    set_price(runtime, "NSE:INFY", "1500")
    assert runtime.protection.on_timer() == ["mis_squareoff_buffer"]
    assert worker.call("GET", "/runs/run_mis").json()["status"] == "closed"


def test_basket_target_across_two_legs(worker: Worker, runtime: Runtime):
    protected_run(worker, "run_bk", {"enabled": True, "basket": {"target_pct": 1}})
    worker.place("run_bk", "run_bk:entry:1", order(quantity=2))  # 3,000 of INFY
    worker.place("run_bk", "run_bk:entry:2", order("TCS", quantity=1))  # 3,200 of TCS
    set_price(runtime, "NSE:INFY", "1530")  # +2 % on 3,000: +0.97 % of the basket
    assert runtime.protection.on_prices(["NSE:INFY"]) == []
    set_price(runtime, "NSE:TCS", "3202")  # +60 + 2 = 62 on 6,200: exactly +1 %
    assert runtime.protection.on_prices(["NSE:TCS"]) == ["basket_target"]
    assert roles(runtime, "run_bk") == ["entry", "entry", "protection", "protection"]


def test_an_exit_the_market_refuses_keeps_its_claim_and_is_retried_after_a_restart(
    worker: Worker, runtime: Runtime, clock: ManualClock
):
    rules = {"enabled": True, "operations": {"exit_on_worker_stale": True, "worker_stale_sec": 30}}
    protected_run(worker, "run_late", rules)
    worker.call("POST", "/heartbeat", json={})  # the token's beat counts as a sign of life
    worker.place("run_late", "run_late:entry:1", order(quantity=3))
    clock.set(datetime(2026, 11, 20, 16, 0, tzinfo=IST))  # after the close: no MARKET order

    assert runtime.protection.on_timer() == ["worker_stale"]
    assert runtime.protection.on_timer() == []  # the retry fails quietly
    state = worker.call("GET", "/runs/run_late").json()["runtime_state"]
    claim = state["backend_protection_state"]
    assert (claim["exit_submitted"], claim["exit_submission_status"]) == (False, "failed")
    assert claim["exit_attempts"] == 2
    refused = worker.place("run_late", "run_late:entry:2", order(quantity=1))
    assert refused.json()["detail"]["rejection_reason"] == "GENERIC_PROTECTION_TRIGGERED"

    # a new process on the same database, the next morning
    restarted = Runtime.build(
        runtime.settings, clock=clock, db=runtime.db, transport=LogTransport()
    )
    clock.set(datetime(2026, 11, 23, 9, 30, tzinfo=IST))
    set_price(restarted, "NSE:INFY", "1490")
    assert restarted.protection.on_timer() == []
    with TestClient(create_app(restarted)) as http:
        again = Worker(http, worker.secret, worker.token_id)
        run = again.call("GET", "/runs/run_late").json()
        kinds = events(again, "run_late", "protection")
    state = run["runtime_state"]["backend_protection_state"]
    assert run["status"] == "closed"
    assert state["exit_claim_id"] == claim["exit_claim_id"]
    assert (state["exit_submitted"], state["exit_attempts"]) == (True, 3)
    assert kinds == ["protection.triggered", "protection.exit_failed", "protection.exit_submitted"]
    assert roles(runtime, "run_late") == ["entry", "protection"]


def test_concurrent_evaluations_claim_one_exit(worker: Worker, runtime: Runtime):
    protected_run(worker, "run_race", STOP_2PCT)
    worker.place("run_race", "run_race:entry:1", order(quantity=10))
    set_price(runtime, "NSE:INFY", "1400")
    start = threading.Barrier(6)

    def evaluate(i: int) -> list[str]:
        start.wait()
        engine = runtime.protection
        return engine.on_timer() if i % 2 else engine.on_prices(["NSE:INFY"])

    with ThreadPoolExecutor(max_workers=6) as pool:
        fired = [rule for result in pool.map(evaluate, range(6)) for rule in result]

    assert fired == ["position_stoploss"]
    assert roles(runtime, "run_race") == ["entry", "protection"]


_examples: dict[str, int] = {"n": 0}
_workers: dict[int, Worker] = {}


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    path=st.lists(
        st.tuples(
            st.integers(min_value=1440, max_value=1560),  # price (the stop is at 1470)
            st.integers(min_value=1, max_value=3),  # evaluations of that price
            st.booleans(),  # concurrently?
        ),
        min_size=1,
        max_size=8,
    )
)
def test_a_protection_exit_fires_at_most_once_whatever_the_ticks(
    client: TestClient, runtime: Runtime, path: list[tuple[int, int, bool]]
):
    worker = _workers.get(id(runtime))
    if worker is None:
        worker = _workers[id(runtime)] = new_worker(client, runtime, f"p{id(runtime)}@x.in")
    _examples["n"] += 1
    run_id = f"run_prop_{_examples['n']}"
    set_price(runtime, "NSE:INFY", "1500")
    protected_run(worker, run_id, STOP_2PCT)
    worker.place(run_id, f"{run_id}:entry", order(quantity=10))
    engine = runtime.protection
    fired: list[str] = []
    for price, repeats, concurrent in path:
        set_price(runtime, "NSE:INFY", str(price))
        if concurrent:
            with ThreadPoolExecutor(max_workers=repeats + 1) as pool:
                results = list(pool.map(lambda _: engine.on_prices(["NSE:INFY"]), range(repeats)))
            fired += [rule for result in results for rule in result]
        else:
            for _ in range(repeats):
                fired += engine.on_prices(["NSE:INFY"])

    crossed = any(price <= 1470 for price, _, _ in path)
    assert fired == (["position_stoploss"] if crossed else [])
    assert roles(runtime, run_id).count("protection") == (1 if crossed else 0)
    assert events(worker, run_id, "protection").count("protection.exit_submitted") == int(crossed)
    worker.call("POST", f"/runs/{run_id}/exit", json={})  # leave no run for the next example
