"""Placement's cost and its guarantees: a few statements and one commit per order, funds
checked one order at a time across sessions, replays answered with the first order, and
clashing random ids drawn again instead of failing."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from tests.helpers import make_user
from tests.integration.conftest import PaperDesk
from tradertape.db import prepared
from tradertape.db.engine import Database
from tradertape.db.models import AuthAttempt
from tradertape.db.models.trading import CashEntry, Order, OrderEventRow, Trade
from tradertape.domain.instruments import Exchange
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.domain.risk import RuleType
from tradertape.oms import SubmitOrder, ledger, order_log
from tradertape.oms.paper.exchange import BROKER
from tradertape.oms.positions import cash_balance, cash_entries_total
from tradertape.ports.clock import IST
from tradertape.runtime import Runtime
from tradertape.services.risk.rules import RuleFields
from tradertape.services.risk.rules import create as create_rule
from tradertape.testkit import make_tick

# lock, balance + contract note, held margin, then order, history, trade, cash entries,
# contract note and balance: one statement each, whatever the backend.
MAX_STATEMENTS_PER_FILLED_BUY = 9
# Through the pipeline, a keyed order whose owner has a risk rule, counted by the SEBI
# ceiling: the key's pre-check and the catalog's stamp, then under the lock the books, the
# rules, the risk book (one statement), the order, its rate slot, its history, the trade,
# cash entries, contract note, balance and position. PostgreSQL sends the locks as a
# statement of their own (with the next one: one round trip), SQLite takes its write lock;
# PostgreSQL stores the trade and takes the rate slot in the order's statement
# (`order_log.claim_taking`). The audit trail (issue 54) adds its append per event batch: a
# read of the user's last entry and one insert (PostgreSQL also its ``audit:<user>`` lock).
STATEMENTS_THROUGH_THE_PIPELINE = {"sqlite": 15, "postgresql": 15}
# On PostgreSQL they go in four round trips: the key's pre-check with the catalog's stamp;
# the locks with the books, the rules and the risk book (the stamp and the gate's reads
# sent ahead, `Prepared.prefetch`); the order with its trade and rate slot, then the audit
# trail's lock and its read of the user's last entry riding behind it
# (`AuditTrail.read_ahead`; a round trip of their own before, issue 51); the rest with the
# commit.
ROUND_TRIPS_THROUGH_THE_PIPELINE = 4


def _spec(side: TransactionType, qty: int, price: str | None = None, **kw: Any) -> OrderSpec:
    return OrderSpec(
        exchange=Exchange.NSE,
        tradingsymbol="INFY",
        transaction_type=side,
        quantity=qty,
        product=kw.pop("product", Product.MIS),
        order_type=OrderType.LIMIT if price else OrderType.MARKET,
        price=Decimal(price) if price else None,
        **kw,
    )


@contextmanager
def _counting(database: Database) -> Iterator[dict[str, int]]:
    counts = {"statements": 0, "commits": 0}

    def statement(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        # Spent rate slots are pruned now and then (`db.rate_window.PRUNE_EVERY`).
        if not sql.startswith("DELETE FROM auth_attempts"):
            counts["statements"] += 1

    def commit(*_: Any) -> None:
        counts["commits"] += 1

    event.listen(database.engine, "before_cursor_execute", statement)
    event.listen(database.engine, "commit", commit)
    try:
        yield counts
    finally:
        event.remove(database.engine, "before_cursor_execute", statement)
        event.remove(database.engine, "commit", commit)


def test_a_filled_market_order_costs_a_few_statements_and_one_commit(
    paper: PaperDesk, database: Database
):
    tick = make_tick("NSE:INFY", "1400", ts=paper.clock.now())
    with database.session() as db:
        paper.exchange.place(  # the day's first fill creates its contract note
            db, user_id=paper.user_id, spec=_spec(TransactionType.BUY, 1), last=tick
        )
        with _counting(database) as counts:
            order = paper.exchange.place(
                db,
                user_id=paper.user_id,
                spec=_spec(TransactionType.BUY, 5),
                client_key="k-1",
                last=tick,
            )
    assert order.status == "COMPLETE"
    assert counts["statements"] <= MAX_STATEMENTS_PER_FILLED_BUY
    assert counts["commits"] == 1
    with database.session() as db:  # all of it committed: a new session sees it
        stored = db.scalar(select(Order).where(Order.client_key == "k-1"))
        assert stored is not None
        assert (stored.status, stored.filled_quantity) == ("COMPLETE", 5)
        kinds = db.scalars(
            select(OrderEventRow.kind)
            .where(OrderEventRow.order_pk == stored.id)
            .order_by(OrderEventRow.id)
        ).all()
        assert kinds == ["accepted", "filled"]
        trade = db.scalar(select(Trade).where(Trade.order_pk == stored.id))
        assert trade is not None
        entries = db.scalars(
            select(CashEntry.kind).where(CashEntry.trade_pk == trade.id).order_by(CashEntry.id)
        ).all()
        assert entries == ["buy", "charges"]
        assert cash_balance(db, user_id=paper.user_id, broker=BROKER) == cash_entries_total(
            db, user_id=paper.user_id, broker=BROKER
        )


def test_a_keyed_order_through_the_pipeline_and_its_gate_costs_its_counted_statements(
    runtime: Runtime, database: Database, monkeypatch: pytest.MonkeyPatch
):
    user_id = make_user(runtime, "counted@x.in")
    with database.session() as db:
        runtime.exchange.deposit(db, user_id=user_id, amount=Decimal(1_000_000))
        rule = RuleFields(type=RuleType.DAILY_LOSS_LIMIT, threshold_amount=Decimal(50_000))
        create_rule(db, rule, clock=runtime.clock, user_id=user_id)
    tick = make_tick("NSE:INFY", "1400", ts=runtime.clock.now())

    def submit(db: Session, key: str) -> Order:
        spec = _spec(TransactionType.BUY, 1)
        placed = runtime.orders.submit(
            db, SubmitOrder(user_id=user_id, spec=spec, last=tick, client_key=key)
        )
        return placed.order

    sends: list[int] = []
    send = prepared._send

    def counted(connection: Any, statements: list[Any], **kw: Any) -> Any:
        sends.append(len(statements))
        return send(connection, statements, **kw)

    with database.session() as db:
        submit(db, "first")  # the day's note, the position, the folded risk book
        monkeypatch.setattr(prepared, "_send", counted)
        with _counting(database) as counts:
            order = submit(db, "second")
    assert order.status == "COMPLETE"
    assert counts["statements"] == STATEMENTS_THROUGH_THE_PIPELINE[database.engine.dialect.name]
    if database.engine.dialect.name == "postgresql":
        assert len(sends) == ROUND_TRIPS_THROUGH_THE_PIPELINE  # every statement is prepared
    assert counts["commits"] == 1
    with database.session() as db:  # the whole order was committed, with its rate slot
        stored = db.scalar(select(Order).where(Order.client_key == "second"))
        assert stored is not None
        assert stored.filled_quantity == 1
        assert db.scalar(select(func.count()).select_from(AuthAttempt)) == 2
        assert cash_balance(db, user_id=user_id, broker=BROKER) == cash_entries_total(
            db, user_id=user_id, broker=BROKER
        )


def test_concurrent_buys_never_spend_the_same_cash_twice(paper: PaperDesk, database: Database):
    # Each resting buy holds ₹2.8 lakh of the ₹10 lakh: only three fit, however they race.
    tick = make_tick("NSE:INFY", "1500", ts=paper.clock.now())
    statuses: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def buy() -> None:
        start.wait()
        try:
            with database.session() as db:
                order = paper.exchange.place(
                    db,
                    user_id=paper.user_id,
                    spec=_spec(TransactionType.BUY, 200, "1400", product=Product.CNC),
                    last=tick,
                )
                statuses.append(order.status)
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=buy) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(statuses) == ["OPEN"] * 3 + ["REJECTED"] * 5
    with database.session() as db:
        assert paper.exchange.blocked(db, paper.user_id) == Decimal(840_000)


def test_a_replay_after_the_close_returns_the_first_order(paper: PaperDesk, database: Database):
    with database.session() as db:
        first = paper.exchange.place(
            db, user_id=paper.user_id, spec=_spec(TransactionType.BUY, 1, "1300"), client_key="k"
        )
        paper.clock.set(datetime(2026, 11, 20, 20, 0, tzinfo=IST))  # a regular order is refused now
        again = paper.exchange.place(
            db, user_id=paper.user_id, spec=_spec(TransactionType.BUY, 1, "1300"), client_key="k"
        )
        count = db.scalar(select(func.count()).select_from(Order))
    assert again.id == first.id
    assert count == 1


def test_clashing_random_ids_are_drawn_again(
    paper: PaperDesk, database: Database, monkeypatch: pytest.MonkeyPatch
):
    order_ids = iter(["261120000000001", "261120000000001", "261120000000002"])
    trade_ids = iter(["2611200000001", "2611200000001", "2611200000002"])
    monkeypatch.setattr(order_log, "new_order_id", lambda _now: next(order_ids))
    monkeypatch.setattr(ledger, "new_trade_id", lambda _at: next(trade_ids))
    tick = make_tick("NSE:INFY", "1400", ts=paper.clock.now())
    with database.session() as db:
        orders = [
            paper.exchange.place(
                db, user_id=paper.user_id, spec=_spec(TransactionType.BUY, 1), last=tick
            )
            for _ in range(2)
        ]
        trades = db.scalars(select(Trade.trade_id).order_by(Trade.id)).all()
    assert [o.order_id for o in orders] == ["261120000000001", "261120000000002"]
    assert trades == ["2611200000001", "2611200000002"]
