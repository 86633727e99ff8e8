"""Orders read under their owners' ledger locks, so no decision is made on a stale copy.

Whoever changes a paper order (a fill in the trading loop, a cancel or modify from any
API process, a session job) first holds the owner's ledger lock (`book_totals.lock_user_books`,
the same lock placement and booking take) and only then reads the order, fresh from the
database (``populate_existing``: a copy the session loaded earlier is overwritten). Two
changes to one user's orders therefore run one after the other, each seeing the other's
commit, and a fill always lands on the order as it is now.

The loop and the jobs touch many users at once: they find the orders with an unlocked
read, take the locks of the orders' other owners that the events' watchers write under (a
worker run's: `emitter.hold_owners`, before any ledger lock), then all the users' ledger
locks in one sorted call (no deadlock), then re-read only those orders with the same
condition. An order that appears in between (a new order, whose owners' locks may not be
held) is left for the next tick or run.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from tradertape.db.models.trading import Order
from tradertape.db.models.workers import WorkerReplay
from tradertape.domain.owners import Owner
from tradertape.errors import NotFound
from tradertape.oms.book_totals import lock_user_books
from tradertape.oms.context import BROKER
from tradertape.oms.emitter import hold_owners, wants_owners


def lock_user(db: Session, user_id: int) -> None:
    """Hold the user's ledger lock (which also guards their orders) until the transaction ends."""
    lock_user_books(db, user_ids=[user_id], broker=BROKER)


def not_replayed(user_id: ColumnElement[int] | InstrumentedAttribute[int]) -> ColumnElement[bool]:
    """Whether `user_id` is not a worker replay's own account."""
    return ~exists().where(WorkerReplay.replay_user_id == user_id)


def locked_orders(db: Session, where: ColumnElement[bool]) -> Sequence[Order]:
    """Paper orders matching `where`, read after their owners' locks are held, oldest first.

    The market's jobs read orders through here (matching on the feed's ticks, square-off,
    expiry): a replay's account is left out, as it trades on the replay's clock and prices
    and its replay matches and ends its orders itself (`services.workers.replays`)."""
    return _locked(db, (Order.broker == BROKER) & not_replayed(Order.user_id) & where)


def locked_account_orders(db: Session, user_id: int, where: ColumnElement[bool]) -> Sequence[Order]:
    """One account's paper orders matching `where`, read as `locked_orders` reads them: a
    worker replay's session jobs (square-off, expiry) on the replay's own clock."""
    return _locked(db, (Order.broker == BROKER) & (Order.user_id == user_id) & where)


def _locked(db: Session, condition: ColumnElement[bool]) -> Sequence[Order]:
    found = db.execute(
        select(Order.id, Order.user_id, Order.attribution, Order.owner_kind, Order.owner_id).where(
            condition
        )
    ).all()
    if not found:
        return []
    hold_owners(
        db,
        [Owner.of(r.owner_kind, r.owner_id) for r in found],
        [r.attribution or {} for r in found],
    )
    lock_user_books(db, user_ids=sorted({r.user_id for r in found}), broker=BROKER)
    return db.scalars(
        select(Order)
        .where(condition, Order.id.in_([r.id for r in found]))
        .order_by(Order.id)
        .execution_options(populate_existing=True)
    ).all()


def locked_own_order(db: Session, *, user_id: int, order_id: str) -> Order:
    """One of the user's orders, read under their lock (404 for anyone else's), after the
    locks of its other owners that the events' watchers write under (a cancel of a model
    portfolio's part-filled entry books the entry to the portfolio: `emitter.hold_owners`)."""
    if wants_owners(db):
        owned = db.execute(
            select(Order.attribution, Order.owner_kind, Order.owner_id).where(
                Order.order_id == order_id, Order.user_id == user_id
            )
        ).first()
        if owned is not None:
            owner = Owner.of(owned.owner_kind, owned.owner_id)
            hold_owners(db, [owner], [owned.attribution or {}])
    lock_user(db, user_id)
    order = db.scalar(
        select(Order)
        .where(Order.order_id == order_id, Order.user_id == user_id)
        .execution_options(populate_existing=True)
    )
    if order is None:
        raise NotFound(f"order {order_id} not found")
    return order
