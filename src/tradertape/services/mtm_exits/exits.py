"""MTM exits: a scope's day MTM watched on every tick batch, its positions exited at a
threshold, its entries paused until the user resumes.

The MTM is the figure the Positions, Funds and books pages show (`BookMtm`: the books'
``pnl_today`` from the one ledger snapshot), of the rule's book: the account ("All"), a
portfolio's, a worker run's, the manual book (the desk's hand-placed orders) or a live
broker account's (``live:kite``: the trades we book of it, by the same ledger arithmetic
at that broker, marked to the same ticks). A live portfolio or run fills in its broker's
book, shared with the desk: its rule reads its part of that book (``live:kite/run:5``,
`domain.books.part_of`: the trades of its own orders, by their attribution), derived by
the same snapshot (`measured_books` says which book a rule reads). The arithmetic is
`domain.mtm_exit`'s. A live book's (or part's) positions are exited at its broker
(`Account(live=True)`), through the same pipeline, with the same once-only keys, and a
part's exits carry its owner's tags, so they land in the same part.

State lives on the rule's row, so a restart finds it: the trading day's peak (written only
when it rises), and the trip. A trip is claimed by a compare-and-set on ``paused`` (one
pass exits, however many run), the risk event recorded with it; then each open position
of the scope is closed at market with protection through the one `OrderPipeline`, as an
exit (never blocked), in its own book, with a key per rule, day and position (a repeated
pass answers the first order), and the scope's working orders are cancelled (a resting
entry filling after the exit would open it again). Delivery shares are exited as the
holdings hold them (`open_positions`: yesterday's too, never a sale of them bought back).
The pause is a breach of the rule in the pre-trade check (`domain.risk`), so every path's
entries in the scope are refused until `resume`; exits still go. Entry and exit are told on
the order's own book or part (`services.risk.own_book`): the desk's short does not make a
paused run's buy an exit, nor a run's sale of its own long an entry. A resumed rule stays
quiet for the rest of the day it tripped (its MTM is still at the threshold) and watches
again from the next.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tradertape.db.engine import Database
from tradertape.db.models.portfolios import ModelPortfolio
from tradertape.db.models.risk import RiskEvent, RiskRule
from tradertape.db.models.trading import Order
from tradertape.db.models.workers import WorkerRun
from tradertape.domain import books
from tradertape.domain.instruments import Exchange
from tradertape.domain.money import ZERO
from tradertape.domain.mtm_exit import MtmReading, MtmTerms, Trip, peak_of, read, words
from tradertape.domain.order_state import PENDING
from tradertape.domain.orders import (
    MARKET_PROTECTION_AUTO,
    OrderSpec,
    OrderType,
    Product,
    TransactionType,
)
from tradertape.domain.owners import portfolio_owner, run_owner, tags_of
from tradertape.domain.risk import RuleAction, RuleType
from tradertape.errors import Conflict, InvalidField, TraderTapeError
from tradertape.oms import (
    BROKER,
    PAPER_ACCOUNT,
    UNGUARDED,
    Account,
    CancelOrder,
    Guard,
    LedgerSnapshot,
    OrderPipeline,
    PaperPortfolio,
    SubmitOrder,
    own_book,
)
from tradertape.ports.clock import IST, Clock
from tradertape.services.accounts.ownership import get_owned
from tradertape.services.books.summary import book_labels
from tradertape.services.notifications import events as notifications
from tradertape.services.workers.placement import run_account

SOURCE = "mtm_exit"  # the source of its exit orders and its risk events' origin
BookMtm = Callable[[Session, int], Mapping[str, Decimal]]  # (db, user) → pnl_today by book


def book_of_rule(row: RiskRule) -> str:
    """The book a rule's MTM is read on: its own (manual, live:<broker>), a portfolio's,
    a worker run's, or "all"."""
    if row.book is not None:
        return row.book
    if row.portfolio_id is not None:
        return books.portfolio_book(row.portfolio_id)
    if row.worker_run_id is not None:
        return books.run_book(row.worker_run_id)
    return books.ALL


def measured_books(db: Session, rows: Iterable[RiskRule]) -> dict[int, str]:
    """The book each rule's MTM is read on and exited in, by rule id: `book_of_rule`'s,
    with a portfolio's or run's taken where its orders fill (`domain.books.own_book` of
    its account's broker and its tags): its own paper book, or its part of a live one."""
    rows = list(rows)
    found = {row.id: book_of_rule(row) for row in rows}
    portfolio_ids = {row.portfolio_id for row in rows if row.portfolio_id is not None}
    run_ids = {row.worker_run_id for row in rows if row.worker_run_id is not None}
    where: dict[str, str] = {}  # a paper book's key → the book its orders fill in
    if portfolio_ids:
        for portfolio in db.scalars(
            select(ModelPortfolio).where(ModelPortfolio.id.in_(portfolio_ids))
        ):
            broker = BROKER if portfolio.paper_mode else portfolio.broker
            owner = portfolio_owner(portfolio.id)
            where[books.portfolio_book(portfolio.id)] = own_book(broker, owner)
    if run_ids:
        for run in db.scalars(select(WorkerRun).where(WorkerRun.id.in_(run_ids))):
            broker = run_account(run).broker or BROKER
            where[books.run_book(run.id)] = own_book(broker, run_owner(run.id))
    return {rule_id: where.get(book, book) for rule_id, book in found.items()}


def terms_of(row: RiskRule) -> MtmTerms:
    """The rule's amounts as the domain takes them."""
    return MtmTerms(loss=row.threshold_amount, target=row.target_amount, trail=row.trail_amount)


def trading_day(at: datetime) -> date:
    """The IST date of a market time (the day a peak belongs to)."""
    return at.astimezone(IST).date()


@dataclass(frozen=True, slots=True)
class MtmState:
    """An mtm_exit rule as the risk page shows it: the reading now, and its state."""

    book: str  # the book it is read on (`measured_books`)
    reading: MtmReading
    paused: bool
    tripped_at: datetime | None
    trip_reason: str | None
    quiet_today: bool  # resumed after a trip today: watches again from the next day


def state_of(row: RiskRule, mtm: Decimal, today: date, *, book: str | None = None) -> MtmState:
    """The reading of `row` at `mtm` on `today`, with the peak it has stored (unwritten);
    `book` the one `mtm` is of (default: `book_of_rule`'s)."""
    stored = row.mtm_peak if row.mtm_day == today else None
    reading = read(terms_of(row), mtm=mtm, peak=peak_of(stored, mtm))
    tripped_today = row.tripped_at is not None and trading_day(row.tripped_at) == today
    return MtmState(
        book=book_of_rule(row) if book is None else book,
        reading=reading,
        paused=row.paused,
        tripped_at=row.tripped_at,
        trip_reason=row.trip_reason,
        quiet_today=tripped_today and not row.paused,
    )


def arming(db: Session, row: RiskRule, *, by_book: Mapping[str, Decimal], today: date) -> MtmState:
    """Where a rule about to be saved (new, or changed: its stored peak kept) stands now: its
    book's day MTM (`by_book`, as the pages show it) against its thresholds, read as the
    next sweep would read it once it is saved."""
    book = measured_books(db, [row])[row.id]
    return state_of(row, by_book.get(book, ZERO), today, book=book)


def would_trip(row: RiskRule, state: MtmState) -> bool:
    """Whether saving `row` (read as `state`) fires it at once: enabled, not paused and not
    quiet after today's trip, its MTM at or past a threshold."""
    return (
        row.enabled and not row.paused and not state.quiet_today and state.reading.trip is not None
    )


def refuse_unconfirmed_trip(row: RiskRule, state: MtmState, *, scope: str) -> None:
    """Raise `Conflict` when saving `row` would trip it now (every open position of `scope`
    sold at market within seconds): the trader must see where it stands and confirm."""
    trip = state.reading.trip
    if trip is None or not would_trip(row, state):
        return
    raise Conflict(
        f"saving this rule would trip it now: {scope}'s {words(trip, state.reading)}, so every"
        " open position of it would be sold at market at once. Send confirm_trip: true to"
        " save it anyway."
    )


def resume(db: Session, rule_id: int, *, clock: Clock, user_id: int) -> RiskRule:
    """Let the rule's scope enter again after an MTM exit (commits; 404 if not yours)."""
    row = get_owned(db, RiskRule, rule_id, user_id=user_id, label="risk rule")
    if row.type != RuleType.MTM_EXIT.value:
        raise InvalidField("rule_id", "only an mtm_exit rule pauses and resumes")
    if row.paused:
        row.paused = False
        row.updated_at = clock.now()
    db.commit()
    return row


_WATCHED = (
    select(RiskRule.user_id)
    .where(RiskRule.type == RuleType.MTM_EXIT.value, RiskRule.enabled, RiskRule.paused.is_(False))
    .distinct()
)


class MtmExits:
    """The trading loop's watcher of every user's mtm_exit rules (a `LoopWatcher`)."""

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        paper: PaperPortfolio,
        orders: OrderPipeline,
        mtm: BookMtm,
        guard: Guard = UNGUARDED,
        live: Mapping[str, PaperPortfolio] | None = None,
    ) -> None:
        """`clock` is market time (the paper exchange's: its day is the trading day);
        `mtm` the books' day P&L as the pages show it; `live` each real broker's ledger
        by its name (``kite``), whose book a rule on ``live:<broker>`` exits."""
        self._db = db
        self._clock = clock
        self._paper = paper
        self._live = dict(live or {})
        self._orders = orders
        self._mtm = mtm
        self._guard = guard

    def on_prices(self, keys: Iterable[str]) -> object:
        """A tick batch moved the marks: read every watched scope."""
        return self.sweep()

    def on_timer(self) -> object:
        """Time passing: a new day starts a new peak."""
        return self.sweep()

    def sweep(self) -> list[int]:
        """Read every user's armed rules; the ids of the rules that tripped."""
        with self._db.session() as db:
            users = list(db.scalars(_WATCHED))
        tripped = self._guard.each(
            users,
            job="risk.mtm_exits",
            key=str,
            owner=lambda user_id: user_id,
            work=self._user,
        )
        return [rule_id for found in tripped for rule_id in found]

    def _user(self, user_id: int) -> list[int]:
        """One user's rules, each read on its book; trips claimed and exited."""
        tripped: list[tuple[int, MtmState]] = []
        with self._db.session() as db:
            rows = db.scalars(
                select(RiskRule)
                .where(
                    RiskRule.user_id == user_id,
                    RiskRule.type == RuleType.MTM_EXIT.value,
                    RiskRule.enabled,
                    RiskRule.paused.is_(False),
                )
                .order_by(RiskRule.id)
            ).all()
            if not rows:
                return []
            by_book = self._mtm(db, user_id)
            measured = measured_books(db, rows)
            snapshots: dict[str, LedgerSnapshot] = {}
            today = trading_day(self._clock.now())
            for row in rows:
                book = measured[row.id]
                ledger, account = self._ledger(book)
                if ledger is None:
                    continue  # a broker this server does not trade at: nothing to exit
                name = account.broker or BROKER
                if name not in snapshots:
                    snapshots[name] = ledger.snapshot(db, user_id)
                if self._unmarked(snapshots[name], book):
                    continue  # after a restart, before the prices: no MTM to judge yet
                state = state_of(row, by_book.get(book, ZERO), today, book=book)
                if row.mtm_day != today or row.mtm_peak != state.reading.peak:
                    row.mtm_day, row.mtm_peak = today, state.reading.peak
                if state.reading.trip is not None and not state.quiet_today:
                    tripped.append((row.id, state))
            db.commit()
            done = [rule_id for rule_id, state in tripped if self._trip(db, rule_id, state)]
        return done

    def _ledger(self, book: str) -> tuple[PaperPortfolio | None, Account]:
        """The ledger `book` is kept in and the account its exits go to: the paper one, or
        a live broker's, a part's its book's (None when this server has no ledger for it)."""
        broker = books.live_broker(books.parent_of(book))
        if broker is None:
            return self._paper, PAPER_ACCOUNT
        return self._live.get(broker), Account(live=True, broker=broker)

    def _unmarked(self, snapshot: LedgerSnapshot, book: str) -> bool:
        """Whether an open position of `book` has no price yet (its MTM would be wrong).
        Holdings are not asked: one nobody trades today may never tick, and its day MTM
        is nothing until it does."""
        lots = snapshot.net_of(None if book == books.ALL else book)
        return any(
            lot.quantity and self._paper.last_tick(f"{lot.exchange}:{lot.tradingsymbol}") is None
            for lot in lots
        )

    def _trip(self, db: Session, rule_id: int, state: MtmState) -> bool:
        """Claim the trip (once), record it, then exit the scope; whether this pass did."""
        trip = state.reading.trip
        assert trip is not None
        now = self._clock.now()
        why = words(trip, state.reading)
        claimed = db.execute(
            update(RiskRule)
            .where(RiskRule.id == rule_id, RiskRule.paused.is_(False))
            .values(paused=True, tripped_at=now, trip_reason=why, updated_at=now)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]  # a CursorResult's
            db.rollback()
            return False
        row = db.get(RiskRule, rule_id)
        assert row is not None
        event = RiskEvent(
            user_id=row.user_id,
            at=now,
            rule_id=row.id,
            rule_type=RuleType.MTM_EXIT.value,
            action=RuleAction.BLOCK.value,
            origin=SOURCE,
            portfolio_id=row.portfolio_id,
            worker_run_id=row.worker_run_id,
            symbol=state.book,
            side="",
            quantity=0,
            price=ZERO,
            value=state.reading.mtm,
            threshold=_threshold(trip, state.reading),
            message=f"{why}: every open position exited, new entries paused until you resume",
            order_id=None,
            context={"trip": trip.value, "peak": str(state.reading.peak)},
        )
        db.add(event)
        book = state.book
        scope = "your account" if book == books.ALL else book_labels(db, row.user_id, [book])[book]
        notifications.add(  # the bell and Telegram: a risk breach, in words for the scope
            db,
            user_id=row.user_id,
            kind=notifications.Kind.RISK_BREACH,
            text=f"🛑 MTM exit on {scope}: {event.message}",
            at=now,
            portfolio_id=row.portfolio_id,
            payload={"rule_type": RuleType.MTM_EXIT.value, "rule_id": row.id, "book": book},
        )
        db.commit()
        self._exit_scope(db, row, book, trading_day(now))
        return True

    def _exit_scope(self, db: Session, row: RiskRule, book: str, day: date) -> None:
        """Cancel the scope's working orders, then close each open position at market: of
        a part of a live book, only the orders its owner placed and the positions it holds
        there (the desk's and other runs' at the same broker stay)."""
        user_id = row.user_id
        ledger, account = self._ledger(book)
        if ledger is None:
            return
        query = select(Order.order_id, Order.book, Order.attribution).where(
            Order.user_id == user_id,
            Order.broker == (account.broker or BROKER),
            Order.status.in_(PENDING),
        )
        if book != books.ALL:
            query = query.where(Order.book == books.parent_of(book))
        working = db.execute(query).all()
        if books.parent_of(book) != book:  # a part: its owner's orders, by their tags
            working = [o for o in working if books.part_of(o.book, o.attribution) == book]
        for order_id in [o.order_id for o in working]:
            try:
                self._orders.cancel(db, CancelOrder(user_id, order_id))
            except TraderTapeError:  # filled or gone meanwhile: what is held is exited
                db.rollback()
        snapshot = ledger.snapshot(db, user_id)
        for held in open_positions(snapshot, book):
            key = f"{held.exchange}:{held.tradingsymbol}"
            spec = OrderSpec(
                exchange=Exchange(held.exchange),
                tradingsymbol=held.tradingsymbol,
                transaction_type=TransactionType.SELL if held.quantity > 0 else TransactionType.BUY,
                quantity=abs(held.quantity),
                product=Product(held.product),
                order_type=OrderType.MARKET,
                market_protection=MARKET_PROTECTION_AUTO,
            )
            client_key = f"mtm:{row.id}:{day.isoformat()}:{held.book}:{key}:{held.product}"
            try:
                self._orders.submit(
                    db,
                    SubmitOrder(
                        user_id=user_id,
                        spec=spec,
                        last=self._paper.last_tick(key),
                        account=account,
                        client_key=client_key[:160],
                        source=SOURCE,
                        attribution=_attribution(held.book, row.id),
                        exit_only=True,
                    ),
                )
            except TraderTapeError:  # refused before anything was stored: the rest go on
                db.rollback()


@dataclass(frozen=True, slots=True)
class Held:
    """One open position of a scope, as its exit closes it: signed (> 0 long)."""

    book: str
    exchange: str
    tradingsymbol: str
    product: str
    quantity: int


def open_positions(snapshot: LedgerSnapshot, book: str) -> list[Held]:
    """What `book` (or a part, or "all") holds to exit: each intraday and F&O position, and
    its delivery shares as holdings (settled and bought today alike). A delivery position
    of today's trades is in the holdings already (its buy as T+1, its sale out of what was
    held), so it is never exited twice, nor a sale of yesterday's shares bought back."""
    scope = None if book == books.ALL else book
    found = [
        Held(lot.book, lot.exchange, lot.tradingsymbol, lot.product, lot.quantity)
        for lot in snapshot.net_of(scope)
        if lot.quantity and lot.product != Product.CNC.value
    ]
    for (exchange, symbol, owner), holding in snapshot.holdings_of(scope):
        if holding.held > 0:
            found.append(Held(owner, exchange, symbol, Product.CNC.value, holding.held))
    return found


def _attribution(book: str, rule_id: int) -> dict[str, Any]:
    """Tags that keep the exit in the position's own book or part (`domain.books.book_of`,
    `part_of`)."""
    return {"mtm_rule_id": rule_id, **tags_of(books.book_owner(book))}


def _threshold(trip: Trip, reading: MtmReading) -> Decimal | None:
    match trip:
        case Trip.LOSS:
            return reading.stop_at
        case Trip.TARGET:
            return reading.target_at
        case Trip.TRAIL:
            return reading.trail_floor
