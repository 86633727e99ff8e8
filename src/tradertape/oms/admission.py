"""The one admission sequence every new order passes, paper or live (`admit`).

The steps are written here once, in the one order both venues take them: the rules
(`order_rules`: listed, the fields, the session where the venue judges it), the venue's
locks and its own refusal (paper: funds), the one gate's verdict (`gate`), the claim of
the idempotency key with the order's slot under SEBI's order-rate ceiling, and the record
(the history, the gate's verdict, the caller's ``on_record``), then the commit. A venue
supplies only its act (`VenueAct`), through plain method calls (the paper one is the hot
path): the paper exchange (`paper.placement`) checks funds, then matches and books in the
same transaction; the live book (`live.orders`) stamps the broker on the row, checks no
funds, and sends the order once `admit` has committed it. Neither can skip or reorder a
step the other takes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy.orm import Session

from tradertape.db.models.trading import Order
from tradertape.domain.instruments import Instrument, InstrumentCatalog
from tradertape.domain.market import Tick
from tradertape.domain.order_state import EventKind, OrderEvent
from tradertape.errors import InvalidField
from tradertape.oms.commands import SubmitOrder
from tradertape.oms.context import SQUAREOFF, TradingContext
from tradertape.oms.emitter import read_ahead
from tradertape.oms.gate import PreTradeGate, PreTradeVerdict
from tradertape.oms.order_log import apply_event, by_key, claim_taking, new_order, store_history
from tradertape.oms.order_rules import check_fields, check_session, listed
from tradertape.oms.slicing import SliceOf

S = TypeVar("S")
S_contra = TypeVar("S_contra", contravariant=True)


class VenueAct(Protocol[S_contra]):
    """What a venue does inside `admit`, and nothing else. Its state is what its steps share
    about one order, made by the venue before it calls `admit` (the paper ledger; the
    live broker and rows)."""

    judges_session: bool  # the venue refuses orders outside market hours (a broker: itself)

    def take(
        self,
        db: Session,
        command: SubmitOrder,
        order: Order,
        instrument: Instrument,
        catalog: InstrumentCatalog,
        state: S_contra,
        now: datetime,
        gated: bool,
    ) -> str | None:
        """Take the new, unstored order: stamp the venue's columns on it (a 409 here
        stores nothing), take the venue's locks before anything is read (`gated`: the gate
        will read too, under them), and say why the venue refuses it, if it does."""
        ...

    def accept(
        self,
        command: SubmitOrder,
        order: Order,
        instrument: Instrument,
        state: S_contra,
        history: list[dict[str, Any]],
        now: datetime,
    ) -> dict[str, Any] | None:
        """The order passed: the venue's act before the claim, its events into `history`;
        the first trade it booked (to ride with the claim: `order_log.claim_taking`)."""
        ...

    def siblings(self, state: S_contra) -> Sequence[Order]:
        """The other children of a sliced order sent as one request, claimed after it."""
        ...

    def book(self, db: Session, order: Order, instrument: Instrument, state: S_contra) -> None:
        """The claimed order's history is stored: write what the venue booked for it."""
        ...


def admit(
    context: TradingContext, db: Session, command: SubmitOrder, act: VenueAct[S], state: S
) -> tuple[Order, bool]:
    """Place `command` through `act`: the stored order for its key, and whether it is this
    call's (False: the key answered the first order, and nothing new was stored).

    A refusal (the venue's or the gate's) is stored REJECTED and counts for nothing. The
    broker's own square-off and an order the caller knows only closes (``exit_only``) never
    wait on the gate; a sliced order's first child is judged at its parent's quantity, the
    others not at all. An order that claimed its key takes its SEBI slot with the claim:
    past the ceiling nothing is stored and a 429 is raised (`gate.PreTradeGate.settle`).
    Commits unless the command's ``commit`` is false (a caller's transaction that stores
    its own rows with the order).
    """
    spec, last = command.spec, command.last
    catalog = context.catalog(db)
    try:
        instrument, now = _judged(context, catalog, command, act.judges_session)
    except InvalidField as refused:
        return _replayed(db, command, refused), False
    slice_of = command.slice_of
    order = new_order(
        command.user_id,
        spec,
        instrument,
        client_key=command.client_key,
        source=command.source,
        attribution=command.attribution,
        now=now,
        slice_parent=None if slice_of is None else slice_of.parent,
    )
    own = command.source == SQUAREOFF  # the venue's own square-off: it only closes
    exit_only = command.exit_only
    skip = own or exit_only
    refusal = act.take(db, command, order, instrument, catalog, state, now, not skip)
    verdict = None
    if refusal is None and not skip:
        gate = context.gate
        verdict = (
            gate.check(db, order, instrument, last)
            if slice_of is None
            else _judge(gate, db, order, instrument, last, slice_of)
        )
        refusal = None if verdict is None else verdict.refusal
    history: list[dict[str, Any]] = []
    trade = None
    if refusal is not None:
        refused_event = OrderEvent(EventKind.REJECTED, now, message=refusal)
        history.append(apply_event(order, refused_event, now))
    else:
        trade = act.accept(command, order, instrument, state, history, now)
    counted = refusal is None and not own  # nor a replay: it loses the claim
    stored = claim_counted(context, db, order, counted=counted, exit_only=exit_only, trade=trade)
    if stored is not order:  # a racing duplicate: the first order stands
        return _lost(db, command, stored), False
    # The children sent with this one (a broker that slices itself): each its key and slot.
    siblings = () if slice_of is None or refusal is not None else act.siblings(state)
    if siblings and (won := _claim_siblings(context, db, siblings, counted, exit_only)):
        return won, False  # a racing duplicate holds a later child: none of ours stays
    store_history(db, order, history)
    act.book(db, order, instrument, state)
    if verdict is not None and verdict.record is not None:
        verdict.record(db, order)  # once stored: a replay records nothing twice
    if command.on_record is not None:
        command.on_record(db, order)
    if command.commit:
        db.commit()
    return order, True


def _judged(
    context: TradingContext, catalog: InstrumentCatalog, command: SubmitOrder, session: bool
) -> tuple[Instrument, datetime]:
    """The listed instrument of the command's order, which passes the rules (a 422 if not;
    `session`: the market-hours rule too), and the moment it was judged. A caller's check
    of this very spec on this very tick by every rule asked here is not asked again."""
    spec, last, checked = command.spec, command.last, command.checked
    now = context.clock.now()
    if (
        checked is not None
        and checked.spec is spec
        and checked.last is last
        and (checked.session or not session)
    ):
        return checked.instrument, now
    instrument = listed(catalog, spec)
    check_fields(context, spec, instrument, last)
    if session:
        check_session(context, spec, instrument, now, command.source)
    return instrument, now


def _replayed(db: Session, command: SubmitOrder, refused: InvalidField) -> Order:
    """The first order of the command's key, which a replay answers with even if the
    market has moved on since and the rules now refuse it; else the rules' 422."""
    key = command.client_key
    first = by_key(db, command.user_id, key) if key is not None else None
    if first is None:
        raise refused
    if command.commit and command.on_record is not None:
        db.commit()  # a caller's rows wait in its transaction: committed, as they were
    return first


def _lost(db: Session, command: SubmitOrder, first: Order) -> Order:
    """`first`, which a racing duplicate stored under the key before this order could: the
    transaction ends as it would have (nothing of this order is in it)."""
    if command.commit:
        db.commit()
    return first


def _claim_siblings(
    context: TradingContext,
    db: Session,
    siblings: Sequence[Order],
    counted: bool,
    exit_only: bool,
) -> Order | None:
    """Claim a sliced order's other children, each its own key and SEBI slot. When another
    placement holds one's key, nothing of ours stays (rolled back): that key's order."""
    for sibling in siblings:
        won = claim_counted(context, db, sibling, counted=counted, exit_only=exit_only)
        if won is not sibling:
            db.rollback()
            return won
    return None


def _judge(
    gate: PreTradeGate,
    db: Session,
    order: Order,
    instrument: Instrument,
    last: Tick | None,
    slice_of: SliceOf,
) -> PreTradeVerdict | None:
    """The gate's verdict on a child of a sliced order: the first at its parent's quantity
    (the parent counts once against the limits), the others none."""
    if not slice_of.gated:
        return None
    own, order.quantity = order.quantity, slice_of.quantity
    try:
        return gate.check(db, order, instrument, last)
    finally:
        order.quantity = own


def claim_counted(
    context: TradingContext,
    db: Session,
    order: Order,
    *,
    counted: bool,
    exit_only: bool,
    trade: dict[str, Any] | None = None,
) -> Order:
    """The stored order for its key: `order` when it claimed the key, else the first one.

    An order that claimed its key and is `counted` (not refused, not the broker's own)
    takes a slot under the order-rate ceiling, with the claim (one round trip on
    PostgreSQL); past it a 429 is raised and, as the caller has not committed, nothing is
    stored. `trade`: as for `order_log.claim`.
    """
    slot = context.gate.ask(order.user_id, exit_only=exit_only) if counted else None
    read_ahead(db, order.user_id)  # the watchers' reads for its events ride with the claim
    stored, taken = claim_taking(db, order, slot, trade=trade)
    if stored is order and slot is not None:
        context.gate.settle(db, order, slot, taken)
    return stored
