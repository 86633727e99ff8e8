"""A model portfolio's money, three ways, to the paisa: its row (the portfolio and dashboard
routes), its positions (the positions route) and its book in the OMS ledger
(`services.portfolios.book`).

The worked example: a paper portfolio buys 100 INFY at ₹1,500.00, adds 33 at ₹1,512.35 the
next day (an average of ₹1,503.0639…, which PostgreSQL keeps to four places), buys 20 TCS
at ₹3,400.50, then sells the 133 INFY at ₹1,530.05. Each fill is its own contract note on
Zerodha's delivery schedule (`oms.fill_charges`, what the backtest charges). A paper GTT's
fill (its share of the day's note) agrees the same way once reconciled, and a Hypothesis
run of entries, earmarks, lapses, add-ons and exits keeps every figure equal, exactly.
(The portfolio sells a position whole; another hand's part sale is
`test_portfolio_other_hands.py`'s.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import count
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.api.test_agent_fill_subscriber import _locks_asked
from tests.api.test_model_api import _deploy, _scan
from tests.helpers import deploy_v1, make_user, sign_in
from tradertape.db.models import (
    CashEntry,
    Gtt,
    ModelPortfolio,
    ModelPosition,
    ModelSignal,
    Order,
    Trade,
)
from tradertape.domain.books import portfolio_book
from tradertape.domain.charges import Side
from tradertape.domain.money import paise
from tradertape.domain.signals import SignalStatus
from tradertape.oms import delivery_charges
from tradertape.runtime import Runtime
from tradertape.services.portfolios import book, money, position_money
from tradertape.services.portfolios.fills import book_virtual
from tradertape.services.portfolios.reconcile import reconcile
from tradertape.testkit import make_tick

DAY1, DAY2, DAY3 = date(2025, 6, 2), date(2025, 6, 3), date(2025, 6, 4)
CAPITAL = Decimal(1_000_000)

ZERO = Decimal(0)


@dataclass(frozen=True)
class BookMoney:
    """A paper portfolio's book read once from the ledger, the oracle the row and the
    positions are held to: its cash and cost at average cost, charges and gross gain."""

    key: str  # portfolio:<id>
    allocated: Decimal  # the capital moved in (less what was moved back)
    cash: Decimal
    charges: Decimal
    holdings: dict[str, book.Holding] = field(default_factory=dict)  # by symbol (NSE:INFY)

    @property
    def cost(self) -> Decimal:
        """What the shares held cost (the row's deployed capital)."""
        return sum((h.cost for h in self.holdings.values()), ZERO)

    @property
    def gross(self) -> Decimal:
        """What the sales made over their cost, before charges."""
        return sum((h.gross for h in self.holdings.values()), ZERO)


def read_book(db: Session, portfolio: ModelPortfolio) -> BookMoney:
    """The portfolio's book as the ledger holds it now."""
    book_key = portfolio_book(portfolio.id)
    # summed here, not by SQL: SQLite keeps the amounts as text, and its SUM is a float's
    entries = db.execute(
        select(CashEntry.kind, CashEntry.amount).where(
            CashEntry.user_id == portfolio.user_id, CashEntry.book == book_key
        )
    ).all()
    charges = db.scalars(
        select(Trade.charges).where(Trade.user_id == portfolio.user_id, Trade.book == book_key)
    )
    return BookMoney(
        key=book_key,
        allocated=sum((a for k, a in entries if k in ("allocation", "deposit")), ZERO),
        cash=sum((a for _, a in entries), ZERO),
        charges=sum(charges, ZERO),
        holdings=book.holdings(db, portfolio.user_id, book_key),
    )


@dataclass
class Desk:
    """One user's paper portfolio, filled through the services as a scan's fills are."""

    runtime: Runtime
    portfolio_id: int

    def _signal(
        self, db: Session, portfolio: ModelPortfolio, symbol: str, kind: str, quantity: int
    ) -> ModelSignal:
        position = self.position(db, symbol)
        signal = ModelSignal(
            user_id=portfolio.user_id,
            portfolio_id=portfolio.id,
            position_id=position.id if position is not None else None,
            strategy_version=portfolio.strategy_version,
            symbol=symbol,
            sector=None,
            signal_date=DAY1,
            signal_type=kind,
            side="SELL" if kind == "exit" else "BUY",
            close_price=Decimal(100),
            quantity=quantity,
            amount=Decimal(0),
            indicator_snapshot={},
            status=SignalStatus.EXECUTED.value,
            created_at=self.runtime.clock.now(),
        )
        db.add(signal)
        db.flush()
        return signal

    def position(self, db: Session, symbol: str) -> ModelPosition | None:
        return db.scalar(
            select(ModelPosition).where(
                ModelPosition.portfolio_id == self.portfolio_id,
                ModelPosition.symbol == symbol,
                ModelPosition.status == "open",
            )
        )

    def earmark(self, amount: Decimal) -> None:
        """An entry placed to wait (a GTT at the broker): its amount leaves free cash."""
        with self.runtime.db.session() as db:
            money.earmark(money.hold(db, db.get_one(ModelPortfolio, self.portfolio_id)), amount)
            db.commit()

    def release(self, amount: Decimal) -> None:
        """A waiting entry that will not fill: its earmark comes back."""
        with self.runtime.db.session() as db:
            money.release(money.hold(db, db.get_one(ModelPortfolio, self.portfolio_id)), amount)
            db.commit()

    def buy(
        self, symbol: str, quantity: int, price: str, day: date, earmarked: Decimal | None = None
    ) -> Decimal:
        """An entry (or, while `symbol` is held, an add-on) filled at the close of `day`;
        one that waited had `earmarked` its amount (it comes back as the fill is paid)."""
        with self.runtime.db.session() as db:
            portfolio = money.hold(db, db.get_one(ModelPortfolio, self.portfolio_id))
            held = self.position(db, symbol) is not None
            signal = self._signal(db, portfolio, symbol, "addon" if held else "entry", quantity)
            signal.amount = earmarked or Decimal(0)
            # its fill event books the position and the row (`portfolios.fills`)
            charges = self._book(
                db,
                portfolio,
                symbol,
                True,
                quantity,
                Decimal(price),
                day,
                signal,
                earmarked=earmarked is not None,
            )
            db.commit()
        return charges

    def sell(self, symbol: str, price: str, day: date) -> Decimal:
        """The whole position of `symbol` sold at the close of `day`."""
        with self.runtime.db.session() as db:
            portfolio = money.hold(db, db.get_one(ModelPortfolio, self.portfolio_id))
            position = self.position(db, symbol)
            assert position is not None
            signal = self._signal(db, portfolio, symbol, "exit", position.quantity)
            charges = self._book(  # its fill event sells the position (`portfolios.fills`)
                db, portfolio, symbol, False, position.quantity, Decimal(price), day, signal
            )
            db.commit()
        return charges

    def _book(
        self,
        db: Session,
        portfolio: ModelPortfolio,
        symbol: str,
        buy: bool,
        quantity: int,
        price: Decimal,
        day: date,
        signal: ModelSignal,
        *,
        earmarked: bool = False,
    ) -> Decimal:
        return book_virtual(
            self.runtime.exchange,
            db,
            portfolio,
            symbol=symbol,
            buy=buy,
            quantity=quantity,
            price=price,
            day=day,
            at_open=False,
            signal_id=signal.id,
            earmarked=earmarked,
            position_id=signal.position_id,
        )

    def agree(self) -> None:
        """The row, its positions and its book say the same money, to the paisa."""
        with self.runtime.db.session() as db:
            portfolio = db.get_one(ModelPortfolio, self.portfolio_id)
            positions = db.scalars(
                select(ModelPosition).where(ModelPosition.portfolio_id == self.portfolio_id)
            ).all()
            ledger = read_book(db, portfolio)
            figures = position_money.of_positions(db, positions)  # each position's, read
        held = [p for p in positions if p.status != "closed"]  # open, or its exit working
        closed = [p for p in positions if p.status == "closed"]
        open_charges = sum((figures[p.id].charges for p in held), Decimal(0))
        assert ledger.allocated == portfolio.starting_capital
        # exactly, not only once rounded: the row moves by the ledger's own figures
        assert ledger.cash == portfolio.current_capital + portfolio.committed_capital
        assert ledger.cost == portfolio.deployed_capital
        assert ledger.charges == portfolio.charges_paid
        assert ledger.gross - ledger.charges + open_charges == portfolio.realised_pnl
        # the positions: their charges are the row's, their realised P&L adds up to the row's
        assert sum((figures[p.id].charges for p in positions), Decimal(0)) == (
            portfolio.charges_paid
        )
        realised = sum((figures[p.id].realised(p) or Decimal(0) for p in closed), Decimal(0))
        assert realised == paise(portfolio.realised_pnl)
        # capital = what was allocated + realised − charges of what is still held
        total = portfolio.current_capital + portfolio.deployed_capital
        assert total + portfolio.committed_capital == (
            ledger.allocated + portfolio.realised_pnl - open_charges
        )


def _desk(runtime: Runtime, user_id: int) -> Desk:
    with runtime.db.session() as db:
        runtime.exchange.deposit(db, user_id=user_id, amount=CAPITAL)
    return Desk(runtime, deploy_v1(runtime, user_id, allocate=True))


def test_the_worked_example_agrees_on_every_view(client: TestClient, with_candles: Runtime):
    desk = _desk(with_candles, sign_in(client, with_candles, "money@x.in"))
    buy1 = desk.buy("NSE:INFY", 100, "1500.00", DAY1)
    add = desk.buy("NSE:INFY", 33, "1512.35", DAY2)
    tcs = desk.buy("NSE:TCS", 20, "3400.50", DAY2)
    sell = desk.sell("NSE:INFY", "1530.05", DAY3)

    # each fill its own note on Zerodha's delivery schedule, as the backtest charges it
    assert buy1 == delivery_charges(Side.BUY, 100, Decimal("1500.00"), DAY1)
    assert add == delivery_charges(Side.BUY, 33, Decimal("1512.35"), DAY2)
    assert tcs == delivery_charges(Side.BUY, 20, Decimal("3400.50"), DAY2)
    assert sell == delivery_charges(Side.SELL, 133, Decimal("1530.05"), DAY3)
    # STT 0.1% (to the rupee), NSE 0.00297%, IPFT and SEBI 0.0001% each, stamp 0.015% on
    # the buy, GST 18% on the exchange's, IPFT's and SEBI's; the sale adds the DP charge
    # (₹13 + GST): 150 + 4.455 + 0.15 + 0.15 + 22.5 + 0.8559 = 178.11 for the first buy
    assert (buy1, add, tcs, sell) == (
        Decimal("178.11"),
        Decimal("59.35"),
        Decimal("80.75"),
        Decimal("225.95"),
    )
    infy_cost = Decimal("150000.00") + Decimal("49907.55")  # 100 × 1,500.00 + 33 × 1,512.35
    proceeds = Decimal("203496.65")  # 133 × 1,530.05
    realised = proceeds - infy_cost - buy1 - add - sell
    assert realised == Decimal("3125.69")
    deployed = Decimal("68010.00")  # 20 × 3,400.50
    charges = buy1 + add + tcs + sell
    free = CAPITAL - infy_cost - deployed - charges + proceeds
    desk.agree()

    pid = desk.portfolio_id
    (row,) = client.get("/api/model/portfolios").json()
    assert {k: Decimal(row[k]) for k in ("current_capital", "deployed_capital")} == {
        "current_capital": free,
        "deployed_capital": deployed,
    }
    assert Decimal(row["realised_pnl"]) == realised
    assert Decimal(row["charges_paid"]) == charges
    assert Decimal(row["total_capital"]) == CAPITAL + realised - tcs

    board = client.get("/api/model/dashboard", params={"portfolio_id": pid}).json()
    assert board["portfolio"] == row
    assert {k: Decimal(v) for k, v in board["capital"].items()} == {
        "free": free,
        "deployed": deployed,
        "committed": Decimal(0),
    }
    rows = client.get("/api/model/positions", params={"portfolio_id": pid}).json()
    by_symbol = {r["symbol"]: r for r in rows}
    assert Decimal(by_symbol["NSE:INFY"]["realised_pnl"]) == realised
    assert Decimal(by_symbol["NSE:INFY"]["charges"]) == buy1 + add + sell
    assert Decimal(by_symbol["NSE:TCS"]["charges"]) == tcs
    assert sum(Decimal(r["charges"]) for r in rows) == Decimal(row["charges_paid"])
    assert [r["symbol"] for r in board["open_positions"]] == ["NSE:TCS"]

    # the book as the account's views show it: its cash and what it holds
    key = f"portfolio:{pid}"
    books = {b["book"]: b for b in client.get("/api/portfolio/books").json()}
    assert Decimal(books[key]["cash"]) == free
    (holding,) = client.get("/api/portfolio/holdings", params={"book": key}).json()
    assert (holding["tradingsymbol"], holding["quantity"] + holding["t1_quantity"]) == ("TCS", 20)
    assert paise(Decimal(str(holding["average_price"])) * 20) == deployed

    # started over: its virtual fills leave the book, and the row and the book are its capital
    assert client.post(f"/api/model/portfolios/{pid}/reset").status_code == 200
    desk.agree()
    assert client.get("/api/portfolio/holdings", params={"book": key}).json() == []
    (row,) = client.get("/api/model/portfolios").json()
    assert (Decimal(row["current_capital"]), Decimal(row["charges_paid"])) == (CAPITAL, Decimal(0))


_emails = count()
FILLS = st.lists(
    st.tuples(
        st.sampled_from(["NSE:INFY", "NSE:TCS"]),
        st.sampled_from(["buy", "sell", "wait", "lapse"]),
        st.integers(min_value=1, max_value=1_000),
        st.integers(min_value=5_000, max_value=15_000),  # paise: ₹50 to ₹150
    ),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(fills=FILLS)
def test_the_row_is_its_books_projection(runtime: Runtime, fills):
    """Any run of entries (some waiting first with their amount earmarked, some lapsing),
    add-ons and exits keeps the row, its positions and its book equal, exactly: free +
    committed is the book's cash, and free + deployed + committed = allocated + realised −
    the charges of what is still held."""
    desk = _desk(runtime, make_user(runtime, f"p{next(_emails)}@x.in"))
    days = [DAY1, DAY2, DAY3]
    waiting: dict[str, Decimal] = {}  # an entry's earmark, by symbol, until it fills or lapses
    for step, (symbol, side, quantity, price) in enumerate(fills):
        with runtime.db.session() as db:
            held = desk.position(db, symbol) is not None
        rupees = Decimal(price) / 100
        day = days[min(step, 2)]
        if side == "sell" and held:
            desk.sell(symbol, str(rupees), day)
        elif side == "buy":
            desk.buy(symbol, quantity, str(rupees), day, earmarked=waiting.pop(symbol, None))
        elif side == "wait" and symbol not in waiting:
            waiting[symbol] = paise(rupees * quantity * Decimal("1.01"))  # the trigger's pad
            desk.earmark(waiting[symbol])
        elif side == "lapse" and symbol in waiting:
            desk.release(waiting.pop(symbol))
        desk.agree()


def test_a_gtt_fill_is_the_rows_once_reconciled(client: TestClient, with_candles: Runtime):
    """A paper GTT's fill is charged by the ledger (its share of the day's note); the
    reconciliation books the position by that figure, and the row agrees with the book."""
    runtime = with_candles
    sign_in(client, runtime, "gtt@x.in")
    body = {"paper_fill": "gtt", "auto_place_signals": True, "max_positions": 1}
    pid = _deploy(client, **body)["id"]
    (signal_id,) = _scan(client, pid)["entries"]
    signal = next(s for s in client.get("/api/model/signals").json() if s["id"] == signal_id)
    desk = Desk(runtime, pid)
    desk.agree()  # earmarked: free + committed is still the book's cash
    tick = make_tick(
        signal["symbol"], Decimal(signal["trigger_price"]), ts=runtime.clock.now(), volume=10**7
    )
    with runtime.db.session() as db:
        runtime.quotes.update(tick)
        assert [g.id for g in runtime.gtts.on_tick(db, tick)] == [signal["gtt_id"]]
    with runtime.db.session() as db:
        reconcile(db, db.get_one(ModelPortfolio, pid), trading=runtime.portfolio_trading)
    desk.agree()
    (position,) = client.get("/api/model/positions", params={"status": "open"}).json()
    (trade,) = client.get("/api/portfolio/trades", params={"book": f"portfolio:{pid}"}).json()
    with runtime.db.session() as db:
        charged = db.scalar(select(Trade.charges).where(Trade.trade_id == trade["trade_id"]))
    assert Decimal(position["charges"]) == charged
    (row,) = client.get("/api/model/portfolios").json()
    assert Decimal(row["charges_paid"]) == charged
    assert Decimal(row["committed_capital"]) == 0

    # closed by hand: its exit order works at the exchange; until it fills the position is
    # the row's and the book's, as before
    closed = client.post(f"/api/model/positions/{position['id']}/close").json()
    assert closed["failed"] == {}
    with runtime.db.session() as db:
        reconcile(db, db.get_one(ModelPortfolio, pid), trading=runtime.portfolio_trading)
    desk.agree()
    (selling,) = client.get("/api/model/positions", params={"status": "exit_pending"}).json()
    assert Decimal(selling["charges"]) == charged


def test_a_virtual_fill_is_booked_once_by_its_event_under_the_portfolios_lock(
    client: TestClient, with_candles: Runtime
):
    # The virtual fill's event books the position and the row (`portfolios.fills`): its caller
    # only asks the OMS, after taking the portfolio's lock, which comes before the ledger's.
    runtime = with_candles
    desk = _desk(runtime, sign_in(client, runtime, "once@x.in"))
    with _locks_asked(runtime) as asked:
        charges = desk.buy("NSE:INFY", 10, "1500.00", DAY1)
    if runtime.db.engine.dialect.name == "postgresql":
        first_ledger = next(i for i, name in enumerate(asked) if name.startswith("books:"))
        assert f"portfolio-scan:{desk.portfolio_id}" in asked[:first_ledger]
    with runtime.db.session() as db:
        portfolio = db.get_one(ModelPortfolio, desk.portfolio_id)
        (position,) = db.scalars(
            select(ModelPosition).where(ModelPosition.portfolio_id == desk.portfolio_id)
        ).all()
        (trade,) = db.scalars(
            select(Trade).where(Trade.book == portfolio_book(desk.portfolio_id))
        ).all()
        held = position_money.of_position(db, position)
        assert charges == trade.charges == held.charges == portfolio.charges_paid
        assert portfolio.deployed_capital == trade.price * trade.quantity
    desk.agree()


def test_a_virtual_fill_nobody_books_to_the_portfolio_is_not_committed(
    client: TestClient, with_candles: Runtime
):
    # Without its subscriber (a wiring fault) the ledger's fill must not commit alone.
    runtime = with_candles
    desk = _desk(runtime, sign_in(client, runtime, "unheard@x.in"))
    runtime.events.detach(runtime.db)
    try:
        with pytest.raises(RuntimeError, match="was not booked to it"):
            desk.buy("NSE:INFY", 10, "1500.00", DAY1)
    finally:
        runtime.events.attach(runtime.db)
    with runtime.db.session() as db:
        book_key = portfolio_book(desk.portfolio_id)
        assert db.scalars(select(Trade).where(Trade.book == book_key)).all() == []


def _gtt_entry(client: TestClient, runtime: Runtime, email: str) -> tuple[int, dict[str, Any]]:
    """A ``paper_fill: gtt`` portfolio (with ATR stops) whose scan placed one entry GTT: its
    id and signal."""
    sign_in(client, runtime, email)
    body = {
        "paper_fill": "gtt",
        "auto_place_signals": True,
        "max_positions": 1,
        "atr_stop_multiplier": "2",
    }
    pid = _deploy(client, **body)["id"]
    (signal_id,) = _scan(client, pid)["entries"]
    signal = next(s for s in client.get("/api/model/signals").json() if s["id"] == signal_id)
    return pid, signal


def _row(client: TestClient) -> dict[str, Decimal]:
    (row,) = client.get("/api/model/portfolios").json()
    return {k: Decimal(row[k]) for k in (*money_fields, "total_capital")}


money_fields = (
    "current_capital",
    "committed_capital",
    "deployed_capital",
    "charges_paid",
    "realised_pnl",
)


def _charged(runtime: Runtime, pid: int) -> list[tuple[str, int, Decimal, Decimal]]:
    """The book's trades, oldest first: side, quantity, price and charges."""
    with runtime.db.session() as db:
        rows = db.execute(
            select(Trade.transaction_type, Trade.quantity, Trade.price, Trade.charges)
            .where(Trade.book == portfolio_book(pid))
            .order_by(Trade.id)
        ).all()
    return [(side, quantity, price, charges) for side, quantity, price, charges in rows]


def test_a_gtt_entry_and_its_stop_are_booked_by_their_fills_once(
    client: TestClient, with_candles: Runtime
):
    """The entry GTT's fill opens the position in the fill's own transaction (no pass of
    the reconciliation needed), the stop GTT's fill closes it the same way, each under the
    portfolio's lock taken before the ledger's; a reconciliation pass after either books
    nothing again, and the row, the positions and the book agree to the paisa."""
    runtime = with_candles
    pid, signal = _gtt_entry(client, runtime, "trip@x.in")
    desk = Desk(runtime, pid)
    trigger = Decimal(signal["trigger_price"])
    tick = make_tick(signal["symbol"], trigger, ts=runtime.clock.now(), last_quantity=10**7)
    with _locks_asked(runtime) as asked, runtime.db.session() as db:
        runtime.quotes.update(tick)
        assert [g.id for g in runtime.gtts.on_tick(db, tick)] == [signal["gtt_id"]]
    if runtime.db.engine.dialect.name == "postgresql":
        first_ledger = next(i for i, name in enumerate(asked) if name.startswith("books:"))
        assert f"portfolio-scan:{pid}" in asked[:first_ledger]
    (opened,) = client.get("/api/model/positions", params={"status": "open"}).json()
    ((side, quantity, price, bought),) = _charged(runtime, pid)
    assert (side, quantity, price) == ("BUY", signal["quantity"], trigger)
    assert (opened["quantity"], Decimal(opened["charges"])) == (quantity, bought)
    row = _row(client)
    assert (row["committed_capital"], row["charges_paid"]) == (Decimal(0), bought)
    assert row["deployed_capital"] == price * quantity
    desk.agree()

    with runtime.db.session() as db:  # books nothing again; places the stop under it
        reconcile(db, db.get_one(ModelPortfolio, pid), trading=runtime.portfolio_trading)
    assert _row(client) == row
    (guarded,) = client.get("/api/model/positions", params={"status": "open"}).json()
    with runtime.db.session() as db:
        fall = Decimal(db.get_one(Gtt, guarded["stop_gtt_id"]).trigger_values[0])
    down = make_tick(signal["symbol"], fall, ts=runtime.clock.now(), last_quantity=10**7)
    with _locks_asked(runtime) as asked, runtime.db.session() as db:
        runtime.quotes.update(down)
        assert [g.id for g in runtime.gtts.on_tick(db, down)] == [guarded["stop_gtt_id"]]
    if runtime.db.engine.dialect.name == "postgresql":
        first_ledger = next(i for i, name in enumerate(asked) if name.startswith("books:"))
        assert f"portfolio-scan:{pid}" in asked[:first_ledger]
    (closed,) = client.get("/api/model/positions", params={"status": "closed"}).json()
    (
        _,
        (side, sold_quantity, sold_at, sold),
    ) = _charged(runtime, pid)
    assert (side, sold_quantity, closed["exit_reason"]) == ("SELL", quantity, "atr_stop")
    realised = (sold_at - price) * quantity - bought - sold
    assert Decimal(closed["realised_pnl"]) == realised
    assert Decimal(closed["charges"]) == bought + sold
    row = _row(client)
    assert (row["realised_pnl"], row["charges_paid"]) == (realised, bought + sold)
    assert (row["deployed_capital"], row["committed_capital"]) == (Decimal(0), Decimal(0))
    assert row["total_capital"] == CAPITAL + realised
    desk.agree()
    with runtime.db.session() as db:  # and again: the sale stays booked once
        reconcile(db, db.get_one(ModelPortfolio, pid), trading=runtime.portfolio_trading)
    assert _row(client) == row
    desk.agree()


def test_a_part_filled_entry_cancelled_leaves_capital_right_to_the_paisa(
    client: TestClient, with_candles: Runtime
):
    """An entry GTT's order fills one share, then is cancelled: its earmark comes back once,
    whole, and the position is the share that filled, at its cost and charges."""
    runtime = with_candles
    pid, signal = _gtt_entry(client, runtime, "part@x.in")
    desk = Desk(runtime, pid)
    before = _row(client)
    amount = before["committed_capital"]
    assert amount > 0
    trigger = Decimal(signal["trigger_price"])
    tick = make_tick(signal["symbol"], trigger, ts=runtime.clock.now(), last_quantity=1)
    with runtime.db.session() as db:
        runtime.quotes.update(tick)
        runtime.gtts.on_tick(db, tick)  # its order takes a quarter of one share: one
    # working: booked when it is done (`portfolios.fills`), so the row waits for it
    assert client.get("/api/model/positions").json() == []
    assert _row(client) == before
    with runtime.db.session() as db:
        (order,) = db.scalars(select(Order).where(Order.book == portfolio_book(pid))).all()
        assert (order.status, order.filled_quantity) == ("OPEN", 1)
        user_id, order_id = order.user_id, order.order_id
    with _locks_asked(runtime) as asked, runtime.db.session() as db:
        runtime.exchange.cancel(db, user_id=user_id, order_id=order_id)
    if runtime.db.engine.dialect.name == "postgresql":
        first_ledger = next(i for i, name in enumerate(asked) if name.startswith("books:"))
        assert f"portfolio-scan:{pid}" in asked[:first_ledger]
    ((_, quantity, price, charges),) = _charged(runtime, pid)
    (position,) = client.get("/api/model/positions", params={"status": "open"}).json()
    assert (position["quantity"], Decimal(position["entry_price"])) == (1, price)
    assert Decimal(position["charges"]) == charges
    row = _row(client)
    assert row["committed_capital"] == 0
    assert row["current_capital"] == before["current_capital"] + amount - price - charges
    assert (row["deployed_capital"], row["charges_paid"]) == (price * quantity, charges)
    desk.agree()
    with runtime.db.session() as db:  # the earmark is not released a second time
        reconcile(db, db.get_one(ModelPortfolio, pid), trading=runtime.portfolio_trading)
    assert _row(client)["current_capital"] == row["current_capital"]
    assert _row(client)["committed_capital"] == 0
    desk.agree()


def test_a_gtt_fill_its_event_did_not_book_is_caught_up_once_by_reconciliation(
    client: TestClient, with_candles: Runtime, caplog: pytest.LogCaptureFixture
):
    """A fill its event did not book (recorded before this version booked server-placed
    orders by their events, or a live GTT's order adopted before its GTT was linked) is
    booked by the reconciliation pass, by the subscriber's own functions, from the ledger's
    trades, with a warning: the same money to the paisa as its event would have booked,
    and once (a second pass books nothing)."""
    runtime = with_candles
    pid, signal = _gtt_entry(client, runtime, "unwired@x.in")
    desk = Desk(runtime, pid)
    trigger = Decimal(signal["trigger_price"])
    tick = make_tick(signal["symbol"], trigger, ts=runtime.clock.now(), last_quantity=10**7)
    runtime.events.detach(runtime.db)
    try:
        with runtime.db.session() as db:
            runtime.quotes.update(tick)
            runtime.gtts.on_tick(db, tick)
    finally:
        runtime.events.attach(runtime.db)
    assert client.get("/api/model/positions").json() == []
    log = caplog.at_level("WARNING", logger="tradertape.portfolios.fills")
    with log, runtime.db.session() as db:
        first = reconcile(db, db.get_one(ModelPortfolio, pid), trading=runtime.portfolio_trading)
    assert any("booked by reconciliation" in r.getMessage() for r in caplog.records)
    (opened,) = client.get("/api/model/positions", params={"status": "open"}).json()
    assert first.opened == [opened["id"]]
    ((side, quantity, price, bought),) = _charged(runtime, pid)
    assert (side, quantity, price) == ("BUY", signal["quantity"], trigger)
    assert (opened["quantity"], Decimal(opened["charges"])) == (quantity, bought)
    row = _row(client)
    assert (row["committed_capital"], row["charges_paid"]) == (Decimal(0), bought)
    assert row["deployed_capital"] == price * quantity
    with runtime.db.session() as db:
        again = reconcile(db, db.get_one(ModelPortfolio, pid), trading=runtime.portfolio_trading)
    assert again.opened == []
    assert _row(client) == row
    desk.agree()
