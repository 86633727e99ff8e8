"""A live portfolio's or run's rule tells an exit from an entry on its part of the Kite book
(``live:kite/run:<id>``, ``live:kite/portfolio:<id>``), not on the Kite account's net
(issue 55's MTM exits): the desk short 50 INFY at Kite and a live run long 100, the run's
exit of its 100 is sent once and its buy waits for resume though it would reduce the
account's short; a paused live portfolio's sale is an entry though the desk is long."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.brokers.kite.conftest import Fake, server_settings
from tests.brokers.kite.test_live_mtm_exits import LIVE_BUY, _net, _rule_state, _sells
from tests.brokers.kite.test_live_orders import connect
from tests.brokers.kite.test_live_portfolio_week import _deploy_live
from tests.brokers.kite.test_worker_live import live_run, live_run_pk, live_worker
from tests.integration.test_mtm_exits import _open_market, _tick
from tests.live_kit import ours
from tests.workers_kit import order
from tradertape.db.models.trading import Order
from tradertape.domain.instruments import Exchange
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.oms import Account, SubmitOrder
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.settings import Settings

pytestmark = pytest.mark.db


@pytest.fixture
def settings(tmp_path: Path, fake: Fake) -> Settings:
    return server_settings(tmp_path, fake, kite_timeout_secs=0.5, live_trading_enabled=True)


def test_a_live_runs_exit_goes_once_while_the_desk_is_short_at_kite_and_its_buy_waits(
    client: TestClient, runtime: Runtime, fake: Fake, clock: ManualClock
):
    user_id = connect(client, runtime, fake)
    fake.price("NSE:INFY", 1500)
    loop = _open_market(client, runtime, clock)
    short = LIVE_BUY | {"transaction_type": "SELL", "quantity": 50}
    short["idempotency_key"] = "desk-short-1"
    shorted = client.post("/api/orders", json=short)
    assert shorted.status_code == 201, shorted.text
    worker = live_worker(client)
    live_run(worker)
    placed = worker.place("run_live_1", "own-run-1", order(quantity=100, product="MIS"))
    assert placed.status_code == 200, placed.text
    loop.run_jobs(force=True)  # the poll books Kite's fills
    assert [o.status for o in ours(runtime)] == ["COMPLETE", "COMPLETE"]
    part = f"live:kite/run:{live_run_pk(runtime)}"
    made = client.post(
        "/api/risk/rules",
        json={"type": "mtm_exit", "threshold_amount": "2000", "strategy_run_id": "run_live_1"},
    )
    assert made.status_code == 201, made.text
    rule = made.json()

    fake.price("NSE:INFY", 1479)
    _tick(loop, clock, "NSE:INFY", "1479")  # the run's −₹2,100 (the desk's +₹1,050)
    _tick(loop, clock, "NSE:INFY", "1478")  # a second pass: nothing more is sent
    loop.run_jobs(force=True)  # the poll books the exit's fill
    assert [s["quantity"] for s in _sells(fake)] == [50, 100]  # the desk's, the run's exit
    assert _rule_state(client, rule["id"])["mtm"]["paused"] is True
    assert _net(runtime, user_id, part) == []
    assert _net(runtime, user_id, "live:kite") == [("INFY", "MIS", -50)]  # the desk's short

    # The Kite book is short: the run's buy would reduce it, yet it opens the run's part.
    refused = worker.place("run_live_1", "own-run-2", order(quantity=10, product="MIS"))
    assert refused.status_code == 409, refused.text
    assert refused.json()["detail"]["rejection_reason"] == "RISK_CHECK_FAILED"
    assert "paused" in refused.json()["detail"]["message"]
    assert len(fake.state()["orders"]) == 3  # nothing more reached Kite

    client.post(f"/api/risk/rules/{rule['id']}/resume")
    back = worker.place("run_live_1", "own-run-3", order(quantity=10, product="MIS"))
    assert back.status_code == 200, back.text
    assert len(fake.state()["orders"]) == 4


def _portfolio_order(
    runtime: Runtime, user_id: int, pid: int, key: str, side: TransactionType, quantity: int
) -> Order:
    """An order of the live portfolio at Kite, through the pipeline with its tags, as its
    signals' orders are (`services.portfolios.signals`)."""
    spec = OrderSpec(
        exchange=Exchange.NSE,
        tradingsymbol="INFY",
        transaction_type=side,
        quantity=quantity,
        product=Product.MIS,
        order_type=OrderType.MARKET,
    )
    with runtime.db.session() as db:
        placed = runtime.orders.submit(
            db,
            SubmitOrder(
                user_id=user_id,
                spec=spec,
                last=None,
                account=Account(live=True, broker="kite"),
                client_key=key,
                source="portfolio",
                attribution={"portfolio_id": pid, "signal_id": 1},
            ),
        )
        return placed.order


def test_a_paused_live_portfolios_sale_is_an_entry_while_the_desk_is_long_at_kite(
    client: TestClient, runtime: Runtime, fake: Fake, clock: ManualClock
):
    user_id = connect(client, runtime, fake)
    fake.price("NSE:INFY", 1500)
    loop = _open_market(client, runtime, clock)
    deployed = _deploy_live(client)
    assert deployed.status_code == 201, deployed.text
    pid = deployed.json()["id"]
    held = LIVE_BUY | {"quantity": 50, "idempotency_key": "desk-long-1"}
    desk = client.post("/api/orders", json=held)
    assert desk.status_code == 201, desk.text
    _portfolio_order(runtime, user_id, pid, "pf-own-1", TransactionType.BUY, 100)
    loop.run_jobs(force=True)
    made = client.post(
        "/api/risk/rules",
        json={"type": "mtm_exit", "target_amount": "1000", "portfolio_id": pid},
    )
    assert made.status_code == 201, made.text
    rule = made.json()

    fake.price("NSE:INFY", 1511)
    _tick(loop, clock, "NSE:INFY", "1511")  # the portfolio's +₹1,100: its target
    loop.run_jobs(force=True)
    assert _rule_state(client, rule["id"])["mtm"]["paused"] is True
    assert _net(runtime, user_id, f"live:kite/portfolio:{pid}") == []
    assert _net(runtime, user_id, "live:kite") == [("INFY", "MIS", 50)]  # the desk's long
    sent = len(fake.state()["orders"])

    refused = _portfolio_order(runtime, user_id, pid, "pf-own-2", TransactionType.SELL, 10)
    assert (refused.status, refused.broker_order_id) == ("REJECTED", None)
    assert "paused" in (refused.status_message or "")
    assert len(fake.state()["orders"]) == sent  # refused before Kite
    # The desk's sale of its own long is no entry of the portfolio's: it reaches Kite.
    sold = LIVE_BUY | {"transaction_type": "SELL", "quantity": 50, "price": "1511"}
    assert client.post("/api/orders", json=sold).json()["status"] in ("OPEN", "COMPLETE")
    assert len(fake.state()["orders"]) == sent + 1
    assert Decimal(str(_rule_state(client, rule["id"])["mtm"]["mtm"])) == 1100
