"""MTM exits on a live book (issue 55) against the fake Kite, on a ticking market: a rule on
``live:kite`` reads the day MTM of the trades we book of the Kite account (the same ledger
arithmetic as the paper books', marked to the same ticks), exits every open position there
through the pipeline (market with protection, sent to Kite) exactly once, however many
passes or restarts follow, then refuses the book's entries until it is resumed; the paper
books are not its scope."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.brokers.kite.conftest import Fake, server_settings
from tests.brokers.kite.test_live_orders import connect
from tests.brokers.kite.test_live_portfolio_week import _deploy_live
from tests.integration.test_mtm_exits import _open_market, _tick
from tests.live_kit import ours
from tradertape.api.app import create_app
from tradertape.jobs.trading import trading_loop
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


def test_an_mtm_exit_on_a_live_portfolio_is_refused_naming_the_book_that_is_measured(
    client: TestClient, runtime: Runtime, fake: Fake
):
    """A live portfolio's fills are booked at its broker's book, shared with other trades:
    its own day MTM is not measured, so a rule on it would never exit. The answer names
    the field and the book to use instead; nothing is stored."""
    connect(client, runtime, fake)
    deployed = _deploy_live(client)
    assert deployed.status_code == 201, deployed.text
    body = {"type": "mtm_exit", "threshold_amount": "500", "portfolio_id": deployed.json()["id"]}
    refused = client.post("/api/risk/rules", json=body)
    assert refused.status_code == 422, refused.text
    assert "portfolio_id" in refused.text
    assert "live:kite" in refused.text
    assert [r for r in client.get("/api/risk/rules").json() if r["type"] == "mtm_exit"] == []
