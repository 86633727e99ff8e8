"""`RiskMonitor`: the risk services wired once (clock, books, catalog), and the paper OMS hook.

Model portfolios call `check_entry` on a signal; `pre_trade` is the paper exchange's gate
(registered at runtime build), which every order, modification and GTT passes under the
ledger lock: API orders, worker intents and baskets, option runs, GTTs when created and
when they fire.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models.risk import RiskEvent, RiskRule
from tradertape.db.models.trading import Order
from tradertape.domain import books as book_keys
from tradertape.domain import owners
from tradertape.domain.instruments import Instrument, InstrumentCatalog
from tradertape.domain.margins import MarginRates, MarginTable
from tradertape.domain.market import Tick
from tradertape.domain.money import ZERO
from tradertape.domain.orders import TransactionType
from tradertape.domain.owners import Owner
from tradertape.domain.risk import Book, Entry, RuleAction, RuleType, Side, reading
from tradertape.oms import BROKER as PAPER
from tradertape.oms import PreTradeVerdict, RateRefusal, own_book, owner_book, risk_scope
from tradertape.ports.clock import IST, Clock
from tradertape.services.mtm_exits.exits import BookMtm, MtmState, arming, trading_day
from tradertape.services.risk.check import (
    REFUSAL_PREFIX,
    RiskDecision,
    check_entry,
    decide,
    make_entry,
    record,
)
from tradertape.services.risk.exposure import ALL, RiskBooks, RiskScope
from tradertape.services.risk.own_book import held_in
from tradertape.services.risk.rules import (
    applicable,
    applies_to,
    read_applicable_ahead,
    scope_of,
    terms,
)
from tradertape.services.risk.state import AccountFigures, RiskState, risk_state

NO_PRICE = REFUSAL_PREFIX + "no price to value the order"
NO_PRICE_TYPE = "no_price"  # the risk event type of an entry refused for want of a price
ORDER_RATE = "order_rate"  # the risk event type of SEBI's order-rate ceiling


class RiskMonitor:
    """Risk rules' checks and state for the whole process."""

    def __init__(
        self,
        *,
        clock: Clock,
        books: RiskBooks,
        catalog: Callable[[Session], InstrumentCatalog],
        last_tick: Callable[[str], Tick | None] | None = None,
        margins: MarginRates | None = None,
        figures: AccountFigures | None = None,
        mtm: BookMtm | None = None,
    ) -> None:
        """`last_tick` is the price source the order preview reads (the feed, and the
        option model for an index option no feed quotes); `margins` the paper exchange's
        table, which values a future by the margin the preview shows; `figures` the paper
        account's P&L as its own views show it (the risk page shows the same)."""
        self.clock = clock  # market time, as the paper exchange's: "today" is its trading day
        self.books = books
        self._catalog = catalog
        self._last_tick = last_tick
        self._margins = margins or MarginRates()
        self._figures = figures
        self._mtm = mtm

    def check_entry(
        self,
        db: Session,
        *,
        user_id: int,
        symbol: str,
        side: Side | str,
        quantity: int,
        price: Decimal,
        sector: str | None = None,
        scope: RiskScope = ALL,
        origin: str = "portfolio",
        context: Mapping[str, Any] | None = None,
        book: str | None = None,
    ) -> RiskDecision:
        """The pre-trade check (no commit); the sector defaults to the catalog's. `book`:
        the finest book the entry's order would be in (`domain.books.own_book`), whose
        holding tells the scope's rules an exit from an entry (`check.decide`)."""
        if sector is None:
            found = self._catalog(db).find(symbol)
            sector = found.sector if found else None
        return check_entry(
            db,
            clock=self.clock,
            books=self.books,
            user_id=user_id,
            symbol=symbol,
            sector=sector,
            side=side,
            quantity=quantity,
            price=price,
            scope=scope,
            origin=origin,
            context=context,
            held=None if book is None else self._held(db, user_id, symbol, book),
        )

    @staticmethod
    def _held(db: Session, user_id: int, symbol: str, book: str) -> Callable[[], int]:
        """A reader of what `book` (or a part of a live one) holds of `symbol`."""
        broker = book_keys.live_broker(book_keys.parent_of(book)) or PAPER

        def read() -> int:
            return held_in(db, user_id=user_id, broker=broker, key=symbol, book=book)

        return read

    def blocking(
        self, db: Session, *, user_id: int, scope: RiskScope = ALL, live: bool = False
    ) -> list[str]:
        """Why the user's rules refuse any new entry from `scope` now (the worker safety
        check's ``blocking_reasons``): ``RISK_KILL_SWITCH`` when a kill switch applies, and
        ``RISK_<TYPE>`` for each blocking rule the book already breaches (today's loss at
        its limit, say, or a % rule while the live book's capital is unknown). A limit an
        entry could still fit under is not a reason; a user without rules costs one query.
        A `live` run's rules are read on the live book, which its orders are measured on;
        a rule on one book faces a run's entries only when the run trades there (live)."""
        rows = [
            r
            for r in applicable(db, user_id=user_id, scope=scope)
            if r.action == "block" and (r.book is None or (live and r.book != book_keys.MANUAL))
        ]
        if not rows:
            return []
        reasons: list[str] = []
        read: dict[int, Book] = {}
        for row in rows:
            if row.type != RuleType.KILL_SWITCH.value:
                source, _ = self.books.source(scope_of(row), live=live)
                if id(source) not in read:
                    read[id(source)] = source.book(db, user_id=user_id)
                if not reading(terms(row), read[id(source)]).breached:
                    continue
            code = f"RISK_{row.type.upper()}"
            if code not in reasons:
                reasons.append(code)
        return reasons

    def arming(self, db: Session, row: RiskRule) -> MtmState | None:
        """Where an mtm_exit rule about to be saved stands now (`mtm_exits.arming`: its
        book's day MTM, as the risk page reads it), or None (no MTM reader wired)."""
        if self._mtm is None:
            return None
        today = trading_day(self.clock.now())
        return arming(db, row, by_book=self._mtm(db, row.user_id), today=today)

    def state(self, db: Session, *, user_id: int, live: bool = False) -> RiskState:
        """The risk page's figures: the paper account's, or (`live`) the live book's."""
        return risk_state(
            db,
            clock=self.clock,
            books=self.books,
            user_id=user_id,
            live=live,
            figures=self._figures,
            mtm=self._mtm,
        )

    def read_ahead(self, db: Session, order: Order) -> None:
        """Send the reads `pre_trade` will make on `order` (its rules, and the account's
        book when it was read today) with the caller's next round trip."""
        read_applicable_ahead(db, user_id=order.user_id, scope=scope_of_order(order))
        self.books.account_for(live=_live(order)).read_ahead(db, user_id=order.user_id)

    def pre_trade(
        self, db: Session, order: Order, instrument: Instrument, last: Tick | None
    ) -> PreTradeVerdict | None:
        """The paper exchange's gate (`oms.gate.PreTrade`): the user-wide rules and those of
        the order's scope (the worker run or portfolio its attribution names).

        Users without rules cost one query. An entry that cannot be valued (a market sell
        before any tick) is refused when rules exist, since no cap could be checked. A
        stored order is being modified: its old terms make way for the new ones. A live
        order (``broker`` other than paper) is measured on the live book, a paper one on
        the paper book; a rule on one book tells an exit by what the order's own book (or
        part) holds (`own_book.held_in`), the account's rules by the account's net.
        """
        # each of the order's columns read once: a mapped attribute's read is a Python
        # call (SQLAlchemy's descriptor), a local's is not
        owner, stored, user_id = order.owner, order.broker, order.user_id
        broker = stored or PAPER
        scope = scope_of_owner(owner)
        book = owner_book(broker, owner)
        found = applicable(db, user_id=user_id, scope=scope)
        rules = [r for r in found if applies_to(r, book)]
        if not rules:
            return None
        if last is None and self._last_tick is not None:
            last = self._last_tick(instrument.key)
        price = order.price or order.trigger_price or (last.last_price if last else None)
        quantity = order.quantity - (order.filled_quantity or 0)
        entry = make_entry(
            symbol=instrument.key,
            sector=instrument.sector,
            side=order.transaction_type,
            quantity=quantity,
            price=price if price is not None else ZERO,
            unit_value=self._future_unit_value(db, order, instrument, quantity, price),
        )
        decision = decide(
            db,
            books=self.books,
            user_id=user_id,
            entry=entry,
            scope=scope,
            rules=rules,
            replacing=order.id,
            live=stored not in (None, PAPER),  # `_live`
            book=book,
            held=self._held(db, user_id, instrument.key, own_book(broker, owner)),
        )
        if price is None and not decision.exit:
            return PreTradeVerdict(refusal=NO_PRICE, record=self._no_price(order, entry, scope))
        if not decision.reasons:
            return None

        def log(session: Session, stored: Order) -> None:
            record(
                session,
                decision,
                clock=self.clock,
                user_id=stored.user_id,
                entry=entry,
                scope=scope,
                origin=stored.source,
                # A GTT refused at creation has no order yet.
                order_id=stored.order_id if stored.id is not None else None,
            )

        return PreTradeVerdict(refusal=decision.refusal, record=log)

    def _future_unit_value(
        self,
        db: Session,
        order: Order,
        instrument: Instrument,
        quantity: int,
        price: Decimal | None,
    ) -> Decimal | None:
        """A future's value per unit for the rules: its margin (SPAN and exposure in its
        underlying's risk class: the one `MarginTable` the ticket and the funds check
        read), not its notional. None for anything else: an option is valued at its
        premium, a share at its price."""
        if not instrument.is_derivative or instrument.option_type is not None:
            return None
        if price is None or quantity <= 0:
            return None
        today = self.clock.now().astimezone(IST).date()
        table = MarginTable(self._catalog(db), self._margins, self._mark, today)
        side = TransactionType(order.transaction_type)
        margin = table.margin(instrument, order.product, side, quantity, price)
        return margin.total / quantity

    def _mark(self, key: str) -> Decimal | None:
        tick = self._last_tick(key) if self._last_tick is not None else None
        return tick.last_price if tick is not None else None

    def _no_price(
        self, order: Order, entry: Entry, scope: RiskScope
    ) -> Callable[[Session, Order], None]:
        """The risk event of an entry refused because nothing could value it: a ``block``
        of type ``no_price``, naming the rules it could not be checked against."""

        def log(session: Session, stored: Order) -> None:
            session.add(
                RiskEvent(
                    user_id=stored.user_id,
                    at=self.clock.now(),
                    rule_id=None,
                    rule_type=NO_PRICE_TYPE,
                    action=RuleAction.BLOCK.value,
                    origin=stored.source,
                    portfolio_id=scope.portfolio_id,
                    worker_run_id=scope.worker_run_id,
                    symbol=entry.key,
                    side=entry.side.value,
                    quantity=entry.quantity,
                    price=ZERO,
                    value=None,
                    threshold=None,
                    message=NO_PRICE.removeprefix(REFUSAL_PREFIX),
                    order_id=stored.order_id if stored.id is not None else None,
                    context={"broker": order.broker},
                )
            )

        return log


def rate_refusal(clock: Clock) -> RateRefusal:
    """How the gate records an order the order-rate ceiling refused: a ``block`` risk event
    of type ``order_rate`` (the risk page lists it), naming no order since none is stored.
    No notification: a burst past the ceiling would send one per refused order."""

    def refused(order: Order, message: str) -> Callable[[Session], None]:
        scope = scope_of_order(order)
        values = {
            "user_id": order.user_id,
            "rule_id": None,
            "rule_type": ORDER_RATE,
            "action": RuleAction.BLOCK.value,
            "origin": order.source,
            "portfolio_id": scope.portfolio_id,
            "worker_run_id": scope.worker_run_id,
            "symbol": f"{order.exchange}:{order.tradingsymbol}",
            "side": order.transaction_type,
            "quantity": order.quantity,
            "price": order.price or order.trigger_price or ZERO,
            "message": message,
            "context": {"broker": order.broker},
        }
        order_id = order.order_id

        def record_it(db: Session) -> None:
            # A refused modify names its order; a refused new order was rolled back.
            kept = db.scalar(select(Order.id).where(Order.order_id == order_id))
            db.add(RiskEvent(at=clock.now(), order_id=order_id if kept else None, **values))

        return record_it

    return refused


def scope_of_order(order: Order) -> RiskScope:
    """The scope of an order's owner (its policy's, `oms.risk_scope`): a worker run's, a
    model portfolio's, or the account at large."""
    return scope_of_owner(order.owner)


def scope_of_owner(owner: Owner) -> RiskScope:
    """The rules' scope of an order of `owner`, as its policy names it."""
    named = risk_scope(owner)
    if named is None or named.id is None:
        return ALL
    run = owners.run_of(named)
    if run is not None:
        return RiskScope(worker_run_id=run)
    portfolio = owners.portfolio_of(named)
    return ALL if portfolio is None else RiskScope(portfolio_id=portfolio)


def _live(order: Order) -> bool:
    """Whether `order` is measured on the live book (any real broker) or the paper one."""
    return order.broker not in (None, PAPER)
