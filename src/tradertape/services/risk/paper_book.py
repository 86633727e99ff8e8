"""The paper account's book for risk: positions from the trade ledger, marked to the QuoteBook.

Positions are net per instrument across products (an MIS sell against delivery shares
lowers the exposure risk cares about). Averages follow the average-cost method, as Kite
reports them. Today's P&L runs the same method over today's trades from where the day
started: units held overnight enter at yesterday's close (the tick's ``prev_close``), or
at their average when no tick has been seen, so an old loss is not today's loss.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models.trading import Order, Trade
from tradertape.domain.instruments import InstrumentCatalog
from tradertape.domain.market import Tick
from tradertape.domain.money import ZERO
from tradertape.domain.order_state import WORKING, OrderStatus
from tradertape.domain.risk import Book, OpenPosition, WorkingEntry
from tradertape.oms.books import lock_user_books
from tradertape.oms.ledger import cash_balance
from tradertape.oms.paper import BROKER
from tradertape.ports.clock import IST, Clock

LastTick = Callable[[str], Tick | None]
_WAITING = (*WORKING, OrderStatus.AMO_REQ_RECEIVED.value)


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
class _Instrument:
    """One instrument's pools: since the first trade, and since today's start."""

    all_time: _Pool
    today: _Pool | None = None  # opened by the first trade of today


class PaperExposure:
    """`ExposureSource` over the paper OMS ledger (trades, working orders, cash)."""

    def __init__(
        self,
        *,
        clock: Clock,
        catalog: Callable[[Session], InstrumentCatalog],
        last_tick: LastTick,
    ) -> None:
        self._clock = clock
        self._catalog = catalog
        self._last_tick = last_tick

    def _today(self) -> date:
        return self._clock.now().astimezone(IST).date()

    def book(self, db: Session, *, user_id: int, lock: bool = False) -> Book:
        """Open positions, working entries, today's realised P&L and account value."""
        if lock:
            lock_user_books(db, user_ids=[user_id], broker=BROKER)
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
        cash = cash_balance(db, user_id=user_id, broker=BROKER)
        value = cash + sum((p.quantity * p.last_price for p in positions), ZERO)
        return Book(
            positions=tuple(positions),
            working=tuple(working),
            realised_today=realised_today,
            capital=value,
        )

    @staticmethod
    def _day_start(pool: _Pool, tick: Tick | None) -> Decimal:
        return tick.prev_close if tick is not None else pool.average

    def _replay(self, db: Session, user_id: int, today: str) -> dict[str, _Instrument]:
        rows = db.execute(
            select(
                Trade.exchange,
                Trade.tradingsymbol,
                Trade.transaction_type,
                Trade.quantity,
                Trade.price,
                Trade.trade_date,
            )
            .where(Trade.user_id == user_id, Trade.broker == BROKER)
            .order_by(Trade.id)
        )
        instruments: dict[str, _Instrument] = {}
        for exchange, symbol, side, quantity, price, trade_date in rows:
            key = f"{exchange}:{symbol}"
            pools = instruments.setdefault(key, _Instrument(_Pool()))
            signed = quantity if side == "BUY" else -quantity
            if trade_date >= today:
                if pools.today is None:
                    held = pools.all_time
                    start = self._day_start(held, self._last_tick(key))
                    pools.today = _Pool(held.quantity, held.quantity * start)
                pools.today.fill(signed, price)
            pools.all_time.fill(signed, price)
        return instruments

    def _working(
        self, db: Session, user_id: int, catalog: InstrumentCatalog, held: dict[str, int]
    ) -> list[WorkingEntry]:
        """Working orders that would open or extend a position (exits do not add exposure)."""
        rows = db.scalars(
            select(Order)
            .where(Order.user_id == user_id, Order.broker == BROKER, Order.status.in_(_WAITING))
            .order_by(Order.id)
        )
        entries = []
        for order in rows:
            key = f"{order.exchange}:{order.tradingsymbol}"
            position = held.get(key, 0)
            buy = order.transaction_type == "BUY"
            if (buy and position < 0) or (not buy and position > 0):
                continue
            tick = self._last_tick(key)
            price = order.price or order.trigger_price or (tick.last_price if tick else None)
            if price is None:
                continue  # a market order queued with no price seen yet: nothing to value
            found = catalog.find(key)
            entries.append(
                WorkingEntry(
                    key=key,
                    sector=found.sector if found else None,
                    quantity=order.quantity - order.filled_quantity,
                    price=price,
                )
            )
        return entries
