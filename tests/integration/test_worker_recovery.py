"""Recovery on the simulated clock: quiet workers' runs exited, exiting runs closed once flat."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.workers_kit import Worker, new_worker, order
from tradertape.jobs.loop import TradingLoop
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.settings import Settings
from tradertape.testkit import make_tick


def quote(runtime: Runtime, price: str, *, last_quantity: int = 1_000, volume: int = 0) -> None:
    runtime.quotes.update(
        make_tick(
            "NSE:INFY",
            price,
            ts=runtime.clock.now(),
            last_quantity=last_quantity,
            volume=volume or last_quantity,
        )
    )


@pytest.fixture
def worker(client: TestClient, runtime: Runtime) -> Worker:
    quote(runtime, "1500")
    return new_worker(client, runtime)


def claimed(worker: Worker, run_id: str, **body: Any) -> str:
    worker.create_run(run_id, **body)
    nonce: str = worker.call("POST", f"/runs/{run_id}/claim-session").json()["worker_session_nonce"]
    return nonce


def status(worker: Worker, run_id: str) -> str:
    found: str = worker.call("GET", f"/runs/{run_id}").json()["status"]
    return found


def test_a_paper_run_whose_worker_goes_quiet_is_exited_after_the_window(
    worker: Worker, runtime: Runtime, clock: ManualClock
):
    nonce = claimed(worker, "run_q")
    worker.call("POST", "/runs/run_q/heartbeat", nonce=nonce, json={})
    worker.place("run_q", "run_q:entry:1", order(quantity=3), nonce=nonce)
    recovery = runtime.protection.recovery

    clock.advance(timedelta(seconds=180))
    assert recovery.recover_stale() == []
    clock.advance(timedelta(seconds=1))
    assert recovery.recover_stale() == ["run_q"]

    run = worker.call("GET", "/runs/run_q").json()
    assert run["status"] == "closed"
    assert run["runtime_state"]["exit_reason"] == "worker_stale"
    legs = worker.call("GET", "/runs/run_q/pnl").json()["legs"]
    assert [leg["net_quantity"] for leg in legs] == [0]
    types = [e["event_type"] for e in worker.call("GET", "/runs/run_q/timeline").json()["events"]]
    assert types[-2:] == ["run.closed", "recovery.stale_worker"]
    assert recovery.recover_stale() == []


def test_a_claim_that_never_beat_goes_stale_after_the_claim_window(
    worker: Worker, runtime: Runtime, clock: ManualClock
):
    claimed(worker, "run_nb")
    clock.advance(timedelta(seconds=120))
    assert runtime.protection.recovery.recover_stale() == []
    clock.advance(timedelta(seconds=1))
    assert runtime.protection.recovery.recover_stale() == ["run_nb"]
    assert status(worker, "run_nb") == "closed"  # nothing was open: a no-op exit closes it


def test_released_and_never_claimed_runs_are_left_alone(
    worker: Worker, runtime: Runtime, clock: ManualClock
):
    nonce = claimed(worker, "run_rel")
    worker.call("POST", "/runs/run_rel/heartbeat", nonce=nonce, json={})
    worker.call("DELETE", "/runs/run_rel/claim-session", nonce=nonce)
    worker.create_run("run_free")
    clock.advance(timedelta(hours=3))
    assert runtime.protection.recovery.recover_stale() == []
    assert (status(worker, "run_rel"), status(worker, "run_free")) == ("open", "open")


def test_a_token_heartbeat_keeps_the_run_alive(
    worker: Worker, runtime: Runtime, clock: ManualClock
):
    nonce = claimed(worker, "run_tk")
    worker.call("POST", "/runs/run_tk/heartbeat", nonce=nonce, json={})
    clock.advance(timedelta(seconds=170))
    worker.call("POST", "/heartbeat", json={})
    clock.advance(timedelta(seconds=170))
    assert runtime.protection.recovery.recover_stale() == []


def test_a_dry_run_run_closes_and_the_sweep_keeps_its_interval(
    worker: Worker, runtime: Runtime, clock: ManualClock
):
    nonce = claimed(worker, "run_dry", execution_mode="dry_run")
    worker.call("POST", "/runs/run_dry/heartbeat", nonce=nonce, json={})
    runtime.protection.on_timer()  # the first sweep runs at once (nothing is stale yet)
    clock.advance(timedelta(seconds=200))
    runtime.protection.recovery.sweep()
    assert status(worker, "run_dry") == "closed"


def test_runs_guarded_by_their_own_stale_rule_are_the_engines(
    worker: Worker, runtime: Runtime, clock: ManualClock
):
    rules = {"enabled": True, "operations": {"exit_on_worker_stale": True, "worker_stale_sec": 900}}
    nonce = claimed(worker, "run_g", runtime_state={"backend_protection": rules})
    worker.call("POST", "/runs/run_g/heartbeat", nonce=nonce, json={})
    clock.advance(timedelta(seconds=600))
    assert runtime.protection.recovery.recover_stale() == []
    assert status(worker, "run_g") == "open"


def test_a_live_run_is_flagged_never_exited(
    client: TestClient, settings: Settings, clock: ManualClock, database
):
    from tradertape.api.app import create_app
    from tradertape.ports.mailer import LogTransport

    live = Runtime.build(
        settings.model_copy(update={"live_trading_enabled": True}),
        clock=clock,
        db=database,
        transport=LogTransport(),
    )
    with TestClient(create_app(live)) as http:
        worker = new_worker(
            http, live, allowed_modes=["live", "paper"], account_scope="kite:AB1234"
        )
        http.put("/api/auth/live-trading", json={"live_trading": True, "confirm": "LIVE"})
        meta = {"strategy_family": "indicator_strategy", "strategy_name": "L"}
        nonce = claimed(
            worker,
            "run_live",
            account_scope="kite:AB1234",
            execution_mode="live",
            metadata=meta,
        )
        worker.call("POST", "/runs/run_live/heartbeat", nonce=nonce, json={})
        clock.advance(timedelta(seconds=400))
        assert live.protection.recovery.recover_stale() == ["run_live"]
        assert live.protection.recovery.recover_stale() == []  # flagged once
        run = worker.call("GET", "/runs/run_live").json()
    assert run["status"] == "open"
    assert run["recovery_action_required"] is True
    assert run["recovery_status"] == "action_required"
    assert run["runtime_state"]["runtime_recovery"]["reason"] == "live_stale_unprotected"


def _loop(runtime: Runtime) -> TradingLoop:
    return TradingLoop(
        db=runtime.db,
        clock=runtime.clock,
        quotes=runtime.quotes,
        exchange=runtime.exchange,
        gtts=runtime.gtts,
        jobs=runtime.session_jobs,
        watchers=(runtime.protection,),
    )


def test_an_exiting_run_closes_when_its_resting_exit_fills(worker: Worker, runtime: Runtime):
    worker.create_run("run_x")
    worker.place("run_x", "run_x:entry:1", order(quantity=8))
    quote(runtime, "1510", last_quantity=4)  # a thin market: 1 of the 8 can go now

    exited = worker.call("POST", "/runs/run_x/exit", json={"reason": "done"}).json()
    assert (exited["status"], exited["run"]["status"]) == ("submitted", "exiting")
    assert runtime.protection.recovery.settle_exiting(1) is None  # still working

    loop = _loop(runtime)
    now = runtime.clock.now()
    loop.on_ticks([make_tick("NSE:INFY", "1511", ts=now, volume=10, last_quantity=4)])
    assert status(worker, "run_x") == "exiting"
    loop.on_ticks([make_tick("NSE:INFY", "1512", ts=now, volume=110, last_quantity=50)])

    run = worker.call("GET", "/runs/run_x").json()
    assert run["status"] == "closed"
    assert run["runtime_state"]["exit_result"]["status"] == "success"
    assert len(run["runtime_state"]["exit_result"]["order_ids"]) == 1
    legs = worker.call("GET", "/runs/run_x/pnl").json()["legs"]
    assert [leg["net_quantity"] for leg in legs] == [0]


def test_an_exit_that_ended_unfilled_is_placed_again(worker: Worker, runtime: Runtime):
    worker.create_run("run_y")
    worker.place("run_y", "run_y:entry:1", order(quantity=8))
    quote(runtime, "1510", last_quantity=4)
    exited = worker.call("POST", "/runs/run_y/exit", json={}).json()
    resting = exited["result"]["orders"][0]["order_id"]
    with runtime.db.session() as db:  # the broker cancels what rests (as at the close)
        runtime.exchange.cancel(db, user_id=1, order_id=resting)
    quote(runtime, "1510", last_quantity=1_000)

    runtime.protection.recovery.sweep(force=True)

    assert status(worker, "run_y") == "closed"
    orders = worker.call("GET", "/orders", params={"strategy_run_id": "run_y"}).json()["orders"]
    assert [o["status"] for o in orders] == ["COMPLETE", "CANCELLED", "COMPLETE"]


def test_a_resting_protection_exit_spends_the_generation(worker: Worker, runtime: Runtime):
    stop = {
        "enabled": True,
        "basket": {"stoploss_pct": 1},
    }
    worker.create_run("run_z", runtime_state={"backend_protection": stop})
    worker.place("run_z", "run_z:entry:1", order(quantity=8))
    quote(runtime, "1400", last_quantity=4)
    assert runtime.protection.on_prices(["NSE:INFY"]) == ["basket_stoploss"]
    assert status(worker, "run_z") == "exiting"

    response = worker.call(
        "PATCH", "/runs/run_z/protection", json={"backend_protection": {"enabled": False}}
    )
    assert response.status_code == 409
    assert response.json()["detail"]["rejection_reason"] == "PROTECTION_EXIT_SUBMITTED"
