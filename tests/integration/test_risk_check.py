"""The pre-trade check on a real paper book: exact figures, refusals logged, exits free,
the kill switch, scoped rules, and the opt-in hook in the paper exchange."""

from __future__ import annotations

import dataclasses
import threading
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from tests.integration.conftest import PAPER_DEPOSIT, PaperDesk
from tradertape.db.engine import Database
from tradertape.db.models.risk import RiskEvent, RiskRule
from tradertape.db.models.trading import Trade
from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.instruments import Exchange
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.domain.risk import Book, RuleAction, RuleType
from tradertape.errors import InvalidField
from tradertape.oms.paper.gtt import GttBook
from tradertape.oms.quotes import QuoteBook
from tradertape.ports.broker import GttSpec
from tradertape.ports.clock import IST
from tradertape.services.risk import (
    ALL,
    PaperExposure,
    RiskBooks,
    RiskMonitor,
    RiskScope,
    ScopeKind,
)
from tradertape.services.risk.rules import RuleFields, create, set_kill_switch
from tradertape.testkit import make_tick

D = Decimal
BUY, SELL = TransactionType.BUY, TransactionType.SELL
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=IST)
IT, BANKS = "Information Technology", "Financial Services"


class Desk:
    """The paper desk with a quote book and the risk desk over it."""

    def __init__(self, paper: PaperDesk) -> None:
        self.paper = paper
        self.quotes = QuoteBook()
        self.account = PaperExposure(
            clock=paper.clock, catalog=paper.exchange.catalog, last_tick=self.quotes
        )
        self.books = RiskBooks(self.account)
        self.risk = RiskMonitor(clock=paper.clock, books=self.books, catalog=paper.exchange.catalog)
        paper.exchange.register_pre_trade(self.risk.pre_trade)
        self.user = paper.user_id

    def quote(self, key: str, last: str, prev_close: str | None = None) -> None:
        tick = make_tick(key, last, ts=self.paper.clock.now())
        if prev_close is not None:
            tick = dataclasses.replace(tick, prev_close=D(prev_close))
        self.quotes.update(tick)

    def order(
        self, db: Session, side: TransactionType, symbol: str, qty: int, price: str, **kw: Any
    ) -> Any:
        spec = OrderSpec(
            exchange=Exchange.NSE,
            tradingsymbol=symbol,
            transaction_type=side,
            quantity=qty,
            product=Product.CNC,
            order_type=OrderType.LIMIT,
            price=D(price),
        )
        return self.paper.exchange.place(
            db, user_id=self.user, spec=spec, last=self.quotes(f"NSE:{symbol}"), **kw
        )

    def rule(self, db: Session, rule_type: RuleType, **kw: Any) -> int:
        fields = RuleFields(type=rule_type, **kw)
        if fields.portfolio_id is None and fields.worker_run_id is None:
            return create(db, fields, clock=self.paper.clock, user_id=self.user).id
        # A scope by id alone: the rows the scope names are not what these tests are about
        # (the API resolves and owner-checks scopes: tests/integration/test_risk_gate.py).
        now = self.paper.clock.now()
        row = RiskRule(user_id=self.user, created_at=now, updated_at=now, enabled=True)
        row.type, row.action = fields.type.value, fields.action.value
        row.threshold_amount, row.threshold_count = fields.threshold_amount, fields.threshold_count
        row.threshold_pct = fields.threshold_pct
        row.portfolio_id, row.worker_run_id = fields.portfolio_id, fields.worker_run_id
        db.add(row)
        db.commit()
        return row.id

    def check(self, db: Session, side: str, symbol: str, qty: int, price: str, **kw: Any) -> Any:
        return self.risk.check_entry(
            db,
            user_id=self.user,
            symbol=symbol,
            side=side,
            quantity=qty,
            price=D(price),
            **kw,
        )


@pytest.fixture
def desk(paper: PaperDesk, database: Database) -> Desk:
    """Bought Friday: 100 INFY at 1,400 and 50 HDFCBANK at 1,600. Monday 10:00: INFY 1,380
    (closed 1,390), HDFCBANK 1,620 (closed 1,610); 40 INFY sold at 1,380 and 10 TCS bid
    at 3,000 resting (TCS at 3,500)."""
    desk = Desk(paper)
    with database.session() as db:
        desk.quote("NSE:INFY", "1400")
        desk.quote("NSE:HDFCBANK", "1600")
        assert desk.order(db, BUY, "INFY", 100, "1400").status == "COMPLETE"
        assert desk.order(db, BUY, "HDFCBANK", 50, "1600").status == "COMPLETE"
        paper.clock.set(MONDAY)
        desk.quote("NSE:INFY", "1380", prev_close="1390")
        desk.quote("NSE:HDFCBANK", "1620", prev_close="1610")
        desk.quote("NSE:TCS", "3500")
        assert desk.order(db, SELL, "INFY", 40, "1380").status == "COMPLETE"
        assert desk.order(db, BUY, "TCS", 10, "3000").status == "OPEN"
    return desk


def charges(db: Session) -> Decimal:
    return sum(db.scalars(select(Trade.charges)), D(0))


def test_the_paper_book_in_exact_rupees(desk: Desk, database: Database):
    with database.session() as db:
        book = desk.account.book(db, user_id=desk.user)
        paid = charges(db)
    assert [
        (p.key, p.sector, p.quantity, p.average_price, p.last_price, p.day_base_price)
        for p in book.positions
    ] == [
        ("NSE:HDFCBANK", BANKS, 50, D("1600"), D("1620"), D("1610")),
        ("NSE:INFY", IT, 60, D("1400"), D("1380"), D("1390")),  # from yesterday's close
    ]
    assert [(w.key, w.sector, w.quantity, w.price) for w in book.working] == [
        ("NSE:TCS", IT, 10, D("3000"))
    ]
    assert paid > 0
    assert book.realised_today == D("-400")  # 40 × (1,380 − 1,390)
    assert book.unrealised_today == D("-100")  # 60 × −10 on INFY, 50 × +10 on HDFCBANK
    assert (book.pnl_today, book.loss_today) == (D("-500"), D("500"))
    assert book.unrealised == D("-200")  # 60 × −20 + 50 × +20
    assert book.exposure == D("193800")  # 82,800 + 81,000 + 30,000 working
    assert book.by_sector == {IT: D("112800"), BANKS: D("81000")}
    # cash: deposit − 140,000 − 80,000 + 55,200 − charges; plus the open positions' value
    assert book.capital == PAPER_DEPOSIT - D("164800") - paid + D("163800")


def test_a_breach_refuses_the_entry_and_logs_it(desk: Desk, database: Database):
    with database.session() as db:
        rule_id = desk.rule(db, RuleType.MAX_ORDER_VALUE, threshold_amount=D("50000"))
        db.commit()
        refused = desk.check(db, "BUY", "NSE:WIPRO", 100, "550.50", context={"signal_id": 7})
        db.commit()
        allowed = desk.check(db, "BUY", "NSE:WIPRO", 90, "550.50")
        db.commit()
        events = db.scalars(select(RiskEvent)).all()
    assert refused.allowed is False
    assert refused.refusal == (
        "Order rejected by risk rule: order value ₹55,050.00 is over the ₹50,000.00 limit"
    )
    assert [(r.rule_id, r.type) for r in refused.reasons] == [(rule_id, RuleType.MAX_ORDER_VALUE)]
    assert (allowed.allowed, allowed.reasons) == (True, ())
    assert len(events) == 1
    event = events[0]
    assert (event.at, event.rule_id, event.action, event.origin) == (
        MONDAY,
        rule_id,
        "block",
        "portfolio",
    )
    assert (event.symbol, event.side, event.quantity, event.price) == (
        "NSE:WIPRO",
        "BUY",
        100,
        D("550.50"),
    )
    assert (event.value, event.threshold, event.context) == (
        D("55050"),
        D("50000"),
        {"signal_id": 7},
    )


def test_exits_pass_and_the_kill_switch_blocks_every_entry(desk: Desk, database: Database):
    with database.session() as db:
        set_kill_switch(db, clock=desk.paper.clock, user_id=desk.user, on=True)
        entry = desk.check(db, "BUY", "NSE:INFY", 1, "1380")
        exit_ = desk.check(db, "SELL", "NSE:INFY", 60, "1380")
        too_far = desk.check(db, "SELL", "NSE:INFY", 61, "1380")  # the 61st unit goes short
        set_kill_switch(db, clock=desk.paper.clock, user_id=desk.user, on=False)
        after = desk.check(db, "BUY", "NSE:INFY", 1, "1380")
        db.commit()
        logged = db.scalars(select(RiskEvent.rule_type).order_by(RiskEvent.id)).all()
    assert entry.refusal == (
        "Order rejected by risk rule: kill switch is on: new entries are blocked"
    )
    assert (exit_.allowed, exit_.exit, exit_.reasons) == (True, True, ())
    assert too_far.allowed is False
    assert after.allowed is True
    assert logged == ["kill_switch", "kill_switch"]


def test_warnings_let_the_entry_through(desk: Desk, database: Database):
    with database.session() as db:
        desk.rule(db, RuleType.DAILY_LOSS_LIMIT, threshold_amount=D("500"), action=RuleAction.WARN)
        desk.rule(db, RuleType.MAX_SECTOR_EXPOSURE_PCT, threshold_pct=D("12"))
        small = desk.check(db, "BUY", "NSE:SBIN", 10, "800")  # not IT: the sector cap is fine
        big_it = desk.check(db, "BUY", "NSE:WIPRO", 20, "550")
        db.commit()
        events = db.scalars(select(RiskEvent.action).order_by(RiskEvent.id)).all()
    assert small.allowed is True
    assert [(b.type, b.action, b.message) for b in small.warnings] == [
        (
            RuleType.DAILY_LOSS_LIMIT,
            RuleAction.WARN,
            "today's loss ₹500.00 has reached the ₹500.00 limit",
        )
    ]
    assert big_it.allowed is False  # 112,800 + 11,000 of IT over 12 % of ~₹9.99 lakh
    assert big_it.blocking[0].value == D("123800")
    assert events == ["warn", "warn", "block"]


def test_bad_entries_are_422_naming_the_field(desk: Desk, database: Database):
    with database.session() as db:
        cases: list[tuple[dict[str, Any], str]] = [
            ({"side": "HOLD"}, "side"),
            ({"quantity": 0}, "quantity"),
            ({"symbol": "XX:INFY"}, "symbol"),
        ]
        for kw, field in cases:
            args: dict[str, Any] = {"side": "BUY", "symbol": "NSE:INFY", "quantity": 1, **kw}
            with pytest.raises(InvalidField) as raised:
                desk.risk.check_entry(db, user_id=desk.user, price=D(1), **args)
            assert raised.value.field == field


class FixedBook:
    """A scoped book as a model portfolio would register one."""

    def __init__(self, book: Book) -> None:
        self.value = book
        self.locked = False

    def read_ahead(self, db: Session, *, user_id: int) -> None:
        pass

    def book(self, db: Session, *, user_id: int, lock: bool = False) -> Book:
        self.locked = self.locked or lock
        return self.value


def test_scoped_rules_apply_to_their_scope_on_its_own_book(desk: Desk, database: Database):
    portfolio = RiskScope(portfolio_id=7)
    with database.session() as db:
        desk.rule(db, RuleType.MAX_OPEN_POSITIONS, threshold_count=2, portfolio_id=7)
        desk.rule(db, RuleType.MAX_ORDER_VALUE, threshold_amount=D("1000"), worker_run_id=3)
        outside = desk.check(db, "BUY", "NSE:SBIN", 10, "800")  # scope ALL: neither applies
        on_account = desk.check(db, "BUY", "NSE:SBIN", 10, "800", scope=portfolio)
        fixed = FixedBook(Book(capital=D("100000")))
        desk.books.register(ScopeKind.PORTFOLIO, lambda portfolio_id: fixed)
        on_its_own = desk.check(db, "BUY", "NSE:SBIN", 10, "800", scope=portfolio)
        run = desk.check(
            db, "BUY", "NSE:SBIN", 10, "800", scope=RiskScope(worker_run_id=3), origin="worker"
        )
        db.commit()
        scopes = db.execute(
            select(RiskEvent.portfolio_id, RiskEvent.worker_run_id, RiskEvent.origin)
        ).all()
    assert outside.allowed is True
    assert on_account.refusal == (
        "Order rejected by risk rule: a new position would make 4 open, over the limit of 2"
    )
    assert on_its_own.allowed is True  # the portfolio's own book is empty
    assert fixed.locked is True
    assert run.blocking[0].type is RuleType.MAX_ORDER_VALUE
    assert scopes == [(7, None, "portfolio"), (None, 3, "worker")]
    with pytest.raises(ValueError, match="construction"):
        desk.books.register(ScopeKind.ALL, lambda _: fixed)
    assert desk.books.source(ALL) == (desk.account, ScopeKind.ALL)


def test_the_exchange_hook_rejects_a_breach_with_the_rule_and_logs_it_once(
    desk: Desk, database: Database
):
    with database.session() as db:
        desk.rule(db, RuleType.MAX_SYMBOL_EXPOSURE, threshold_amount=D("100000"))
        refused = desk.order(db, BUY, "INFY", 20, "1380", client_key="k-risk-01")
        replay = desk.order(db, BUY, "INFY", 20, "1380", client_key="k-risk-01")
        fits = desk.order(db, BUY, "INFY", 10, "1380")
        exit_ = desk.order(db, SELL, "INFY", 70, "1380")
        events = db.scalars(select(RiskEvent)).all()
    assert refused.status == "REJECTED"
    assert refused.status_message == (
        "Order rejected by risk rule: NSE:INFY exposure would reach ₹1,10,400.00, over the "
        "₹1,00,000.00 per-symbol limit"
    )
    assert replay.order_id == refused.order_id
    assert (fits.status, exit_.status) == ("COMPLETE", "COMPLETE")
    assert [(e.order_id, e.origin, e.value) for e in events] == [
        (refused.order_id, "api", D("110400"))
    ]


def test_the_gate_is_the_exchanges_own_and_only_exits_skip_it(desk: Desk, database: Database):
    with database.session() as db:
        set_kill_switch(db, clock=desk.paper.clock, user_id=desk.user, on=True)
        entry = desk.order(db, BUY, "INFY", 1, "1380")  # no hook passed: the gate is there
        exit_ = desk.order(db, BUY, "TCS", 1, "3100", exit_only=True)
        assert (entry.status, exit_.status) == ("REJECTED", "OPEN")
        assert entry.status_message == (
            "Order rejected by risk rule: kill switch is on: new entries are blocked"
        )
        assert db.scalar(select(func.count()).select_from(RiskEvent)) == 1


def test_todays_round_trips_and_untouched_quotes(paper: PaperDesk, database: Database):
    desk = Desk(paper)
    with database.session() as db:
        desk.quote("NSE:WIPRO", "550")
        desk.order(db, BUY, "WIPRO", 10, "550")
        desk.quote("NSE:WIPRO", "560")
        desk.order(db, BUY, "WIPRO", 10, "560")
        desk.quote("NSE:ITC", "400")
        desk.order(db, BUY, "ITC", 30, "400")
        desk.quote("NSE:ITC", "410")
        desk.order(db, SELL, "ITC", 30, "410")  # a closed round trip: +300
        desk.quote("NSE:WIPRO", "570")
        desk.order(db, SELL, "WIPRO", 5, "570")  # +75 against the 555 average
        desk.quote("NSE:WIPRO", "565")
        today = desk.account.book(db, user_id=desk.user)
        # No tick seen: marked at the average, nothing unrealised.
        bare = PaperExposure(
            clock=paper.clock, catalog=paper.exchange.catalog, last_tick=QuoteBook()
        )
        unquoted = bare.book(db, user_id=desk.user)
    (wipro,) = today.positions
    assert (wipro.quantity, wipro.average_price, wipro.day_base_price) == (15, D("555"), D("555"))
    assert today.realised_today == D("375")
    assert today.unrealised_today == D("150")  # 15 × (565 − 555)
    assert (today.loss_today, today.pnl_today) == (D(0), D("525"))
    assert unquoted.positions[0].last_price == D("555")
    assert unquoted.unrealised_today == D(0)


def test_racing_entries_are_checked_one_after_the_other(desk: Desk, database: Database):
    """Each order alone fits under the cap; placed at once, only one may: the check reads
    the book under the ledger lock, after the previous order is stored."""
    with database.session() as db:
        desk.rule(db, RuleType.MAX_OPEN_POSITIONS, threshold_count=4)  # 3 open already
    symbols = ["WIPRO", "SBIN", "ITC", "RELIANCE", "ICICIBANK", "AXISBANK"]
    start = threading.Barrier(len(symbols))
    statuses: list[str] = []
    errors: list[BaseException] = []

    def place(symbol: str) -> None:
        start.wait()
        try:
            with database.session() as db:
                placed = desk.order(db, BUY, symbol, 1, "100")
                statuses.append(placed.status)
        except BaseException as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=place, args=(s,)) for s in symbols]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(statuses) == ["OPEN"] + ["REJECTED"] * 5
    with database.session() as db:
        assert db.scalar(select(func.count()).select_from(RiskEvent)) == 5


def _trades_after(statement: str, parameters: Any) -> int:
    """The ``trades.id > ?`` bound of a book's read, in either paramstyle."""
    if isinstance(parameters, dict):
        return int(parameters["after"])
    return int(parameters[statement[: statement.index("trades.id > ?")].count("?")])


def test_the_book_folds_the_trades_once_and_equals_a_full_replay(
    desk: Desk, paper: PaperDesk, database: Database
):
    """The account's book keeps the trades it folded instead of replaying them for every
    check: a book is one statement, the first of a day reads every trade, the next only
    those after the last one folded; day after day it is the book a fresh replay gives."""
    reads: list[int] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "FROM trades" in statement:
            reads.append(_trades_after(statement, parameters))

    def fresh() -> PaperExposure:
        return PaperExposure(
            clock=paper.clock, catalog=paper.exchange.catalog, last_tick=desk.quotes
        )

    trading = [
        (BUY, "INFY", 20, "1385"),  # Monday, on top of the fixture's trades
        (SELL, "HDFCBANK", 50, "1630"),  # Wednesday: a closed position
        (BUY, "HDFCBANK", 5, "1640"),  # Thursday: reopened at a new average
    ]
    with database.session() as db:
        for day, (side, symbol, qty, price) in zip((23, 25, 26), trading, strict=True):
            paper.clock.set(MONDAY.replace(day=day))  # the 24th is a holiday
            desk.quote(f"NSE:{symbol}", price)
            assert desk.order(db, side, symbol, qty, price).status == "COMPLETE"
            last = db.scalar(select(func.max(Trade.id)).where(Trade.user_id == desk.user))
            event.listen(database.engine, "before_cursor_execute", record)
            try:
                kept = desk.account.book(db, user_id=desk.user)
                again = desk.account.book(db, user_id=desk.user)
            finally:
                event.remove(database.engine, "before_cursor_execute", record)
            assert kept == again == fresh().book(db, user_id=desk.user)
            # a new day folds every trade again; the next book asks only for newer ones
            assert reads == [0, last]
            reads.clear()
        (hdfc, infy) = sorted(kept.positions, key=lambda p: p.key)
        assert (hdfc.quantity, hdfc.average_price) == (5, D("1640"))
        assert (infy.quantity, infy.average_price) == (
            80,
            D("1400") * 60 / 80 + D("1385") * 20 / 80,
        )
        # within a day, a new trade is the only one read
        desk.quote("NSE:INFY", "1390")
        folded = db.scalar(select(func.max(Trade.id)).where(Trade.user_id == desk.user))
        assert desk.order(db, BUY, "INFY", 1, "1390").status == "COMPLETE"
        event.listen(database.engine, "before_cursor_execute", record)
        try:
            later = desk.account.book(db, user_id=desk.user)
        finally:
            event.remove(database.engine, "before_cursor_execute", record)
        assert reads == [folded]
        assert later == fresh().book(db, user_id=desk.user)


def test_waiting_gtt_entries_count_as_if_they_had_fired(desk: Desk, database: Database):
    """A firing trigger is not checked again, so entries waiting as GTTs count now."""
    gtts = GttBook(clock=desk.paper.clock, calendar=nse_calendar(), exchange=desk.paper.exchange)

    def leg(side: str, qty: int, price: str) -> dict[str, Any]:
        return {"transaction_type": side, "quantity": qty, "price": price, "product": "CNC"}

    with database.session() as db:
        desk.quote("NSE:WIPRO", "250")
        entry = GttSpec("NSE", "WIPRO", ["255"], "250", [leg("BUY", 100, "256")])
        stop = GttSpec("NSE", "INFY", ["1300"], "1380", [leg("SELL", 60, "1290")])
        oco = GttSpec(
            "NSE", "TCS", ["3400", "3600"], "3500", [leg("BUY", 5, "3401"), leg("BUY", 4, "3601")]
        )
        for spec in (entry, stop, oco):
            gtts.create(db, user_id=desk.user, spec=spec)
        book = desk.account.book(db, user_id=desk.user)
        desk.rule(db, RuleType.MAX_OPEN_POSITIONS, threshold_count=4)
        db.commit()
        refused = desk.check(db, "BUY", "NSE:ITC", 10, "420")

    assert [(w.key, w.quantity, w.price) for w in book.working] == [
        ("NSE:TCS", 10, D("3000")),  # the resting order
        ("NSE:WIPRO", 100, D("256")),  # the entry GTT, at its limit
        ("NSE:TCS", 5, D("3401")),  # the OCO's larger leg only; INFY's stop adds nothing
    ]
    assert book.exposure == D("193800") + D("25600") + D("17005")
    assert refused.refusal is not None
    assert "5 open, over the limit of 4" in refused.refusal
