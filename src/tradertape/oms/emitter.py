"""Emitting the OMS's events (`oms.events`): with the transaction that records them, and
published only once it has committed.

Two places emit, so every venue (paper matching, a live broker's report, a virtual fill, a
fill reported from outside) emits the same events and no caller emits any:
`order_log.store_history` (each history row of an order is one event; a fill's row carries
the trade the ledger booked for it, `ledger.Ledger.fill`, so its event says what it was
charged) and the GTT books when a trigger fires (`gtt_triggered`).

Delivery has two stages, both set up by the composition root on an `OrderEvents` attached
to the database's session factories:

- **Watchers** (`OrderEvents.watch`) are called at once, in the transaction, with its
  session and the events of one order (or one trigger). What they write commits or rolls
  back with the change: the worker run's timeline is one (the worker contract writes an
  execution event in the transaction of the change, and its cursor follows the changes'
  order, a basket's legs before the basket's status).
- **Listeners** (`OrderEvents.listen`) get a transaction's events once it has committed, in
  the order they were recorded, in the committing thread: the bus relay (`bus.relay`)
  publishes them on ``orders.<user_id>`` and ``gtt.<user_id>``. A rolled-back transaction
  publishes nothing, and neither does a rolled-back savepoint inside a committed one (an
  all-or-none basket that failed, a guarded job's item that raised).

Why no outbox table (as mail has, `db.models.outbox`): the bus delivers at most once by
design (a subscriber that falls behind loses its oldest messages; Redis pub/sub keeps
nothing for a subscriber that is away), so a durable queue in front of it would promise
nothing its subscribers could count on, and would cost every order a write. A process that
dies between its commit and the publish loses what a subscriber that was reconnecting
would have lost anyway. What must not be missed is already durable, in the transaction: the
order's history and trades (the record every event is read from again) and whatever a
watcher writes. So what must agree with the books, or be told exactly once, watches (the
run's timeline, the audit chain, the notifications: `services.notifications.orders`);
what only informs or hurries listens (the streams; Telegram's delivery wakes on the bus).

**Owner locks.** A watcher that writes an owner's rows (a worker run's timeline and status)
writes them under that owner's lock, and every writer takes an owner's lock before the
user's ledger lock (run, then ledger). A watcher is called while the ledger's lock is held,
too late to take another lock first; so it declares, with `watch(owners=...)`, the names of
the locks it needs for orders of given attributions (the attribution travels on every
event: the watcher decides by the same data), and every OMS path that records events of an
order already placed (a live broker's report, `LiveOrders.book_report`; the paper matching
and the session jobs, `order_locks.locked_orders`; reconciliation's marks of an order its
broker no longer lists) calls `hold_owners` before it takes the ledger's lock. The
watcher, once called, finds its owner's lock held and never waits. A model portfolio's
lock can be one more registered owner lock.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from tradertape.db.engine import Database
from tradertape.db.locks import lock_names
from tradertape.db.models.trading import Gtt, Order
from tradertape.domain.enum_members import members_of
from tradertape.domain.order_state import EventKind
from tradertape.domain.owners import Owner, OwnerKind, owner_from
from tradertape.oms.events import (
    BY_KIND,
    GTT_SOURCE,
    GttTriggered,
    OmsEvent,
    OrderFilled,
    OrderUpdate,
    to_message,
    topic_of,
)
from tradertape.oms.owners import any_locks, owner_book, owner_locks

log = logging.getLogger("tradertape.oms.events")

#: Called in the transaction with its session and the events of one order or one trigger.
Watcher = Callable[[Session, Sequence[OmsEvent]], None]
#: Called after a commit with the transaction's events, in order.
Listener = Callable[[Sequence[OmsEvent]], None]
#: Called in the transaction just before an order of the user (the int) is claimed.
Ahead = Callable[[Session, int], None]
#: The names of the locks a watcher needs for the events of orders with these attributions
#: (a worker run's, `lock_names`), taken before the ledger's (`hold_owners`).
OwnerLocks = Callable[[Session, Sequence[Mapping[str, Any]]], Iterable[str]]

# What a session of an attached factory keeps in its `info`.
_HUB = "tradertape.oms.events"
_EVENT_KIND = members_of(EventKind)  # `EventKind(kind)`, as a dict read
_PENDING = "tradertape.oms.events.pending"  # recorded, not committed yet
_MARKS = "tradertape.oms.events.marks"  # each open savepoint: how many were pending at its start
_COMMITTING = "tradertape.oms.events.committing"  # the transaction ending now committed
_REQUESTED = "tradertape.oms.events.requested_by"  # a command's caller, for its first change
#: The key of a fill's history row under which `ledger.Ledger.fill` leaves its trade.
TRADE = "trade"


class OrderEvents:
    """Who hears the OMS's events: watchers in the transaction, listeners after it."""

    def __init__(self) -> None:
        self._watchers: list[tuple[Watcher, frozenset[OwnerKind] | None]] = []
        self._listeners: list[Listener] = []
        self._aheads: list[Ahead] = []
        self._owners: list[OwnerLocks] = []

    def watch(
        self, watcher: Watcher, *, ahead: Ahead | None = None, owners: OwnerLocks | None = None
    ) -> None:
        """Call `watcher` in the transaction of every change, as it is recorded; `ahead`,
        if given, just before an order is claimed (`read_ahead`), so the reads the watcher
        will make for its events ride with the claim's round trip; and `owners`, if given,
        before the ledger's lock is taken to record events of orders already placed
        (`hold_owners`): the locks the watcher writes under, which it cannot take itself."""
        self._watchers.append((watcher, None))
        if ahead is not None:
            self._aheads.append(ahead)
        if owners is not None and owners not in self._owners:  # watchers of one owner share it
            self._owners.append(owners)

    def follow(self, kinds: Iterable[OwnerKind], follower: Watcher) -> None:
        """Call `follower` in the transaction with the events of the orders (and triggers)
        whose owner is of one of `kinds` (`domain.owners`), and with no other: the OMS
        routes each event to its owner's followers, so none filters every order's events.
        The locks it writes under are its owner policy's (`oms.owners`), taken before the
        ledger's (`hold_owners`)."""
        self._watchers.append((follower, frozenset(kinds)))

    def listen(self, listener: Listener) -> None:
        """Call `listener` with each committed transaction's events (never raises into the
        committing code: a listener's failure is logged)."""
        self._listeners.append(listener)

    def attach(self, database: Database) -> None:
        """Emit through this hub in every session of `database` and of its jobs' pool (a
        database attached before is attached to this hub instead)."""
        for factory in _factories(database):
            _attach(factory, self)

    def detach(self, database: Database) -> None:
        """Stop emitting in new sessions of `database` (if it is attached to this hub)."""
        for factory in _factories(database):
            info = factory.kw.get("info", {})
            if info.get(_HUB) is self:
                factory.configure(info={k: v for k, v in info.items() if k != _HUB})

    def _record(self, db: Session, events: Sequence[OmsEvent]) -> None:
        if self._listeners:
            pending: list[OmsEvent] = db.info.setdefault(_PENDING, [])
            pending.extend(events)
        kind = None  # one order's (or trigger's) events: one owner, read once
        for watcher, kinds in self._watchers:
            if kinds is not None:
                kind = kind or events[0].owner.kind
                if kind not in kinds:
                    continue
            watcher(db, events)

    def _publish(self, events: Sequence[OmsEvent]) -> None:
        for listener in self._listeners:
            try:
                listener(events)
            except Exception:  # committed already: the caller must not see it fail
                log.exception("an OMS event listener failed; %d events not heard", len(events))


def _factories(database: Database) -> list[sessionmaker[Session]]:
    """The session factories of `database` and of its jobs' pool (the same one, or two)."""
    return list({id(f): f for f in (database.sessions, database.jobs.sessions)}.values())


# The factories whose sessions carry the hooks. Not `event.contains`: SQLAlchemy keys a
# class-level listener by the id of the factory's Session class, and keeps that key after
# the class is gone, so a later factory whose class got the same id looked hooked while it
# was not, and its commits published nothing (seen once in a long test run).
_HOOKED: weakref.WeakSet[sessionmaker[Session]] = weakref.WeakSet()


def _attach(factory: sessionmaker[Session], hub: OrderEvents) -> None:
    factory.configure(info={**factory.kw.get("info", {}), _HUB: hub})
    if factory in _HOOKED:
        return
    for name, listener in _HOOKS.items():
        event.listen(factory, name, listener)
    _HOOKED.add(factory)


def _began(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested and _HUB in session.info:
        marks: dict[SessionTransaction, int] = session.info.setdefault(_MARKS, {})
        marks[transaction] = len(session.info.get(_PENDING, ()))


def _committed(session: Session) -> None:
    session.info[_COMMITTING] = True  # the end of the transaction follows at once


def _ended(session: Session, transaction: SessionTransaction) -> None:
    info = session.info
    committed = info.pop(_COMMITTING, False)
    if transaction.nested:
        mark = info.get(_MARKS, {}).pop(transaction, None)
        pending = info.get(_PENDING)
        if not committed and mark is not None and pending:
            del pending[mark:]  # the savepoint's changes are gone: so are its events
        return
    if transaction.parent is not None:
        return
    info.pop(_MARKS, None)
    events = info.pop(_PENDING, None)
    hub = info.get(_HUB)
    if committed and events and hub is not None:
        hub._publish(events)


class Sender(Protocol):
    """Takes (topic, message) pairs to publish, made by a function it calls when it
    publishes them, and never waits (`bus.relay.Relay`)."""

    def send_made(
        self, count: int, make: Callable[[], Iterable[tuple[str, dict[str, Any]]]]
    ) -> None: ...


def to_bus(sender: Sender) -> Listener:
    """A listener handing each committed event to `sender` as its topic and message
    (`events.topic_of`, `events.to_message`), made on the sender's side (the relay's
    loop), not in the committing thread: the events are frozen values, and the list of a
    committed transaction's events is handed over, never changed after."""

    def publish(events: Sequence[OmsEvent]) -> None:
        sender.send_made(len(events), lambda: [(topic_of(e), to_message(e)) for e in events])

    return publish


_HOOKS: Mapping[str, Callable[..., None]] = {
    "after_transaction_create": _began,
    "after_commit": _committed,
    "after_transaction_end": _ended,
}


@contextmanager
def requesting(db: Session, by: Mapping[str, Any] | None) -> Iterator[None]:
    """Name `by` on the events of the first change recorded in `db` while the block runs
    (a command's own change: a cancel's, or the broker's report that follows it)."""
    if by is None:
        yield
        return
    db.info[_REQUESTED] = dict(by)
    try:
        yield
    finally:
        db.info.pop(_REQUESTED, None)


def read_ahead(db: Session, user_id: int) -> None:
    """An order of `user_id` is about to be claimed in `db`'s transaction (`admission`):
    the watchers' `ahead` hooks send ahead the reads its events will need, to ride with
    the claim (one round trip fewer an order on PostgreSQL: the audit trail's last entry).
    Nothing when the session's database has no `OrderEvents` attached."""
    hub: OrderEvents | None = db.info.get(_HUB)
    if hub is None:
        return
    for ahead in hub._aheads:
        ahead(db, user_id)


def wants_owners(db: Session) -> bool:
    """Whether owners' locks are held for the session's events (an `OrderEvents` is
    attached: its owners' policies, `oms.owners`, may name locks), so a caller that must
    read an order's owner for `hold_owners` reads it only then."""
    hub: OrderEvents | None = db.info.get(_HUB)
    return hub is not None and (bool(hub._owners) or any_locks())


def hold_owners(
    db: Session, owners: Sequence[Owner], attributions: Sequence[Mapping[str, Any]] = ()
) -> None:
    """Hold the locks the followers of these orders' events write under, in one sorted call
    (no deadlock among them): each owner's policy's (`oms.owners.owner_locks`), and those
    a watcher declared for the orders' `attributions` (`OrderEvents.watch`'s `owners`).
    Called by the OMS before it takes the ledger's lock to record events of orders already
    placed. Nothing when the session's database has no `OrderEvents` attached."""
    hub: OrderEvents | None = db.info.get(_HUB)
    if hub is None:
        return
    names = owner_locks(db, owners)
    named = [a for a in attributions if a] if hub._owners else []
    if named:
        names.update(name for owned in hub._owners for name in owned(db, named))
    if names:
        lock_names(db, names)


def order_history(db: Session, order: Order, rows: Sequence[Mapping[str, Any]]) -> None:
    """Emit one event per history row of `order` being stored (`order_log.store_history`);
    nothing when the session's database has no `OrderEvents` attached."""
    hub: OrderEvents | None = db.info.get(_HUB)
    if hub is None or not rows:
        return
    header = {
        "user_id": order.user_id,
        "order_id": order.order_id,
        "broker_order_id": order.broker_order_id,
        "broker": order.broker,
        "book": order.book,
        "source": order.source,
        "attribution": dict(order.attribution or {}),
        "exchange": order.exchange,
        "tradingsymbol": order.tradingsymbol,
        "transaction_type": order.transaction_type,
        "product": order.product,
        "quantity": order.quantity,
        "requested_by": db.info.pop(_REQUESTED, None),  # the command's first change only
    }
    hub._record(db, [_order_event(header, row) for row in rows])


def _order_event(header: dict[str, Any], row: Mapping[str, Any]) -> OrderUpdate:
    kind = _EVENT_KIND(row["kind"])
    common = {
        **header,
        "previous_status": row["status_before"],
        "status": row["status_after"],
        "filled_quantity": row["filled_after"],
        "average_price": row["average_after"],
        "message": row["message"],
        "ts_event": row["ts_event"],
        "ts_init": row["ts_init"],
    }
    if kind is not EventKind.FILLED:
        return BY_KIND[kind](**common)
    trade: Mapping[str, Any] = row.get(TRADE) or {}
    return OrderFilled(
        **common,
        fill_quantity=row["fill_quantity"],
        fill_price=row["fill_price"],
        charges=trade.get("charges", Decimal(0)),
        broker_trade_id=trade.get("broker_trade_id"),
    )


def gtt_triggered(db: Session, gtt: Gtt, leg: int, at: datetime) -> None:
    """Emit `GttTriggered` for `gtt`, whose leg `leg` fired at `at` (claimed just now)."""
    hub: OrderEvents | None = db.info.get(_HUB)
    if hub is None:
        return
    order = gtt.orders[leg]
    fired = GttTriggered(
        user_id=gtt.user_id,
        trigger_id=gtt.id,
        broker=gtt.broker,
        book=owner_book(gtt.broker, owner_from(GTT_SOURCE, gtt.attribution)),
        attribution=dict(gtt.attribution or {}),
        exchange=gtt.exchange,
        tradingsymbol=gtt.tradingsymbol,
        leg=leg,
        trigger_value=Decimal(gtt.trigger_values[leg]),
        transaction_type=str(order.get("transaction_type")),
        quantity=int(order.get("quantity") or 0),
        ts_event=at,
        ts_init=at,
    )
    hub._record(db, [fired])
