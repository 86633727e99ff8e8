"""Migration 0027 gives every stored order, trade and cash entry its book (docs/books.md),
on SQLite and PostgreSQL: a portfolio's order is in the portfolio's book, a worker run's in
the run's, a hand-placed one in the manual book, and each trade and its cash follow their
order; a deposit stays in the manual book.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from alembic import command
from sqlalchemy import select, update

from tests.integration.conftest import PaperDesk
from tradertape.db.engine import Database
from tradertape.db.migrate import alembic_config, current_revision, head_revision, upgrade
from tradertape.db.models.trading import CashEntry, Order, Trade
from tradertape.domain.instruments import Exchange
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.testkit import make_tick

pytestmark = pytest.mark.db


def _buy(quantity: int) -> OrderSpec:
    return OrderSpec(
        exchange=Exchange.NSE,
        tradingsymbol="INFY",
        transaction_type=TransactionType.BUY,
        quantity=quantity,
        product=Product.CNC,
        order_type=OrderType.MARKET,
    )


def test_stored_rows_get_the_book_of_their_order(paper: PaperDesk, database: Database):
    tick = make_tick("NSE:INFY", "1500", ts=paper.clock.now(), volume=10**6)
    placed = {}
    with database.session() as db:
        for name, attribution in (
            ("manual", None),
            ("portfolio:7", {"portfolio_id": 7, "signal_id": 3}),
            ("run:4", {"run_pk": 4, "tag": "wr4"}),
        ):
            order = paper.exchange.place(
                db, user_id=paper.user_id, spec=_buy(1), attribution=attribution, last=tick
            )
            placed[name] = order.order_id
        # as rows stored before books existed: every one in the manual book
        for model in (Order, Trade, CashEntry):
            db.execute(update(model).values(book="manual"))
        db.commit()

    command.downgrade(alembic_config(database.engine), "0026")
    upgrade(database.engine)
    assert current_revision(database.engine) == head_revision()

    with database.session() as db:
        books = {o.order_id: o.book for o in db.scalars(select(Order))}
        assert books == {order_id: book for book, order_id in placed.items()}
        for trade in db.scalars(select(Trade)):
            owner = db.get(Order, trade.order_pk)
            assert owner is not None
            assert trade.book == owner.book
            entries = db.scalars(select(CashEntry).where(CashEntry.trade_pk == trade.id))
            assert {e.book for e in entries} == {owner.book}
        deposits = db.scalars(select(CashEntry).where(CashEntry.kind == "deposit"))
        assert {e.book for e in deposits} == {"manual"}
        assert sum(e.amount for e in db.scalars(select(CashEntry))) < Decimal(1_000_000)
