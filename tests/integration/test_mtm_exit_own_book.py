"""A rule on one book tells an exit from an entry on the order's own book, not on the
account's net (issue 55's MTM exits): the desk short 50 INFY and a run long 100 leave the
account long 50, yet the run's sale of its 100 is its exit and its buy is its entry, and
a paused manual book's sale is an entry though a portfolio holds the long side. The
account's own rules still read the account."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.api.test_model_api import _deploy, _scan
from tests.helpers import deploy_v1, sign_in
from tests.integration.test_mtm_exits import _buy, _mtm, _open_market, _rule, _tick
from tests.workers_kit import Worker, new_worker, order, set_price
from tradertape.db.models.risk import RiskRule
from tradertape.domain.instruments import Exchange
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.jobs.loop import TradingLoop
from tradertape.oms import SubmitOrder
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime


def _orders(client: TestClient) -> list[tuple[str, str, int, str]]:
    rows = client.get("/api/portfolio/orders").json()
    return [
        (o["tradingsymbol"], o["transaction_type"], int(o["quantity"]), o["status"]) for o in rows
    ]


def _net(client: TestClient) -> dict[str, int]:
    """The account's net per symbol: each book's row added up."""
    found: dict[str, int] = {}
    for row in client.get("/api/portfolio/positions").json()["net"]:
        found[row["tradingsymbol"]] = found.get(row["tradingsymbol"], 0) + int(row["quantity"])
    return {symbol: quantity for symbol, quantity in found.items() if quantity}


def _intent(worker: Worker, key: str, side: str, quantity: int) -> Any:
    return worker.place("run_own", key, order("INFY", side, quantity, product="MIS"))


def _desk_short_run_long(
    client: TestClient, runtime: Runtime, clock: ManualClock, email: str
) -> tuple[Worker, TradingLoop]:
    """The desk sells 50 INFY short by hand; the run buys 100: the account is long 50."""
    worker = new_worker(client, runtime, email)
    worker.create_run("run_own")
    loop = _open_market(client, runtime, clock)
    assert _buy(client, "INFY", 50, side="SELL")["status"] == "COMPLETE"
    placed = _intent(worker, "run_own:1", "BUY", 100)
    assert placed.json()["result"]["status"] == "filled", placed.text
    assert _net(client) == {"INFY": 50}
    return worker, loop


def test_a_runs_exit_goes_once_while_the_desk_is_short_and_its_buy_waits_for_resume(
    client: TestClient, runtime: Runtime, clock: ManualClock
):
    worker, loop = _desk_short_run_long(client, runtime, clock, "own-run@x.in")
    rule = _rule(client, threshold_amount="500", strategy_run_id="run_own")

    _tick(loop, clock, "NSE:INFY", "1494")  # the run's −₹600 (the desk's +₹300)
    _tick(loop, clock, "NSE:INFY", "1493")  # a second pass: nothing more
    assert _mtm(client, rule["id"])["paused"] is True
    assert _orders(client).count(("INFY", "SELL", 100, "COMPLETE")) == 1  # the run's exit, once
    assert _net(client) == {"INFY": -50}  # the desk's short stays

    # The account is short now: a run's buy would reduce it, yet it opens the run's book.
    refused = _intent(worker, "run_own:2", "BUY", 10)
    assert refused.status_code == 409, refused.text
    assert "paused" in refused.json()["detail"]["message"]
    assert _net(client) == {"INFY": -50}
    # The desk's buy back is no entry of the run's: it passes.
    assert _buy(client, "INFY", 50)["status"] == "COMPLETE"
    assert _net(client) == {}

    client.post(f"/api/risk/rules/{rule['id']}/resume")
    back = _intent(worker, "run_own:3", "BUY", 10)
    assert back.json()["result"]["status"] == "filled", back.text


def test_a_paused_runs_own_sale_is_its_exit_though_it_opens_a_short_at_the_account(
    client: TestClient, runtime: Runtime, clock: ManualClock
):
    """The run holds 100 while its rule is paused (the pause stored, as a restart finds it):
    selling them is its exit (the account's net, long 50, would have called 50 of them a
    new short, refused by the run's own pause); a sale past them is its entry."""
    worker, _ = _desk_short_run_long(client, runtime, clock, "own-exit@x.in")
    rule = _rule(client, threshold_amount="100000", strategy_run_id="run_own")
    with runtime.db.session() as db:
        db.execute(update(RiskRule).where(RiskRule.id == rule["id"]).values(paused=True))
        db.commit()

    past = _intent(worker, "run_own:2", "SELL", 101)  # 1 beyond the run's own long
    assert past.status_code == 409, past.text
    assert "paused" in past.json()["detail"]["message"]
    sold = _intent(worker, "run_own:3", "SELL", 100)
    assert sold.json()["result"]["status"] == "filled", sold.text
    assert _net(client) == {"INFY": -50}
    again = _intent(worker, "run_own:4", "SELL", 1)  # the run is flat: a new short
    assert again.status_code == 409, again.text


def test_the_accounts_kill_switch_still_reads_the_account(
    client: TestClient, runtime: Runtime, clock: ManualClock
):
    """The account's kill switch is the account's rule: the run's buy that only reduces the
    account's short passes it, as before; a sale that adds to the account's short does
    not, whichever book it is in."""
    worker = new_worker(client, runtime, "own-switch@x.in")
    worker.create_run("run_own")
    _open_market(client, runtime, clock)
    assert _buy(client, "INFY", 50, side="SELL")["status"] == "COMPLETE"
    assert client.post("/api/risk/kill-switch", json={"on": True}).status_code == 200
    reduces = _intent(worker, "run_own:1", "BUY", 20)
    assert reduces.json()["result"]["status"] == "filled", reduces.text
    adds = _buy(client, "INFY", 1, side="SELL")
    assert (adds["status"], "kill switch" in adds["status_message"]) == ("REJECTED", True)


def _portfolio_buys(runtime: Runtime, user_id: int, pid: int, quantity: int) -> None:
    """A paper portfolio's order through the pipeline with its tags, as its signals'
    orders are (`services.portfolios.signals`): booked in ``portfolio:<id>``."""
    spec = OrderSpec(
        exchange=Exchange.NSE,
        tradingsymbol="INFY",
        transaction_type=TransactionType.BUY,
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
                last=runtime.quotes("NSE:INFY"),
                client_key=f"pf-own-{pid}",
                source="portfolio",
                attribution={"portfolio_id": pid},
            ),
        )
        assert placed.order.status == "COMPLETE", placed.order.status_message


def test_a_paused_manual_books_sale_is_an_entry_while_a_portfolio_holds_the_long(
    client: TestClient, runtime: Runtime, clock: ManualClock
):
    user_id = sign_in(client, runtime, "own-manual@x.in")
    loop = _open_market(client, runtime, clock)
    funded = client.post("/api/portfolio/funds", json={"amount": "1000000"})
    assert funded.status_code == 201, funded.text  # the portfolio's capital, allocated
    pid = deploy_v1(runtime, user_id, allocate=True)
    _portfolio_buys(runtime, user_id, pid, 100)
    books = {b["book"]: b for b in client.get("/api/portfolio/books").json()}
    assert f"portfolio:{pid}" in books
    assert _buy(client, "TCS", 10)["status"] == "COMPLETE"  # the manual book's
    rule = _rule(client, threshold_amount="500", book="manual")
    _tick(loop, clock, "NSE:TCS", "3340")  # the manual book's −₹600: exited, paused
    assert _mtm(client, rule["id"])["paused"] is True
    assert _net(client) == {"INFY": 100}  # the portfolio's long stays

    refused = _buy(client, "INFY", 10, side="SELL")  # a short of the manual book's
    assert refused["status"] == "REJECTED", refused
    assert "paused" in refused["status_message"]
    assert _net(client) == {"INFY": 100}
    events = client.get("/api/risk/events").json()
    found = (events[0]["rule_type"], events[0]["side"], int(events[0]["quantity"]))
    assert found == ("mtm_exit", "SELL", 10)


def test_a_paused_portfolios_buy_signal_is_an_entry_while_the_desk_is_short(
    client: TestClient, with_candles: Runtime
):
    """A model portfolio's signal is checked before it has an order (its fills may be
    virtual, never through the gate): its buy is judged on its own book too, so the desk's
    short of the symbol does not make it an exit its paused rule lets through."""
    runtime = with_candles
    sign_in(client, runtime, "own-signal@x.in")
    portfolio = _deploy(client, paper_fill="close")
    report = _scan(client, portfolio["id"])
    first = report["entries"][0]
    signal = next(s for s in client.get("/api/model/signals").json() if s["id"] == first)
    key = f"NSE:{signal['symbol'].removeprefix('NSE:')}"
    set_price(runtime, key, str(signal["close_price"]))
    funded = client.post("/api/portfolio/funds", json={"amount": "1000000"})
    assert funded.status_code == 201, funded.text
    body = {
        "exchange": "NSE",
        "tradingsymbol": key.removeprefix("NSE:"),
        "transaction_type": "SELL",
        "quantity": int(signal["quantity"]) * 2,
        "product": "MIS",
        "order_type": "MARKET",
    }
    short = client.post("/api/orders", json=body)
    assert short.json()["status"] == "COMPLETE", short.text  # the desk is short the symbol
    rule = _rule(client, threshold_amount="100000", portfolio_id=portfolio["id"])
    with runtime.db.session() as db:
        db.execute(update(RiskRule).where(RiskRule.id == rule["id"]).values(paused=True))
        db.commit()

    client.post(f"/api/model/signals/{first}/approve")
    placed = client.post("/api/model/cart/place").json()
    assert placed["placed"] == []
    assert "paused" in placed["failed"][str(first)]
    assert client.get("/api/model/positions").json() == []
