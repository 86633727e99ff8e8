"""The paper exchange: orders placed here are matched against the live (simulated) feed.

`PaperExchange` is the one door the API, the GTT book, the session jobs and the trading
loop use; the work lives in modules named for it:

- `order_rules`: a listed instrument, the domain's field rules, the session rule;
- `funds`: margin and holdings, checked under the user's ledger lock;
- `placement`: the paper act of the one admission sequence (`oms.admission`): a new
  order worked out whole (funds, an immediate match), then stored with one commit, its
  idempotency key claimed by a unique constraint;
- `working`: working orders against ticks (triggers, fills, IOC remainders);
- `ledger`: each fill's trade, contract-note charges and cash;
- `order_log`: order rows and their history through the status machine;
- `amendment`: modify and cancel;
- `cover`: a cover order's stop-loss leg;
- `order_locks`: orders read under their owners' locks before anything changes them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from tradertape.db.models.trading import Order, Trade
from tradertape.domain.books import MANUAL
from tradertape.domain.calendar import TradingCalendar
from tradertape.domain.instruments import Instrument, InstrumentCatalog
from tradertape.domain.market import Tick
from tradertape.domain.order_state import OrderEvent
from tradertape.domain.orders import OrderSpec, TransactionType
from tradertape.errors import InvalidField
from tradertape.oms import funds, order_log, order_rules
from tradertape.oms.cash import deposit
from tradertape.oms.commands import SubmitOrder
from tradertape.oms.context import (
    BROKER,
    SQUAREOFF,
    CatalogSource,
    LastTick,
    PaperConfig,
    TradingContext,
    no_quotes,
)
from tradertape.oms.gate import PreTrade, PreTradeVerdict, ReadAhead
from tradertape.oms.ledger import Ledger
from tradertape.oms.paper import amendment, placement, working
from tradertape.oms.paper.placement import Placed
from tradertape.oms.paper.virtual_fill import book_virtual_fill, erase_virtual_fills
from tradertape.ports.clock import Clock

__all__ = [
    "BROKER",
    "SQUAREOFF",
    "CatalogSource",
    "PaperConfig",
    "PaperExchange",
    "Placed",
    "PreTrade",
    "PreTradeVerdict",
]


def _fixed(catalog: InstrumentCatalog) -> CatalogSource:
    def source(_db: Session) -> InstrumentCatalog:
        return catalog

    return source


class PaperExchange:
    """Places, matches and books paper orders for every user."""

    def __init__(
        self,
        *,
        clock: Clock,
        calendar: TradingCalendar,
        catalog: InstrumentCatalog | CatalogSource,
        config: PaperConfig | None = None,
        quotes: LastTick = no_quotes,
        catalog_ahead: Callable[[Session], None] | None = None,
        feed_quiet: Callable[[], bool] = lambda: False,
    ) -> None:
        """``catalog`` is fixed, or read per session so imported instruments are seen
        (`catalog_ahead` then sends its read early); ``quotes`` (the feed's last ticks)
        marks open positions for the funds check; ``feed_quiet`` says the feed went quiet
        (the watchdog), so a market order filled at an old price says so."""
        source = _fixed(catalog) if isinstance(catalog, InstrumentCatalog) else catalog
        self._context = TradingContext(
            clock=clock,
            calendar=calendar,
            config=config or PaperConfig(),
            catalog=source,
            quotes=quotes,
            catalog_ahead=catalog_ahead,
            feed_quiet=feed_quiet,
        )
        self._placement = placement.PaperPlacement(self._context)

    @property
    def context(self) -> TradingContext:
        """What the context's parts read (the live venue shares its gate, clock and catalog)."""
        return self._context

    @property
    def placement(self) -> placement.PaperPlacement:
        """Where new orders are placed (the paper act of `oms.admission.admit`)."""
        return self._placement

    @property
    def config(self) -> PaperConfig:
        """The exchange's knobs."""
        return self._context.config

    def register_pre_trade(self, check: PreTrade, *, ahead: ReadAhead | None = None) -> None:
        """Make `check` the pre-trade gate every order, modification and GTT passes
        (`ahead` sends its reads early: `PreTradeGate.read_ahead`)."""
        self._context.gate.register(check, ahead=ahead)

    def pre_trade(
        self, db: Session, order: Order, instrument: Instrument, last: Tick | None
    ) -> PreTradeVerdict | None:
        """The gate's verdict on `order` (None when nothing applies or none is registered)."""
        return self._context.gate.check(db, order, instrument, last)

    @property
    def calendar(self) -> TradingCalendar:
        """The trading calendar the exchange keeps its sessions by."""
        return self._context.calendar

    @property
    def clock(self) -> Clock:
        """Market time, as the exchange reads it."""
        return self._context.clock

    def last_tick(self, key: str) -> Tick | None:
        """The feed's last tick of ``key`` (``NSE:INFY``), if this process has seen one."""
        return self._context.quotes(key)

    def check(
        self, db: Session, spec: OrderSpec, last: Tick | None, *, session: bool = True
    ) -> Instrument:
        """The listed instrument if `spec` passes the rules placement applies (422 if not).

        ``session=False`` skips the market-hours rule: a preview or a dry run is valid
        at night too.
        """
        instrument = order_rules.listed(self.catalog(db), spec)
        order_rules.check_fields(self._context, spec, instrument, last)
        if session:
            order_rules.check_session(
                self._context, spec, instrument, self._context.clock.now(), "api"
            )
        return instrument

    def catalog(self, db: Session) -> InstrumentCatalog:
        """The instruments this exchange lists, as of this session."""
        return self._context.catalog(db)

    def deposit(self, db: Session, *, user_id: int, amount: Decimal, note: str = "") -> None:
        """Add funds to the user's paper account (commits)."""
        if amount <= 0:
            raise InvalidField("amount", "must be positive")
        deposit(db, user_id=user_id, amount=amount, at=self._context.clock.now(), note=note or None)
        db.commit()

    def book_virtual_fill(
        self,
        db: Session,
        *,
        user_id: int,
        key: str,
        buy: bool,
        quantity: int,
        price: Decimal,
        at: datetime,
        attribution: dict[str, Any],
        charges: Decimal | None = None,
    ) -> Decimal:
        """Book a model portfolio's virtual fill in its book (no commit; see
        `oms.paper.virtual_fill`); the charges booked."""
        return book_virtual_fill(
            self._context,
            db,
            user_id=user_id,
            key=key,
            side=TransactionType.BUY if buy else TransactionType.SELL,
            quantity=quantity,
            price=price,
            charges=charges,
            at=at,
            attribution=attribution,
        )

    def allocate(
        self,
        db: Session,
        *,
        user_id: int,
        amount: Decimal,
        source: str,
        target: str,
        note: str,
        field: str = "amount",
    ) -> None:
        """Move `amount` of cash from book `source` to book `target` (no commit).

        The account's cash does not change; a source that has not that much free cash (its
        own cash, and what the account has not blocked) refuses with a 400 on `field`.
        """
        if amount <= 0:
            raise InvalidField(field, "must be positive")
        ledger = Ledger(db)
        ledger.lock(user_id)
        free = min(
            funds.book_cash(db, user_id=user_id, book=source),
            self.book_available(db, user_id, source),
        )
        if amount > free:
            raise InvalidField(
                field,
                f"₹{amount:,.2f} is more than the ₹{max(free, Decimal(0)):,.2f} free to allocate",
            )
        now = self._context.clock.now()
        ledger.post(user_id, at=now, kind="allocation", amount=-amount, note=note, book=source)
        ledger.post(user_id, at=now, kind="allocation", amount=amount, note=note, book=target)
        ledger.write()

    def level_book(self, db: Session, *, user_id: int, book: str, cash: Decimal, note: str) -> None:
        """Bring a portfolio's book to `cash` by moving the difference from or to the manual
        book (no commit): back to zero when it retires, to its capital when it starts over.
        """
        ledger = Ledger(db)
        ledger.lock(user_id)
        move = cash - funds.book_cash(db, user_id=user_id, book=book)
        if move:
            now = self._context.clock.now()
            ledger.post(user_id, at=now, kind="allocation", amount=-move, note=note, book=MANUAL)
            ledger.post(user_id, at=now, kind="allocation", amount=move, note=note, book=book)
            ledger.write()

    def erase_virtual_fills(self, db: Session, *, user_id: int, book: str) -> None:
        """Delete a book's virtual fills (a paper portfolio starting over; no commit)."""
        erase_virtual_fills(db, user_id=user_id, book=book)

    def blocked(self, db: Session, user_id: int) -> Decimal:
        """Margin held by the user's working and queued orders (the parts that open risk)."""
        return funds.account_margins(self._context, db, user_id).orders.total

    def margins(self, db: Session, user_id: int) -> funds.AccountMargins:
        """Cash, what positions and working orders hold, and what is free (a read, no lock)."""
        return funds.account_margins(self._context, db, user_id)

    def book_margins(self, db: Session, user_id: int, book: str) -> funds.AccountMargins:
        """One book's cash and what its own positions and working orders hold (a read)."""
        return funds.book_margins(self._context, db, user_id, book)

    def book_available(self, db: Session, user_id: int, book: str) -> Decimal:
        """What a new order of `book` may use: each book spends its own money (a read)."""
        return funds.book_available(self._context, db, user_id, book)

    def place(
        self,
        db: Session,
        *,
        user_id: int,
        spec: OrderSpec,
        client_key: str | None = None,
        source: str = "api",
        attribution: dict[str, Any] | None = None,
        last: Tick | None = None,
        commit: bool = True,
        exit_only: bool = False,
    ) -> Order:
        """Validate, claim the idempotency key, store, and match at once if possible.

        ``commit=False`` leaves the transaction open for the caller's own rows. Every
        order passes the registered pre-trade check (`register_pre_trade`) except the
        broker's square-off and orders the caller knows only close (``exit_only``).
        """
        command = SubmitOrder(
            user_id=user_id,
            spec=spec,
            client_key=client_key,
            source=source,
            attribution=attribution,
            last=last,
            commit=commit,
            exit_only=exit_only,
        )
        return self._placement.place(db, command).order

    def submit(self, db: Session, command: SubmitOrder) -> Placed:
        """`place` for a command, also returning the trades booked, so a caller need not
        read them back."""
        return self._placement.place(db, command)

    def record(self, db: Session, order: Order, event: OrderEvent) -> None:
        """Apply an event to an order through the status machine and log it (no commit)."""
        order_log.record(db, order, event, self._context.clock.now())

    def cancel(
        self,
        db: Session,
        *,
        user_id: int,
        order_id: str,
        last: Tick | None = None,
        commit: bool = True,
    ) -> Order:
        """Cancel a working order (404 if not the user's; 400 if already final).

        On a cover order's stop-loss leg this is Kite's exit: the leg goes to market and
        fills on `last` (the instrument's last tick) or the next tick.
        """
        return amendment.cancel(
            self._context, db, user_id=user_id, order_id=order_id, last=last, commit=commit
        )

    def modify(
        self,
        db: Session,
        *,
        user_id: int,
        order_id: str,
        changes: dict[str, Any],
        last: Tick | None = None,
        commit: bool = True,
    ) -> Order:
        """Change a live order's quantity, prices, type or validity (Kite's modify)."""
        return amendment.modify(
            self._context,
            db,
            user_id=user_id,
            order_id=order_id,
            changes=changes,
            last=last,
            commit=commit,
        )

    def own_order(self, db: Session, *, user_id: int, order_id: str) -> Order:
        """One of the user's orders by its order id (404 for anyone else's)."""
        return amendment.own_order(db, user_id=user_id, order_id=order_id)

    def on_tick(self, db: Session, tick: Tick, *, traded_volume: int) -> list[Trade]:
        """Advance every working paper order of the ticked instrument (commits)."""
        return working.on_tick(self._context, db, tick, traded_volume=traded_volume)

    def advance(
        self, db: Session, order: Order, instrument: Instrument, tick: Tick, *, traded_volume: int
    ) -> list[Trade]:
        """Match one working order against one tick and book what fills (no commit)."""
        return working.advance(
            self._context, db, order, instrument, tick, traded_volume=traded_volume
        )
