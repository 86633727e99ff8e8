"""Worker runs in ``live`` mode against the fake Kite: the published SDK places through the
live desk (both switches, the one gate, one send), sees the fill booked once, and is
refused (nothing at Kite) when a switch is off or the kill switch is on; the run's scope
must name the connected Kite account; cancel, modify and exit go to Kite too."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.brokers.kite.conftest import Fake, server_settings
from tests.brokers.kite.test_live_orders import connect
from tests.integration.test_published_sdk_compat import VERSIONS, published_sdk
from tests.live_kit import BUY, CHARGES, booked, ours
from tests.workers_kit import Worker, order, set_price
from tradertape.db.models import WorkerIntent, WorkerRunOrder
from tradertape.domain.brokers import BrokerName
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.settings import Settings

pytestmark = pytest.mark.db

SCRIPT = Path(__file__).parents[2] / "compat" / "scripted_live_worker.py"
KITE_USER = "FK1234"  # the fake's Kite user id, stored at login as the session's account
SCOPE = f"kite:{KITE_USER}"
META = {"strategy_family": "indicator_strategy", "strategy_name": "Live test"}


@pytest.fixture
def server_live() -> bool:
    return True


@pytest.fixture
def settings(tmp_path: Path, fake: Fake, server_live: bool) -> Settings:
    return server_settings(
        tmp_path,
        fake,
        kite_timeout_secs=0.5,
        live_trading_enabled=server_live,
    )


def live_token(client: TestClient, scope: str = SCOPE) -> tuple[str, str]:
    """A worker token of the signed-in user that may trade live on `scope`."""
    issued = client.post(
        "/api/algo-workers/tokens",
        json={"name": "live", "account_scope": scope, "allowed_modes": ["live", "dry_run"]},
    )
    assert issued.status_code == 201, issued.text
    return issued.json()["token"], issued.json()["token_id"]


def live_worker(client: TestClient, scope: str = SCOPE) -> Worker:
    secret, token_id = live_token(client, scope)
    return Worker(TestClient(client.app), secret, token_id)


def live_run(worker: Worker, run_id: str = "run_live_1") -> dict[str, Any]:
    return worker.create_run(run_id, account_scope=SCOPE, execution_mode="live", metadata=META)


def run_live_script(sdk_version: str, server: str, token: str, run_id: str) -> dict[str, Any]:
    """The live script on the SDK's Python, with the live acknowledgement set."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("KITE_ALGO_", "PYTHON"))},
        "KITE_ALGO_API_BASE": server,
        "KITE_ALGO_WORKER_TOKEN": token,
        "KITE_ALGO_ACCOUNT_SCOPE": SCOPE,
        "KITE_ALGO_EXECUTION_MODE": "live",
        "KITE_ALGO_ENABLE_LIVE": "1",
        "COMPAT_RUN_ID": run_id,
    }
    done = subprocess.run(  # noqa: S603 - the cached venv's python and our script
        [str(published_sdk(sdk_version)), str(SCRIPT)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return seen


@pytest.mark.parametrize("sdk_version", VERSIONS)
def test_the_published_sdk_trades_live_and_sees_the_fill_booked_once(
    sdk_version: str, server: str, client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    token, _ = live_token(client)
    fake.price("NSE:INFY", 1488)
    set_price(runtime, "NSE:INFY", "1488")

    seen = run_live_script(sdk_version, server, token, "run_live_sdk")

    assert seen == {
        "sdk": sdk_version,
        "mode": "live",
        "safety": [True, []],
        "placed": ["accepted", "live", "accepted"],
        "replay": ["deduped", True],
        "order": ["COMPLETE", 10, 1488.0],
        "trades": [["BUY", 10, 1488.0]],
        "pnl": ["live", 10, float(CHARGES)],
        "funds": ["broker", 1_000_000.0, 985_120.0],  # Kite's margins after the buy
    }
    [at_kite] = fake.state()["orders"]  # one order at Kite, the replay sent nothing
    assert (at_kite["status"], at_kite["filled_quantity"]) == ("COMPLETE", 10)
    [placed] = ours(runtime)
    assert (placed.broker, placed.broker_order_id, placed.source) == (
        "kite",
        at_kite["order_id"],
        "worker",
    )
    assert placed.attribution["strategy_run_id"] == "run_live_sdk"
    assert placed.attribution["intent_key"] == "run_live_sdk:entry:001"
    assert placed.attribution["mode"] == "live"
    trades, cash = booked(runtime)
    assert trades == [("kite", "INFY", "BUY", 10, Decimal("1488.00"), CHARGES)]
    assert cash == [("buy", Decimal("-14880.00")), ("charges", -CHARGES)]
    with runtime.db.session() as db:
        [link] = db.scalars(select(WorkerRunOrder)).all()
        [intent] = db.scalars(select(WorkerIntent)).all()
    assert (link.order_pk, link.role, link.intent_pk) == (placed.id, "entry", intent.id)
    assert intent.result["order_id"] == placed.order_id
    assert placed.client_key is not None
    assert placed.client_key.startswith(f"worker:{link.run_pk}:")
    taken = client.post("/api/orders", json=BUY | {"idempotency_key": placed.client_key})
    assert taken.status_code == 422  # a user's key cannot reach a worker's order
    assert taken.json()["detail"][0]["field"] == "idempotency_key"


@pytest.mark.parametrize(
    ("server_live", "user_switch", "message"),
    [
        pytest.param(
            False,
            True,
            "live trading is switched off on this server (TRADERTAPE_LIVE_TRADING_ENABLED)",
            id="server-off",
        ),
        pytest.param(True, False, "live trading is off for your account", id="user-off"),
    ],
)
def test_a_live_run_is_refused_when_either_switch_is_off(
    server: str,
    client: TestClient,
    runtime: Runtime,
    fake: Fake,
    user_switch: bool,
    message: str,
):
    connect(client, runtime, fake, switch=user_switch)
    token, _ = live_token(client)

    seen = run_live_script("0.13.0", server, token, "run_live_off")

    assert seen == {
        "sdk": "0.13.0",
        "refused": ["PermissionDeniedError", 403, "LIVE_TRADING_DISABLED"],
    }
    worker = live_worker(client)
    answer = worker.call(
        "POST",
        "/runs",
        json={
            "template_id": "t",
            "account_scope": SCOPE,
            "execution_mode": "live",
            "metadata": META,
        },
    )
    assert answer.json()["detail"]["message"].startswith(message)
    assert fake.state()["orders"] == []
    assert ours(runtime) == []


def test_the_kill_switch_refuses_a_live_worker_order_before_it_reaches_kite(
    server: str, client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    token, _ = live_token(client)
    fake.price("NSE:INFY", 1488)
    set_price(runtime, "NSE:INFY", "1488")
    assert client.post("/api/risk/kill-switch", json={"on": True}).json()["on"] is True

    seen = run_live_script("0.13.0", server, token, "run_live_kill")

    assert seen == {
        "sdk": "0.13.0",
        "mode": "live",
        "safety": [False, ["RISK_KILL_SWITCH"]],
        "refused": ["KiteAlgoWorkerError", 409, "RISK_CHECK_FAILED"],
    }
    assert fake.state()["orders"] == []
    [refused] = ours(runtime)
    assert (refused.broker, refused.broker_order_id, refused.status, refused.status_message) == (
        "kite",
        None,
        "REJECTED",
        "Order rejected by risk rule: kill switch is on: new entries are blocked",
    )
    assert booked(runtime) == ([], [])


def test_a_scope_naming_another_kite_account_is_409(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    worker = live_worker(client, "kite:ZZ9999")

    answer = worker.call(
        "POST",
        "/runs",
        json={
            "template_id": "t",
            "account_scope": "kite:ZZ9999",
            "execution_mode": "live",
            "metadata": META,
        },
    )

    assert answer.status_code == 409
    assert answer.json()["detail"] == {
        "rejection_reason": "ACCOUNT_SCOPE_MISMATCH",
        "message": "kite:ZZ9999 names Kite account ZZ9999, but the connected Kite session is "
        "FK1234: log in to Kite as ZZ9999",
        "account_scope": "kite:ZZ9999",
    }
    funds = worker.call("GET", "/funds", params={"mode": "live"})
    assert funds.status_code == 409  # nor does it read another account's margins
    assert funds.json()["detail"]["rejection_reason"] == "ACCOUNT_SCOPE_MISMATCH"


def test_a_live_run_without_a_kite_session_places_nothing(
    client: TestClient, runtime: Runtime, fake: Fake
):
    user_id = connect(client, runtime, fake)
    worker = live_worker(client)
    live_run(worker)
    with runtime.db.session() as db:  # the day's Kite session ends
        runtime.brokers.expire(db, user_id=user_id, broker=BrokerName.KITE)

    placed = worker.place("run_live_1", "live-entry-0001", order(quantity=10))

    assert placed.status_code == 503
    assert placed.json()["detail"]["rejection_reason"] == "WORKER_KITE_SESSION_UNAVAILABLE"
    assert "log in to Kite" in placed.json()["detail"]["message"]
    assert fake.state()["orders"] == []
    assert ours(runtime) == []
    with runtime.db.session() as db:
        assert db.scalars(select(WorkerIntent)).all() == []  # the key stays free
    safety = worker.call("GET", "/runs/run_live_1/safety-check").json()
    assert (safety["can_trade"], safety["blocking_reasons"]) == (
        False,
        ["WORKER_KITE_SESSION_UNAVAILABLE"],
    )
    funds = worker.call("GET", "/funds", params={"mode": "live"})
    assert funds.status_code == 503
    assert funds.json()["detail"]["rejection_reason"] == "WORKER_KITE_SESSION_UNAVAILABLE"


def test_a_live_runs_order_is_modified_and_cancelled_at_kite(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    worker = live_worker(client)
    live_run(worker)
    fake.price("NSE:INFY", 1500)
    limit = order(quantity=10, order_type="LIMIT", price=1490)

    placed = worker.place("run_live_1", "live-limit-0001", limit)
    assert placed.status_code == 200, placed.text
    order_id = placed.json()["result"]["order_id"]
    assert placed.json()["result"]["order"]["status"] == "OPEN"
    body = {"strategy_run_id": "run_live_1", "variety": "regular"}
    moved = worker.call("POST", f"/orders/{order_id}/modify", json={**body, "price": 1480})
    cancelled = worker.call("POST", f"/orders/{order_id}/cancel", json=body)

    assert moved.status_code == 200, moved.text
    assert moved.json()["result"]["price"] == 1480.0
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["result"]["status"] == "CANCELLED"
    [at_kite] = fake.state()["orders"]
    assert (at_kite["price"], at_kite["status"]) == (1480.0, "CANCELLED")
    listed = worker.call("GET", "/orders", params={"strategy_run_id": "run_live_1"}).json()
    assert [(o["order_id"], o["status"]) for o in listed["orders"]] == [(order_id, "CANCELLED")]


def test_the_users_switch_turned_off_stops_a_live_runs_orders_but_not_its_cancels(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    worker = live_worker(client)
    live_run(worker)
    fake.price("NSE:INFY", 1500)
    limit = order(quantity=10, order_type="LIMIT", price=1490)
    order_id = worker.place("run_live_1", "live-limit-0001", limit).json()["result"]["order_id"]
    assert client.put("/api/auth/live-trading", json={"live_trading": False}).status_code == 200

    refused = worker.place("run_live_1", "live-limit-0002", limit)
    body = {"strategy_run_id": "run_live_1", "variety": "regular"}
    unmoved = worker.call("POST", f"/orders/{order_id}/modify", json={**body, "price": 1480})
    cancelled = worker.call("POST", f"/orders/{order_id}/cancel", json=body)

    for answer in (refused, unmoved):
        assert answer.status_code == 403
        assert answer.json()["detail"]["rejection_reason"] == "LIVE_TRADING_DISABLED"
        assert answer.json()["detail"]["message"].startswith("live trading is off for your account")
    assert cancelled.json()["result"]["status"] == "CANCELLED"
    [at_kite] = fake.state()["orders"]  # the second order never reached Kite
    assert (at_kite["price"], at_kite["status"]) == (1490.0, "CANCELLED")
    assert [o.order_id for o in ours(runtime)] == [order_id]


def test_a_live_run_exits_at_kite_and_closes_once_flat(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    worker = live_worker(client)
    live_run(worker)
    fake.price("NSE:INFY", 1488)
    worker.place("run_live_1", "live-entry-0001", order(quantity=10))
    pnl = worker.call("GET", "/runs/run_live_1/pnl").json()  # asks Kite: the fill is booked
    assert [(leg["net_quantity"], leg["product"]) for leg in pnl["legs"]] == [(10, "CNC")]
    fake.price("NSE:INFY", 1500)

    exited = worker.call(
        "POST", "/runs/run_live_1/exit", json={"reason": "done", "idempotency_key": "live-exit-01"}
    )

    assert exited.status_code == 200, exited.text
    assert (exited.json()["status"], exited.json()["run"]["status"]) == ("submitted", "exiting")
    [_, sell] = fake.state()["orders"]
    assert (sell["transaction_type"], sell["quantity"], sell["status"]) == ("SELL", 10, "COMPLETE")
    assert runtime.protection.recovery.settle_exiting(live_run_pk(runtime)) == "closed"
    trades, _cash = booked(runtime)
    assert [(t[2], t[3], t[4]) for t in trades] == [
        ("BUY", 10, Decimal("1488.00")),
        ("SELL", 10, Decimal("1500.00")),
    ]
    again = worker.call(
        "POST", "/runs/run_live_1/exit", json={"reason": "done", "idempotency_key": "live-exit-01"}
    )
    assert again.json()["status"] == "already_submitted"
    assert len(fake.state()["orders"]) == 2


def live_run_pk(runtime: Runtime) -> int:
    with runtime.db.session() as db:
        pk = db.scalar(select(WorkerRunOrder.run_pk))
    assert pk is not None
    return int(pk)


def test_a_worker_retrying_a_send_kite_never_got_sends_nothing_again(
    client: TestClient, runtime: Runtime, fake: Fake, clock: ManualClock
):
    connect(client, runtime, fake)
    worker = live_worker(client)
    live_run(worker)
    set_price(runtime, "NSE:INFY", "1500")
    fake.fault("503", method="POST", path_prefix="/orders", count=4)  # refused before work

    first = worker.place("run_live_1", "live-entry-0001", order(quantity=10))
    retry = worker.place("run_live_1", "live-entry-0001", order(quantity=10))

    assert first.status_code == 200, first.text
    result = first.json()["result"]
    assert (result["status"], result["order"]["status"]) == ("accepted", "PUT ORDER REQ RECEIVED")
    assert (retry.json()["status"], retry.json()["result"]["order_id"]) == (
        "deduped",
        result["order_id"],
    )
    clock.advance(timedelta(seconds=31))
    with runtime.db.session() as db:
        assert runtime.live.resolve_unsent(db) == 1
    listed = worker.call("GET", "/orders", params={"strategy_run_id": "run_live_1"}).json()
    assert [(o["status"], o["status_message"]) for o in listed["orders"]] == [
        ("REJECTED", "The broker never received this order; it was not sent again.")
    ]
    assert fake.state()["orders"] == []


def test_backend_protection_exits_a_live_run_at_kite_once(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    worker = live_worker(client)
    stop = {
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
    worker.create_run(
        "run_live_sl",
        account_scope=SCOPE,
        execution_mode="live",
        metadata=META,
        runtime_state={"backend_protection": stop},
    )
    fake.price("NSE:INFY", 1500)
    set_price(runtime, "NSE:INFY", "1500")
    worker.place("run_live_sl", "live-entry-0001", order(quantity=10))
    worker.call("GET", "/runs/run_live_sl/pnl")  # asks Kite: the buy is booked
    fake.price("NSE:INFY", 1470)
    set_price(runtime, "NSE:INFY", "1470")  # -2 %: the stop

    assert runtime.protection.on_prices(["NSE:INFY"]) == ["position_stoploss"]
    assert runtime.protection.on_prices(["NSE:INFY"]) == []  # one exit, settled on this tick

    orders = [(o["transaction_type"], o["quantity"], o["status"]) for o in fake.state()["orders"]]
    assert orders == [("BUY", 10, "COMPLETE"), ("SELL", 10, "COMPLETE")]
    run = worker.call("GET", "/runs/run_live_sl").json()
    assert run["status"] == "closed"
    assert run["runtime_state"]["backend_protection_state"]["exit_submitted"] is True
    trades, _cash = booked(runtime)
    assert [(t[2], t[3], t[4]) for t in trades] == [
        ("BUY", 10, Decimal("1500.00")),
        ("SELL", 10, Decimal("1470.00")),
    ]


def test_percent_rules_of_live_orders_and_live_runs_are_shares_of_kites_funds(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    worker = live_worker(client)
    live_run(worker)
    fake.price("NSE:INFY", 1488)
    set_price(runtime, "NSE:INFY", "1488")
    fake.control("funds", {"cash": 20_000})  # Kite's equity net: ₹20,000
    rule = {"type": "max_exposure", "threshold_pct": "50"}
    assert client.post("/api/risk/rules", json=rule).status_code == 201

    safety = worker.call("GET", "/runs/run_live_1/safety-check").json()
    assert (safety["can_trade"], safety["blocking_reasons"]) == (True, [])
    refused = client.post("/api/orders", json=BUY).json()
    assert (refused["status"], refused["status_message"]) == (
        "REJECTED",
        "Order rejected by risk rule: exposure would reach ₹14,900.00, over 50.00% of "
        "capital (₹10,000.00)",
    )
    fake.control("funds", {"cash": 40_000})  # the refusal dropped the cached margins
    assert client.post("/api/orders", json=BUY).json()["status"] == "OPEN"  # of ₹20,000
    assert len(fake.state()["orders"]) == 1

    # Kite stops answering /user/margins: the live run may not trade on a % rule.
    fake.fault("503", count=20, path_prefix="/user/margins")
    safety = worker.call("GET", "/runs/run_live_1/safety-check").json()
    assert (safety["can_trade"], safety["blocking_reasons"]) == (False, ["RISK_MAX_EXPOSURE"])
    state = client.get("/api/risk/state", params={"book": "live"}).json()
    assert state["capital_unknown"].startswith("kite did not report funds (")
    assert (state["capital"], state["exposure"]["working"]) == ("0.00", "14900.00")


def test_a_session_kite_rejects_while_the_gate_reads_its_funds_refuses_on_a_percent_rule(
    client: TestClient, runtime: Runtime, fake: Fake
):
    user_id = connect(client, runtime, fake)
    fake.price("NSE:INFY", 1488)
    set_price(runtime, "NSE:INFY", "1488")
    rule = {"type": "max_exposure", "threshold_pct": "50"}
    assert client.post("/api/risk/rules", json=rule).status_code == 201
    fake.fault("session_expired", path_prefix="/user/margins")

    refused = client.post("/api/orders", json=BUY).json()

    assert refused["status"] == "REJECTED"
    assert refused["status_message"].startswith(
        "Order rejected by risk rule: capital unknown: kite did not report funds (kite "
        "rejected the session"
    )
    assert refused["status_message"].endswith(
        "; exposure would reach ₹14,900.00 against 50.00% of it"
    )
    assert fake.state()["orders"] == []
    [stored] = ours(runtime)
    assert (stored.broker, stored.status) == ("kite", "REJECTED")
    with runtime.db.session() as db:  # the gate committed nothing of its own midway
        [status] = [
            s for s in runtime.brokers.all_statuses(db, user_id=user_id) if s.broker == "kite"
        ]
        assert status.connected is True
        runtime.brokers.expire(db, user_id=user_id, broker=BrokerName.KITE)  # the day ends
    state = client.get("/api/risk/state", params={"book": "live"}).json()
    assert (state["capital"], state["capital_unknown"]) == (
        "0.00",
        "no live broker session reported funds",
    )
