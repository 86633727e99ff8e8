"""A user's paper ledger as the views read it, derived once per ledger version.

Positions, holdings, today's trades and P&L and each book's cash are all derived from the
user's trades and cash entries, and those change only when something is booked: a fill, a
cash movement, a fill taken back. Each booking sets a new ledger version (the account's
``ledger_stamp``) in the statement
that stores its balance (`oms.book_totals.save_account`). So the derivation runs once per
version, not once per read: a read asks for the version (one indexed row) and uses the
snapshot built at that version, or builds one. Nothing in a snapshot moves with the market:
marking to the last tick is the read's.

Why this is exact:

- the version is read before the rows, so a snapshot is never older than the version it
  is filed under (a booking committed in between makes it newer, and the next read, finding
  the new version, builds again);
- the version is in the database, so a booking by any process, or by the CLI on the same
  file, is seen by the next read;
- versions are random, never counted up: a snapshot read inside a transaction that has
  booked (its own version, uncommitted) and then rolls back is filed under a version no
  committed ledger will ever have.

A live broker's ledger holds one book shared by the desk, its live portfolios and runs;
each of theirs is a part of it (`domain.books.part_of`, from the order's attribution).
The snapshot derives the parts from the same trades by the same functions (`parts`), so a
part's positions and day P&L are read as any book's, and "All" never counts them twice.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from tradertape.db.models.trading import CashEntry, Order, PaperAccount, Trade
from tradertape.db.prepared import Prepared
from tradertape.db.rows import table_of
from tradertape.domain.books import PAPER_BROKER, part_of
from tradertape.domain.day_pnl import Sides
from tradertape.domain.money import paise
from tradertape.oms.read_models import KiteDict
from tradertape.ports.clock import IST

_ZERO = Decimal(0)
MAX_USERS = 4096  # snapshots kept (the least recently read go first)

_ACCOUNTS = table_of(PaperAccount)
_TRADES = table_of(Trade)
_CASH = table_of(CashEntry)
_ORDERS = table_of(Order)
# Most desk reads ask for the version: compiled once, run as driver SQL (`db.prepared`).
_VERSION = Prepared(
    select(_ACCOUNTS.c.ledger_stamp, _ACCOUNTS.c.cash).where(
        _ACCOUNTS.c.user_id == bindparam("user_id"), _ACCOUNTS.c.broker == bindparam("broker")
    )
)
_ALL_TRADES = (
    select(
        _TRADES.c.id,
        _TRADES.c.trade_id,
        _TRADES.c.book,
        _TRADES.c.exchange,
        _TRADES.c.tradingsymbol,
        _TRADES.c.instrument_token,
        _TRADES.c.product,
        _TRADES.c.transaction_type,
        _TRADES.c.quantity,
        _TRADES.c.price,
        _TRADES.c.trade_date,
        _TRADES.c.filled_at,
        _ORDERS.c.order_id,
    )
    .join(_ORDERS, _ORDERS.c.id == _TRADES.c.order_pk)
    .where(_TRADES.c.user_id == bindparam("user_id"), _TRADES.c.broker == bindparam("broker"))
    .order_by(_TRADES.c.id)
)
# A live broker's: with each order's tags, which name the part of the book a trade is in.
_LIVE_TRADES = _ALL_TRADES.add_columns(_ORDERS.c.attribution)
_ALL_CASH = select(_CASH.c.at, _CASH.c.kind, _CASH.c.amount, _CASH.c.book).where(
    _CASH.c.user_id == bindparam("user_id"), _CASH.c.broker == bindparam("broker")
)


def _aware(at: datetime) -> datetime:
    # SQLite hands back naive datetimes; every stored time is UTC.
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class CashFlows:
    """A book's (or the account's) cash: at the day's start, paid in since, and now."""

    opening: Decimal
    payin: Decimal
    cash: Decimal


@dataclass
class Day:
    """One instrument and product's day in one book: held at the start and now, today's
    cash flow and trades (each side's quantity and value, for what is realised), the last
    fill."""

    start: int = 0
    now: int = 0
    flow: Decimal = _ZERO
    last_fill: Decimal = _ZERO
    sides: Sides = field(default_factory=Sides)


@dataclass
class Lot:
    """Running totals of one symbol and product in one book."""

    book: str
    exchange: str
    tradingsymbol: str
    instrument_token: int
    product: str
    buy_qty: int = 0
    sell_qty: int = 0
    buy_value: Decimal = _ZERO
    sell_value: Decimal = _ZERO
    overnight: int = 0
    # Delivery shares sold today out of what the book held at the day's start (its net
    # sale, as it leaves the holdings): a sale of held shares, never a short. Its row counts
    # them as held from the previous close (`PaperPortfolio`'s rows), as the day's P&L does.
    from_holdings: int = 0

    def add(self, trade: Any) -> None:
        """Apply one trade (anything with a side, a quantity and a price)."""
        value = trade.price * trade.quantity
        if trade.transaction_type == "BUY":
            self.buy_qty += trade.quantity
            self.buy_value += value
        else:
            self.sell_qty += trade.quantity
            self.sell_value += value

    @property
    def quantity(self) -> int:
        """Bought (and taken out of the holdings) less sold."""
        return self.buy_qty + self.from_holdings - self.sell_qty

    def realised(self) -> Decimal:
        """P&L of the closed quantity (`domain.day_pnl`'s rule), to the paisa: the rest of
        the lot's P&L is unrealised."""
        sides = Sides(self.buy_qty, self.buy_value, self.sell_qty, self.sell_value)
        return paise(sides.realised())


@dataclass
class Holding:
    """Delivery shares of one symbol in one book: settled, bought today (T+1), at cost
    (`t1_cost`: what today's T+1 shares cost, the base of their day change)."""

    token: int
    settled: int = 0
    t1: int = 0
    cost: Decimal = _ZERO
    held: int = 0
    t1_cost: Decimal = _ZERO


HeldAt = tuple[tuple[str, str, str], Holding]  # (exchange, symbol, book) and what it holds


@dataclass(frozen=True, slots=True)
class Fill:
    """One of today's trades, as the risk monitor replays it."""

    key: str  # EXCH:SYMBOL
    signed: int  # > 0 bought
    price: Decimal


@dataclass(frozen=True)
class LedgerSnapshot:
    """Everything the views derive from one user's paper ledger, at one version and day.

    Shared by every reader of that version: nothing here is changed after it is built.
    """

    version: int
    today: date
    cash_now: Decimal  # the running balance (`book_totals.cash`)
    net: tuple[Lot, ...]  # per book, symbol and product; settled delivery left to holdings
    day: tuple[Lot, ...]  # today's trades only
    holdings: tuple[HeldAt, ...]  # sorted
    days: dict[str, dict[tuple[str, str], Day]]  # per book: each instrument and product's
    cash: dict[str | None, CashFlows]  # per book, and None: the account
    trades_today: tuple[KiteDict, ...]  # Kite's rows, each naming its book
    fills_today: tuple[Fill, ...]
    books: frozenset[str]  # every book with a trade or a cash entry
    memo: dict[str, Any] = field(default_factory=dict, compare=False)  # readers' derivations
    # The live book's parts (each live portfolio's and run's trades in it), derived alike:
    # read through the methods below by a part's key; never in "all" (None).
    parts: LedgerSnapshot | None = None

    @property
    def part_books(self) -> frozenset[str]:
        """Every part of a live book with a trade (``live:kite/run:5``)."""
        return frozenset() if self.parts is None else self.parts.books

    def _of(self, book: str | None) -> LedgerSnapshot:
        """Where `book` is derived: the parts for a part's key, else here."""
        if book is not None and self.parts is not None and book in self.parts.books:
            return self.parts
        return self

    def net_of(self, book: str | None) -> list[Lot]:
        """Net positions of one book or part (None: all)."""
        return [lot for lot in self._of(book).net if book is None or lot.book == book]

    def day_of(self, book: str | None) -> list[Lot]:
        """Today's positions of one book or part (None: all)."""
        return [lot for lot in self._of(book).day if book is None or lot.book == book]

    def holdings_of(self, book: str | None) -> list[HeldAt]:
        """Delivery holdings still held, of one book or part (None: all), by exchange and
        symbol."""
        held = self._of(book).holdings
        return [(k, h) for k, h in held if h.held and (book is None or k[2] == book)]

    def day_pnl_of(self, book: str | None) -> list[tuple[str, Day]]:
        """The day of each instrument and product in one book or part (None: in every book,
        so the account's figures are its books' added up), with the instrument
        (``NSE:INFY``) that marks it."""
        scopes = self.days.values() if book is None else [self._of(book).days.get(book, {})]
        return [(key, day) for days in scopes for (key, _), day in days.items()]

    def cash_of(self, book: str | None) -> CashFlows:
        """The cash of one book (None: the account; a part holds none of its own)."""
        return self.cash.get(book, CashFlows(_ZERO, _ZERO, _ZERO))

    def trades_of(self, book: str | None) -> list[KiteDict]:
        """Today's trades of one book or part (None: all), oldest first."""
        trades = self._of(book).trades_today
        return [dict(t) for t in trades if book is None or t["book"] == book]


TradeRow = Callable[[Any, str], KiteDict]  # a trade in Kite's shape, given its order id


def _lots(trades: Iterable[Any], today: str, *, day_only: bool) -> tuple[Lot, ...]:
    lots: dict[tuple[str, str, str, str], Lot] = {}
    held: dict[tuple[str, str, str, str], int] = {}  # delivery shares at the day's start
    last_day: dict[tuple[str, str, str, str], str] = {}  # each lot's latest trade's date
    for trade in trades:
        if trade.product == "CNC" and trade.trade_date < today:
            key = (trade.book, trade.exchange, trade.tradingsymbol, trade.product)
            signed = trade.quantity if trade.transaction_type == "BUY" else -trade.quantity
            held[key] = held.get(key, 0) + signed
        if trade.product == "CNC" and not day_only and trade.trade_date < today:
            continue  # settled delivery lives in holdings, not positions
        key = (trade.book, trade.exchange, trade.tradingsymbol, trade.product)
        lot = lots.get(key)
        if lot is not None and lot.quantity == 0 and last_day[key] < trade.trade_date:
            lot = None  # flat at an earlier day's end: that position is over, a new one starts
        last_day[key] = trade.trade_date
        if lot is None:
            lot = lots[key] = Lot(
                trade.book,
                trade.exchange,
                trade.tradingsymbol,
                trade.instrument_token,
                trade.product,
            )
        if day_only and trade.trade_date < today:
            continue
        if trade.trade_date < today:
            lot.overnight += trade.quantity if trade.transaction_type == "BUY" else -trade.quantity
        lot.add(trade)
    for key, start in held.items():  # a net sale of held shares leaves the holdings
        lot = lots.get(key)
        if lot is not None and start > 0:
            lot.from_holdings = min(max(lot.sell_qty - lot.buy_qty, 0), start)
    # a position closed on an earlier day (an option settled at its expiry, a future sold
    # last week) is not today's, as at Kite: its P&L was that day's, never today's M2M
    return tuple(
        lot
        for key, lot in lots.items()
        if (lot.buy_qty or lot.sell_qty) and (lot.quantity or last_day[key] >= today)
    )


def _holdings(
    trades: Iterable[Any], today: str
) -> tuple[tuple[tuple[str, str, str], Holding], ...]:
    """Delivery holdings, a day at a time: of each symbol in each book, what was bought and
    sold the same day is a day position (`positions`), never a holding; only the day's net
    buy moves into holdings (T+1 while it is today's), and only its net sale leaves them,
    at their average cost."""
    days: dict[tuple[str, str, str], dict[str, list[Any]]] = {}
    tokens: dict[tuple[str, str, str], int] = {}
    for trade in trades:
        if trade.product != "CNC":
            continue
        key = (trade.exchange, trade.tradingsymbol, trade.book)
        tokens.setdefault(key, trade.instrument_token)
        days.setdefault(key, {}).setdefault(trade.trade_date, []).append(trade)
    held: dict[tuple[str, str, str], Holding] = {}
    for key, by_day in days.items():
        row = held[key] = Holding(tokens[key])
        for day in sorted(by_day):
            buys = [t for t in by_day[day] if t.transaction_type == "BUY"]
            bought = sum(t.quantity for t in buys)
            sold = sum(t.quantity for t in by_day[day]) - bought
            same_day = min(bought, sold)
            sale = sold - same_day
            if sale:
                average = row.cost / row.held if row.held else _ZERO
                row.cost -= average * sale
                row.held -= sale
                row.settled -= sale
            kept = bought - same_day
            if kept:
                cost = sum((t.price * t.quantity for t in buys), _ZERO) * kept / bought
                row.cost += cost
                row.held += kept
                if day == today:
                    row.t1, row.t1_cost = kept, cost
                else:
                    row.settled += kept
    return tuple(sorted(held.items()))


def _days(trades: Iterable[Any], today: str) -> dict[str, dict[tuple[str, str], Day]]:
    """The day of each instrument and product in each book, as `day_pnl` adds them: the
    grain of a position's row, so what is realised today is the rows' realised (an MIS
    sell closes no CNC buy, and one book's sale closes nothing another book holds)."""
    days: dict[str, dict[tuple[str, str], Day]] = {}
    for trade in trades:
        key = f"{trade.exchange}:{trade.tradingsymbol}"
        signed = trade.quantity if trade.transaction_type == "BUY" else -trade.quantity
        day = days.setdefault(trade.book, {}).setdefault((key, trade.product), Day())
        day.now += signed
        day.last_fill = trade.price
        if trade.trade_date < today:
            day.start += signed
        else:
            day.flow -= signed * trade.price
            day.sides.add(signed, trade.price)
    return days


def _cash(entries: Iterable[Any], today: date) -> dict[str | None, CashFlows]:
    start = datetime.combine(today, time(0), IST)
    sums: dict[str | None, list[Decimal]] = {None: [_ZERO, _ZERO, _ZERO]}
    for at, kind, amount, book in entries:
        early = _aware(at) < start
        paid = not early and kind in ("deposit", "allocation")
        for scope in (None, book):
            flows = sums.setdefault(scope, [_ZERO, _ZERO, _ZERO])
            flows[2] += amount
            if early:
                flows[0] += amount
            elif paid:
                flows[1] += amount
    return {scope: CashFlows(*flows) for scope, flows in sums.items()}


class LedgerSnapshots:
    """Snapshots of users' paper ledgers by version, for one broker's books; thread-safe
    (request threads share it). `today` is the market's date, read per call."""

    def __init__(
        self,
        *,
        broker: str,
        today: Callable[[], date],
        trade_row: TradeRow,
        max_users: int = MAX_USERS,
    ) -> None:
        self._broker = broker
        self._today = today
        self._trade_row = trade_row
        self._max_users = max_users
        self._kept: OrderedDict[int, LedgerSnapshot] = OrderedDict()
        self._guard = threading.Lock()
        self.builds = 0  # snapshots built (for tests and the bench)

    def version(self, db: Session, user_id: int) -> tuple[int, Decimal]:
        """The user's ledger version and balance now (0 and 0: no account row yet)."""
        row = _VERSION.first(db, {"user_id": user_id, "broker": self._broker})
        return (0, _ZERO) if row is None else (int(row[0]), row[1])

    def of(self, db: Session, user_id: int) -> LedgerSnapshot:
        """The user's snapshot at the ledger's current version and today's date."""
        version, cash = self.version(db, user_id)
        today = self._today()
        with self._guard:
            kept = self._kept.get(user_id)
            if kept is not None and kept.version == version and kept.today == today:
                self._kept.move_to_end(user_id)
                return kept
        built = self._build(db, user_id, version, cash, today)
        with self._guard:
            self._kept[user_id] = built
            self._kept.move_to_end(user_id)
            while len(self._kept) > self._max_users:
                self._kept.popitem(last=False)
            self.builds += 1
        return built

    def _build(
        self, db: Session, user_id: int, version: int, cash: Decimal, today: date
    ) -> LedgerSnapshot:
        params = {"user_id": user_id, "broker": self._broker}
        live = self._broker != PAPER_BROKER
        trades = db.execute(_LIVE_TRADES if live else _ALL_TRADES, params).all()
        entries = db.execute(_ALL_CASH, params).all()
        parts = [
            SimpleNamespace(**{**t._mapping, "book": part})
            for t in (trades if live else ())
            if (part := part_of(t.book, t.attribution)) is not None
        ]
        built = self._derive(trades, entries, version, cash, today)
        if not parts:
            return built
        derived = self._derive(parts, (), version, _ZERO, today)
        return dataclasses.replace(built, parts=derived)

    def _derive(
        self,
        trades: Sequence[Any],
        entries: Sequence[Any],
        version: int,
        cash: Decimal,
        today: date,
    ) -> LedgerSnapshot:
        """A snapshot of these trades and cash entries, each in the book it names."""
        day = today.isoformat()
        todays = [t for t in trades if t.trade_date == day]
        return LedgerSnapshot(
            version=version,
            today=today,
            cash_now=cash,
            net=_lots(trades, day, day_only=False),
            day=_lots(trades, day, day_only=True),
            holdings=_holdings(trades, day),
            days=_days(trades, day),
            cash=_cash(entries, today),
            trades_today=tuple({**self._trade_row(t, t.order_id), "book": t.book} for t in todays),
            fills_today=tuple(
                Fill(
                    f"{t.exchange}:{t.tradingsymbol}",
                    t.quantity if t.transaction_type == "BUY" else -t.quantity,
                    t.price,
                )
                for t in trades
                if t.trade_date >= day
            ),
            books=frozenset(t.book for t in trades) | frozenset(e.book for e in entries),
        )
