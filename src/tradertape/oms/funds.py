"""The funds check: an order needs the margin of the risk it adds; a delivery sell needs
the shares, in its own book (a worker run cannot sell what the manual book holds).

What is free is the account's value less everything that must stay blocked::

    available = cash + Σ positions (quantity × mark − margin) − Σ working orders' margin

Cash moves by the full value of each trade (a buy pays, a sell is paid), so a position
gives its value back at its mark (the last price, else its average price) less the
margin it must keep (`domain.margins`: 20 % for MIS, SPAN + exposure for futures and sold
options, the risk to the stop while a cover order's stop-loss leg works). Delivery shares
and bought options are paid in full: they neither hold margin nor free any, but a bought
option held covers a sold one of its underlying and type expiring with it or earlier, and
a future held a sold call (bought) or put (sold) (`portfolio_margin`: a vertical spread
holds only its risk, a calendar spread that and a calendar charge, a covered call the
future's margin), whether the sold one is held, working or being placed; held futures of
different expiries pair as a futures calendar spread. The expiry day's rules (no benefit
across expiries for a contract expiring today, 2 % more exposure on a short index option)
apply on the market clock's IST date, as in the previews.

A working order blocks margin only for the part that would open or extend a position:
orders that close what is held (a sell of a long, a buy of a short, a cover order's
stop-loss leg) use up the position, oldest first, and the rest is margined at the
order's own price (its limit, its trigger, or the mark for a market order). So an exit
is never refused for margin, and a second exit for the same shares counts as a new
position, as at Zerodha.

Each book spends its own money (docs/books.md): a model portfolio's order may use what
its own book leaves free (its cash, its positions at their marks less their margin, less
what its working orders hold), never more than the account has free; the manual book and
the worker runs trade from the rest, what the account has free less what each portfolio's
book keeps free for itself.

`funding_problem` reads all of this through the transaction's `Ledger`, which holds the
user's ledger lock first, so two orders placed at once from any processes are checked one
after the other. A shortfall is not an error: the order is stored REJECTED with Kite's
wording.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import ColumnElement, bindparam, select
from sqlalchemy.orm import Session

from tradertape.db.models.trading import CashEntry, Order, Trade
from tradertape.db.rows import one_of, table_of
from tradertape.domain import books
from tradertape.domain.enum_members import members_of
from tradertape.domain.instruments import Exchange, Instrument, InstrumentCatalog, InstrumentType
from tradertape.domain.margins import (
    NO_MARGIN,
    Margin,
    MarginLeg,
    MarginTable,
    portfolio_margin,
)
from tradertape.domain.market import Tick
from tradertape.domain.money import inr
from tradertape.domain.order_state import PENDING
from tradertape.domain.orders import Product, TransactionType, Variety
from tradertape.domain.values import value_class
from tradertape.oms.book_totals import Position, PositionKey, load_positions
from tradertape.oms.context import BROKER, TradingContext
from tradertape.oms.ledger import Ledger
from tradertape.oms.order_log import is_cover_leg
from tradertape.oms.positions import cash_balance, net_quantity
from tradertape.ports.clock import IST

_ORDERS = table_of(Order)
_WORKING_ORDERS = (
    select(
        _ORDERS.c.id,
        _ORDERS.c.exchange,
        _ORDERS.c.tradingsymbol,
        _ORDERS.c.product,
        _ORDERS.c.transaction_type,
        _ORDERS.c.variety,
        _ORDERS.c.order_type,
        _ORDERS.c.quantity,
        _ORDERS.c.filled_quantity,
        _ORDERS.c.price,
        _ORDERS.c.trigger_price,
        _ORDERS.c.client_key,
        _ORDERS.c.book,
    )
    # Sorted in Python: an ORDER BY id here makes SQLite walk all of the user's orders by
    # the user_id index instead of seeking the pending ones by (user_id, status).
    .where(
        _ORDERS.c.user_id == bindparam("user_id"),
        _ORDERS.c.broker == BROKER,
        one_of(_ORDERS.c.status, PENDING),
    )
)
_ZERO = Decimal(0)
# Module constants, not `TransactionType.X` and the like in the calls: on Python 3.11 an
# enum class's attribute passes through `EnumType.__getattr__`'s hook (and `.value` is a
# property), and the funds check of every order asks these many times.
_BUY, _SELL = TransactionType.BUY, TransactionType.SELL
_PAID_IN_FULL = (Product.CNC.value, Product.MTF.value)  # delivery: paid in full, held
_FUT = InstrumentType.FUT
# not read through `EnumType`'s hook, nor ``TransactionType(side)``'s two frames, per order
_CO, _SIDE = Variety.CO.value, members_of(TransactionType)


@value_class
class Pending:
    """The unfilled part of a working order, as the funds check sees it."""

    id: int | None  # None: the order being placed, not stored yet
    key: PositionKey
    side: TransactionType
    quantity: int
    price: Decimal | None  # limit, or trigger for SL-M; None for a market order
    stop: Decimal | None = None  # a cover order's trigger (entry or stop-loss leg)
    leg: bool = False  # a cover order's stop-loss leg: it closes its entry's position
    book: str = books.MANUAL


@value_class
class AccountMargins:
    """Cash, what open positions and working orders hold, and what is free."""

    cash: Decimal
    positions_value: Decimal  # Σ quantity × mark: what the positions would fetch
    positions: Margin  # held by open positions
    orders: Margin  # held by working and queued orders

    @property
    def used(self) -> Margin:
        """Everything blocked."""
        return self.positions + self.orders

    @property
    def available(self) -> Decimal:
        """What a new order may use (negative after losses)."""
        return self.cash + self.positions_value - self.used.total


@dataclass(slots=True)
class _Group:
    """One symbol and product: the open position and the orders working on it."""

    position: int = 0
    mark: Decimal | None = None
    orders: list[Pending] = field(default_factory=list)


class _Pricing:
    """Instruments, marks and margins as of this check."""

    def __init__(
        self, context: TradingContext, catalog: InstrumentCatalog, last: Tick | None
    ) -> None:
        self._context = context
        self._catalog = catalog
        self._last = last
        # the expiry day's rules (`domain.margins`) apply on the market's IST date
        self.today = context.clock.now().astimezone(IST).date()
        # the one margin computation, as the previews read it (`MarginTable`)
        self.table = MarginTable(catalog, context.config.margins, self.mark, self.today)

    def instrument(self, exchange: str, symbol: str) -> Instrument:
        found = self._catalog.find(f"{exchange}:{symbol}")
        if found is not None:
            return found
        # Delisted since: margined as plain equity, which never frees more than it holds.
        return Instrument(Exchange(exchange), symbol, InstrumentType.EQ, symbol, 0)

    def mark(self, key: str) -> Decimal | None:
        if self._last is not None and self._last.key == key:
            return self._last.last_price
        tick = self._context.quotes(key)
        return tick.last_price if tick is not None else None


def _rupees(value: Decimal) -> str:
    # Kite's words carry no ₹; the digits are grouped as everywhere else (16,00,000.00).
    return inr(value, symbol=False)


def _pending(db: Session, user_id: int, *, but: int | None = None) -> list[Pending]:
    rows = sorted(db.execute(_WORKING_ORDERS, {"user_id": user_id}), key=lambda r: r.id)
    return [
        Pending(
            id=r.id,
            key=(r.exchange, r.tradingsymbol, r.product),
            side=_SIDE(r.transaction_type),
            quantity=r.quantity - r.filled_quantity,
            price=r.price or (r.trigger_price if r.variety != _CO else None),
            stop=r.trigger_price if r.variety == _CO else None,
            leg=is_cover_leg(r.variety, r.client_key),
            book=r.book,
        )
        for r in rows
        if r.id != but
    ]


def _pending_of(order: Order) -> Pending:
    variety, trigger = order.variety, order.trigger_price  # each mapped column read once
    cover = variety == _CO
    return Pending(
        id=order.id,
        key=(order.exchange, order.tradingsymbol, order.product),
        side=_SIDE(order.transaction_type),
        quantity=order.quantity - order.filled_quantity,
        price=order.price or (None if cover else trigger),
        stop=trigger if cover else None,
        leg=cover and is_cover_leg(variety, order.client_key),
        book=order.book,
    )


def _groups(positions: Iterable[Position], pending: Iterable[Pending]) -> dict[PositionKey, _Group]:
    groups: dict[PositionKey, _Group] = {}
    for position in positions:
        if position.quantity:
            group = groups.setdefault(position.key, _Group())
            group.position = position.quantity
            group.mark = position.average_price  # until a quote says otherwise
    for order in pending:
        groups.setdefault(order.key, _Group()).orders.append(order)
    return groups


def _opening(group: _Group, orders: Sequence[Pending]) -> list[tuple[Pending, int]]:
    """Each order's quantity beyond what closes the position, oldest first, per side."""
    room = {_SELL: max(group.position, 0), _BUY: max(-group.position, 0)}
    opening = []
    for order in orders:
        closes = min(order.quantity, room[order.side])
        room[order.side] -= closes
        opening.append((order, order.quantity - closes))
    return opening


def _position_margin(
    pricing: _Pricing, instrument: Instrument, product: str, group: _Group, mark: Decimal
) -> Margin:
    """What the open position holds; a cover order's stop-loss leg caps its part's risk."""
    held = abs(group.position)
    closing = _SELL if group.position > 0 else _BUY
    side = _BUY if group.position > 0 else _SELL
    margin = NO_MARGIN
    for leg in group.orders:
        if leg.leg and leg.side is closing and held:
            covered = min(leg.quantity, held)
            held -= covered
            margin += pricing.table.margin(instrument, product, side, covered, mark, stop=leg.stop)
    return margin + pricing.table.margin(instrument, product, side, held, mark)


def _paid_for(instrument: Instrument, product: str, group: _Group) -> bool:
    """Delivery shares and bought options are paid in full: they hold and free nothing."""
    if product in _PAID_IN_FULL:
        return True
    return instrument.option_type is not None and group.position > 0


def _order_price(order: Pending, mark: Decimal | None) -> Decimal | None:
    return order.price if order.price is not None else mark


def _margins(
    pricing: _Pricing, cash: Decimal, groups: dict[PositionKey, _Group], new: Pending | None
) -> tuple[AccountMargins, Margin | None]:
    """The account's margins, and what `new` (one of the groups' orders) adds to them.

    Held options offset one another (`portfolio_margin`: a bought option covers a sold one
    of its series, its premium paid in full), and a held bought option covers a working
    or new sell; an unfilled buy covers nothing (it may never fill).
    """
    value = _ZERO
    held: list[MarginLeg] = []
    working: list[MarginLeg] = []
    placed: list[MarginLeg] = []
    for (exchange, symbol, product), group in sorted(groups.items()):
        instrument = pricing.instrument(exchange, symbol)
        mark = pricing.mark(instrument.key) or group.mark
        option = instrument if instrument.option_type is not None else None
        # a held future covers a sold call (bought) or put (sold); a working one may never fill
        hedge = instrument if option or instrument.instrument_type is _FUT else None
        if group.position and mark is not None:
            margin = NO_MARGIN
            if not _paid_for(instrument, product, group):
                value += group.position * mark
                margin = _position_margin(pricing, instrument, product, group, mark)
            held.append(
                MarginLeg(margin, hedge, group.position, mark, pricing.table.risk(instrument))
            )
        for order, quantity in _opening(group, group.orders):
            price = _order_price(order, mark)
            if price is None:
                continue
            margin = pricing.table.margin(
                instrument, product, order.side, quantity, price, order.stop
            )
            sold = order.side is TransactionType.SELL
            risk = pricing.table.risk(instrument)
            leg = MarginLeg(margin, option, -quantity, price, risk) if sold else MarginLeg(margin)
            (placed if order is new else working).append(leg)
    today = pricing.today
    positions = portfolio_margin(held, today=today)
    with_orders = portfolio_margin([*held, *working], today=today)
    needed = None
    if placed:
        needed = _added(portfolio_margin([*held, *working, *placed], today=today), with_orders)
    account = AccountMargins(cash, value, positions, _added(with_orders, positions))
    return account, needed


def _added(more: Margin, base: Margin) -> Margin:
    """What `more` holds beyond `base`, part by part (a hedge never makes a part negative)."""
    return Margin(
        var=max(more.var - base.var, _ZERO),
        span=max(more.span - base.span, _ZERO),
        exposure=max(more.exposure - base.exposure, _ZERO),
        option_premium=max(more.option_premium - base.option_premium, _ZERO),
    )


def account_margins(context: TradingContext, db: Session, user_id: int) -> AccountMargins:
    """The account's margins as they stand (a read for display: no lock taken)."""
    groups = _groups(
        load_positions(db, user_id=user_id, broker=BROKER).values(), _pending(db, user_id)
    )
    pricing = _Pricing(context, context.catalog(db), None)
    cash = cash_balance(db, user_id=user_id, broker=BROKER)
    return _margins(pricing, cash, groups, None)[0]


def funding_problem(
    context: TradingContext,
    db: Session,
    ledger: Ledger,
    order: Order,
    instrument: Instrument,
    catalog: InstrumentCatalog,
    last: Tick | None,
) -> str | None:
    """Why the account cannot carry `order` (Kite's wording), or None if it can.

    `order` is a new order, or a stored one with modified terms (its old terms then
    count for nothing).
    """
    user_id, product = order.user_id, order.product  # mapped columns, read once
    delivery = product in _PAID_IN_FULL
    if order.transaction_type == _SELL and delivery:
        held = net_quantity(  # the order's book's shares: a book never sells another's
            db,
            user_id=user_id,
            broker=BROKER,
            key=instrument.key,
            product=product,
            book=order.book,
        )
        if held < order.quantity - order.filled_quantity:
            return f"Insufficient holdings: {held} of {instrument.tradingsymbol} held."
        return None
    pricing = _Pricing(context, catalog, last)
    new = _pending_of(order)
    if new.price is None and pricing.mark(instrument.key) is None:
        return "No price available to compute the required margin."
    positions = ledger.positions(user_id, new.key)
    # Read with the books: a user with nothing pending needs no scan of their orders.
    known_none = ledger.any_pending(user_id) is False
    pending = [] if known_none else _pending(db, user_id, but=order.id)
    groups = _groups(positions.values(), pending)
    group = groups.setdefault(new.key, _Group())
    group.orders.append(new)
    if not _opening(group, group.orders)[-1][1]:
        return None  # it only closes what is held: an exit is never refused
    account, needed = _margins(pricing, ledger.cash(user_id), groups, new)
    required = needed.total if needed is not None else _ZERO
    if required > account.available:
        return (
            f"Insufficient funds. Required margin is {_rupees(required)} "
            f"but available margin is {_rupees(max(account.available, _ZERO))}."
        )
    if ledger.any_portfolio(order.user_id) is False:
        return None  # no portfolio keeps money of its own: every book spends the account's
    free = _book_free(db, pricing, order.user_id, order.book, account.available, pending)
    if required > free:
        return (
            f"Insufficient funds. Required margin is {_rupees(required)} "
            f"but available margin is {_rupees(max(free, _ZERO))} in {_book_words(order.book)} "
            f"(the account has {_rupees(account.available)} free; each book spends its own money)."
        )
    return None


def _book_words(book: str) -> str:
    portfolio, run = books.portfolio_of(book), books.run_of(book)
    if portfolio is not None:
        return f"model portfolio {portfolio}'s book"
    if run is not None:
        return f"worker run {run}'s book (the manual book's money)"
    return "the manual book"


def _own_pool(book: str) -> str | None:
    """The portfolio whose money `book` spends; None: the account's own (manual, runs)."""
    return book if books.portfolio_of(book) is not None else None


def _book_positions(
    db: Session, user_id: int, where: ColumnElement[bool]
) -> dict[str, dict[PositionKey, Position]]:
    """Net positions per book of the books `where` picks, summed from their trades (in
    Python: exact decimals on both databases)."""
    rows = db.execute(
        select(
            Trade.book,
            Trade.exchange,
            Trade.tradingsymbol,
            Trade.product,
            Trade.transaction_type,
            Trade.quantity,
            Trade.price,
        ).where(Trade.user_id == user_id, Trade.broker == BROKER, where)
    )
    found: dict[str, dict[PositionKey, Position]] = {}
    for book, exchange, symbol, product, side, quantity, price in rows:
        held = found.setdefault(book, {})
        key = (exchange, symbol, product)
        position = held.setdefault(key, Position(None, *key))
        position.add(buy=side == TransactionType.BUY.value, quantity=quantity, price=price)
    return found


def _book_cash(db: Session, user_id: int, where: ColumnElement[bool]) -> dict[str, Decimal]:
    cash: dict[str, Decimal] = {}
    rows = db.execute(
        select(CashEntry.book, CashEntry.amount).where(
            CashEntry.user_id == user_id, CashEntry.broker == BROKER, where
        )
    )
    for book, amount in rows:
        cash[book] = cash.get(book, _ZERO) + amount
    return cash


def _own_margins(
    pricing: _Pricing,
    cash: Decimal,
    positions: dict[PositionKey, Position],
    pending: Iterable[Pending],
) -> AccountMargins:
    return _margins(pricing, cash, _groups(positions.values(), pending), None)[0]


def _portfolios_free(
    db: Session, pricing: _Pricing, user_id: int, pending: Sequence[Pending]
) -> dict[str, Decimal]:
    """What each model portfolio's book has free of its own money."""
    cash = _book_cash(db, user_id, CashEntry.book.like(f"{books.PORTFOLIO_PREFIX}%"))
    if not cash:
        return {}
    positions = _book_positions(db, user_id, Trade.book.in_(list(cash)))
    return {
        book: _own_margins(
            pricing, amount, positions.get(book, {}), [p for p in pending if p.book == book]
        ).available
        for book, amount in cash.items()
    }


def _book_free(
    db: Session,
    pricing: _Pricing,
    user_id: int,
    book: str,
    account_free: Decimal,
    pending: Sequence[Pending],
) -> Decimal:
    """What an order of `book` may use: its portfolio's own free money, or the account's
    free money less what the portfolios keep; never more than the account has free."""
    free = _portfolios_free(db, pricing, user_id, pending)
    pool = _own_pool(book)
    if pool is not None:
        return min(account_free, free.get(pool, _ZERO))
    # A portfolio's loss is its own: it neither adds to nor takes from the rest.
    return min(account_free, account_free - sum(free.values(), _ZERO))


def book_available(context: TradingContext, db: Session, user_id: int, book: str) -> Decimal:
    """What a new order of `book` may use now (a read for display and allocation)."""
    pricing = _Pricing(context, context.catalog(db), None)
    pending = _pending(db, user_id)
    account = account_margins(context, db, user_id)
    return _book_free(db, pricing, user_id, book, account.available, pending)


def book_margins(context: TradingContext, db: Session, user_id: int, book: str) -> AccountMargins:
    """One book's own cash, and what its own positions and working orders hold."""
    pricing = _Pricing(context, context.catalog(db), None)
    positions = _book_positions(db, user_id, Trade.book == book).get(book, {})
    pending = [p for p in _pending(db, user_id) if p.book == book]
    return _own_margins(pricing, book_cash(db, user_id=user_id, book=book), positions, pending)


def book_cash(db: Session, *, user_id: int, book: str) -> Decimal:
    """The cash one book holds: the sum of its entries (deposits, allocations, trades,
    charges). The books' cash adds up to the account's."""
    amounts = db.scalars(
        select(CashEntry.amount).where(
            CashEntry.user_id == user_id, CashEntry.broker == BROKER, CashEntry.book == book
        )
    )
    return sum(amounts, Decimal(0))
