"""The one order pipeline: every new order, change and cancel, and every GTT, paper or live.

Each runs validate → the one pre-trade gate → record → the account's venue; a new order
through the one admission sequence (`oms.admission.admit`), whichever its venue. The venue
is chosen here and nowhere else: from the account a new order or GTT names (`Account`),
and from the stored row (its ``broker`` column) for a change, a cancel or a delete. The
paper exchange matches and books in one transaction; the live book records and commits,
then sends to the user's broker. Callers name an account and never branch on paper vs live.

A live order, change or GTT needs both switches (`live.switches`); a cancel or a delete
never does: it only removes risk.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models import Gtt, User
from tradertape.db.models.trading import Order, OrderEventRow, Trade
from tradertape.domain.instruments import Exchange, Instrument
from tradertape.domain.market import Tick
from tradertape.domain.order_state import OrderStatus
from tradertape.domain.orders import OrderSpec
from tradertape.domain.values import value_class
from tradertape.errors import BadRequest, Conflict, InvalidField, NotFound
from tradertape.oms import slicing
from tradertape.oms.commands import (
    Account,
    CancelGtt,
    CancelOrder,
    CancelSlices,
    CreateGtt,
    DeleteGtt,
    ExternalFill,
    ModifyGtt,
    ModifyOrder,
    Quoted,
    SubmitOrder,
)
from tradertape.oms.context import BROKER as PAPER
from tradertape.oms.context import LastTick, TradingContext
from tradertape.oms.emitter import requesting
from tradertape.oms.live.external_fills import book_external_fill
from tradertape.oms.live.gtt import GTT_BROKER, LiveGttBook
from tradertape.oms.live.orders import LiveOrders
from tradertape.oms.live.switches import require_live
from tradertape.oms.order_log import UNPLACED, by_key, history_of
from tradertape.oms.order_log import parent_order_id as parent_order_id_of
from tradertape.oms.order_rules import listed
from tradertape.oms.paper.amendment import own_order
from tradertape.oms.paper.exchange import PaperExchange
from tradertape.oms.paper.gtt import GttBook

_DERIVATIVE_EXCHANGES = frozenset({Exchange.NFO, Exchange.BFO})


@dataclass(frozen=True, slots=True)
class VenueTraits:
    """What a caller must know of a venue, as data, so that it never branches on paper vs
    live (`OrderPipeline.traits`).

    ``answers_at_once``: an order's outcome is known in the caller's transaction (the paper
    exchange matches and books it there), so a group of orders can be all-or-none (one
    savepoint) and needs no key of its own. Otherwise (a broker) the order is recorded and
    committed, then sent, and answered later: what was sent cannot be rolled back, a
    client key guards the send, and the caller keeps what a retry must be told before the
    send. ``judges_session``: the venue refuses an order outside market hours itself (the
    paper exchange); a broker judges its own hours, and its refusal is stored.
    ``needs_switches``: the money is real, at a broker: an order that opens risk needs both
    live-trading switches (the server's and the user's) and a session at the broker, and a
    caller that speaks its own contract (a worker run's 403/409/503) asks them first, and
    names them in a safety check; the paper account needs neither.
    """

    answers_at_once: bool
    judges_session: bool
    needs_switches: bool


@value_class
class Submitted:
    """The order, whether it answers a repeated key (nothing new was done), and the trades
    its placement booked at once (paper only: a broker's fills arrive later). An order
    above its freeze quantity answers its first child as `order` and all of them as
    `children` (`oms.slicing`)."""

    order: Order
    replayed: bool
    trades: list[Trade] | None = None
    children: list[Order] | None = None


class Venue(Protocol):
    """Where an account's orders go once the pipeline has chosen it."""

    def submit(self, db: Session, account: Account, order: SubmitOrder) -> Submitted: ...

    def modify(
        self,
        db: Session,
        order: Order,
        changes: dict[str, Any],
        last: Tick | None,
        *,
        commit: bool,
    ) -> Order: ...

    def cancel(self, db: Session, order: Order, last: Tick | None, *, commit: bool) -> Order: ...


class PaperVenue:
    """The paper exchange: validated, gated, matched and booked in one transaction."""

    TRAITS = VenueTraits(answers_at_once=True, judges_session=True, needs_switches=False)

    def __init__(self, exchange: PaperExchange) -> None:
        self._exchange = exchange
        self._place = exchange.placement.place  # the hot path: straight to the placement

    def submit(self, db: Session, account: Account, order: SubmitOrder) -> Submitted:
        placed = self._place(db, order)
        # A duplicate that raced this one gets the single order back (the unique key
        # decides): nothing was booked for it, and it is answered as the replay it is.
        return Submitted(placed.order, placed.booked is None, placed.trades())

    def modify(
        self,
        db: Session,
        order: Order,
        changes: dict[str, Any],
        last: Tick | None,
        *,
        commit: bool,
    ) -> Order:
        return self._exchange.modify(
            db,
            user_id=order.user_id,
            order_id=order.order_id,
            changes=changes,
            last=last,
            commit=commit,
        )

    def cancel(self, db: Session, order: Order, last: Tick | None, *, commit: bool) -> Order:
        return self._exchange.cancel(
            db, user_id=order.user_id, order_id=order.order_id, last=last, commit=commit
        )


class LiveVenue:
    """The user's broker through the live book: recorded and committed, then sent."""

    TRAITS = VenueTraits(answers_at_once=False, judges_session=False, needs_switches=True)

    def __init__(self, live: LiveOrders) -> None:
        self._live = live

    def submit(self, db: Session, account: Account, order: SubmitOrder) -> Submitted:
        placed = self._live.place(db, order, broker_name=account.broker)
        return Submitted(placed.order, placed.replayed)

    def slices(self, db: Session, account: Account, order: SubmitOrder, count: int) -> bool:
        """Whether the account's broker slices `count` children itself (a broker
        whose row's `slicing` is `Slicing.BROKER`, within its cap); an exit past the cap, or
        another broker, is sliced by the pipeline, one send a child."""
        cap = self._live.broker_slice_cap(db, order.user_id, account.broker)
        return cap is not None and count <= cap

    def submit_sliced(
        self, db: Session, account: Account, order: SubmitOrder, cuts: list[int]
    ) -> Submitted:
        """One send with the broker's slicing; its children answered (`LiveOrders.place_sliced`)."""
        rows, replayed = self._live.place_sliced(db, order, cuts, broker_name=account.broker)
        return Submitted(rows[0], replayed, children=rows)

    def modify(
        self,
        db: Session,
        order: Order,
        changes: dict[str, Any],
        last: Tick | None,
        *,
        commit: bool,
    ) -> Order:
        db.commit()  # no lock of the caller's (a worker run's) held while the broker is asked
        return self._live.modify(db, order=order, changes=changes, last=last)

    def cancel(self, db: Session, order: Order, last: Tick | None, *, commit: bool) -> Order:
        db.commit()  # as for `modify`; the broker's answer is committed as it comes
        return self._live.cancel(db, order=order)


class OrderPipeline:
    """The one door orders and GTTs come in by, from every caller."""

    def __init__(
        self,
        *,
        exchange: PaperExchange,
        gtts: GttBook,
        quotes: LastTick,
        live: LiveOrders | None = None,
        live_gtts: LiveGttBook | None = None,
        live_enabled: bool = False,
    ) -> None:
        """Without `live` and `live_gtts` (a benchmark, a paper-only tool) a live account
        is a 409."""
        self._paper: Venue = PaperVenue(exchange)
        self._live: Venue | None = LiveVenue(live) if live is not None else None
        self._desk = live
        self._gtts = gtts
        self._live_gtts = live_gtts
        self._quotes = quotes
        self._live_enabled = live_enabled
        self._catalog_ahead = exchange.context.catalog_ahead
        self._exchange = exchange

    def _venue(self, db: Session, user_id: int, *, live: bool, changes_risk: bool) -> Venue:
        """The venue of an account or a stored row: the one place paper and live part."""
        if not live:
            return self._paper
        if self._live is None:
            raise Conflict("live trading is not wired here")
        if changes_risk:
            self._require_live(db, user_id)
        return self._live

    @property
    def context(self) -> TradingContext:
        """The clock, calendar, catalog and paper knobs the engine trades on."""
        return self._exchange.context

    def last_tick(self, key: str) -> Tick | None:
        """The feed's last tick of ``key`` (``NSE:INFY``) the engine prices by, if seen."""
        return self._exchange.last_tick(key)

    def deposit(self, db: Session, *, user_id: int, amount: Decimal, note: str = "") -> None:
        """Add funds to the user's paper account (commits; 422 on a non-positive amount)."""
        self._exchange.deposit(db, user_id=user_id, amount=amount, note=note)

    def apply_kite_update(self, db: Session, broker: str, payload: Mapping[str, Any]) -> bool:
        """Book a broker's report in Kite's order shape (a postback) on the live book, once,
        and commit; False when the order is not ours (or no live book is wired here)."""
        if self._desk is None:
            return False
        return self._desk.apply_kite_update(db, broker, payload)

    @property
    def live_wired(self) -> bool:
        """Whether live accounts are wired here (a benchmark or a paper-only tool has none)."""
        return self._desk is not None and self._live_gtts is not None

    def check(
        self, db: Session, spec: OrderSpec, last: Tick | None, *, session: bool
    ) -> Instrument:
        """The listed instrument if `spec` passes the rules a placement applies (422 naming
        the field if not), placing nothing; ``session=False`` skips the market-hours rule
        (a preview, a dry run, a broker's order: valid at night too)."""
        return self._exchange.check(db, spec, last, session=session)

    def refresh(
        self, db: Session, *, user_id: int, broker_order_ids: Iterable[str], broker: str
    ) -> int:
        """Ask the user's `broker` about these live orders now and book what it says (no
        answer books nothing); how many reports were ours. Nothing without a live book."""
        if self._desk is None:
            return 0
        return self._desk.refresh(
            db, user_id=user_id, broker_order_ids=broker_order_ids, broker_name=broker
        )

    def broker_margins(self, db: Session, *, user_id: int, broker: str) -> dict[str, Any]:
        """The user's margins as their connected `broker` states them now (409 when it is
        not connected; the adapter's `BrokerError` when it does not answer)."""
        if self._desk is None:
            raise Conflict("live trading is not wired here")
        return self._desk.broker(db, user_id, broker).adapter.margins()

    def gtt(self, db: Session, *, user_id: int, trigger_id: int) -> Gtt:
        """One of the user's triggers (404 otherwise), paper or live."""
        return self._gtts.get(db, user_id=user_id, trigger_id=trigger_id)

    def gtt_order(self, db: Session, gtt: Gtt) -> Order | None:
        """The order `gtt` placed (or, a live one, adopted), if it fired."""
        return self._gtts.orders_of(db, [gtt]).get(gtt.id)

    @staticmethod
    def traits(account: Account) -> VenueTraits:
        """How the venue of `account` answers (`VenueTraits`); no switch or session asked."""
        return LiveVenue.TRAITS if account.live else PaperVenue.TRAITS

    @staticmethod
    def traits_of(broker: str) -> VenueTraits:
        """How the venue an order went to answers, by the order's ``broker`` (an event's)."""
        return PaperVenue.TRAITS if broker == PAPER else LiveVenue.TRAITS

    @staticmethod
    def went_to(order: Order, account: Account) -> bool:
        """Whether `order` went to the venue of `account` (paper, or a live broker)."""
        return (order.broker != PAPER) == account.live

    def require_live(self, db: Session, *, user_id: int) -> None:
        """Both live switches, for what reaches a broker outside an order (a
        reconciliation); 403 saying which is off."""
        self._require_live(db, user_id)

    def require_live_gtts(self, db: Session, *, user_id: int) -> None:
        """What a live model portfolio needs before it exists: both switches (403) and a
        session at the broker its GTTs go to (409)."""
        self._require_live(db, user_id)
        if self._live_gtts is None:
            raise Conflict("live trading is not wired here")
        self._live_gtts.brokers(db, user_id, GTT_BROKER)

    def _require_live(self, db: Session, user_id: int) -> None:
        user = db.get(User, user_id)
        if user is None:
            raise NotFound(f"user {user_id} not found")
        require_live(self._live_enabled, user)

    def submit(self, db: Session, order: SubmitOrder) -> Submitted:
        """Place a new order for its account; a repeated ``client_key`` answers the first order.

        ``last`` is the tick a paper order may fill on at once (None: the next one). A
        repeat is answered from the first order's row before any lock (a burst of retries
        would otherwise queue, one by one, behind the account's ledger lock).
        ``on_record`` writes the caller's rows in the transaction that records the order,
        at either venue (before a live order is sent); a repeat does not call it.
        """
        user_id, spec, account = order.user_id, order.spec, order.account
        if order.client_key is not None:
            ahead = self._catalog_ahead
            if ahead is not None:  # placing reads it first: it rides with the pre-check
                ahead(db)
            first = by_key(db, user_id, order.client_key)
            if first is not None:
                sliced = slicing.children(db, first) if first.slice_parent else None
                return Submitted(first, True, children=sliced)
        venue = self._venue(db, user_id, live=account.live, changes_risk=order.switches)
        cuts = self._slices(db, user_id, spec, account, exit_only=order.exit_only)
        if cuts is None:
            return venue.submit(db, account, order)
        if isinstance(venue, LiveVenue) and venue.slices(db, account, order, len(cuts)):
            return venue.submit_sliced(db, account, order, cuts)
        return self._submit_slices(db, venue, account, order, cuts)

    def _slices(
        self, db: Session, user_id: int, spec: OrderSpec, account: Account, *, exit_only: bool
    ) -> list[int] | None:
        """The children an F&O order above its freeze quantity is placed as (422 on
        ``quantity`` without ``autoslice`` or past the broker's cap); None: it goes whole.
        An exit is never refused: always sliced, and past the cap too."""
        if spec.exchange not in _DERIVATIVE_EXCHANGES:
            return None  # cash orders have no freeze quantity: no read on their path
        try:
            instrument = listed(self.context.catalog(db), spec)
        except InvalidField:
            return None  # the placement refuses it, naming the field
        limit = slicing.freeze_quantity(db, instrument)
        if limit is None or spec.quantity <= limit:
            return None
        broker = None
        if account.live and self._desk is not None:
            broker = account.broker or self._desk.broker(db, user_id).name
        cap = slicing.EXIT_SLICE_CAP if exit_only else slicing.slice_cap(broker)
        autoslice = spec.autoslice or exit_only
        return slicing.plan(db, instrument, spec.quantity, autoslice=autoslice, cap=cap)

    def _submit_slices(
        self, db: Session, venue: Venue, account: Account, order: SubmitOrder, cuts: list[int]
    ) -> Submitted:
        """Place each child through the venue. Paper: in one transaction (a child past the
        rate ceiling rolls every one back). Live: each is recorded and sent in turn, as a
        broker's own slicing does; a refused child is stored as refused. A refused first
        child (the gate judges it at the parent's quantity) places no more."""
        parent = slicing.parent_key(order.client_key)
        at_once = not account.live
        placed: list[Submitted] = []
        for index, quantity in enumerate(cuts, start=1):
            child = replace(
                order,
                spec=replace(order.spec, quantity=quantity, autoslice=False),
                client_key=slicing.child_key(order.client_key, parent, index),
                commit=order.commit and not at_once,
                on_record=order.on_record if index == 1 else None,
                slice_of=slicing.SliceOf(parent, index, len(cuts), order.spec.quantity),
            )
            placed.append(venue.submit(db, account, child))
            if index == 1 and placed[0].order.status == "REJECTED":
                break  # the parent was refused (the gate judged it whole): no more children
        if at_once and order.commit:
            db.commit()
        trades = [t for p in placed for t in p.trades or ()]
        first = placed[0]
        return Submitted(
            first.order,
            first.replayed,
            trades if at_once else None,
            children=[p.order for p in placed],
        )

    def record_external_fill(self, db: Session, fill: ExternalFill) -> Decimal:
        """Book a fill placed outside the server (the local agent's) in the live book of
        its broker, in the caller's transaction; the charges booked for it. No switch is
        asked: the order was placed already, and what it did is booked as it happened."""
        if self._desk is None:
            raise Conflict("live trading is not wired here")
        return book_external_fill(db, self._desk, fill)

    def order(self, db: Session, *, user_id: int, order_id: str) -> Order:
        """One of the user's orders by our id, or a live order's id at its broker (404 for
        anyone else's)."""
        # A live book lists the broker's ids: those find the order too.
        by_broker = select(Order).where(Order.user_id == user_id, Order.broker_order_id == order_id)
        return db.scalar(by_broker) or own_order(db, user_id=user_id, order_id=order_id)

    def history(
        self, db: Session, *, user_id: int, order_id: str
    ) -> tuple[Order, list[OrderEventRow]]:
        """One of the user's orders by our id, and every state it went through."""
        order = own_order(db, user_id=user_id, order_id=order_id)
        return order, history_of(db, order)

    def gtts(self, db: Session, *, user_id: int) -> list[tuple[Gtt, Order | None]]:
        """Every trigger of the user, newest first, each with the order it placed if any."""
        query = select(Gtt).where(Gtt.user_id == user_id).order_by(Gtt.id.desc())
        rows = db.scalars(query).all()
        placed = self._gtts.orders_of(db, rows)
        return [(row, placed.get(row.id)) for row in rows]

    def modify(self, db: Session, command: ModifyOrder) -> Order:
        """Change a working order's terms at its venue, through the one modify sequence
        (`oms.modification`): a change that enlarges it or moves its price, trigger, type
        or validity passes the gate as a new order would; a reduction never waits on it.
        The command's fields (`ModifyOrder`) say on which tick, in whose transaction, and
        at whose request."""
        user_id, last = command.user_id, command.last
        order = own_order(db, user_id=user_id, order_id=command.order_id)
        live = order.broker != PAPER
        venue = self._venue(db, user_id, live=live, changes_risk=command.switches)
        tick = self._last(order) if isinstance(last, Quoted) else last
        with requesting(db, command.requested_by):
            return venue.modify(db, order, command.changes, tick, commit=command.commit)

    def cancel(self, db: Session, command: CancelOrder) -> Order:
        """Cancel a working order (always allowed); on a cover order's stop-loss leg, exit
        the cover order. Kite sends the leg's ``parent_order_id`` with an exit; when given
        it must match. ``last`` (what a cover order's exit fills on), ``commit`` and
        ``requested_by`` as for `modify` (a live cancel's events are the broker's report
        that follows it)."""
        user_id, order_id, last = command.user_id, command.order_id, command.last
        parent_order_id = command.parent_order_id
        order = own_order(db, user_id=user_id, order_id=order_id)
        live = order.broker != PAPER
        if (
            not live
            and parent_order_id is not None
            and parent_order_id != parent_order_id_of(order)
        ):
            raise BadRequest(f"order {order_id} is not a leg of order {parent_order_id}")
        venue = self._venue(db, user_id, live=live, changes_risk=False)
        tick = self._last(order) if isinstance(last, Quoted) else last
        with requesting(db, command.requested_by):
            return venue.cancel(db, order, tick, commit=command.commit)

    def cancel_slices(self, db: Session, command: CancelSlices) -> list[Order]:
        """Cancel every working child of the sliced order `order_id` is a child of (by our
        id or its broker's; 404 for anyone else's), each through `cancel`, as one would by
        hand: the children in placement order, as they stand afterwards.

        A child already final is left as it is, and so is one that became final while the
        others were cancelled (a fill that beat its cancel: the broker's word stands), so
        asking again cancels nothing twice. An order that was not sliced is a 409."""
        user_id, order_id = command.user_id, command.order_id
        first = self.order(db, user_id=user_id, order_id=order_id)
        if first.slice_parent is None:
            raise Conflict(
                f"order {order_id} was not sliced: cancel it alone (DELETE /api/orders/{order_id})"
            )
        for child in slicing.children(db, first):
            if child.status != UNPLACED and OrderStatus(child.status).is_terminal:
                continue
            try:
                by_hand = CancelOrder(user_id, child.order_id, requested_by=command.requested_by)
                self.cancel(db, by_hand)
            except BadRequest:  # final by now, or not at its broker yet: shown as it stands
                db.rollback()
        return slicing.children(db, first)

    def _last(self, order: Order) -> Tick | None:
        return self._quotes(f"{order.exchange}:{order.tradingsymbol}")

    def create_gtt(self, db: Session, command: CreateGtt) -> Gtt:
        """Create a trigger for the command's account; its legs that open risk pass the
        gate now (unless ``checked``: the caller ran it already). ``commit=False`` leaves a
        paper trigger in the caller's transaction; a live one is committed before its
        broker hears of it."""
        user_id = command.user_id
        book: GttBook | LiveGttBook = self._gtts
        if command.account.live:
            if self._live_gtts is None:
                raise Conflict("live trading is not wired here")
            if command.switches:
                self._require_live(db, user_id)
            book = self._live_gtts
        return book.create(
            db,
            user_id=user_id,
            spec=command.spec,
            commit=command.commit,
            checked=command.checked,
            attribution=command.attribution,
        )

    def modify_gtt(self, db: Session, command: ModifyGtt) -> Gtt:
        """Change an active trigger (at its broker too, for a live one); its new legs pass
        the gate unless the command says it is an exit (``gate=False``)."""
        user_id, trigger_id = command.user_id, command.trigger_id
        row = self._gtts.get(db, user_id=user_id, trigger_id=trigger_id)
        if command.switches and row.broker != PAPER:
            self._require_live(db, user_id)
        # The live book changes a paper row as the paper book does, and a live one at its
        # broker as well.
        changed = self._rows().modify(
            db, user_id=user_id, trigger_id=trigger_id, spec=command.spec, gate=command.gate
        )
        if command.commit:
            db.commit()
        return changed

    def cancel_gtt(self, db: Session, command: CancelGtt) -> bool:
        """The platform retires a trigger (a stop before another exit); False when it fired
        or went already. A live one is deleted at its broker first."""
        return self._rows().cancel(db, trigger_id=command.trigger_id)

    def delete_gtt(self, db: Session, command: DeleteGtt) -> Gtt:
        """The user deletes an active trigger, a live one at its broker first (always
        allowed: it only removes risk)."""
        return self._rows().delete(db, user_id=command.user_id, trigger_id=command.trigger_id)

    def _rows(self) -> GttBook | LiveGttBook:
        """The book that changes a stored trigger: the live one handles paper rows as the
        paper book does, and live ones at their broker too."""
        if self._live_gtts is not None:
            return self._live_gtts
        return self._gtts
