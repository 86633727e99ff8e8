"""MTM exits on a live book (issue 55) against the fake Kite, on a ticking market: a rule on
``live:kite`` reads the day MTM of the trades we book of the Kite account (the same ledger
arithmetic as the paper books', marked to the same ticks), exits every open position there
through the pipeline (market with protection, sent to Kite) exactly once, however many
passes or restarts follow, then refuses the book's entries until it is resumed; the paper
books are not its scope.

A live portfolio's or a live worker run's rule reads its part of that book (the trades of
its own orders, ``live:kite/run:<id>``): only its positions are exited and only its working
orders cancelled at Kite, the desk's live position in the same instrument stays, and only
its entries wait for the resume."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.brokers.kite.conftest import Fake, server_settings
from tests.brokers.kite.test_live_orders import connect
from tests.brokers.kite.test_live_portfolio_week import _deploy_live
from tests.brokers.kite.test_worker_live import live_run, live_run_pk, live_worker
from tests.integration.test_mtm_exits import _open_market, _tick
from tests.live_kit import ours
from tests.workers_kit import Worker, order
from tradertape.api.app import create_app
from tradertape.db.models.portfolios import ModelPortfolio
from tradertape.domain.instruments import Exchange
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.jobs.trading import trading_loop
from tradertape.oms import Account, SubmitOrder
from tradertape.ports.clock import ManualClock
from tradertape.ports.mailer import LogTransport
from tradertape.runtime import Runtime
from tradertape.settings import Settings

pytestmark = pytest.mark.db

LIVE_BUY = {
    "exchange": "NSE",
    "tradingsymbol": "INFY",
    "transaction_type": "BUY",
    "quantity": 100,
    "product": "MIS",
    "order_type": "LIMIT",
    "price": "1500",
    "mode": "live",
}


@pytest.fixture
def settings(tmp_path: Path, fake: Fake) -> Settings:
    return server_settings(tmp_path, fake, kite_timeout_secs=0.5, live_trading_enabled=True)


def _rule_state(client: TestClient, rule_id: int) -> dict[str, Any]:
    state = client.get("/api/risk/state").json()
    found: dict[str, Any] = next(r for r in state["rules"] if r["rule_id"] == rule_id)
    return found


def _sells(fake: Fake) -> list[dict[str, Any]]:
    return [o for o in fake.state()["orders"] if o["transaction_type"] == "SELL"]


def test_a_live_books_loss_exits_at_kite_once_and_pauses_its_entries(
    client: TestClient, runtime: Runtime, fake: Fake, clock: ManualClock
):
    connect(client, runtime, fake)
    fake.price("NSE:INFY", 1500)
    loop = _open_market(client, runtime, clock)
    placed = client.post("/api/orders", json=LIVE_BUY | {"idempotency_key": "live-mtm-1"})
    assert placed.status_code == 201, placed.text
    loop.run_jobs(force=True)  # the poll books Kite's fill
    assert [o.status for o in ours(runtime)] == ["COMPLETE"]
    made = client.post(
        "/api/risk/rules",
        json={"type": "mtm_exit", "threshold_amount": "2000", "book": "live:kite"},
    )
    assert made.status_code == 201, made.text
    rule = made.json()
    assert (rule["book"], rule["scope"]) == ("live:kite", "all")

    fake.price("NSE:INFY", 1490)
    _tick(loop, clock, "NSE:INFY", "1490")  # −₹1,000 on the live book: inside
    shown = _rule_state(client, rule["id"])
    kite = client.get("/api/portfolio/positions", params={"book": "live:kite"}).json()
    m2m = sum(Decimal(str(p["m2m"])) for p in kite["net"])  # Kite's own figure, as Positions
    assert m2m == Decimal(str(shown["mtm"]["mtm"])) == -1000  # shows it: the one figure
    assert shown["book"] == "live:kite"
    assert shown["mtm"]["book"] == "live:kite"
    assert Decimal(str(shown["mtm"]["mtm"])) == -1000
    assert Decimal(str(shown["mtm"]["to_stop"])) == 1000
    assert _sells(fake) == []

    fake.price("NSE:INFY", 1479)
    _tick(loop, clock, "NSE:INFY", "1479")  # −₹2,100: past the loss
    [sent] = _sells(fake)
    assert (sent["tradingsymbol"], sent["quantity"], sent["order_type"], sent["product"]) == (
        "INFY",
        100,
        "MARKET",
        "MIS",
    )
    exit_row = ours(runtime)[-1]
    assert (exit_row.broker, exit_row.source, exit_row.book) == ("kite", "mtm_exit", "live:kite")
    assert exit_row.market_protection is not None
    assert _rule_state(client, rule["id"])["mtm"]["paused"] is True

    _tick(loop, clock, "NSE:INFY", "1470")  # a second pass: nothing more is sent
    loop.run_jobs(force=True)  # the poll books the exit's fill: the live book is flat
    assert len(_sells(fake)) == 1
    assert [o.status for o in ours(runtime)] == ["COMPLETE", "COMPLETE"]

    # The server restarts on the same database: the trip is stored, nothing is resent.
    restarted = Runtime.build(
        runtime.settings, clock=clock, db=runtime.db, transport=LogTransport()
    )
    with TestClient(create_app(restarted), base_url="http://testserver") as again:
        again.cookies.update(client.cookies)
        loop = trading_loop(restarted)
        _tick(loop, clock, "NSE:INFY", "1460")
        assert len(_sells(fake)) == 1

        # The live book's entries are refused before they reach Kite; paper ones are not.
        refused = again.post("/api/orders", json=LIVE_BUY | {"quantity": 1})
        assert refused.json()["status"] == "REJECTED", refused.text
        assert "paused" in refused.json()["status_message"]
        assert len(fake.state()["orders"]) == 2
        paper = {**LIVE_BUY, "quantity": 1, "order_type": "MARKET", "mode": "paper"}
        paper.pop("price")
        assert again.post("/api/orders", json=paper).json()["status"] == "COMPLETE"

        resumed = again.post(f"/api/risk/rules/{rule['id']}/resume")
        assert (resumed.status_code, resumed.json()["paused"]) == (200, False)
        fake.price("NSE:INFY", 1460)
        back = again.post("/api/orders", json=LIVE_BUY | {"quantity": 1})
        assert back.json()["status"] == "OPEN", back.text
        assert len(fake.state()["orders"]) == 3


def _restarted(runtime: Runtime, clock: ManualClock) -> Runtime:
    """The server again, on the same database (nothing of the first one's memory)."""
    return Runtime.build(runtime.settings, clock=clock, db=runtime.db, transport=LogTransport())


def _net(runtime: Runtime, user_id: int, book: str) -> list[tuple[str, str, int]]:
    """The open positions of one book (or part) of the Kite ledger, as the exits read them."""
    ledger = runtime.mtm_exits._live["kite"]
    with runtime.db.session() as db:
        lots = ledger.snapshot(db, user_id).net_of(book)
    return [(lot.tradingsymbol, lot.product, lot.quantity) for lot in lots if lot.quantity]


def test_a_live_runs_loss_exits_only_its_own_position_at_kite_once(
    client: TestClient, runtime: Runtime, fake: Fake, clock: ManualClock
):
    """The desk holds 50 INFY at Kite and a live run 100: the run's rule reads the run's
    ₹ only (−₹1,000 at 1490 while the Kite book is at −₹1,500), trips at −₹2,100, sells
    the run's 100 at Kite once across passes and a restart, and pauses the run's entries,
    not the desk's."""
    user_id = connect(client, runtime, fake)
    fake.price("NSE:INFY", 1500)
    loop = _open_market(client, runtime, clock)
    held = LIVE_BUY | {"quantity": 50, "idempotency_key": "desk-live-1"}
    desk = client.post("/api/orders", json=held)
    assert desk.status_code == 201, desk.text
    worker = live_worker(client)
    live_run(worker)
    placed = worker.place("run_live_1", "mtm-run-entry-1", order(quantity=100, product="MIS"))
    assert placed.status_code == 200, placed.text
    loop.run_jobs(force=True)  # the poll books Kite's fills
    assert [o.status for o in ours(runtime)] == ["COMPLETE", "COMPLETE"]
    run_pk = live_run_pk(runtime)
    part = f"live:kite/run:{run_pk}"
    made = client.post(
        "/api/risk/rules",
        json={"type": "mtm_exit", "threshold_amount": "2000", "strategy_run_id": "run_live_1"},
    )
    assert made.status_code == 201, made.text
    rule = made.json()
    assert (rule["scope"], rule["worker_run_id"], rule["book"]) == ("worker_run", run_pk, None)

    fake.price("NSE:INFY", 1490)
    _tick(loop, clock, "NSE:INFY", "1490")  # the run: −₹1,000; the Kite book: −₹1,500
    shown = _rule_state(client, rule["id"])["mtm"]
    assert shown["book"] == part
    assert Decimal(str(shown["mtm"])) == -1000
    assert Decimal(str(shown["to_stop"])) == 1000
    kite = client.get("/api/portfolio/positions", params={"book": "live:kite"}).json()
    assert sum(Decimal(str(p["m2m"])) for p in kite["net"]) == -1500  # Kite's, both holders
    assert _sells(fake) == []

    fake.price("NSE:INFY", 1479)
    _tick(loop, clock, "NSE:INFY", "1479")  # the run: −₹2,100, past the loss
    [sent] = _sells(fake)
    assert (sent["tradingsymbol"], sent["quantity"], sent["order_type"], sent["product"]) == (
        "INFY",
        100,
        "MARKET",
        "MIS",
    )
    exit_row = ours(runtime)[-1]
    assert (exit_row.broker, exit_row.source, exit_row.book) == ("kite", "mtm_exit", "live:kite")
    tags = exit_row.attribution  # the run's tag keeps the exit in the run's part
    assert (tags["mtm_rule_id"], tags["run_pk"]) == (rule["id"], run_pk)
    assert _rule_state(client, rule["id"])["mtm"]["paused"] is True
    bell = client.get("/api/notifications").json()
    texts = [n["text"] for n in (bell["data"] if isinstance(bell, dict) else bell)]
    assert any(t.startswith("🛑 MTM exit on Worker run: Live test (Live: Kite): ") for t in texts)
    [event] = [e for e in client.get("/api/risk/events").json() if e["rule_type"] == "mtm_exit"]
    assert (event["symbol"], event["strategy_run_id"]) == (part, "run_live_1")

    _tick(loop, clock, "NSE:INFY", "1470")  # a second pass: nothing more is sent
    loop.run_jobs(force=True)  # the poll books the exit's fill: the run is flat at Kite
    assert len(_sells(fake)) == 1
    assert _net(runtime, user_id, part) == []
    assert _net(runtime, user_id, "live:kite") == [("INFY", "MIS", 50)]  # the desk's stays

    restarted = _restarted(runtime, clock)
    with TestClient(create_app(restarted), base_url="http://testserver") as again:
        again.cookies.update(client.cookies)
        loop = trading_loop(restarted)
        _tick(loop, clock, "NSE:INFY", "1460")
        assert len(_sells(fake)) == 1

        # The run's entries are refused before they reach Kite; the desk's are not.
        worker = Worker(TestClient(again.app), worker.secret, worker.token_id)
        refused = worker.place("run_live_1", "mtm-run-entry-2", order(quantity=1, product="MIS"))
        assert refused.status_code == 409, refused.text
        assert refused.json()["detail"]["rejection_reason"] == "RISK_CHECK_FAILED"
        fake.price("NSE:INFY", 1460)
        desk = again.post("/api/orders", json=LIVE_BUY | {"quantity": 1, "price": "1460"})
        assert desk.json()["status"] in ("OPEN", "COMPLETE"), desk.text
        assert len(fake.state()["orders"]) == 4  # two entries, the exit, the desk's

        resumed = again.post(f"/api/risk/rules/{rule['id']}/resume")
        assert (resumed.status_code, resumed.json()["paused"]) == (200, False)
        back = worker.place("run_live_1", "mtm-run-entry-3", order(quantity=1, product="MIS"))
        assert back.status_code == 200, back.text
        assert len(fake.state()["orders"]) == 5


def _portfolio_order(
    runtime: Runtime, user_id: int, pid: int, key: str, *, price: str | None = None
) -> None:
    """An order of the live portfolio at Kite, through the pipeline with the portfolio's
    attribution, as its signals' orders are (`services.portfolios.signals`)."""
    spec = OrderSpec(
        exchange=Exchange.NSE,
        tradingsymbol="INFY",
        transaction_type=TransactionType.BUY,
        quantity=100,
        product=Product.MIS,
        order_type=OrderType.MARKET if price is None else OrderType.LIMIT,
        price=None if price is None else Decimal(price),
    )
    with runtime.db.session() as db:
        runtime.orders.submit(
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


def test_a_live_portfolios_target_exits_only_its_own_position_and_orders_at_kite(
    client: TestClient, runtime: Runtime, fake: Fake, clock: ManualClock
):
    """A live portfolio's rule is accepted (no longer a 422) and reads its part of the Kite
    book: at +₹1,000 it cancels the portfolio's working order at Kite (the desk's stays),
    sells the portfolio's 100 INFY once (the desk's 50 stay), and refuses its entries."""
    user_id = connect(client, runtime, fake)
    fake.price("NSE:INFY", 1500)
    loop = _open_market(client, runtime, clock)
    deployed = _deploy_live(client)
    assert deployed.status_code == 201, deployed.text
    pid = deployed.json()["id"]
    held = LIVE_BUY | {"quantity": 50, "idempotency_key": "desk-live-1"}
    desk = client.post("/api/orders", json=held)
    assert desk.status_code == 201, desk.text
    resting = LIVE_BUY | {"quantity": 5, "price": "1400", "idempotency_key": "desk-live-2"}
    assert client.post("/api/orders", json=resting).json()["status"] == "OPEN"
    _portfolio_order(runtime, user_id, pid, "pf-entry-1")
    _portfolio_order(runtime, user_id, pid, "pf-resting-1", price="1400")
    loop.run_jobs(force=True)
    statuses = [(o.attribution.get("portfolio_id"), o.status) for o in ours(runtime)]
    assert statuses == [(None, "COMPLETE"), (None, "OPEN"), (pid, "COMPLETE"), (pid, "OPEN")]
    made = client.post(
        "/api/risk/rules",
        json={"type": "mtm_exit", "target_amount": "1000", "portfolio_id": pid},
    )
    assert made.status_code == 201, made.text
    rule = made.json()
    part = f"live:kite/portfolio:{pid}"

    fake.price("NSE:INFY", 1505)
    _tick(loop, clock, "NSE:INFY", "1505")
    shown = _rule_state(client, rule["id"])["mtm"]
    assert shown["book"] == part
    assert Decimal(str(shown["mtm"])) == 500
    assert Decimal(str(shown["to_target"])) == 500

    fake.price("NSE:INFY", 1511)
    _tick(loop, clock, "NSE:INFY", "1511")  # +₹1,100: the target
    [sent] = _sells(fake)
    assert (sent["quantity"], sent["order_type"]) == (100, "MARKET")
    _tick(loop, clock, "NSE:INFY", "1512")
    loop.run_jobs(force=True)
    assert len(_sells(fake)) == 1
    at_kite = {o["price"]: o["status"] for o in fake.state()["orders"] if o["quantity"] == 5}
    assert at_kite == {1400.0: "OPEN"}  # the desk's resting buy
    mine = [o for o in ours(runtime) if o.attribution.get("portfolio_id") == pid]
    assert [(o.transaction_type, o.order_type, o.status) for o in mine] == [
        ("BUY", "MARKET", "COMPLETE"),
        ("BUY", "LIMIT", "CANCELLED"),
        ("SELL", "MARKET", "COMPLETE"),
    ]
    assert _net(runtime, user_id, part) == []
    assert _net(runtime, user_id, "live:kite") == [("INFY", "MIS", 50)]

    _portfolio_order(runtime, user_id, pid, "pf-entry-2")  # paused: refused before Kite
    refused = ours(runtime)[-1]
    assert (refused.status, refused.broker_order_id) == ("REJECTED", None)
    assert "paused" in (refused.status_message or "")

    restarted = _restarted(runtime, clock)
    loop = trading_loop(restarted)
    _tick(loop, clock, "NSE:INFY", "1520")
    assert len(_sells(fake)) == 1


def test_an_mtm_exit_on_an_agent_run_portfolio_is_refused_naming_the_field(
    client: TestClient, runtime: Runtime, fake: Fake
):
    """An agent-run portfolio's orders are placed by the user's agent, never by this
    server: an exit here could not leave, so its rule is a 422 naming the field (nothing
    stored), while a server-run live portfolio's is accepted."""
    connect(client, runtime, fake)
    agent = _deploy_live(client, executor="agent", broker="kite")
    assert agent.status_code == 201, agent.text
    body = {"type": "mtm_exit", "threshold_amount": "500", "portfolio_id": agent.json()["id"]}
    refused = client.post("/api/risk/rules", json=body)
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["detail"]] == ["portfolio_id"]
    assert "agent" in refused.text
    assert [r for r in client.get("/api/risk/rules").json() if r["type"] == "mtm_exit"] == []
    with runtime.db.session() as db:
        assert db.get(ModelPortfolio, agent.json()["id"]) is not None
