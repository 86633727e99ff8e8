"""Migration 0032 moves a live order kept in a paper book (a fired live GTT adopted before
the fix) into its broker account's book, with its trades and their cash; paper rows stay."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import select, update

from tests.integration.conftest import PaperDesk
from tests.integration.test_migration_0027_books import _buy
from tradertape.db.engine import Database
from tradertape.db.migrate import alembic_config, current_revision, head_revision, upgrade
from tradertape.db.models.trading import CashEntry, Order, Trade
from tradertape.testkit import make_tick

pytestmark = pytest.mark.db


def test_a_live_order_in_a_paper_book_moves_to_its_brokers(paper: PaperDesk, database: Database):
    tick = make_tick("NSE:INFY", "1500", ts=paper.clock.now(), volume=10**6)
    with database.session() as db:
        live = paper.exchange.place(db, user_id=paper.user_id, spec=_buy(1), last=tick)
        paper_order = paper.exchange.place(db, user_id=paper.user_id, spec=_buy(2), last=tick)
        # as a fired live GTT's order was kept: at Kite, in the manual book
        db.execute(update(Order).where(Order.id == live.id).values(broker="kite"))
        db.commit()
        live_pk, paper_pk = live.id, paper_order.id

    command.downgrade(alembic_config(database.engine), "0031")
    upgrade(database.engine)
    assert current_revision(database.engine) == head_revision()

    with database.session() as db:
        assert db.get_one(Order, live_pk).book == "live:kite"
        assert db.get_one(Order, paper_pk).book == "manual"
        trades = {t.order_pk: t for t in db.scalars(select(Trade))}
        assert (trades[live_pk].book, trades[paper_pk].book) == ("live:kite", "manual")
        cash = {c.trade_pk: c.book for c in db.scalars(select(CashEntry)) if c.trade_pk}
        assert cash[trades[live_pk].id] == "live:kite"
        assert cash[trades[paper_pk].id] == "manual"
