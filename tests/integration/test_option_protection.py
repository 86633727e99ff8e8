"""Automatic option protection on a real database: index ticks through the trading loop,
the timer, one exit under repeated and concurrent evaluation, a restart after the claim."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.workers_kit import Worker, new_worker, set_price
from tradertape.db.models import Order, WorkerRun, WorkerRunOrder
from tradertape.jobs.loop import TradingLoop
from tradertape.ports.clock import IST, ManualClock
from tradertape.ports.mailer import LogTransport
from tradertape.runtime import Runtime
from tradertape.testkit import make_tick

NIFTY = "NSE:NIFTY 50"
STOP = {"rules": [{"metric": "strategy_mtm_pct", "operator": "lte", "threshold": -2}]}


def _ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def entered_spread(worker: Worker, run_id: str) -> list[str]:
    """A 1-lot bull call spread (buy ATM, sell two strikes up) entered with the stop."""
    worker.create_run(run_id)
    symbols = ["NIFTY26D0125000CE", "NIFTY26D0125100CE"]
    legs = [
        {"tradingsymbol": symbol, "transaction_type": side, "lots": 1}
        for symbol, side in zip(symbols, ("BUY", "SELL"), strict=True)
    ]
    body = {
        "strategy_run_id": run_id,
        "strategy_name": "spread",
        "product": "NRML",
        "legs": legs,
        "protection": STOP,
    }
    _ok(worker.call("POST", "/options/runs", json=body))
    entered = _ok(worker.call("POST", f"/options/runs/{run_id}/enter", json={}))
    assert entered["status"] == "entered"
    return symbols


def exits(runtime: Runtime, run_id: str) -> list[tuple[str, str, int]]:
    """The run's option exit orders, in placing order: (side, symbol, quantity)."""
    with runtime.db.session() as db:
        rows = db.execute(
            select(Order.transaction_type, Order.tradingsymbol, Order.quantity)
            .join(WorkerRunOrder, WorkerRunOrder.order_pk == Order.id)
            .join(WorkerRun, WorkerRun.id == WorkerRunOrder.run_pk)
            .where(WorkerRun.run_key == run_id, WorkerRunOrder.role == "opt_exit")
            .order_by(Order.id)
        )
        return [(side, symbol, quantity) for side, symbol, quantity in rows]


def protection_events(worker: Worker, run_id: str) -> list[tuple[str, str]]:
    body = _ok(worker.call("GET", f"/runs/{run_id}/timeline", params={"event_kind": "protection"}))
    return [(e["event_type"], e["event_source"]) for e in body["events"]]


def loop_of(runtime: Runtime) -> TradingLoop:
    return TradingLoop(
        db=runtime.db,
        clock=runtime.clock,
        quotes=runtime.quotes,
        exchange=runtime.exchange,
        gtts=runtime.gtts,
        jobs=runtime.session_jobs,
        watchers=(runtime.option_protection,),
    )


@pytest.fixture
def worker(client: TestClient, runtime: Runtime) -> Worker:
    set_price(runtime, NIFTY, "25010")
    return new_worker(client, runtime)


def test_a_stop_fires_once_on_the_index_ticks_that_cross_it(
    worker: Worker, runtime: Runtime, clock: ManualClock
) -> None:
    long, short = entered_spread(worker, "run_os")
    loop = loop_of(runtime)
    loop.on_ticks([make_tick(NIFTY, "25030", ts=clock.now())])  # a gain: nothing
    assert exits(runtime, "run_os") == []
    state = _ok(worker.call("GET", "/options/runs/run_os/protection/state"))
    assert (state["triggered"], state["evaluation_mode"]) == (False, "backend")

    for _ in range(3):  # the index falls through the stop and stays there
        loop.on_ticks([make_tick(NIFTY, "24800", ts=clock.now())])
    loop.run_jobs(force=True)

    # one exit, the short bought back before the long is sold
    assert exits(runtime, "run_os") == [("BUY", short, 65), ("SELL", long, 65)]
    assert protection_events(worker, "run_os") == [
        ("protection.triggered", "options_protection"),
        ("protection.exit_submitted", "options_protection"),
    ]
    state = _ok(worker.call("GET", "/options/runs/run_os/protection/state"))
    assert state["run_status"] == "exited"
    assert (state["triggered"], state["status"], state["exit_submitted"]) == (
        True,
        "triggered",
        True,
    )
    assert state["matched_rule"]["metric"] == "strategy_mtm_pct"
    assert state["metrics"]["strategy_mtm_pct"] <= -2
    safety = _ok(worker.call("GET", "/runs/run_os/safety-check"))
    assert "OPTIONS_RUN_NOT_ACTIVE" in safety["blocking_reasons"]
    refused = worker.call("PUT", "/options/runs/run_os/protection", json=STOP)
    assert refused.status_code == 409
    pnl = _ok(worker.call("GET", "/runs/run_os/pnl"))
    assert pnl["totals"]["unrealized_pnl"] == 0
    assert pnl["totals"]["charges"] > 0


def test_concurrent_evaluations_claim_one_exit(worker: Worker, runtime: Runtime) -> None:
    entered_spread(worker, "run_race")
    set_price(runtime, NIFTY, "24800")
    start = threading.Barrier(6)

    def evaluate(i: int) -> list[str]:
        start.wait()
        engine = runtime.option_protection
        return engine.on_timer() if i % 2 else engine.on_prices([NIFTY])

    with ThreadPoolExecutor(max_workers=6) as pool:
        fired = [rule for result in pool.map(evaluate, range(6)) for rule in result]

    assert fired == ["rule_1"]
    assert len(exits(runtime, "run_race")) == 2


def test_a_restart_after_the_claim_does_not_exit_twice(
    worker: Worker, runtime: Runtime, clock: ManualClock
) -> None:
    entered_spread(worker, "run_late")
    clock.set(datetime(2026, 11, 20, 16, 0, tzinfo=IST))  # after the close: no MARKET order
    set_price(runtime, NIFTY, "24800")
    assert runtime.option_protection.on_prices([NIFTY]) == ["rule_1"]
    assert runtime.option_protection.on_timer() == []  # the retry fails quietly
    state = _ok(worker.call("GET", "/options/runs/run_late/protection/state"))
    assert (state["exit_submitted"], state["exit_submission_status"]) == (False, "failed")
    assert state["exit_attempts"] == 2
    assert exits(runtime, "run_late") == []

    # a new process on the same database, the next trading morning
    restarted = Runtime.build(
        runtime.settings, clock=clock, db=runtime.db, transport=LogTransport()
    )
    clock.set(datetime(2026, 11, 23, 9, 30, tzinfo=IST))
    set_price(restarted, NIFTY, "24800")
    assert restarted.option_protection.on_prices([NIFTY]) == []  # claimed: no second trigger
    assert restarted.option_protection.on_timer() == []  # the retry places the exit
    assert len(exits(runtime, "run_late")) == 2
    assert restarted.option_protection.on_timer() == []
    assert runtime.option_protection.on_prices([NIFTY]) == []
    assert len(exits(runtime, "run_late")) == 2
    assert [kind for kind, _ in protection_events(worker, "run_late")] == [
        "protection.triggered",
        "protection.exit_failed",
        "protection.exit_submitted",
    ]


def test_new_rules_start_a_new_generation(worker: Worker, runtime: Runtime) -> None:
    entered_spread(worker, "run_gen")
    loose = {"rules": [{"metric": "strategy_mtm_pct", "operator": "lte", "threshold": -90}]}
    updated = _ok(worker.call("PUT", "/options/runs/run_gen/protection", json=loose))
    assert updated["protection_state"]["generation"] == 2
    set_price(runtime, NIFTY, "24800")
    assert runtime.option_protection.on_prices([NIFTY]) == []  # -90 % is not reached
    assert exits(runtime, "run_gen") == []


def _run_with(worker: Worker, run_id: str, legs: list[dict[str, Any]]) -> Any:
    worker.create_run(run_id)
    body = {
        "strategy_run_id": run_id,
        "strategy_name": "resting",
        "product": "NRML",
        "legs": legs,
        "protection": STOP,
    }
    _ok(worker.call("POST", "/options/runs", json=body))
    return _ok(worker.call("POST", f"/options/runs/{run_id}/enter", json={"all_or_none": False}))


def test_the_protection_exit_cancels_entry_legs_still_waiting(
    worker: Worker, runtime: Runtime
) -> None:
    resting = {"transaction_type": "BUY", "lots": 1, "order_type": "LIMIT", "price": 1}
    entered = _run_with(
        worker,
        "run_rest",
        [
            {"tradingsymbol": "NIFTY26D0125000CE", "transaction_type": "BUY", "lots": 1},
            {"tradingsymbol": "NIFTY26D0125100CE", **resting},  # far under the market
        ],
    )
    assert entered["status"] == "entering"
    set_price(runtime, NIFTY, "24800")
    assert runtime.option_protection.on_prices([NIFTY]) == ["rule_1"]
    assert exits(runtime, "run_rest") == [("SELL", "NIFTY26D0125000CE", 65)]
    with runtime.db.session() as db:
        statuses = {
            o.tradingsymbol: o.status
            for o in db.scalars(select(Order).where(Order.order_type == "LIMIT"))
        }
    assert statuses == {"NIFTY26D0125100CE": "CANCELLED"}
    state = _ok(worker.call("GET", "/options/runs/run_rest/state"))
    assert state["status"] == "exited"
    assert state["exit"]["cancelled"]


def test_exiting_before_any_fill_cancels_the_entry(worker: Worker) -> None:
    legs = [
        {"tradingsymbol": "NIFTY26D0125000CE", "transaction_type": "BUY", "lots": 1}
        | {"order_type": "LIMIT", "price": 1}
    ]
    assert _run_with(worker, "run_none", legs)["status"] == "entering"
    exited = _ok(worker.call("POST", "/options/runs/run_none/exit", json={}))
    assert exited["status"] == "exited"
    assert len(exited["result"]["cancelled"]) == 1
    assert exited["legs"][0]["net_quantity"] == 0


def test_net_delta_and_vega_are_the_open_legs_greeks_times_their_quantities(
    worker: Worker,
) -> None:
    long, short = entered_spread(worker, "run_greeks")
    chain = _ok(
        worker.call("GET", "/options/underlyings/NIFTY/chain", params={"expiry": "next_week"})
    )
    quoted = {c["tradingsymbol"]: c for row in chain["chain"] for c in (row["ce"], row["pe"])}
    metrics = _ok(worker.call("GET", "/options/runs/run_greeks/protection/state"))["metrics"]
    # long 65 of the 25000 call (delta 0.5427, vega 17.3954), short 65 of the 25100 call
    assert (quoted[long]["delta"], quoted[short]["delta"]) == (0.5427, 0.4731)
    assert metrics["net_delta"] == pytest.approx(65 * (0.5427 - 0.4731), abs=0.01)  # 4.524
    assert metrics["net_vega"] == pytest.approx(65 * (17.3954 - 17.4633), abs=0.01)  # -4.41


def test_a_net_delta_rule_exits_once_the_rally_has_used_up_the_spread(
    worker: Worker, runtime: Runtime, clock: ManualClock
) -> None:
    long, short = entered_spread(worker, "run_delta")
    rule = {"rules": [{"metric": "net_delta", "operator": "lte", "threshold": 2}]}
    _ok(worker.call("PUT", "/options/runs/run_delta/protection", json=rule))
    loop = loop_of(runtime)
    loop.on_ticks([make_tick(NIFTY, "24500", ts=clock.now())])  # delta 3.08: still working
    assert exits(runtime, "run_delta") == []

    loop.on_ticks([make_tick(NIFTY, "26000", ts=clock.now())])  # both calls deep in: 1.03
    assert exits(runtime, "run_delta") == [("BUY", short, 65), ("SELL", long, 65)]
    state = _ok(worker.call("GET", "/options/runs/run_delta/protection/state"))
    assert state["matched_rule"]["metric"] == "net_delta"
    assert state["metrics"]["net_delta"] == pytest.approx(1.03, abs=0.01)  # as it fired
    assert state["run_status"] == "exited"
