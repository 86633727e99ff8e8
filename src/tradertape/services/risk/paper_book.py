"""The paper account's book for risk: positions from the trade ledger, marked to the QuoteBook.

The same class reads the live book (``live=True``): the trades, working orders and GTTs we
keep for the user's real brokers (every ``broker`` but ``paper``), so a live order is
judged against live exposure and a paper order against paper. The live book's capital is
what the brokers report (`live_funds`: their equity ``net``) plus the live positions'
value, as the paper account's is its cash plus its positions; when a broker does not
report, the book says why (``capital_unknown``) and % rules refuse.

Positions are net per instrument across products (an MIS sell against delivery shares
lowers the exposure risk cares about). Averages follow the average-cost method, as Kite
reports them. Today's P&L runs the same method over today's trades from where the day
started: units held overnight enter at yesterday's close (the tick's ``prev_close``), or
at their average when no tick has been seen, so an old loss is not today's loss.

Risk reads this book under the ledger lock before every checked entry, so it must not cost a
pass over the user's whole trade history each time: the trades of earlier days are folded
into per-instrument pools once (and only later days' trades after that), and each book
replays today's trades on a copy of them. Earlier days' trades never change, and a user's
trades get their ids under that user's ledger lock, so "id above the last one folded" misses
none.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from tradertape.db.models.trading import Gtt, Order, Trade
from tradertape.domain.instruments import InstrumentCatalog
from tradertape.domain.market import Tick
from tradertape.domain.money import ZERO
from tradertape.domain.order_state import WORKING, OrderStatus
from tradertape.domain.risk import Book, OpenPosition, WorkingEntry
from tradertape.oms.books import lock_user_books
from tradertape.oms.ledger import cash_balance
from tradertape.oms.order_log import UNPLACED
from tradertape.oms.paper.exchange import BROKER
from tradertape.oms.paper.gtt import ACTIVE as GTT_ACTIVE
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
    """Average-cost accounting of one instrument: signed units, their cost, realised P&L."""

    quantity: int = 0
    cost: Decimal = ZERO  # signed: quantity × average
    realised: Decimal = ZERO

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
        self.realised += closing * (price - average) * direction
        self.quantity -= direction * closing
        self.cost = self.quantity * average
        rest = abs(signed) - closing
        if rest:  # crossed through zero: the rest opens the other way at this price
            self.quantity = -direction * rest
            self.cost = self.quantity * price


@dataclass(slots=True)
class _Settled:
    """One user's trades of days before ``before``, folded into all-time pools."""

    before: str = ""  # ISO date
    last_id: int = 0
    count: int = 0  # trades folded
    pools: dict[str, _Pool] = field(default_factory=dict)


@dataclass(slots=True)
class _Instrument:
    """One instrument's pools: since the first trade, and since today's start."""

    all_time: _Pool
    today: _Pool | None = None  # opened by the first trade of today


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
        self._settled: dict[int, _Settled] = {}
        self._guard = threading.Lock()  # request threads share the folded history

    def _ours(self, broker: InstrumentedAttribute[str]) -> ColumnElement[bool]:
        """Rows of this book: the paper broker's, or (live) every other."""
        return broker != BROKER if self._live else broker == BROKER

    def _today(self) -> date:
        return self._clock.now().astimezone(IST).date()

    def book(self, db: Session, *, user_id: int, lock: bool = False) -> Book:
        """Open positions, working entries, today's realised P&L and account value."""
        if lock:
            lock_user_books(db, user_ids=[user_id], broker=LIVE_LOCK if self._live else BROKER)
        today = self._today().isoformat()
        instruments = self._replay(db, user_id, today)
        catalog = self._catalog(db)
        realised_today = ZERO
        positions: list[OpenPosition] = []
        for key, pools in sorted(instruments.items()):
            day = pools.today
            realised_today += day.realised if day is not None else ZERO
            held = pools.all_time
            if held.quantity == 0:
                continue
            tick = self._last_tick(key)
            last = tick.last_price if tick is not None else held.average
            base = day.average if day is not None else self._day_start(held, tick)
            found = catalog.find(key)
            positions.append(
                OpenPosition(
                    key=key,
                    sector=found.sector if found else None,
                    quantity=held.quantity,
                    average_price=held.average,
                    last_price=last,
                    day_base_price=base,
                )
            )
        held_now = {p.key: p.quantity for p in positions}
        working = self._working(db, user_id, catalog, held_now)
        held_value = sum((p.quantity * p.last_price for p in positions), ZERO)
        unknown = None
        if not self._live:
            value = cash_balance(db, user_id=user_id, broker=BROKER) + held_value
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

    @staticmethod
    def _day_start(pool: _Pool, tick: Tick | None) -> Decimal:
        return tick.prev_close if tick is not None else pool.average

    def _settle(self, db: Session, user_id: int, today: str) -> dict[str, _Pool]:
        """All-time pools of the user's trades before today (copies: callers add to them).

        Folded once a day, and again whenever the trades before today are not the ones
        folded: a model portfolio's virtual fill is booked on its (past) signal day, and a
        paper portfolio starting over takes its virtual fills out again.
        """
        before_today = (
            Trade.user_id == user_id,
            self._ours(Trade.broker),
            Trade.trade_date < today,
        )
        count, last = db.execute(
            select(func.count(Trade.id), func.max(Trade.id)).where(*before_today)
        ).one()
        with self._guard:
            settled = self._settled.get(user_id)
            stale = settled is not None and (count, last or 0) != (settled.count, settled.last_id)
            if settled is None or settled.before > today or (settled.before == today and stale):
                settled = self._settled[user_id] = _Settled()  # first sight, or history moved
            if settled.before < today:
                rows = db.execute(
                    select(
                        Trade.id,
                        Trade.exchange,
                        Trade.tradingsymbol,
                        Trade.transaction_type,
                        Trade.quantity,
                        Trade.price,
                    )
                    .where(
                        Trade.user_id == user_id,
                        self._ours(Trade.broker),
                        Trade.id > settled.last_id,
                        Trade.trade_date < today,
                    )
                    .order_by(Trade.id)
                )
                for trade_id, exchange, symbol, side, quantity, price in rows:
                    pool = settled.pools.setdefault(f"{exchange}:{symbol}", _Pool())
                    pool.fill(quantity if side == "BUY" else -quantity, price)
                    settled.last_id = trade_id
                    settled.count += 1
                settled.before = today
            return {key: replace(pool) for key, pool in settled.pools.items()}

    def _replay(self, db: Session, user_id: int, today: str) -> dict[str, _Instrument]:
        instruments = {
            key: _Instrument(pool) for key, pool in self._settle(db, user_id, today).items()
        }
        rows = db.execute(
            select(
                Trade.exchange,
                Trade.tradingsymbol,
                Trade.transaction_type,
                Trade.quantity,
                Trade.price,
            )
            .where(Trade.user_id == user_id, self._ours(Trade.broker), Trade.trade_date >= today)
            .order_by(Trade.id)
        )
        for exchange, symbol, side, quantity, price in rows:
            key = f"{exchange}:{symbol}"
            pools = instruments.setdefault(key, _Instrument(_Pool()))
            if pools.today is None:
                held = pools.all_time
                start = self._day_start(held, self._last_tick(key))
                pools.today = _Pool(held.quantity, held.quantity * start)
            signed = quantity if side == "BUY" else -quantity
            pools.today.fill(signed, price)
            pools.all_time.fill(signed, price)
        return instruments

    def _working(
        self, db: Session, user_id: int, catalog: InstrumentCatalog, held: dict[str, int]
    ) -> list[WorkingEntry]:
        """Working orders and waiting GTTs that would open or extend a position.

        A waiting entry GTT counts as if it had fired: it was allowed on that footing when
        it was created, and an entry checked meanwhile must not take the room it holds
        (its order is checked again when it fires, once the trigger no longer counts here).
        Exits add nothing.
        """
        entries = []
        for key, buy, quantity, price, order_pk in self._waiting(db, user_id):
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

    def _waiting(self, db: Session, user_id: int) -> list[_Waiting]:
        """(key, buy?, unfilled quantity, price, order row) of working orders and active GTT
        legs (a trigger has no order row yet)."""
        orders = db.scalars(
            select(Order)
            .where(
                Order.user_id == user_id,
                self._ours(Order.broker),
                Order.status.in_(_WAITING_LIVE if self._live else _WAITING),
            )
            .order_by(Order.id)
        )
        waiting: list[_Waiting] = [
            (
                f"{o.exchange}:{o.tradingsymbol}",
                o.transaction_type == "BUY",
                o.quantity - o.filled_quantity,
                o.price or o.trigger_price,
                o.id,
            )
            for o in orders
        ]
        gtts = db.scalars(
            select(Gtt)
            .where(Gtt.user_id == user_id, self._ours(Gtt.broker), Gtt.status == GTT_ACTIVE)
            .order_by(Gtt.id)
        )
        for gtt in gtts:
            # Only one leg of an OCO pair can fire: count the larger.
            leg = max(gtt.orders, key=lambda o: int(o["quantity"]) * Decimal(str(o["price"])))
            waiting.append(
                (
                    f"{gtt.exchange}:{gtt.tradingsymbol}",
                    leg["transaction_type"] == "BUY",
                    int(leg["quantity"]),
                    Decimal(str(leg["price"])),
                    None,
                )
            )
        return waiting
