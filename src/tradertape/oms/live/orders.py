"""Live orders: admitted by the one sequence every new order passes (`oms.admission.admit`,
with this venue's act, `_LiveAct`: rules, gate, key and SEBI slot, record), then sent to the
user's broker; the broker's reports of them booked exactly once.

Placement stores the order (status ``PUT ORDER REQ RECEIVED``, no broker id) and commits
before the broker hears of it, so a crash or a timeout leaves a row that says so. The
adapter tags the order with our order id and, after an ambiguous failure, looks it up by
that tag before placing again (`Broker.find_order`); `resolve_unsent` does the same for
rows whose send outcome we never learnt, and never sends them again.

Fills reach us three ways (postback, the ticker socket's order updates, polling); each
becomes a `BrokerReport` and goes through `apply_report`. A report showing more filled than
we booked has the broker's tradebook read (once per poll sweep per user and broker) and
books each of the order's trades not booked yet, by its trade id, at its own price and
exchange time; what the tradebook does not list (or a failed read) is booked as the
cumulative difference at the price that makes the broker's average (`oms.live.orders.broker_trades`
has the rule that keeps the two from ever booking a quantity twice). All under the user's
ledger lock: a report seen twice, or late, books nothing. Charges come from our schedule,
through the same `Ledger` the paper exchange books with, in the broker's own books
(``broker`` column). What a report books is recorded as the order's events, which the OMS's
watchers hear in the booking's transaction (a worker run's timeline and an option run's
status); the locks of the owners they write for (`emitter.hold_owners`: a worker run's) are
taken before the ledger's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models.trading import Order, Trade
from tradertape.domain.books import live_book
from tradertape.domain.decimal_input import parse_decimal
from tradertape.domain.instruments import Instrument, InstrumentCatalog
from tradertape.domain.market import Tick
from tradertape.domain.order_state import PENDING, EventKind, OrderEvent, OrderStatus
from tradertape.domain.orders import OrderSpec
from tradertape.domain.owners import Owner
from tradertape.errors import BadRequest, NotFound, ServiceUnavailable, TraderTapeError
from tradertape.oms import modification, slicing
from tradertape.oms.admission import admit, claim_counted
from tradertape.oms.commands import SubmitOrder
from tradertape.oms.context import BROKER as PAPER
from tradertape.oms.context import TradingContext
from tradertape.oms.emitter import hold_owners
from tradertape.oms.job_guard import UNGUARDED, Guard
from tradertape.oms.ledger import Ledger
from tradertape.oms.live.algo_identity import AlgoIdentity
from tradertape.oms.live.broker_trades import BrokerTrade, Tradebook, plan_fills
from tradertape.oms.live.static_ip import PublicIp, no_public_ip, refuse_if_elsewhere
from tradertape.oms.order_log import (
    UNPLACED,
    apply_event,
    entry_status,
    new_order,
    record,
    spec_of,
    store_history,
)
from tradertape.oms.order_rules import listed
from tradertape.oms.slicing import SliceOf
from tradertape.ports.broker import (
    Broker,
    BrokerError,
    SessionExpired,
    SlicedOrder,
    SlicesOrders,
    TransientBrokerError,
    book_size,
)

log = logging.getLogger("tradertape.oms.live.orders")
# No session (409) or no answer from the broker: expected, retried next sweep, not a fault
# of the order (anything else is, and goes to the job guard).
UNREACHABLE = (TraderTapeError, BrokerError)

# A row still unsent after this long lost its send (a crash, a timeout): look it up.
SEND_GRACE = timedelta(seconds=30)
_PRICE = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class LiveBroker:
    """The user's connected broker: its name and an adapter (which finds an order of ours
    by the idempotency key it was sent with: `Broker.find_order`)."""

    name: str
    adapter: Broker
    static_ip: str | None = None  # the address registered with the broker (SEBI), if told


class SessionEnded(Protocol):
    """Told when a broker refuses a user's access token in a sweep (a master logout, or a
    token that died early): the session is marked ended and the user told to log in again,
    so the next sweeps skip that broker (no session) instead of failing every pass."""

    def __call__(self, db: Session, user_id: int, broker: str, reason: str) -> None: ...


def _no_hook(db: Session, user_id: int, broker: str, reason: str) -> None:
    """Nobody to tell (unit tests)."""


class LiveBrokers(Protocol):
    """(session, user id, broker name) → that live broker of the user's; without a name,
    the user's one connected broker. Raises (a 409) when it is not connected, or when no
    name is given and none or several are."""

    def __call__(self, db: Session, user_id: int, broker: str | None = None) -> LiveBroker: ...


@dataclass(frozen=True, slots=True)
class BrokerReport:
    """What a broker says of one of its orders, whichever way it said it."""

    broker_order_id: str
    status: str
    filled_quantity: int
    average_price: Decimal
    message: str | None = None
    problem: str | None = None  # why the report cannot be booked (malformed figures)


def kite_report(data: dict[str, Any]) -> BrokerReport:
    """A report from Kite's order shape (postback, socket update, ``/orders`` row).

    Every adapter answers ``orders()`` in this shape (another broker's statuses
    are mapped to Kite's there), so it reads their rows too. Figures that are not numbers (``""``,
    ``"abc"``, NaN, negative, a fractional quantity, a fill without a price) give a report
    with its `problem` set, which `apply_report` skips: never an exception, never a fill
    booked at a made-up price.
    """
    order_id, status = str(data.get("order_id")), str(data.get("status") or "")
    filled, average = _figure(data.get("filled_quantity")), _figure(data.get("average_price"))
    if (
        filled is None
        or average is None
        or filled != filled.to_integral_value()
        or (filled > 0 and average == 0)
    ):
        problem = (  # each figure shown as sent, up to 40 characters
            f"unusable figures: filled_quantity={repr(data.get('filled_quantity'))[:40]}, "
            f"average_price={repr(data.get('average_price'))[:40]}"
        )
        return BrokerReport(order_id, status, 0, Decimal(0), problem=problem)
    message = data.get("status_message") or None
    return BrokerReport(order_id, status, int(filled), average, message)


def _figure(value: object) -> Decimal | None:
    """A reported quantity or price: missing is 0; anything but a finite number ≥ 0 is None."""
    if value is None:
        return Decimal(0)
    if isinstance(value, bool):
        return None
    try:  # sized before any arithmetic: int() of a reported "1E+600000" ran for minutes
        number = parse_decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        return None
    return number if number >= 0 else None


@dataclass(frozen=True, slots=True)
class LiveSubmitted:
    """The order and whether it is the first one for its key (a replay sends nothing)."""

    order: Order
    replayed: bool


NEVER_RECEIVED = "The broker never received this order; it was not sent again."


def _unsent_slices(
    db: Session, adapter: Broker, order: Order
) -> tuple[list[Order], SlicesOrders] | None:
    """The children of `order`'s sliced send, when that one send is what went unanswered
    (every child unplaced, no broker id) at a broker that slices itself; else None (an
    order sent whole, or a child the pipeline sent on its own, is found by its own key)."""
    if order.slice_parent is None or not isinstance(adapter, SlicesOrders):
        return None
    group = slicing.children(db, order)
    unsent = all(r.status == UNPLACED and r.broker_order_id is None for r in group)
    return (group, adapter) if unsent else None


def _child_sizes(placed: SlicedOrder, adapter: Broker) -> dict[str, int] | None:
    """Each placed child's size by the broker's id: from the answer when it carries every
    one, else from one read of the broker's order book (`book_size`); None when the book
    cannot be read."""
    said = {c.order_id: c.quantity for c in placed.children if c.order_id is not None}
    if all(size is not None for size in said.values()):
        return {key: size for key, size in said.items() if size is not None}
    try:
        book = adapter.orders()
    except BrokerError as exc:
        log.warning("sliced order %s: book unread (%s)", placed.order_id, exc)
        return None
    sizes = {str(r.get("order_id")): book_size(r) for r in book}
    return {key: size for key, size in sizes.items() if size is not None}


def _committed(command: SubmitOrder) -> SubmitOrder:
    """`command`, committed by `admit` whatever the caller asked: a live order's row is
    committed before it is sent, and a racing duplicate's answer with it."""
    return command if command.commit else replace(command, commit=True)


class LiveOrders:
    """Places, changes and books the live orders of every user."""

    def __init__(
        self,
        *,
        context: TradingContext,
        brokers: LiveBrokers,
        identity: AlgoIdentity | None = None,
        public_ip: PublicIp = no_public_ip,
        session_ended: SessionEnded = _no_hook,
    ) -> None:
        self._context = context
        self._brokers = brokers
        self._identity = identity or AlgoIdentity()
        self._public_ip = public_ip
        self.session_ended = session_ended
        self._act = _LiveAct(self.sending, self._identity.algo_id)

    def sending(self, db: Session, user_id: int, name: str | None = None) -> LiveBroker:
        """The user's broker for a request that places or changes something there, after
        SEBI's static-IP pre-flight (`oms.live.static_ip`: a 409 when this server's public
        egress is known and is not the registered address; nothing is stored or sent)."""
        broker = self._brokers(db, user_id, name)
        if broker.static_ip:
            refuse_if_elsewhere(broker.name, broker.static_ip, self._public_ip(broker.name))
        return broker

    def catalog(self, db: Session) -> InstrumentCatalog:
        """The instruments orders are checked against (a live GTT's adopted order too)."""
        return self._context.catalog(db)

    def place(
        self, db: Session, command: SubmitOrder, *, broker_name: str | None = None
    ) -> LiveSubmitted:
        """Validate, pass the gate, record, then send; a refusal is stored and never sent
        (`oms.admission.admit`, with the live act, `_LiveAct`).

        `broker_name` picks one of the user's connected brokers (by default their only
        one). The broker checks funds and market hours itself (its answer is stored); our
        paper funds check does not apply to money we do not hold. The command's
        attribution is kept with the order (a worker run's names the run, so the gate
        applies the run's rules too), and its ``on_record`` writes the caller's own rows in
        the transaction that records the order. A repeated key was answered by the
        pipeline (`oms.orders`) before this; a racing duplicate loses the claim and gets
        the first order. The order is committed whatever the command's ``commit``: nothing
        is sent before its row is.
        """
        sending = _Sending(broker_name)
        stored, claimed = admit(self._context, db, _committed(command), self._act, sending)
        if claimed and stored.status == UNPLACED:  # committed: now the broker may hear of it
            self._send(db, stored, command.spec, sending.sent())
        return LiveSubmitted(stored, not claimed)

    def broker_slice_cap(self, db: Session, user_id: int, name: str | None = None) -> int | None:
        """The most children the user's broker `name` slices an order above the freeze
        quantity into itself (its row's `slice_cap` in `domain.brokers`:
        `SlicesOrders`); None for a broker that does not (the pipeline slices)."""
        adapter = self._brokers(db, user_id, name).adapter
        return adapter.slice_cap if isinstance(adapter, SlicesOrders) else None

    def place_sliced(
        self,
        db: Session,
        command: SubmitOrder,
        cuts: Sequence[int],
        *,
        broker_name: str | None = None,
    ) -> tuple[list[Order], bool]:
        """Place `command` above its freeze quantity at a broker that slices it itself: one
        request with the broker's slicing, answered with its children.

        The same sequence as `place` (`oms.admission.admit`): its act makes a row for each
        child of `cuts` (the broker's rule: `oms.slicing.slices`), sharing one
        ``slice_parent``; the first, keeping the client's key, is judged by the gate at the
        parent's quantity (the parent counts once against the limits), and every child
        claims its own key and its own slot under SEBI's ceiling. All are recorded and
        committed before the send, which carries the first child's id as its key; each
        child the broker answers gives its row the broker's id (or, refused, its reason). A
        refused first child stores no more and sends nothing. The rows and whether they
        answer a racing duplicate's key."""
        parent = slicing.parent_key(command.client_key)
        whole = replace(
            command,
            commit=True,  # every child is stored before the broker hears of any
            slice_of=SliceOf(parent, 1, len(cuts), command.spec.quantity),
        )
        sending = _Sending(broker_name, cuts)
        stored, claimed = admit(self._context, db, whole, self._act, sending)
        if not claimed:
            return slicing.children(db, stored), True
        if stored.status == UNPLACED:  # committed: now the broker may hear of it
            broker = sending.sent()
            adapter = broker.adapter
            assert isinstance(adapter, SlicesOrders)
            self._send_sliced(db, sending.rows, command.spec, broker, adapter)
        return sending.rows, False

    def _send_sliced(
        self,
        db: Session,
        rows: list[Order],
        spec: OrderSpec,
        broker: LiveBroker,
        adapter: SlicesOrders,
    ) -> None:
        """One request with the broker's slicing for the whole of `spec`; its answer
        settles each child's row (an unknown outcome leaves them for `resolve_unsent`)."""
        now = self._context.clock.now()
        whole = replace(spec, autoslice=True)
        try:
            placed = adapter.place_sliced(
                whole, idempotency_key=rows[0].order_id, algo_id=rows[0].algo_id
            )
        except TransientBrokerError as exc:
            log.warning("live order %s: sliced send outcome unknown (%s)", rows[0].order_id, exc)
            self._left_from(rows, broker)
            db.commit()
            return
        except BrokerError as exc:  # refused whole: every child is
            self._left_from(rows, broker)
            for row in rows:
                record(db, row, OrderEvent(EventKind.REJECTED, now, message=str(exc)), now)
            db.commit()
            return
        self._left_from(rows, broker)
        # Always matched to the broker's children, as the lost answer's recovery is: a
        # broker whose freeze quantity is not ours may answer as many children as ours
        # in other sizes (20, 20, 17 lots against our 27, 27, 3).
        extras = self._resliced(db, rows, placed, broker.adapter)
        self._settle_slices(db, rows, placed, entry_status(spec), extras)

    def _left_from(self, rows: list[Order], broker: LiveBroker) -> None:
        address = self._identity.left_from(broker.name, broker.adapter)
        for row in rows:
            row.egress_ip = address

    def _resliced(
        self, db: Session, rows: list[Order], placed: SlicedOrder, adapter: Broker
    ) -> list[Order]:
        """Our rows of a sliced order, made to match the broker's children exactly (its
        freeze quantity may not be the one we hold: more, fewer or as many children as
        ours, in other sizes): every placed child's row takes the broker's size (the
        broker's slices are what fill and what a cancel leaves), and the children placed
        beyond ours get rows of their own, so their fills are booked: each as the last of
        ours, under the same ``slice_parent``, taking no slot under SEBI's ceiling (they
        came with the one request that took ours). The sizes come with the answer when it
        carries them (a lost answer found by tag), else from one read of the broker's
        order book. Returns the new rows; none when the book cannot be read (the sizes
        stay ours and the extras are only logged)."""
        sizes = _child_sizes(placed, adapter)
        if sizes is None:
            return []
        answered = [c.order_id for c in placed.children]
        for row, broker_id in zip(rows, answered, strict=False):
            size = sizes.get(broker_id) if broker_id is not None else None
            if size is not None and size != row.quantity:
                log.info(
                    "sliced order %s: child %s is %d at the broker, not %d",
                    placed.order_id,
                    broker_id,
                    size,
                    row.quantity,
                )
                row.quantity = size
        last, now = rows[-1], self._context.clock.now()
        instrument = listed(self._context.catalog(db), spec_of(last))
        extras: list[Order] = []
        for index, broker_id in enumerate(answered[len(rows) :], start=len(rows) + 1):
            size = sizes.get(broker_id) if broker_id is not None else None
            if size is None:
                continue  # refused, or not in the book: nothing of ours to fill
            extra = new_order(
                last.user_id,
                replace(spec_of(last), quantity=size),
                instrument,
                client_key=slicing.child_key(rows[0].client_key, last.slice_parent or "", index),
                source=last.source,
                attribution=last.attribution,
                now=now,
            )
            extra.broker, extra.book, extra.algo_id = last.broker, last.book, last.algo_id
            extra.slice_parent, extra.egress_ip = last.slice_parent, last.egress_ip
            extra.broker_order_id = broker_id
            claim_counted(self._context, db, extra, counted=False, exit_only=False)
            extras.append(extra)
        return extras

    def _settle_slices(
        self,
        db: Session,
        rows: list[Order],
        placed: SlicedOrder,
        status: OrderStatus,
        extras: Sequence[Order] = (),
    ) -> None:
        """Each row takes its child of the broker's answer, in order: the broker's id, or
        the reason it refused that child; a row the broker answered no child for is
        refused saying so (the broker sliced otherwise than the freeze quantity we hold).
        `extras` (children beyond ours, `_resliced`) are accepted with their ids."""
        now = self._context.clock.now()
        answered = list(placed.children)
        if len(answered) != len(rows):
            log.warning(
                "sliced order %s: %d children answered for %d slices",
                placed.order_id,
                len(answered),
                len(rows),
            )
        for index, row in enumerate(rows):
            child = answered[index] if index < len(answered) else None
            if child is not None and child.order_id is not None:
                row.broker_order_id = child.order_id
                record(db, row, OrderEvent(EventKind.ACCEPTED, now, status_after=status), now)
                continue
            message = (
                child.error
                if child is not None and child.error
                else f"The broker placed {len(answered)} slices; this one was not placed."
            )
            record(db, row, OrderEvent(EventKind.REJECTED, now, message=message), now)
        for extra in extras:
            record(db, extra, OrderEvent(EventKind.ACCEPTED, now, status_after=status), now)
        db.commit()

    def _send(self, db: Session, order: Order, spec: OrderSpec, broker: LiveBroker) -> None:
        now = self._context.clock.now()
        try:
            broker_id = broker.adapter.place_order(
                spec, idempotency_key=order.order_id, algo_id=order.algo_id
            )
        except TransientBrokerError as exc:  # outcome unknown: `resolve_unsent` finds out
            log.warning("live order %s: send outcome unknown (%s)", order.order_id, exc)
            order.egress_ip = self._identity.left_from(broker.name, broker.adapter)
            db.commit()
            return
        except BrokerError as exc:  # refused outright (funds, session, fields)
            order.egress_ip = self._identity.left_from(broker.name, broker.adapter)
            record(db, order, OrderEvent(EventKind.REJECTED, now, message=str(exc)), now)
            db.commit()
            return
        order.egress_ip = self._identity.left_from(broker.name, broker.adapter)
        self._accepted(db, order, broker_id, entry_status(spec))

    def _accepted(self, db: Session, order: Order, broker_id: str, status: OrderStatus) -> None:
        now = self._context.clock.now()
        order.broker_order_id = broker_id
        record(db, order, OrderEvent(EventKind.ACCEPTED, now, status_after=status), now)
        db.commit()

    def resolve_unsent(self, db: Session, guard: Guard = UNGUARDED) -> int:
        """Settle rows recorded but never acknowledged: found by tag, or marked rejected.

        Nothing is sent again: a row the broker does not know is rejected with a message
        saying so (the user decides whether to place it anew). The children of one sliced
        send are settled together (`_recover_slices`). Returns the rows settled.
        """
        cutoff = self._context.clock.now() - SEND_GRACE
        rows = db.scalars(
            select(Order).where(
                Order.broker != PAPER,
                Order.status == UNPLACED,
                Order.broker_order_id.is_(None),
                Order.placed_at <= cutoff,
            )
        ).all()

        def settle(order: Order) -> int:
            if order.status != UNPLACED or order.broker_order_id is not None:
                return 0  # settled with its sliced send's other children in this sweep
            key = f"order:{order.order_id}"
            try:
                broker = self._brokers(db, order.user_id, order.broker)
                group = _unsent_slices(db, broker.adapter, order)
                if group is not None:
                    sliced = group[1].find_sliced(group[0][0].order_id)
                else:
                    found = self._lookup(db, broker.adapter, order)
            except UNREACHABLE as exc:  # no session, or the broker did not answer: next sweep
                guard.note("live.resolve_unsent", key, f"lookup failed ({exc})")
                return 0
            guard.note("live.resolve_unsent", key, None)
            if group is not None:
                return self._recover_slices(db, group[0], sliced, broker.adapter)
            if found is not None:
                self._accepted(db, order, found, entry_status(spec_of(order)))
            else:
                now = self._context.clock.now()
                record(db, order, OrderEvent(EventKind.REJECTED, now, message=NEVER_RECEIVED), now)
                db.commit()
            return 1

        settled = guard.each(
            rows,
            job="live.resolve_unsent",
            key=lambda order: f"order:{order.order_id}",
            owner=lambda order: order.user_id,
            work=settle,
            db=db,
        )
        return sum(settled)

    def _recover_slices(
        self, db: Session, rows: list[Order], found: SlicedOrder | None, adapter: Broker
    ) -> int:
        """Settle the children of one sliced send whose answer was lost, from what the
        broker's book holds under the first child's tag (`found`), never sending again.

        The broker may have sliced finer or coarser than our figures (its freeze quantity
        is not ours), so the children are matched as the send's own answer is: each of
        ours takes, in placement order, the broker's child and its size in the book; the
        broker's children beyond ours get rows of their own (their fills are booked); ours
        beyond the broker's are refused saying so. None found: the broker never received
        the send, and every child is refused. Returns the rows settled (ours)."""
        if found is None:
            now = self._context.clock.now()
            for row in rows:
                record(db, row, OrderEvent(EventKind.REJECTED, now, message=NEVER_RECEIVED), now)
            db.commit()
            return len(rows)
        log.warning(
            "sliced order %s: answer lost, %d children found for %d slices",
            rows[0].order_id,
            len(found.children),
            len(rows),
        )
        extras = self._resliced(db, rows, found, adapter)
        self._settle_slices(db, rows, found, entry_status(spec_of(rows[0])), extras)
        return len(rows)

    @staticmethod
    def _lookup(db: Session, adapter: Broker, order: Order) -> str | None:
        """The broker's id of an order whose send we never heard back from: by its own key,
        or, a child of a sliced send some of whose children were settled, its place among
        the children found under the first child's key."""
        if order.slice_parent is None or not isinstance(adapter, SlicesOrders):
            return adapter.find_order(order.order_id)
        group = slicing.children(db, order)
        found = adapter.find_sliced(group[0].order_id)
        index = next(i for i, row in enumerate(group) if row.id == order.id)
        if found is None or index >= len(found.children):
            return None
        return found.children[index].order_id

    def apply_report(
        self,
        db: Session,
        broker: str,
        report: BrokerReport,
        tradebook: Tradebook | None = None,
    ) -> bool:
        """Book what `report` adds to our order and commit; False if it is not ours."""
        order = self.book_report(db, broker, report, tradebook)
        if order is None:
            return False
        db.commit()
        return True

    def apply_kite_update(self, db: Session, broker: str, payload: Mapping[str, Any]) -> bool:
        """`apply_report` of a report in Kite's order shape (a postback, a ticker update)."""
        return self.apply_report(db, broker, kite_report(dict(payload)))

    def book_report(
        self,
        db: Session,
        broker: str,
        report: BrokerReport,
        tradebook: Tradebook | None = None,
    ) -> Order | None:
        """Book what `report` adds to our order in the caller's transaction (which commits);
        the order, or None if it is not ours.

        When the broker reports more filled than we booked, its trades for the order are
        booked one by one (read from `tradebook`, or else from the user's broker now,
        before the ledger lock is taken); what they do not cover is the cumulative
        difference at the price that moves our average to the broker's. A report already
        applied adds nothing.
        """
        if report.problem is not None:  # the next report (poll, socket) will say
            log.warning(
                "%s order %s: report skipped (%s)", broker, report.broker_order_id, report.problem
            )
            return None
        found = db.execute(
            select(
                Order.id,
                Order.user_id,
                Order.quantity,
                Order.filled_quantity,
                Order.status,
                Order.attribution,
                Order.owner_kind,
                Order.owner_id,
            ).where(Order.broker == broker, Order.broker_order_id == report.broker_order_id)
        ).first()
        if found is None:
            return None
        trades = None  # the broker's tradebook is read before any lock is taken
        grew = min(report.filled_quantity, found.quantity) > found.filled_quantity
        if grew and not OrderStatus(found.status).is_terminal:  # a closed order books nothing
            book = tradebook or self._tradebook(db, found.user_id, broker)
            trades = book.for_order(report.broker_order_id)
        # The owners' locks the events' watchers write under (a worker run's), before the
        # ledger's: the watchers are called under it (`emitter.hold_owners`).
        hold_owners(db, [Owner.of(found.owner_kind, found.owner_id)], [found.attribution or {}])
        ledger = Ledger(db, broker=broker)
        ledger.lock(found.user_id)
        order = db.scalar(
            select(Order).where(Order.id == found.id).execution_options(populate_existing=True)
        )
        assert order is not None
        now = self._context.clock.now()
        history: list[dict[str, Any]] = []
        if not OrderStatus(order.status).is_terminal:
            history += self._book_fills(db, ledger, order, report, trades, now)
        final = _FINAL.get(report.status)
        if final is not None and not OrderStatus(order.status).is_terminal:
            history.append(apply_event(order, OrderEvent(final, now, message=report.message), now))
        store_history(db, order, history)  # its events: a run's timeline and status hear them
        ledger.write()
        return order

    def _book_fills(
        self,
        db: Session,
        ledger: Ledger,
        order: Order,
        report: BrokerReport,
        trades: list[BrokerTrade] | None,
        now: datetime,
    ) -> list[dict[str, Any]]:
        """Book the fills that bring `order` to the broker's filled quantity; their history."""
        named = db.execute(
            select(Trade.broker_trade_id, Trade.quantity).where(Trade.order_pk == order.id)
        ).all()
        fills = plan_fills(
            ordered=order.quantity,
            booked_quantity=order.filled_quantity,
            booked_value=order.filled_value,
            booked_ids={str(t) for t, _ in named if t is not None},
            unnamed_quantity=sum(q for t, q in named if t is None),
            reported_quantity=report.filled_quantity,
            reported_average=report.average_price,
            trades=trades,
        )
        history: list[dict[str, Any]] = []
        if not fills:
            return history
        if order.status == OrderStatus.AMO_REQ_RECEIVED.value:  # the broker released it
            released = OrderEvent(EventKind.RELEASED, now, status_after=OrderStatus.OPEN)
            history.append(apply_event(order, released, now))
        if order.status == OrderStatus.TRIGGER_PENDING.value:
            history.append(apply_event(order, OrderEvent(EventKind.TRIGGERED, now), now))
        instrument = self._context.catalog(db).get(f"{order.exchange}:{order.tradingsymbol}")
        for fill in fills:
            at = fill.at or now
            event = OrderEvent(
                EventKind.FILLED, at, fill_quantity=fill.quantity, fill_price=fill.price
            )
            booked = ledger.fill(order, instrument, event, now, broker_trade_id=fill.trade_id)
            history.append(booked)
        return history

    def _tradebook(self, db: Session, user_id: int, broker: str) -> Tradebook:
        """The user's tradebook at `broker`, read on first need (unreadable without a session)."""
        try:
            adapter = self._brokers(db, user_id, broker).adapter
        except Exception as exc:  # no session: book by the cumulative difference
            log.warning("%s tradebook for user %s unavailable (%s)", broker, user_id, exc)
            return Tradebook(None)
        return Tradebook(adapter.trades)

    def apply_reports(
        self,
        db: Session,
        broker: str,
        reports: Iterable[BrokerReport],
        tradebook: Tradebook | None = None,
    ) -> int:
        """`apply_report` for each, sharing one tradebook read; how many were ours."""
        return sum(self.apply_report(db, broker, report, tradebook) for report in reports)

    def broker(self, db: Session, user_id: int, name: str | None = None) -> LiveBroker:
        """The user's connected live broker `name` (by default their only one; 409 when it
        is not connected), for reads such as margins."""
        return self._brokers(db, user_id, name)

    def refresh(
        self,
        db: Session,
        *,
        user_id: int,
        broker_order_ids: Iterable[str],
        broker_name: str | None = None,
    ) -> int:
        """Ask the user's broker about these orders of theirs now and book what it says.

        For a reader that wants the broker's word rather than the last poll's; no answer
        (no session, a timeout) books nothing and the stored state stands.
        """
        ids = set(broker_order_ids)
        if not ids:
            return 0
        try:
            broker = self._brokers(db, user_id, broker_name)
            rows = broker.adapter.orders()
        except Exception as exc:  # the poll, a postback or the socket will say
            log.warning("live refresh for user %s failed (%s)", user_id, exc)
            return 0
        reports = [kite_report(r) for r in rows if str(r.get("order_id")) in ids]
        return self.apply_reports(db, broker.name, reports, Tradebook(broker.adapter.trades))

    def poll(self, db: Session, guard: Guard = UNGUARDED) -> int:
        """Ask each broker with open live orders of a user's for their state; book it.
        Each (user, broker) goes through `guard`: one that raises fails alone."""
        open_orders = db.execute(
            select(Order.user_id, Order.broker, Order.broker_order_id).where(
                Order.broker != PAPER,
                Order.broker_order_id.is_not(None),
                Order.status.in_(PENDING),
            )
        ).all()
        wanted: dict[tuple[int, str], set[str]] = {}
        for user_id, name, broker_order_id in open_orders:
            wanted.setdefault((user_id, name), set()).add(str(broker_order_id))

        def poll_one(entry: tuple[tuple[int, str], set[str]]) -> int:
            (user_id, name), ids = entry
            key = f"user:{user_id}:{name}"
            try:
                broker = self._brokers(db, user_id, name)
                rows = broker.adapter.orders()
            except SessionExpired as exc:  # logged out at the broker: paused until a login
                self.session_ended(db, user_id, name, str(exc))
                guard.note("live.poll", key, "paused: the broker session ended")
                return 0
            except UNREACHABLE as exc:  # no session or no answer: the next poll tries again
                guard.note("live.poll", key, f"no answer ({exc})")
                return 0
            guard.note("live.poll", key, None)
            reports = [kite_report(r) for r in rows if str(r.get("order_id")) in ids]
            tradebook = Tradebook(broker.adapter.trades)  # read once per sweep, if at all
            return self.apply_reports(db, broker.name, reports, tradebook)

        applied = guard.each(
            sorted(wanted.items()),
            job="live.poll",
            key=lambda entry: f"user:{entry[0][0]}:{entry[0][1]}",
            owner=lambda entry: entry[0][0],
            work=poll_one,
            db=db,
        )
        return sum(applied)

    def modify(
        self, db: Session, *, order: Order, changes: dict[str, Any], last: Tick | None
    ) -> Order:
        """Send a change of a live order to its broker, through the one modify sequence
        both venues take (`oms.modification.modify`): recorded once the broker took it."""
        act = _LiveModify(self)
        return modification.modify(self._context, db, order, changes, last, act)

    def send_change(self, db: Session, order: Order, changes: dict[str, Any]) -> None:
        """Ask the broker to change `order` (its slot is taken: committed first, so no
        lock is held while the broker answers); its refusal is a 400, no answer a 503."""
        db.commit()
        broker = self._brokers(db, order.user_id, order.broker)
        assert order.broker_order_id is not None
        self._call(lambda: broker.adapter.modify_order(order.broker_order_id or "", changes))

    def cancel(self, db: Session, *, order: Order) -> Order:
        """Ask the broker to cancel, then book what it reports of the order (a fill that
        beat the cancel included): our status follows the broker's, never runs ahead.

        A refused cancel of an order the broker reports cancelled is a success: a cancel
        whose answer was lost (a timeout after the broker acted) and asked again, by the
        adapter's retry or by the client after a 503, meets its own earlier cancel. That
        holds for every broker, so it is decided here, on the broker's word, not in each
        adapter."""
        self._working(order, "cancelled")
        broker = self._brokers(db, order.user_id, order.broker)
        broker_id = order.broker_order_id or ""
        try:
            self._call(lambda: broker.adapter.cancel_order(broker_id))
        except BadRequest:
            self._follow(db, order)
            if order.status != OrderStatus.CANCELLED.value:
                raise
            return order
        self._follow(db, order)
        return order

    def _follow(self, db: Session, order: Order) -> None:
        """Book what the broker now reports of `order` (`refresh`) and read it again."""
        self.refresh(
            db,
            user_id=order.user_id,
            broker_order_ids=[order.broker_order_id or ""],
            broker_name=order.broker,
        )
        db.refresh(order)

    @staticmethod
    def _working(order: Order, verb: str) -> None:
        if order.status != UNPLACED and OrderStatus(order.status).is_terminal:
            raise BadRequest(f"order {order.order_id} is {order.status} and cannot be {verb}")
        if order.broker_order_id is None:
            raise BadRequest(
                f"order {order.order_id} has not reached the broker yet and cannot be {verb}"
            )

    @staticmethod
    def _call(call: Callable[[], object]) -> None:
        try:
            call()
        except TransientBrokerError as exc:
            raise ServiceUnavailable(f"the broker did not answer: {exc}") from exc
        except BrokerError as exc:
            raise BadRequest(str(exc)) from exc


class _LiveModify:
    """The live book's part of the one modify sequence (`modification.ModifyAct`)."""

    def __init__(self, live: LiveOrders) -> None:
        self._live = live

    def take(self, db: Session, order: Order, changes: dict[str, Any]) -> Order:
        LiveOrders._working(order, "modified")
        self._live.sending(db, order.user_id, order.broker)  # SEBI's static IP, before the gate
        return order

    def refusal(
        self,
        db: Session,
        changed: Order,
        instrument: Instrument,
        catalog: InstrumentCatalog,
        last: Tick | None,
    ) -> str | None:
        return None  # the broker checks its own funds

    def send(self, db: Session, order: Order, changes: dict[str, Any]) -> None:
        self._live.send_change(db, order, changes)

    def after(self, db: Session, order: Order, instrument: Instrument, last: Tick | None) -> None:
        db.commit()  # the broker has the change: so do our books


@dataclass(slots=True)
class _Sending:
    """What the live act's steps share about one placement: the broker named (None: the
    user's one), the children of an order the broker slices itself, and once taken, the
    broker and the order's rows."""

    name: str | None
    cuts: Sequence[int] = ()
    broker: LiveBroker | None = None
    rows: list[Order] = field(default_factory=list)  # the first, then the other children
    later: list[Order] = field(default_factory=list)  # the other children, unclaimed yet

    def sent(self) -> LiveBroker:
        """The broker taken (every admitted order was taken first)."""
        assert self.broker is not None
        return self.broker


class _LiveAct:
    """The live book's act in the one admission sequence (`oms.admission.admit`).

    Taken, the order is stamped with the user's broker (a 409 before anything is stored
    when there is no session, or another egress IP than the registered one), its book and
    our algo id; for a broker that slices itself, the other children are made beside it.
    No funds check (the broker checks its own money) and nothing done on acceptance: the
    row stays unplaced until the broker answers. `LiveOrders` sends it once `admit` has
    committed it: nothing reaches the broker before its row is stored, and a refused
    order never does.
    """

    __slots__ = ("_algo_id", "_sending")
    judges_session = False  # the broker judges its own hours; its refusal is stored

    def __init__(
        self, sending: Callable[[Session, int, str | None], LiveBroker], algo_id: str | None
    ) -> None:
        self._sending, self._algo_id = sending, algo_id

    def take(
        self,
        db: Session,
        command: SubmitOrder,
        order: Order,
        instrument: Instrument,
        catalog: InstrumentCatalog,
        state: _Sending,
        now: datetime,
        gated: bool,
    ) -> str | None:
        broker = state.broker = self._sending(db, command.user_id, state.name)
        order.attribution["mode"] = "live"  # its own copy (`new_order`)
        order.broker, order.book = broker.name, live_book(broker.name)
        order.algo_id = self._algo_id
        state.rows = [order]
        if state.cuts:  # the first child is the order; the others follow it
            assert isinstance(broker.adapter, SlicesOrders)
            order.quantity = state.cuts[0]
            state.later = [
                self._child(command, order, instrument, index, quantity)
                for index, quantity in enumerate(state.cuts[1:], start=2)
            ]
        Ledger(db, broker=broker.name).lock(command.user_id)
        return None  # the broker checks funds itself: our paper funds check is not its business

    def _child(
        self, command: SubmitOrder, first: Order, instrument: Instrument, index: int, quantity: int
    ) -> Order:
        """The `index`-th child of a sliced order whose first child is `first`."""
        parent = first.slice_parent or ""
        child = new_order(
            command.user_id,
            replace(command.spec, quantity=quantity, autoslice=False),
            instrument,
            client_key=slicing.child_key(command.client_key, parent, index),
            source=command.source,
            attribution=first.attribution,
            now=first.placed_at,
            slice_parent=first.slice_parent,
        )
        child.broker, child.book, child.algo_id = first.broker, first.book, first.algo_id
        return child

    def accept(
        self,
        command: SubmitOrder,
        order: Order,
        instrument: Instrument,
        state: _Sending,
        history: list[dict[str, Any]],
        now: datetime,
    ) -> dict[str, Any] | None:
        state.rows.extend(state.later)  # the broker accepts it, once sent
        return None

    def siblings(self, state: _Sending) -> Sequence[Order]:
        return state.later

    def book(self, db: Session, order: Order, instrument: Instrument, state: _Sending) -> None:
        return None  # its fills are booked from the broker's reports


def own_live_order(db: Session, *, user_id: int, order_id: str) -> Order | None:
    """The user's order if it is a live one (None for a paper order; 404 for none)."""
    order = db.scalar(select(Order).where(Order.order_id == order_id, Order.user_id == user_id))
    if order is None:
        raise NotFound(f"order {order_id} not found")
    return None if order.broker == PAPER else order


_FINAL = {
    OrderStatus.CANCELLED.value: EventKind.CANCELLED,
    OrderStatus.REJECTED.value: EventKind.REJECTED,
}
