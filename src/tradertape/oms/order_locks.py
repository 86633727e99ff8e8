"""Orders read under their owners' ledger locks, so no decision is made on a stale copy.

Whoever changes a paper order (a fill in the trading loop, a cancel or modify from any
API process, a session job) first holds the owner's ledger lock (`book_totals.lock_user_books`,
the same lock placement and booking take) and only then reads the order, fresh from the
database (``populate_existing``: a copy the session loaded earlier is overwritten). Two
changes to one user's orders therefore run one after the other, each seeing the other's
commit, and a fill always lands on the order as it is now.

The loop and the jobs touch many users at once: they find the owners with an unlocked
read, take all of their locks in one sorted call (no deadlock), then re-read only those
owners' orders with the same condition. An order that appears in between (a new user's
first order) is left for the next tick or run.

A model portfolio's order (in its book, ``portfolio:<id>``) may fill here, and its fill is
booked to the portfolio in this transaction by the fill event's subscriber, which holds the
portfolio's lock: so the portfolios' locks named by the orders' books are taken first,
before the ledger's (the lock order of every portfolio writer, `portfolio_books`), and a
portfolio's order that appears in between is left for the next tick or run too.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from tradertape.db.models.trading import Order
from tradertape.errors import NotFound
from tradertape.oms.book_totals import lock_user_books
from tradertape.oms.context import BROKER
from tradertape.oms.portfolio_books import hold_portfolios, portfolio_of_book


def lock_user(db: Session, user_id: int) -> None:
    """Hold the user's ledger lock (which also guards their orders) until the transaction ends."""
    lock_user_books(db, user_ids=[user_id], broker=BROKER)


def locked_orders(db: Session, where: ColumnElement[bool]) -> Sequence[Order]:
    """Paper orders matching `where`, read after their owners' locks are held, oldest first."""
    condition = (Order.broker == BROKER) & where
    found = db.execute(select(Order.user_id, Order.book).where(condition).distinct()).all()
    if not found:
        return []
    owners = sorted({user_id for user_id, _ in found})
    held = {book for _, book in found if portfolio_of_book(book) is not None}
    if held:  # before the ledger's: their fills are booked to them in this transaction
        hold_portfolios(db, sorted({portfolio_of_book(b) or 0 for b in held}))
    lock_user_books(db, user_ids=owners, broker=BROKER)
    orders = db.scalars(
        select(Order)
        .where(condition, Order.user_id.in_(owners))
        .order_by(Order.id)
        .execution_options(populate_existing=True)
    ).all()
    return [o for o in orders if o.book in held or portfolio_of_book(o.book) is None]


def locked_own_order(db: Session, *, user_id: int, order_id: str) -> Order:
    """One of the user's orders, read under their lock (404 for anyone else's); a model
    portfolio's order under its portfolio's lock first (a cancel of a part-filled entry
    books the entry to the portfolio: see the module)."""
    book = db.scalar(select(Order.book).where(Order.order_id == order_id, Order.user_id == user_id))
    portfolio_id = portfolio_of_book(book or "")
    if portfolio_id is not None:
        hold_portfolios(db, [portfolio_id])
    lock_user(db, user_id)
    order = db.scalar(
        select(Order)
        .where(Order.order_id == order_id, Order.user_id == user_id)
        .execution_options(populate_existing=True)
    )
    if order is None:
        raise NotFound(f"order {order_id} not found")
    return order
