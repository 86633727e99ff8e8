"""A portfolio's positions are its book's (issue 64): a sale in a model portfolio's book by
a hand other than the portfolio's own (an MTM exit rule's, a manual exit placed in that
book) closes or reduces its positions in the sale's own transaction, by the ledger's
figures, so the dashboard, the positions listing and the scan's positions say so at once;
reconciliation reports a difference nothing booked, and a manual close of shares the book
no longer holds is refused (no second sale).

The worked example: the portfolio buys 100 INFY at ₹1,500.00 (a virtual fill, its own
contract note: ₹178.11, `test_portfolio_book_money`), then INFY prints ₹1,490.00 and the
portfolio's MTM exit rule (loss ₹500) sells the 100 at market at ₹1,490.00.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.helpers import deploy_v1, sign_in
from tests.integration.test_mtm_exits import _mtm, _open_market, _rule, _tick
from tests.workers_kit import order
from tradertape.db.models import ModelPortfolio, ModelPosition, ModelSignal, Trade
from tradertape.domain.charges import Side
from tradertape.domain.money import paise
from tradertape.domain.signals import SignalStatus
from tradertape.jobs.loop import TradingLoop
from tradertape.oms import delivery_charges
from tradertape.ports.clock import IST, ManualClock
from tradertape.runtime import Runtime
from tradertape.services.portfolios import money, scanner
from tradertape.services.portfolios.fills import book_virtual
from tradertape.services.portfolios.reconcile import reconcile

CAPITAL = Decimal(1_000_000)


def _entry(runtime: Runtime, pid: int, symbol: str, quantity: int, price: str) -> Decimal:
    """The portfolio's own entry, a virtual fill at today's open in its book (booked to its
    position by its fill event); the charges the ledger booked."""
    with runtime.db.session() as db:
        portfolio = money.hold(db, db.get_one(ModelPortfolio, pid))
        signal = ModelSignal(
            user_id=portfolio.user_id,
            portfolio_id=pid,
            position_id=None,
            strategy_version=portfolio.strategy_version,
            symbol=symbol,
            sector="IT",
            signal_date=_today(runtime),
            signal_type="entry",
            side="BUY",
            close_price=Decimal(price),
            quantity=quantity,
            amount=Decimal(0),
            indicator_snapshot={},
            status=SignalStatus.EXECUTED.value,
            created_at=runtime.clock.now(),
        )
        db.add(signal)
        db.flush()
        charges = book_virtual(
            runtime.exchange,
            db,
            portfolio,
            symbol=symbol,
            buy=True,
            quantity=quantity,
            price=Decimal(price),
            day=_today(runtime),
            at_open=True,
            signal_id=signal.id,
        )
        db.commit()
    return charges


def _today(runtime: Runtime) -> date:
    return runtime.clock.now().astimezone(IST).date()


def _hand_sells(client: TestClient, pid: int, quantity: int, symbol: str) -> None:
    """Positions' Exit of the portfolio's row: a CNC sale at market placed by hand in the
    portfolio's book (``book``), through the order route."""
    body = {**order(symbol, "SELL", quantity, product="CNC"), "variety": "regular"}
    placed = client.post("/api/orders", json={**body, "book": f"portfolio:{pid}"})
    assert placed.status_code == 201, placed.text
    assert placed.json()["status"] == "COMPLETE", placed.text


def _views(client: TestClient, runtime: Runtime, pid: int) -> dict[str, Any]:
    """What every reader of the portfolio sees: the dashboard, the positions listing, and
    the positions the scan decides on (`scanner`'s held positions)."""
    board = client.get("/api/model/dashboard", params={"portfolio_id": pid}).json()
    rows = client.get("/api/model/positions", params={"portfolio_id": pid}).json()
    with runtime.db.session() as db:
        scanned = db.scalars(
            select(ModelPosition).where(
                ModelPosition.portfolio_id == pid,
                ModelPosition.status.in_(scanner.OPEN_STATUSES),
            )
        ).all()
        held = {p.symbol: p.quantity for p in scanned}
    return {"board": board, "rows": rows, "scan": held}


def _portfolio(
    client: TestClient, runtime: Runtime, clock: ManualClock, email: str
) -> tuple[int, int, TradingLoop]:
    user_id = sign_in(client, runtime, email)
    loop = _open_market(client, runtime, clock)  # INFY 1,500, TCS 3,400; ₹10 L funded
    pid = deploy_v1(runtime, user_id, allocate=True)
    loop.run_jobs(force=True)  # the day's scan, before it holds anything
    return user_id, pid, loop


def test_an_mtm_exit_closes_the_portfolios_positions_on_every_view(
    client: TestClient, runtime: Runtime, clock: ManualClock
):
    user_id, pid, loop = _portfolio(client, runtime, clock, "mtm-hand@x.in")
    bought = _entry(runtime, pid, "NSE:INFY", 100, "1500.00")
    assert bought == delivery_charges(Side.BUY, 100, Decimal("1500.00"), _today(runtime))
    assert bought == Decimal("178.11")  # as test_portfolio_book_money works it out
    before = _views(client, runtime, pid)
    assert [r["symbol"] for r in before["board"]["open_positions"]] == ["NSE:INFY"]
    assert before["scan"] == {"NSE:INFY": 100}

    rule = _rule(client, threshold_amount="500", portfolio_id=pid)
    _tick(loop, clock, "NSE:INFY", "1490")  # the book's day MTM: 100 × −10 = −₹1,000
    assert _mtm(client, rule["id"])["paused"] is True

    after = _views(client, runtime, pid)
    board = after["board"]
    assert board["open_positions"] == []
    assert Decimal(board["capital"]["deployed"]) == 0
    assert Decimal(board["unrealised_pnl"]) == 0
    assert board["drift"] == []
    assert after["scan"] == {}
    (row,) = after["rows"]
    assert (row["status"], row["exit_reason"], Decimal(row["exit_price"])) == (
        "closed",
        "mtm_exit",
        Decimal("1490"),
    )
    with runtime.db.session() as db:
        sale = db.scalar(
            select(Trade.charges).where(Trade.user_id == user_id, Trade.transaction_type == "SELL")
        )
    assert sale is not None
    # 149,000 proceeds − 150,000 cost − ₹178.11 buy charges − the sale's charges
    realised = Decimal("149000.00") - Decimal("150000.00") - bought - sale
    assert Decimal(row["realised_pnl"]) == realised
    (portfolio,) = client.get("/api/model/portfolios").json()
    assert Decimal(portfolio["realised_pnl"]) == realised
    assert Decimal(portfolio["current_capital"]) == CAPITAL + realised
    activity = board["recent_activity"][0]
    assert (activity["signal_type"], activity["reason"]) == ("exit", "mtm_exit")

    # "Close" on the sold position sends nothing: it is closed
    closed = client.post(f"/api/model/positions/{row['id']}/close")
    assert closed.status_code == 409, closed.text
    assert client.get("/api/portfolio/orders").json()[-1]["transaction_type"] == "SELL"
    orders = client.get("/api/portfolio/orders").json()
    assert sum(1 for o in orders if o["transaction_type"] == "SELL") == 1


def test_a_manual_exit_in_the_portfolios_book_sells_part_then_the_rest(
    client: TestClient, runtime: Runtime, clock: ManualClock
):
    """Sold by hand in two parts, 40 then 60 (FIFO over the portfolio's positions): the
    first leaves 60 held at the same average, with 40's share of the cost and buy charges
    gone; the second closes it, and the position's P&L is the whole round trip's."""
    user_id, pid, loop = _portfolio(client, runtime, clock, "by-hand@x.in")
    bought = _entry(runtime, pid, "NSE:INFY", 100, "1500.00")
    _tick(loop, clock, "NSE:INFY", "1510")
    _hand_sells(client, pid, 40, "INFY")

    part = _views(client, runtime, pid)
    assert part["scan"] == {"NSE:INFY": 60}
    (open_row,) = part["board"]["open_positions"]
    assert (open_row["quantity"], Decimal(open_row["entry_price"])) == (60, Decimal("1500"))
    assert Decimal(part["board"]["capital"]["deployed"]) == Decimal("90000.00")  # 60 × 1,500
    assert Decimal(open_row["unrealised_pnl"]) == Decimal("600.00")  # 60 × (1,510 − 1,500)
    assert part["board"]["drift"] == []
    with runtime.db.session() as db:
        first_sale = db.scalar(select(Trade.charges).where(Trade.transaction_type == "SELL"))
    assert first_sale is not None
    # 40 × 1,510 − 40 × 1,500 − 40% of ₹178.11 − the sale's charges
    first = Decimal("60400.00") - Decimal("60000.00") - bought * 40 / 100 - first_sale
    (row,) = client.get("/api/model/portfolios").json()
    assert Decimal(row["realised_pnl"]) == paise(first)  # the row keeps it exact

    _tick(loop, clock, "NSE:INFY", "1520")
    buy = {**order("INFY", "BUY", 5, product="CNC"), "variety": "regular"}
    refused = client.post("/api/orders", json={**buy, "book": f"portfolio:{pid}"})
    assert refused.status_code == 422, refused.text  # only a sale of what it holds goes there
    assert refused.json()["detail"][0]["field"] == "book"
    _hand_sells(client, pid, 60, "INFY")
    done = _views(client, runtime, pid)
    assert done["scan"] == {}
    assert done["board"]["open_positions"] == []
    (position,) = done["rows"]
    assert (position["status"], position["exit_reason"]) == ("closed", "manual")
    with runtime.db.session() as db:
        sales = db.scalars(
            select(Trade.charges).where(Trade.transaction_type == "SELL").order_by(Trade.id)
        ).all()
    # the round trip: 40 × 1,510 + 60 × 1,520 − 150,000 − every charge
    whole = Decimal("60400.00") + Decimal("91200.00") - Decimal("150000.00") - bought - sum(sales)
    assert Decimal(position["realised_pnl"]) == whole
    (row,) = client.get("/api/model/portfolios").json()
    assert Decimal(row["realised_pnl"]) == whole
    assert Decimal(row["deployed_capital"]) == 0
    assert Decimal(row["current_capital"]) == CAPITAL + whole


def test_a_sale_nobody_booked_is_drift_and_its_close_is_refused(
    client: TestClient, runtime: Runtime, clock: ManualClock
):
    """A sale the portfolio never heard (a broker's own square-off reported without the
    portfolio's tags, a corporate action written to the ledger; here its trade moved into
    the book by hand): reconciliation reports the difference, and "Close" sends nothing."""
    user_id, pid, _ = _portfolio(client, runtime, clock, "unheard@x.in")
    _entry(runtime, pid, "NSE:INFY", 100, "1500.00")
    _entry(runtime, pid, "NSE:TCS", 10, "3400.00")
    with runtime.db.session() as db:
        buy = db.scalars(
            select(Trade).where(Trade.user_id == user_id, Trade.tradingsymbol == "INFY")
        ).one()
        buy.book = "manual"  # the book no longer holds the INFY
        db.commit()
        portfolio = db.get_one(ModelPortfolio, pid)
        found = reconcile(db, portfolio, trading=runtime.portfolio_trading)
    assert found.drift == ["NSE:INFY"]
    board = client.get("/api/model/dashboard", params={"portfolio_id": pid}).json()
    assert board["drift"] == ["NSE:INFY"]
    rows = client.get("/api/model/positions", params={"portfolio_id": pid}).json()
    infy = next(r for r in rows if r["symbol"] == "NSE:INFY")
    refused = client.post(f"/api/model/positions/{infy['id']}/close")
    assert refused.status_code == 409, refused.text
    assert "holds 0 of its 100 INFY" in refused.json()["detail"]
    orders = client.get("/api/portfolio/orders").json()
    assert all(o["transaction_type"] == "BUY" for o in orders)


def test_an_exit_working_part_filled_is_shown_on_its_row_and_the_totals(
    client: TestClient, runtime: Runtime, clock: ManualClock
):
    """An MTM exit at market of 434 INFY fills 250 with the print's volume (a quarter of
    its 1,000) and works on: the row keeps its 434 until the sale ends (the portfolio books
    it then), and says "250 of 434 sold" and whose sale it is; the totals name the row that
    waits. The next print sells the other 184 and the row, its note and the wait are gone."""
    _, pid, loop = _portfolio(client, runtime, clock, "working-exit@x.in")
    _entry(runtime, pid, "NSE:INFY", 434, "1500.00")
    board = _views(client, runtime, pid)["board"]
    assert board["open_positions"][0]["exit_working"] is None
    assert board["waiting_on_exits"] == []

    rule = _rule(client, threshold_amount="2000", portfolio_id=pid)
    _tick(loop, clock, "NSE:INFY", "1490")  # 434 × −10 = −₹4,340: the rule sells at market
    assert _mtm(client, rule["id"])["paused"] is True

    board = _views(client, runtime, pid)["board"]
    (row,) = board["open_positions"]
    assert row["quantity"] == 434  # booked when the sale ends
    assert row["exit_working"] == {"sold": 250, "quantity": 434, "hands": ["mtm_exit"]}
    assert board["waiting_on_exits"] == ["NSE:INFY"]

    _tick(loop, clock, "NSE:INFY", "1490")  # the next print's volume sells the other 184
    board = _views(client, runtime, pid)["board"]
    assert board["open_positions"] == []
    assert board["waiting_on_exits"] == []


def test_a_limit_exit_by_hand_waiting_unfilled_is_shown_as_working(
    client: TestClient, runtime: Runtime, clock: ManualClock
):
    """A sale by hand at a limit above the market waits with nothing sold: the row says so
    (0 of 100, by hand); cancelled, the row is the portfolio's as before."""
    _, pid, loop = _portfolio(client, runtime, clock, "limit-exit@x.in")
    _entry(runtime, pid, "NSE:INFY", 100, "1500.00")
    body = {
        **order("INFY", "SELL", 100, product="CNC"),
        "variety": "regular",
        "order_type": "LIMIT",
        "price": "1600",
        "book": f"portfolio:{pid}",
    }
    placed = client.post("/api/orders", json=body)
    assert placed.status_code == 201, placed.text
    board = _views(client, runtime, pid)["board"]
    (row,) = board["open_positions"]
    assert row["exit_working"] == {"sold": 0, "quantity": 100, "hands": ["manual"]}
    assert board["waiting_on_exits"] == ["NSE:INFY"]

    cancelled = client.delete(f"/api/orders/{placed.json()['order_id']}")
    assert cancelled.status_code == 200, cancelled.text
    board = _views(client, runtime, pid)["board"]
    assert board["open_positions"][0]["exit_working"] is None
    assert board["waiting_on_exits"] == []
