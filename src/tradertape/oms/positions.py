"""Position reads: cash and positions of an account, derived from the rows the ledger
(`oms.ledger`) writes.

Cash is the running balance (kept equal to the sum of the cash entries); a position is
the signed sum of a symbol's trades per product, never stored, so positions always agree
with the executions.

`PositionFolds` is the read the risk check makes before every entry (`services.risk`'s
book): a user's positions at the paper broker, or at every live broker together, net per
instrument across products at average cost, with today's trades apart (from where the day
started), the account's cash and what waits to open (working orders, active GTTs). It must
not cost a pass over the user's trade history each time: each user's trades are folded into
per-instrument pools once and kept, and a read asks, in one statement, for the accounts'
write counts (`PaperAccount.version` and ``rewritten``, moved by the ledger with every
booking), the trades booked since the last one folded, the working orders and the waiting
GTTs. A user's trades at one broker get their ids under that broker's ledger lock, so "id
above the last one folded" misses none; a trade dated before today (a model portfolio's
back-dated virtual fill), trades taken back (``rewritten`` moved: a reset portfolio) or a
new day folds the history again.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Dialect, Integer, Text, bindparam, case, cast, func, select
from sqlalchemy.orm import Session

from tradertape.db.models.trading import CashEntry, Gtt, Order, PaperAccount, Trade
from tradertape.db.prepared import Prepared
from tradertape.db.rows import one_of, table_of
from tradertape.db.types import ExactDecimal
from tradertape.domain.day_pnl import Sides
from tradertape.domain.gtt_states import ACTIVE
from tradertape.domain.money import ZERO
from tradertape.domain.order_state import UNPLACED, WORKING, OrderStatus
from tradertape.domain.values import value_class
from tradertape.oms.book_totals import cash
from tradertape.oms.context import BROKER
from tradertape.ports.clock import IST, Clock

_TRADES = table_of(Trade)
_NET_QUANTITY = select(
    func.sum(
        case(
            (_TRADES.c.transaction_type == "BUY", _TRADES.c.quantity),
            else_=-_TRADES.c.quantity,
        )
    )
).where(
    _TRADES.c.user_id == bindparam("user_id"),
    _TRADES.c.broker == bindparam("broker"),
    _TRADES.c.exchange == bindparam("exchange"),
    _TRADES.c.tradingsymbol == bindparam("tradingsymbol"),
    _TRADES.c.product == bindparam("product"),
)
_BOOK_NET_QUANTITY = _NET_QUANTITY.where(_TRADES.c.book == bindparam("book"))


@dataclass(frozen=True, slots=True)
class NetPosition:
    """Signed quantity and money flows of one symbol and product."""

    exchange: str
    tradingsymbol: str
    product: str
    quantity: int
    buy_quantity: int
    sell_quantity: int
    buy_value: Decimal
    sell_value: Decimal

    @property
    def average_price(self) -> Decimal:
        """Average price of the open side (buys for a long, sells for a short)."""
        if self.quantity > 0 and self.buy_quantity:
            return self.buy_value / self.buy_quantity
        if self.quantity < 0 and self.sell_quantity:
            return self.sell_value / self.sell_quantity
        return Decimal(0)


def cash_balance(db: Session, *, user_id: int, broker: str) -> Decimal:
    """Cash available: deposits minus buys plus sells minus charges (the running balance)."""
    return cash(db, user_id=user_id, broker=broker)


def cash_entries_total(db: Session, *, user_id: int, broker: str) -> Decimal:
    """The same figure summed from the entries themselves (for audits and tests)."""
    amounts = db.scalars(
        select(CashEntry.amount).where(CashEntry.user_id == user_id, CashEntry.broker == broker)
    )
    return sum(amounts, Decimal(0))


def net_positions(db: Session, *, user_id: int, broker: str) -> list[NetPosition]:
    """Every symbol/product the user has traded, with its net quantity."""
    trades = db.scalars(
        select(Trade).where(Trade.user_id == user_id, Trade.broker == broker).order_by(Trade.id)
    )
    books: dict[tuple[str, str, str], list[Trade]] = {}
    for trade in trades:
        books.setdefault((trade.exchange, trade.tradingsymbol, trade.product), []).append(trade)
    positions = []
    for (exchange, symbol, product), rows in sorted(books.items()):
        buys = [t for t in rows if t.transaction_type == "BUY"]
        sells = [t for t in rows if t.transaction_type == "SELL"]
        bought = sum(t.quantity for t in buys)
        sold = sum(t.quantity for t in sells)
        positions.append(
            NetPosition(
                exchange=exchange,
                tradingsymbol=symbol,
                product=product,
                quantity=bought - sold,
                buy_quantity=bought,
                sell_quantity=sold,
                buy_value=sum((t.price * t.quantity for t in buys), Decimal(0)),
                sell_value=sum((t.price * t.quantity for t in sells), Decimal(0)),
            )
        )
    return positions


def net_quantity(
    db: Session, *, user_id: int, broker: str, key: str, product: str, book: str | None = None
) -> int:
    """Net quantity of one symbol in one product (summed by the database: whole units), of
    one book when named (each book holds, and sells, its own)."""
    exchange, _, symbol = key.partition(":")
    params = {
        "user_id": user_id,
        "broker": broker,
        "exchange": exchange,
        "tradingsymbol": symbol,
        "product": product,
    }
    if book is None:
        return int(db.execute(_NET_QUANTITY, params).scalar() or 0)
    return int(db.execute(_BOOK_NET_QUANTITY, {**params, "book": book}).scalar() or 0)


# -- the folded positions risk reads (see the module) --------------------------------------

WAITING = (*WORKING, OrderStatus.AMO_REQ_RECEIVED.value)
"""The statuses of a paper order that may still open a position."""
WAITING_LIVE = (*WAITING, UNPLACED)
"""A live order's: one whose send has no known outcome yet may be at the broker, it counts."""
Waiting = tuple[str, bool, int, Decimal | None, int | None]
"""(EXCH:SYMBOL, buys, quantity left, its limit or trigger price, the order's row id; None
for a GTT's leg) of an order or a GTT that may still open a position."""
# (id, broker, EXCH:SYMBOL, signed quantity, price, ISO trade date)
_Fold = tuple[int, str, str, int, Decimal, str]


@dataclass(slots=True)
class Pool:
    """Average-cost accounting of one instrument: signed units and their cost (what is
    realised is `domain.day_pnl`'s, by the day's averages)."""

    quantity: int = 0
    cost: Decimal = ZERO  # signed: quantity × average

    @property
    def average(self) -> Decimal:
        """The average cost of the units held (zero when flat)."""
        return self.cost / self.quantity if self.quantity else ZERO

    def fill(self, signed: int, price: Decimal) -> None:
        """Apply one execution (`signed` > 0 buys)."""
        if self.quantity == 0 or (self.quantity > 0) == (signed > 0):
            self.quantity += signed
            self.cost += signed * price
            return
        closing = min(abs(signed), abs(self.quantity))
        direction = 1 if self.quantity > 0 else -1
        average = self.average
        self.quantity -= direction * closing
        self.cost = self.quantity * average
        rest = abs(signed) - closing
        if rest:  # crossed through zero: the rest opens the other way at this price
            self.quantity = -direction * rest
            self.cost = self.quantity * price


@dataclass(slots=True)
class DayTrades:
    """One instrument's trades of today, from where the day started.

    The start is the all-time pool before today's first trade: its units enter at
    yesterday's close (the tick's ``prev_close``) or, with no tick seen, at their
    average. What closed today is realised by the one rule (`domain.day_pnl`); the units
    open now made today what they are worth at the mark less the average of the side they
    are on (that side's trades of today, with the start's units at the base on theirs):
    the rule's complement, so the two add up to the day's P&L exactly (today's cash flow
    plus what is held now at the mark, less what was held at the start at the base).
    """

    start_quantity: int
    start_average: Decimal
    sides: Sides = field(default_factory=Sides)  # today's trades

    def fill(self, signed: int, price: Decimal) -> None:
        """Add one of today's executions."""
        self.sides.add(signed, price)

    def realised(self, base: Decimal) -> Decimal:
        """Today's realised P&L by the one rule, the start at `base` (not rounded: a view
        rounds it to the paisa)."""
        return self.sides.realised(self.start_quantity, base)

    def open_base(self, base: Decimal) -> Decimal:
        """Where the units open now entered today, the start at `base`: the average of
        their side. Only for a position still open (held ≠ 0)."""
        start, sides = self.start_quantity, self.sides
        if start + sides.bought - sides.sold > 0:
            held = max(start, 0)
            return (sides.bought_value + held * base) / (sides.bought + held)
        held = max(-start, 0)
        return (sides.sold_value + held * base) / (sides.sold + held)


@dataclass(slots=True)
class InstrumentPools:
    """One instrument's pools: since the first trade, and today's."""

    all_time: Pool = field(default_factory=Pool)
    today: DayTrades | None = None  # opened by the first trade of today
    # What a reader made of these pools, kept for its next read (risk's book: the tick and
    # catalog it valued them at, and what it found). A trade folded in drops it
    # (`FoldedPositions.fold`, the one write it depends on), so a reader that checks its
    # own inputs never answers with a position other than the current one.
    made: Any = None


@dataclass(slots=True)
class FoldedPositions:
    """One user's trades in one ledger, folded up to the last one seen at each broker."""

    day: str  # ISO date of "today" when folded
    versions: dict[str, tuple[int, int]]  # each broker's (version, rewritten) as read
    last: dict[str, int]  # each broker's last trade id folded
    instruments: dict[str, InstrumentPools] = field(default_factory=dict)
    guard: threading.Lock = field(default_factory=threading.Lock)

    def fold(self, trade: _Fold) -> None:
        """Add one trade to its instrument's pools."""
        _, broker, key, signed, price, trade_date = trade
        pools = self.instruments.get(key)
        if pools is None:
            pools = self.instruments[key] = InstrumentPools()
        if trade_date >= self.day:
            if pools.today is None:
                held = pools.all_time
                pools.today = DayTrades(held.quantity, held.average)
            pools.today.fill(signed, price)
        pools.made = None
        pools.all_time.fill(signed, price)
        self.last[broker] = max(self.last.get(broker, 0), trade[0])


_EXACT = ExactDecimal()
_ACCOUNTS = table_of(PaperAccount)
_ORDERS = table_of(Order)
_GTTS = table_of(Gtt)


def _ours(column: ColumnElement[str], live: bool) -> ColumnElement[bool]:
    """Rows of this ledger: the paper broker's, or (live) every other."""
    return column != BROKER if live else column == BROKER


def _as_text(column: Any) -> Any:
    return cast(column, Text)


@cache
def ledger_read(dialect: str, live: bool) -> Prepared:
    """Everything a `PositionFolds` read asks, in one statement: the accounts (broker,
    write counts, cash), the trades after ``after``, the waiting orders and the active
    GTTs, each a JSON array (exact decimals as text)."""

    def array(*columns: Any) -> Any:
        if dialect == "postgresql":
            return func.json_agg(func.json_build_array(*columns))
        return func.json_group_array(func.json_array(*columns))

    user = bindparam("user_id", type_=Integer())
    accounts = select(
        array(
            _ACCOUNTS.c.broker,
            _ACCOUNTS.c.version,
            _ACCOUNTS.c.rewritten,
            _as_text(_ACCOUNTS.c.cash),
        )
    ).where(_ACCOUNTS.c.user_id == user, _ours(_ACCOUNTS.c.broker, live))
    trades = select(
        array(
            _TRADES.c.id,
            _TRADES.c.broker,
            _TRADES.c.exchange,
            _TRADES.c.tradingsymbol,
            _TRADES.c.transaction_type,
            _TRADES.c.quantity,
            _as_text(_TRADES.c.price),
            _TRADES.c.trade_date,
        )
    ).where(
        _TRADES.c.user_id == user,
        _ours(_TRADES.c.broker, live),
        _TRADES.c.id > bindparam("after"),
    )
    orders = select(
        array(
            _ORDERS.c.id,
            _ORDERS.c.exchange,
            _ORDERS.c.tradingsymbol,
            _ORDERS.c.transaction_type,
            _ORDERS.c.quantity,
            _ORDERS.c.filled_quantity,
            _as_text(_ORDERS.c.price),
            _as_text(_ORDERS.c.trigger_price),
        )
    ).where(
        _ORDERS.c.user_id == user,
        _ours(_ORDERS.c.broker, live),
        one_of(_ORDERS.c.status, WAITING_LIVE if live else WAITING),
    )
    gtts = select(
        array(_GTTS.c.id, _GTTS.c.exchange, _GTTS.c.tradingsymbol, _as_text(_GTTS.c.orders))
    ).where(_GTTS.c.user_id == user, _ours(_GTTS.c.broker, live), _GTTS.c.status == ACTIVE)
    return Prepared(
        select(
            accounts.scalar_subquery(),
            trades.scalar_subquery(),
            orders.scalar_subquery(),
            gtts.scalar_subquery(),
        )
    )


def _json(raw: Any) -> list[list[Any]]:
    if raw is None:
        return []
    # psycopg hands JSON over decoded, sqlite3 as text.
    rows: list[list[Any]] = json.loads(raw) if isinstance(raw, str) else raw
    return rows


def _decimal(raw: Any, dialect: Dialect) -> Decimal | None:
    return _EXACT.process_result_value(raw, dialect)


@value_class
class LedgerRead:
    """What one read found: the accounts' write counts and cash, the trades after the last
    one folded, and the orders and GTT legs that may still open a position."""

    versions: dict[str, tuple[int, int]]  # each broker's (version, rewritten)
    cash: Decimal  # the paper account's (a live ledger's money is its brokers')
    trades: list[_Fold]
    waiting: list[Waiting]

    def behind(self, folded: FoldedPositions) -> bool:
        """Whether this read saw an older state than `folded` (an unlocked read racing a
        write another thread has folded already)."""
        return any(
            version < folded.versions.get(broker, (0, 0))[0]
            for broker, (version, _) in self.versions.items()
        )

    def rewrote(self, folded: FoldedPositions) -> bool:
        """Whether trades folded were taken back since (a broker's ``rewritten`` moved)."""
        return any(
            rewritten != folded.versions.get(broker, (0, 0))[1]
            for broker, (_, rewritten) in self.versions.items()
        )


class PositionFolds:
    """The folded positions of each user's paper ledger, or with `live` of their live
    brokers together (see the module); shared by request threads."""

    def __init__(self, *, clock: Clock, live: bool = False) -> None:
        self._clock = clock
        self._live = live
        self._folded: dict[int, FoldedPositions] = {}
        self._guard = threading.Lock()  # request threads share the folded history

    def _today(self) -> str:
        return self._clock.now().astimezone(IST).date().isoformat()

    @contextmanager
    def read(self, db: Session, *, user_id: int) -> Iterator[tuple[FoldedPositions, LedgerRead]]:
        """The user's positions folded up to now and what this read found, the folded
        pools held (their guard) while the block reads them."""
        today = self._today()
        with self._guard:
            kept = self._folded.get(user_id)
        if kept is not None and kept.day == today:
            with kept.guard:
                after = min(kept.last.values(), default=0)
                read = self._read(db, user_id, after=after)
                fresh = [t for t in read.trades if t[0] > kept.last.get(t[1], 0)]
                # Trades taken back, or one dated before today (a back-dated virtual fill,
                # which a full replay folds before today's): fold everything again. A read
                # older than the fold (an unlocked read racing a write) is answered alone.
                backdated = any(t[5] < today for t in fresh)
                if not (read.rewrote(kept) or read.behind(kept) or backdated):
                    for trade in fresh:
                        kept.fold(trade)
                    kept.versions = read.versions
                    yield kept, read
                    return
        read = self._read(db, user_id, after=0)
        folded = FoldedPositions(day=today, versions=read.versions, last={})
        for trade in read.trades:
            folded.fold(trade)
        with folded.guard:
            yield folded, read
        with self._guard:
            current = self._folded.get(user_id)
            if current is None or current.day != today or not read.behind(current):
                self._folded[user_id] = folded

    def read_ahead(self, db: Session, *, user_id: int) -> None:
        """Send `read`'s statement with the transaction's next round trip
        (`Prepared.prefetch`), for a user read today: one never read costs nothing."""
        with self._guard:
            kept = self._folded.get(user_id)
        if kept is None or kept.day != self._today():
            return
        with kept.guard:
            after = min(kept.last.values(), default=0)
        dialect = db.get_bind().dialect
        ledger_read(dialect.name, self._live).prefetch(db, {"user_id": user_id, "after": after})

    def _read(self, db: Session, user_id: int, *, after: int) -> LedgerRead:
        dialect = db.get_bind().dialect
        row = ledger_read(dialect.name, self._live).first(db, {"user_id": user_id, "after": after})
        assert row is not None
        accounts, trades, orders, gtts = (_json(raw) for raw in row)
        versions = {broker: (int(version), int(count)) for broker, version, count, _ in accounts}
        paper = [_decimal(cash, dialect) for broker, _, _, cash in accounts if broker == BROKER]
        cash = sum((amount or ZERO for amount in paper), ZERO)
        folded: list[_Fold] = []
        for pk, broker, exchange, symbol, side, quantity, price, trade_date in sorted(trades):
            signed = int(quantity) if side == "BUY" else -int(quantity)
            amount = _decimal(price, dialect)
            assert amount is not None
            folded.append((int(pk), broker, f"{exchange}:{symbol}", signed, amount, trade_date))
        waiting: list[Waiting] = []
        for pk, exchange, symbol, side, quantity, filled, price, trigger in sorted(orders):
            limit = _decimal(price, dialect) or _decimal(trigger, dialect)
            waiting.append(
                (f"{exchange}:{symbol}", side == "BUY", int(quantity) - int(filled), limit, int(pk))
            )
        for _, exchange, symbol, legs in sorted(gtts, key=lambda g: int(g[0])):
            # Only one leg of an OCO pair can fire: count the larger.
            found = json.loads(legs) if isinstance(legs, str) else legs
            leg = max(found, key=lambda o: int(o["quantity"]) * Decimal(str(o["price"])))
            waiting.append(
                (
                    f"{exchange}:{symbol}",
                    leg["transaction_type"] == "BUY",
                    int(leg["quantity"]),
                    Decimal(str(leg["price"])),
                    None,
                )
            )
        return LedgerRead(versions, cash, folded, waiting)
