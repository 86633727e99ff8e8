"""Option runs in ``live`` mode against the fake Kite: each leg an order through the one
pipeline with the run's Kite account, sent one by one (no all-or-none basket at the
broker), recorded as it is sent, the status following the fills as they are booked; a
partial entry unwound by default or kept under protection; the exit closing every leg;
a restart mid-entry losing nothing and sending nothing twice; the switches' words when
live trading is off."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.brokers.kite.conftest import Fake, server_settings
from tests.brokers.kite.test_live_orders import connect
from tests.brokers.kite.test_worker_live import META, SCOPE, live_worker
from tests.live_kit import booked
from tests.workers_kit import Worker, set_price
from tradertape.api.app import create_app
from tradertape.db.engine import Database
from tradertape.db.models import WorkerOptionRun, WorkerRun, WorkerToken
from tradertape.oms.orders import OrderPipeline, Submitted
from tradertape.ports.clock import ManualClock
from tradertape.ports.mailer import LogTransport
from tradertape.runtime import Runtime
from tradertape.services.options import runs as option_runs
from tradertape.services.workers.access import find_run
from tradertape.settings import Settings

pytestmark = pytest.mark.db

NIFTY = "NSE:NIFTY 50"
RUN = "run_opt_live"


@pytest.fixture
def settings(tmp_path: Path, fake: Fake) -> Settings:
    return server_settings(tmp_path, fake, kite_timeout_secs=0.5, live_trading_enabled=True)


def _ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def contracts(worker: Worker, *legs: dict[str, Any]) -> list[dict[str, Any]]:
    """Listed contracts by selector (next week's expiry)."""
    body = {"expiry": "next_week", "legs": list(legs)}
    resolved = _ok(worker.call("POST", "/options/underlyings/NIFTY/selection/resolve", json=body))
    return list(resolved["resolved"])


def at_kite(fake: Fake, listed: list[dict[str, Any]]) -> None:
    """List the contracts at the fake, priced as the server models them."""
    fake.control(
        "instruments",
        {
            "instruments": [
                {
                    "exchange": "NFO",
                    "tradingsymbol": c["tradingsymbol"],
                    "price": c["ltp"],
                    "lot_size": c["lot_size"],
                    "instrument_type": c["option_type"],
                    "name": "NIFTY",
                }
                for c in listed
            ]
        },
    )


def live_option_run(
    client: TestClient,
    runtime: Runtime,
    fake: Fake,
    sides: tuple[tuple[dict[str, Any], str], ...],
    shape: Callable[[dict[str, Any], str], dict[str, Any]] = lambda contract, side: {},
    **extra: Any,
) -> tuple[Worker, list[dict[str, Any]]]:
    """A connected user with live on, a live worker run and its option run of `sides`
    (selector, BUY/SELL), the contracts listed at the fake; `shape` adds a leg's own
    fields (an order type, a price) from its contract and side."""
    connect(client, runtime, fake)
    set_price(runtime, NIFTY, "25010")
    fake.price(NIFTY, 25010)
    worker = live_worker(client)
    worker.create_run(RUN, account_scope=SCOPE, execution_mode="live", metadata=META)
    listed = contracts(worker, *(selector for selector, _ in sides))
    at_kite(fake, listed)
    legs = [
        {"tradingsymbol": c["tradingsymbol"], "transaction_type": side, "leg_id": f"l{n}"}
        | shape(c, side)
        for n, (c, (_, side)) in enumerate(zip(listed, sides, strict=True))
    ]
    body = {
        "strategy_run_id": RUN,
        "strategy_name": "Live structure",
        "product": "NRML",
        "legs": legs,
        **extra,
    }
    _ok(worker.call("POST", "/options/runs", json=body))
    return worker, listed


SPREAD = (
    ({"option_type": "CE", "offset": 0}, "BUY"),
    ({"option_type": "CE", "offset": 2}, "SELL"),
)
STRANGLE = (
    ({"option_type": "CE", "offset": 1}, "BUY"),
    ({"option_type": "PE", "offset": -1}, "BUY"),
)


def at_fake(fake: Fake) -> list[tuple[str, str, int, str]]:
    return [
        (o["tradingsymbol"], o["transaction_type"], o["quantity"], o["status"])
        for o in fake.state()["orders"]
    ]


def states(run: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(leg["leg_id"], leg["state"]) for leg in run["legs"]]


def test_a_spread_enters_and_exits_at_kite_leg_by_leg(
    client: TestClient, runtime: Runtime, fake: Fake
) -> None:
    worker, (long, short) = live_option_run(client, runtime, fake, SPREAD)
    buy, sell = long["tradingsymbol"], short["tradingsymbol"]

    entered = _ok(
        worker.call("POST", f"/options/runs/{RUN}/enter", json={"idempotency_key": "live-enter-1"})
    )

    assert at_fake(fake) == [(buy, "BUY", 65, "COMPLETE"), (sell, "SELL", 65, "COMPLETE")]
    assert entered["status"] == "entered"
    assert entered["execution_mode"] == "live"
    assert states(entered) == [("l0", "filled"), ("l1", "filled")]
    assert [leg["net_quantity"] for leg in entered["legs"]] == [65, -65]
    result = entered["result"]
    assert (result["status"], result["all_or_none"], result["mode"]) == ("success", False, "live")
    assert [r["order"]["status"] for r in result["results"]] == ["COMPLETE", "COMPLETE"]
    trades, _cash = booked(runtime)
    assert [(t[0], t[1], t[2], t[3]) for t in trades] == [
        ("kite", buy, "BUY", 65),
        ("kite", sell, "SELL", 65),
    ]
    again = _ok(
        worker.call("POST", f"/options/runs/{RUN}/enter", json={"idempotency_key": "live-enter-1"})
    )
    assert again["deduped"] is True
    assert len(fake.state()["orders"]) == 2  # the replay sent nothing

    exited = _ok(worker.call("POST", f"/options/runs/{RUN}/exit", json={}))

    assert exited["status"] == "exited"
    assert states(exited) == [("l0", "closed"), ("l1", "closed")]
    assert [leg["net_quantity"] for leg in exited["legs"]] == [0, 0]
    # The short is bought back before the long is sold.
    assert at_fake(fake)[2:] == [(sell, "BUY", 65, "COMPLETE"), (buy, "SELL", 65, "COMPLETE")]
    trades, _cash = booked(runtime)
    assert [t[0] for t in trades] == ["kite"] * 4
    timeline = _ok(worker.call("GET", f"/runs/{RUN}/timeline", params={"limit": 200}))
    changes = [
        e["payload"]["status"]
        for e in timeline["events"]
        if e["event_type"] == "options.status_changed"
    ]
    assert changes == ["entering", "entered", "exiting", "exited"]


def _strangle_short_of_cash(
    client: TestClient, runtime: Runtime, fake: Fake, **extra: Any
) -> tuple[Worker, list[dict[str, Any]]]:
    worker, listed = live_option_run(client, runtime, fake, STRANGLE, **extra)
    call, put = listed
    # Kite's margin covers the call but not the put after it.
    first = Decimal(str(call["ltp"])) * 65
    fake.control("funds", {"cash": float(first + Decimal(100))})
    assert Decimal(str(put["ltp"])) * 65 > 100
    return worker, listed


def test_a_refused_leg_unwinds_the_filled_one_by_default(
    client: TestClient, runtime: Runtime, fake: Fake
) -> None:
    worker, (call, put) = _strangle_short_of_cash(client, runtime, fake)

    entered = _ok(worker.call("POST", f"/options/runs/{RUN}/enter", json={}))

    c, p = call["tradingsymbol"], put["tradingsymbol"]
    assert at_fake(fake) == [
        (c, "BUY", 65, "COMPLETE"),
        (p, "BUY", 65, "REJECTED"),
        (c, "SELL", 65, "COMPLETE"),  # the unwind
    ]
    assert entered["status"] == "exited"
    assert entered["on_partial_entry"] == "unwind"
    assert states(entered) == [("l0", "unwound"), ("l1", "rejected")]
    assert entered["legs"][1]["state_message"].startswith("Insufficient funds")
    assert entered["result"]["status"] == "partial"
    assert entered["exit"]["reason"] == "unwind"
    trades, _cash = booked(runtime)
    assert [(t[1], t[2]) for t in trades] == [(c, "BUY"), (c, "SELL")]


def test_a_partial_entry_is_kept_and_protected_with_the_setting(
    client: TestClient, runtime: Runtime, fake: Fake
) -> None:
    worker, (call, put) = _strangle_short_of_cash(
        client,
        runtime,
        fake,
        on_partial_entry="keep",
        protection={"rules": [{"metric": "strategy_mtm_pct", "operator": "lte", "threshold": -20}]},
    )

    entered = _ok(worker.call("POST", f"/options/runs/{RUN}/enter", json={}))

    c = call["tradingsymbol"]
    assert entered["status"] == "partial_entry"
    assert states(entered) == [("l0", "filled"), ("l1", "rejected")]
    assert [o[1:] for o in at_fake(fake)] == [("BUY", 65, "COMPLETE"), ("BUY", 65, "REJECTED")]
    assert entered["protection_state"].get("triggered") is not True
    # The index falls: the kept call loses far more than 20 %, and the rule exits it at Kite.
    set_price(runtime, NIFTY, "24400")
    fake.price(f"NFO:{c}", 20)
    assert runtime.option_protection.on_prices([NIFTY]) == ["rule_1"]
    state = _ok(worker.call("GET", f"/options/runs/{RUN}/state"))
    assert state["status"] == "exited"
    assert state["protection_state"]["exit_submitted"] is True
    assert at_fake(fake)[2] == (c, "SELL", 65, "COMPLETE")
    assert states(state) == [("l0", "closed"), ("l1", "rejected")]


def test_keeping_a_partial_entry_needs_rules_to_protect_it(
    client: TestClient, runtime: Runtime, fake: Fake
) -> None:
    connect(client, runtime, fake)
    set_price(runtime, NIFTY, "25010")
    worker = live_worker(client)
    worker.create_run(RUN, account_scope=SCOPE, execution_mode="live", metadata=META)
    [one] = contracts(worker, {"option_type": "CE", "offset": 0})
    body = {
        "strategy_run_id": RUN,
        "strategy_name": "x",
        "product": "NRML",
        "legs": [{"tradingsymbol": one["tradingsymbol"], "transaction_type": "BUY"}],
        "on_partial_entry": "keep",
    }
    refused = worker.call("POST", "/options/runs", json=body)
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"][0]["field"] == "on_partial_entry"


def test_the_users_switch_off_refuses_the_entry_in_its_words(
    client: TestClient, runtime: Runtime, fake: Fake
) -> None:
    worker, _ = live_option_run(client, runtime, fake, SPREAD)
    assert client.put("/api/auth/live-trading", json={"live_trading": False}).status_code == 200

    refused = worker.call("POST", f"/options/runs/{RUN}/enter", json={})

    assert refused.status_code == 403
    detail = refused.json()["detail"]
    assert detail["rejection_reason"] == "LIVE_TRADING_DISABLED"
    assert detail["message"].startswith("live trading is off for your account")
    assert fake.state()["orders"] == []
    state = _ok(worker.call("GET", f"/options/runs/{RUN}/state"))
    assert (state["status"], states(state)) == ("created", [("l0", None), ("l1", None)])


def test_a_leg_whose_send_is_unknown_holds_the_plan_until_settled(
    client: TestClient, runtime: Runtime, fake: Fake, clock: ManualClock
) -> None:
    worker, (long, short) = live_option_run(client, runtime, fake, SPREAD)
    # The first leg's send is refused before Kite works on it, and the adapter's retries too.
    fake.fault("503", method="POST", path_prefix="/orders", count=4)

    entered = _ok(worker.call("POST", f"/options/runs/{RUN}/enter", json={}))

    assert entered["status"] == "entering"
    assert states(entered) == [("l0", "sent"), ("l1", "queued")]
    assert fake.state()["orders"] == []
    assert runtime.option_executions.on_timer() == ["entering"]  # still held
    clock.advance(timedelta(seconds=31))
    with runtime.db.session() as db:  # the live sweep: Kite never had it, it is not resent
        assert runtime.live.resolve_unsent(db) == 1
    runtime.option_executions.on_timer()
    state = _ok(worker.call("GET", f"/options/runs/{RUN}/state"))
    assert state["status"] == "created"  # nothing filled: the run may enter again
    assert states(state) == [("l0", "rejected"), ("l1", "skipped")]
    assert fake.state()["orders"] == []


class ProcessDied(BaseException):
    """The server process ended (not an error anything may catch)."""


@dataclasses.dataclass
class DiesAfter:
    """The order pipeline of a process that dies after `orders` submissions."""

    pipeline: OrderPipeline
    orders: int

    def submit(self, *args: Any, **kwargs: Any) -> Submitted:
        if self.orders == 0:
            raise ProcessDied
        self.orders -= 1
        return self.pipeline.submit(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.pipeline, name)


def test_a_restart_mid_entry_loses_nothing_and_sends_nothing_twice(
    client: TestClient,
    runtime: Runtime,
    fake: Fake,
    settings: Settings,
    clock: ManualClock,
    database: Database,
) -> None:
    worker, (long, short) = live_option_run(client, runtime, fake, SPREAD)
    dies = cast(OrderPipeline, DiesAfter(runtime.orders, 1))  # only `submit` is its own
    dying = dataclasses.replace(runtime.workers, orders=dies)
    with runtime.db.session() as db:
        token = find_run_token(db)
    with runtime.db.session() as db, pytest.raises(ProcessDied):
        option_runs.act(
            dying,
            runtime.options,
            db,
            token,
            RUN,
            action="enter",
            body={"idempotency_key": "live-enter-crash"},
            nonce=None,
        )
    assert at_fake(fake) == [(long["tradingsymbol"], "BUY", 65, "COMPLETE")]

    restarted = Runtime.build(settings, clock=clock, db=database, transport=LogTransport())
    set_price(restarted, NIFTY, "25010")  # the feed's first tick: the contracts list again
    assert restarted.option_executions.on_timer() == ["entered"]

    assert at_fake(fake) == [
        (long["tradingsymbol"], "BUY", 65, "COMPLETE"),
        (short["tradingsymbol"], "SELL", 65, "COMPLETE"),
    ]
    with TestClient(create_app(restarted)) as again:
        worker.http = again
        retried = _ok(
            worker.call(
                "POST", f"/options/runs/{RUN}/enter", json={"idempotency_key": "live-enter-crash"}
            )
        )
    assert retried["deduped"] is True
    assert retried["status"] == "entered"
    assert states(retried) == [("l0", "filled"), ("l1", "filled")]
    assert len(fake.state()["orders"]) == 2
    trades, _cash = booked(restarted)
    assert [(t[2], t[3]) for t in trades] == [("BUY", 65), ("SELL", 65)]


def find_run_token(db: Session) -> WorkerToken:
    """The worker token of the option run's worker run."""
    option = db.scalar(select(WorkerOptionRun))
    assert option is not None
    run = db.get(WorkerRun, option.run_pk)
    assert run is not None
    token = db.get(WorkerToken, run.token_id)
    assert token is not None
    assert find_run(db, token, RUN).id == run.id
    return token
