"""The paper account's book for risk: positions from the trade ledger, marked to the QuoteBook.

The same class reads the live book (``live=True``): the trades, working orders and GTTs we
keep for the user's real brokers (every ``broker`` but ``paper``), so a live order is
judged against live exposure and a paper order against paper. The live book's capital is
what the brokers report (`live_funds`: their equity ``net``) plus the live positions'
value, as the paper account's is its cash plus its positions; when a broker does not
report, the book says why (``capital_unknown``) and % rules refuse.

Positions are net per instrument across products (an MIS sell against delivery shares
lowers the exposure risk cares about), each at its average cost. Today's P&L is measured
from where the day started: units held overnight enter at yesterday's close (the tick's
``prev_close``), or at their average when no tick has been seen, so an old loss is not
today's loss; what closed today is realised by the one rule (`domain.day_pnl`) and the
open units' part is its complement, so the two add up to the day's P&L to the paisa (the
top bar's figure, and the daily loss rule's, is the books', `PaperPortfolio.day_pnl`).

Risk reads this book under the ledger lock before every checked entry, so it must not cost a
pass over the user's trade history each time. Each user's trades are folded into
per-instrument pools once and kept (all-time, and today's from where the day started);
a book reads, in one statement, the accounts' write counts (`PaperAccount.version` and
``rewritten``, moved by the OMS with every booking), the trades booked since the last one
folded, the working orders and the waiting GTTs. A user's trades at one broker get their
ids under that broker's ledger lock, so "id above the last one folded" misses none; a
trade dated before today (a model portfolio's back-dated virtual fill), trades taken back
(``rewritten`` moved: a reset portfolio) or a new day folds the history again.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Dialect, Integer, Text, bindparam, cast, func, select
from sqlalchemy.orm import Session

from tradertape.db.models.trading import Gtt, Order, PaperAccount, Trade
from tradertape.db.prepared import Prepared
from tradertape.db.rows import one_of, table_of
from tradertape.db.types import ExactDecimal
from tradertape.domain.day_pnl import Sides
from tradertape.domain.instruments import InstrumentCatalog
from tradertape.domain.market import Tick
from tradertape.domain.money import ZERO
from tradertape.domain.order_state import WORKING, OrderStatus
from tradertape.domain.risk import Book, OpenPosition, WorkingEntry
from tradertape.oms import BROKER, GTT_ACTIVE, UNPLACED, lock_user_books
from tradertape.ports.clock import IST, Clock

if TYPE_CHECKING:
    from tradertape.services.risk.live_funds import LiveFunds

LastTick = Callable[[str], Tick | None]
_WAITING = (*WORKING, OrderStatus.AMO_REQ_RECEIVED.value)
# A live order whose send has no known outcome yet may be at the broker: it counts.
_WAITING_LIVE = (*_WAITING, UNPLACED)
# One lock for every live book of a user: placements at two brokers serialize at the gate,
# and no one takes it before a broker's own ledger lock (a placement holds that first).
LIVE_LOCK = "live"
_Waiting = tuple[str, bool, int, Decimal | None, int | None]


@dataclass(slots=True)
class _Pool:
    """Average-cost accounting of one instrument: signed units and their cost (what is
    realised is `domain.day_pnl`'s, by the day's averages)."""

    quantity: int = 0
    cost: Decimal = ZERO  # signed: quantity × average

    @property
    def average(self) -> Decimal:
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
class _Day:
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
class _Instrument:
    """One instrument's pools: since the first trade, and today's."""

    all_time: _Pool = field(default_factory=_Pool)
    today: _Day | None = None  # opened by the first trade of today
    # What `PaperExposure._book` made of these pools, kept for the next book (a cache):
    # the tick and the catalog it was made with, today's realised P&L (None: no trade
    # today) and the open position (None: flat). A trade folded into the pools drops it
    # (`_Folded.fold`, the one write it depends on), and a book made at another tick or
    # catalog object (a new price, a new listing) makes it again, so it never answers
    # with a price or a position other than the current ones.
    made: _Made | None = None


@dataclass(slots=True)
class _Folded:
    """One user's trades in this book, folded up to the last one seen at each broker."""

    day: str  # ISO date of "today" when folded
    versions: dict[str, tuple[int, int]]  # each broker's (version, rewritten) as read
    last: dict[str, int]  # each broker's last trade id folded
    instruments: dict[str, _Instrument] = field(default_factory=dict)
    guard: threading.Lock = field(default_factory=threading.Lock)

    def fold(self, trade: _Trade) -> None:
        _, broker, key, signed, price, trade_date = trade
        pools = self.instruments.get(key)
        if pools is None:
            pools = self.instruments[key] = _Instrument()
        if trade_date >= self.day:
            if pools.today is None:
                held = pools.all_time
                pools.today = _Day(held.quantity, held.average)
            pools.today.fill(signed, price)
        pools.made = None
        pools.all_time.fill(signed, price)
        self.last[broker] = max(self.last.get(broker, 0), trade[0])


# (id, broker, EXCH:SYMBOL, signed quantity, price, ISO trade date)
_Trade = tuple[int, str, str, int, Decimal, str]
# (tick, catalog, today's realised P&L or None, open position or None): `_Instrument.made`
_Made = tuple[Tick | None, InstrumentCatalog, Decimal | None, OpenPosition | None]
_EXACT = ExactDecimal()
_ACCOUNTS = table_of(PaperAccount)
_TRADES = table_of(Trade)
_ORDERS = table_of(Order)
_GTTS = table_of(Gtt)


def _ours(column: ColumnElement[str], live: bool) -> ColumnElement[bool]:
    """Rows of this book: the paper broker's, or (live) every other."""
    return column != BROKER if live else column == BROKER


def _as_text(column: Any) -> Any:
    return cast(column, Text)


@cache
def _read(dialect: str, live: bool) -> Prepared:
    """Everything a book reads, in one statement: the accounts (broker, write counts,
    cash), the trades after ``after``, the waiting orders and the active GTTs, each a
    JSON array (exact decimals as text)."""

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
        one_of(_ORDERS.c.status, _WAITING_LIVE if live else _WAITING),
    )
    gtts = select(
        array(_GTTS.c.id, _GTTS.c.exchange, _GTTS.c.tradingsymbol, _as_text(_GTTS.c.orders))
    ).where(_GTTS.c.user_id == user, _ours(_GTTS.c.broker, live), _GTTS.c.status == GTT_ACTIVE)
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


@dataclass(frozen=True, slots=True)
class _Read:
    """What one book read found."""

    versions: dict[str, tuple[int, int]]  # each broker's (version, rewritten)
    cash: Decimal
    trades: list[_Trade]
    waiting: list[_Waiting]

    def behind(self, folded: _Folded) -> bool:
        """Whether this read saw an older state than `folded` (an unlocked read racing a
        write another thread has folded already)."""
        return any(
            version < folded.versions.get(broker, (0, 0))[0]
            for broker, (version, _) in self.versions.items()
        )

    def rewrote(self, folded: _Folded) -> bool:
        """Whether trades folded were taken back since (a broker's ``rewritten`` moved)."""
        return any(
            rewritten != folded.versions.get(broker, (0, 0))[1]
            for broker, (_, rewritten) in self.versions.items()
        )


class PaperExposure:
    """`ExposureSource` over the paper OMS ledger (trades, working orders, cash), or with
    `live` over the live books (every real broker's, together)."""

    def __init__(
        self,
        *,
        clock: Clock,
        catalog: Callable[[Session], InstrumentCatalog],
        last_tick: LastTick,
        live: bool = False,
        funds: LiveFunds | None = None,
    ) -> None:
        self._live = live
        self._funds = funds  # the live book's broker funds (none: the capital is unknown)
        self._clock = clock
        self._catalog = catalog
        self._last_tick = last_tick
        self._folded: dict[int, _Folded] = {}
        self._guard = threading.Lock()  # request threads share the folded history

    def _today(self) -> str:
        return self._clock.now().astimezone(IST).date().isoformat()

    def book(self, db: Session, *, user_id: int, lock: bool = False) -> Book:
        """Open positions, working entries, today's realised P&L and account value."""
        if lock:
            lock_user_books(db, user_ids=[user_id], broker=LIVE_LOCK if self._live else BROKER)
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
                    return self._book(db, user_id, kept, read)
        read = self._read(db, user_id, after=0)
        folded = _Folded(day=today, versions=read.versions, last={})
        for trade in read.trades:
            folded.fold(trade)
        with folded.guard:
            book = self._book(db, user_id, folded, read)
        with self._guard:
            current = self._folded.get(user_id)
            if current is None or current.day != today or not read.behind(current):
                self._folded[user_id] = folded
        return book

    def read_ahead(self, db: Session, *, user_id: int) -> None:
        """Send `book`'s read with the transaction's next round trip (`Prepared.prefetch`),
        for a user whose book was read today: one whose rules never needed it costs nothing."""
        with self._guard:
            kept = self._folded.get(user_id)
        if kept is None or kept.day != self._today():
            return
        with kept.guard:
            after = min(kept.last.values(), default=0)
        dialect = db.get_bind().dialect
        _read(dialect.name, self._live).prefetch(db, {"user_id": user_id, "after": after})

    def _book(self, db: Session, user_id: int, folded: _Folded, read: _Read) -> Book:
        catalog = self._catalog(db)
        realised_today = ZERO
        positions: list[OpenPosition] = []
        for key, pools in sorted(folded.instruments.items()):
            tick = self._last_tick(key)
            made = pools.made
            if made is None or made[0] is not tick or made[1] is not catalog:
                made = pools.made = (tick, catalog, *self._instrument(key, pools, tick, catalog))
            if made[2] is not None:
                realised_today += made[2]
            if made[3] is not None:
                positions.append(made[3])
        held_now = {p.key: p.quantity for p in positions}
        working = self._working(read.waiting, catalog, held_now)
        held_value = sum((p.quantity * p.last_price for p in positions), ZERO)
        unknown = None
        if not self._live:
            value = read.cash + held_value
        elif self._funds is None:
            value, unknown = ZERO, "the brokers' funds are not read"
        else:
            funds = self._funds(db, user_id)
            value, unknown = funds.net + held_value, funds.unknown
            if unknown is not None:
                value = ZERO
        return Book(
            positions=tuple(positions),
            working=tuple(working),
            realised_today=realised_today,
            capital=value,
            capital_unknown=unknown,
        )

    def _instrument(
        self, key: str, pools: _Instrument, tick: Tick | None, catalog: InstrumentCatalog
    ) -> tuple[Decimal | None, OpenPosition | None]:
        """One instrument's part of the book at `tick`: today's realised P&L (None: no
        trade today) and its open position (None: flat)."""
        realised = opened_at = None  # opened_at: where today's P&L of the open units starts
        held = pools.all_time
        if pools.today is not None:
            start = pools.today.start_average
            base = tick.prev_close if tick is not None else start
            realised = pools.today.realised(base)
            if held.quantity:
                opened_at = pools.today.open_base(base)
        if held.quantity == 0:
            return realised, None
        average = held.average  # a division: once a position
        last = tick.last_price if tick is not None else average
        base = opened_at if opened_at is not None else self._day_start(held, tick)
        found = catalog.find(key)
        position = OpenPosition(
            key=key,
            sector=found.sector if found else None,
            quantity=held.quantity,
            average_price=average,
            last_price=last,
            day_base_price=base,
        )
        return realised, position

    @staticmethod
    def _day_start(pool: _Pool, tick: Tick | None) -> Decimal:
        return tick.prev_close if tick is not None else pool.average

    def _read(self, db: Session, user_id: int, *, after: int) -> _Read:
        dialect = db.get_bind().dialect
        row = _read(dialect.name, self._live).first(db, {"user_id": user_id, "after": after})
        assert row is not None
        accounts, trades, orders, gtts = (_json(raw) for raw in row)
        versions = {broker: (int(version), int(count)) for broker, version, count, _ in accounts}
        paper = [_decimal(cash, dialect) for broker, _, _, cash in accounts if broker == BROKER]
        cash = sum((amount or ZERO for amount in paper), ZERO)
        folded: list[_Trade] = []
        for pk, broker, exchange, symbol, side, quantity, price, trade_date in sorted(trades):
            signed = int(quantity) if side == "BUY" else -int(quantity)
            amount = _decimal(price, dialect)
            assert amount is not None
            folded.append((int(pk), broker, f"{exchange}:{symbol}", signed, amount, trade_date))
        waiting: list[_Waiting] = []
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
        return _Read(versions, cash, folded, waiting)

    def _working(
        self, waiting: list[_Waiting], catalog: InstrumentCatalog, held: dict[str, int]
    ) -> list[WorkingEntry]:
        """Working orders and waiting GTTs that would open or extend a position.

        A waiting entry GTT counts as if it had fired: it was allowed on that footing when
        it was created, and an entry checked meanwhile must not take the room it holds
        (its order is checked again when it fires, once the trigger no longer counts here).
        Exits add nothing.
        """
        entries = []
        for key, buy, quantity, price, order_pk in waiting:
            position = held.get(key, 0)
            if (buy and position < 0) or (not buy and position > 0):
                continue
            tick = self._last_tick(key)
            price = price or (tick.last_price if tick else None)
            if price is None:
                continue  # a market order queued with no price seen yet: nothing to value
            found = catalog.find(key)
            entries.append(
                WorkingEntry(
                    key=key,
                    sector=found.sector if found else None,
                    quantity=quantity,
                    price=price,
                    order_pk=order_pk,
                )
            )
        return entries
