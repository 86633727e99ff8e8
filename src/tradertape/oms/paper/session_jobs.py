"""What the paper exchange does at fixed times of the trading day, driven by the clock.

- At the open, queued AMOs go to the book (and may fill on the opening tick).
- At the square-off time (15:20 equity, 15:25 F&O by default) pending MIS orders are
  cancelled and every open MIS position is closed with a MARKET order.
- After the close, DAY orders still working are cancelled; TTL orders go when their
  minutes run out.
- After the expiring contracts' close (15:30 on their expiry day), every open option and
  future of that expiry is settled at its underlying's close (`oms.paper.expiry`).

Every job is idempotent (square-off orders carry an idempotency key per day and position), so a
scheduler that fires twice, or a restart in the middle, changes nothing the second time.
Each reads the orders it changes under their owners' locks (`order_locks`), so a cancel
or modify committed by an API process in the meantime is never overwritten. Each order
(and each owner's square-off) goes through the loop's `Guard`: one that raises is rolled
back alone, and the others are released, closed and expired as usual.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models.trading import Order, Trade
from tradertape.db.rows import one_of
from tradertape.domain.calendar import Market, TradingCalendar
from tradertape.domain.calendar import Session as MarketSession
from tradertape.domain.expiry import (
    SETTLEMENT_CLOSE,
    Contract,
    contract_held,
    index_underlyings,
    underlying_key,
)
from tradertape.domain.instruments import Exchange
from tradertape.domain.market import Tick
from tradertape.domain.order_state import WORKING as _WORKING
from tradertape.domain.order_state import EventKind, OrderEvent, OrderStatus
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.oms.job_guard import UNGUARDED, Guard
from tradertape.oms.order_locks import lock_user, locked_account_orders, locked_orders
from tradertape.oms.paper import expiry
from tradertape.oms.paper.exchange import BROKER, SQUAREOFF, PaperExchange
from tradertape.oms.positions import net_positions
from tradertape.ports.clock import IST, Clock

LastTick = Callable[[str], Tick | None]
CloseOf = Callable[[Contract], Decimal | None]  # a contract's settlement close, where known
MARKET_OPEN = time(9, 15)
# An MIS order the square-off cancels: working, and not one of its own closes.
_PENDING_MIS = (
    (Order.product == Product.MIS.value)
    & one_of(Order.status, _WORKING)
    & (Order.source != SQUAREOFF)
)


def order_item(order: Order) -> str:
    """An order's name in the job guard's records."""
    return f"order:{order.order_id}"


def _owner(order: Order) -> int:
    return order.user_id


def _each_order(
    guard: Guard, job: str, orders: Sequence[Order], work: Callable[[Order], None], db: Session
) -> int:
    """`work` on each order in a savepoint of the caller's transaction (its locks held)."""
    return len(
        guard.each(orders, job=job, key=order_item, owner=_owner, work=work, db=db, batch=True)
    )


class SessionJobs:
    """Open, square-off and close duties of the paper exchange."""

    def __init__(
        self,
        *,
        clock: Clock,
        calendar: TradingCalendar,
        exchange: PaperExchange,
        last_tick: LastTick,
    ) -> None:
        self._clock = clock
        self._calendar = calendar
        self._exchange = exchange
        self._last_tick = last_tick
        self._settled_on: date | None = None  # the day every expired contract was settled

    def release_amos(self, db: Session, guard: Guard = UNGUARDED) -> int:
        """Send queued AMOs to the book once the market is open; match them on the last tick."""
        now = self._clock.now()
        if self._calendar.session_at(now, Market.EQUITY) is not MarketSession.NORMAL:
            return 0
        queued = locked_orders(db, Order.status == OrderStatus.AMO_REQ_RECEIVED.value)

        def release(order: Order) -> None:
            stop = order.order_type in (OrderType.SL.value, OrderType.SL_M.value)
            target = OrderStatus.TRIGGER_PENDING if stop else OrderStatus.OPEN
            self._exchange.record(
                db, order, OrderEvent(EventKind.RELEASED, now, status_after=target)
            )
            tick = self._last_tick(f"{order.exchange}:{order.tradingsymbol}")
            if tick is not None:
                instrument = self._exchange.catalog(db).get(
                    f"{order.exchange}:{order.tradingsymbol}"
                )
                self._exchange.advance(
                    db, order, instrument, tick, traded_volume=tick.last_quantity
                )

        released = _each_order(guard, "session.release_amos", queued, release, db)
        db.commit()
        return released

    def _past_squareoff(self, exchange: str, now: datetime) -> bool:
        derivative = exchange in (Exchange.NFO.value, Exchange.BFO.value)
        local = now.astimezone(IST)
        trading = self._calendar.is_trading_day(local.date())
        return trading and local.time() >= self._exchange.config.squareoff_time(derivative)

    def square_off_mis(self, db: Session, guard: Guard = UNGUARDED) -> list[Order]:
        """Cancel pending MIS orders and close open MIS positions past the square-off time.

        Runs every few seconds, so it returns at once before the earliest cut-off, and only
        looks at today's MIS traders (an MIS position cannot outlive its day).
        """
        now = self._clock.now()
        local = now.astimezone(IST)
        config = self._exchange.config
        earliest = min(config.squareoff_equity, config.squareoff_fno)
        if not self._calendar.is_trading_day(local.date()) or local.time() < earliest:
            return []
        pending = locked_orders(db, _PENDING_MIS)
        _each_order(guard, "session.square_off_mis", pending, self._mis_cancel(db, now), db)
        db.commit()
        owners = db.scalars(
            select(Trade.user_id)
            .where(
                Trade.broker == BROKER,
                Trade.product == Product.MIS.value,
                Trade.trade_date == local.date().isoformat(),
            )
            .distinct()
        ).all()
        closed = guard.each(  # each owner's close commits on its own
            owners,
            job="session.square_off_mis",
            key=lambda user_id: f"user:{user_id}",
            owner=lambda user_id: user_id,
            work=lambda user_id: self._close_positions(db, user_id, now),
            db=db,
        )
        return [order for orders in closed for order in orders]

    @property
    def squareoff_times(self) -> tuple[time, time]:
        """The MIS square-off times (equity, F&O) of the paper exchange."""
        config = self._exchange.config
        return config.squareoff_equity, config.squareoff_fno

    def square_off_account(self, db: Session, user_id: int) -> list[Order]:
        """One account's MIS square-off at the clock's time: a worker replay's, on its own
        clock (the market's job leaves a replay's account out). Its pending MIS orders are
        cancelled and its open MIS positions closed, each past its segment's cut-off."""
        now = self._clock.now()
        pending = locked_account_orders(db, user_id, _PENDING_MIS)
        _each_order(UNGUARDED, "replay.square_off_mis", pending, self._mis_cancel(db, now), db)
        db.commit()
        return self._close_positions(db, user_id, now)

    def _mis_cancel(self, db: Session, now: datetime) -> Callable[[Order], None]:
        def cancel(order: Order) -> None:
            if self._past_squareoff(order.exchange, now):
                message = "Cancelled by the broker at the MIS square-off time."
                self._exchange.record(
                    db, order, OrderEvent(EventKind.EXPIRED, now, message=message)
                )

        return cancel

    def _close_positions(self, db: Session, user_id: int, now: datetime) -> list[Order]:
        day = now.astimezone(IST).date().isoformat()
        placed = []
        lock_user(db, user_id)  # positions read as they are, not before a fill lands
        for position in net_positions(db, user_id=user_id, broker=BROKER):
            if position.product != "MIS" or position.quantity == 0:
                continue
            if not self._past_squareoff(position.exchange, now):
                continue
            key = f"{position.exchange}:{position.tradingsymbol}"
            side = TransactionType.SELL if position.quantity > 0 else TransactionType.BUY
            spec = OrderSpec(
                exchange=Exchange(position.exchange),
                tradingsymbol=position.tradingsymbol,
                transaction_type=side,
                quantity=abs(position.quantity),
                product=Product.MIS,
                order_type=OrderType.MARKET,
            )
            placed.append(
                self._exchange.place(
                    db,
                    user_id=user_id,
                    spec=spec,
                    # One close per position: its traded totals name it, so a demo
                    # replay's same-size position on the same date is closed too.
                    client_key=(
                        f"squareoff:{day}:{key}:{position.quantity}"
                        f":{position.buy_quantity}:{position.sell_quantity}"
                    ),
                    source=SQUAREOFF,
                    last=self._last_tick(key),
                )
            )
        db.commit()  # nothing to close still ends the transaction holding the lock
        return placed

    def settle_expiries(self, db: Session, guard: Guard = UNGUARDED) -> int:
        """Settle every open F&O position whose contract has expired (`oms.paper.expiry`),
        at its underlying's close on the expiry day (that day's last tick of it); how many.

        Runs after 15:30 IST, once a day when every holder's settlement succeeded (nothing
        expiring can be opened after that close). A contract whose underlying has no tick
        of its expiry day is left open, never settled at another day's price.
        """
        now = self._clock.now()
        local = now.astimezone(IST)
        if local.time() < SETTLEMENT_CLOSE or self._settled_on == local.date():
            return 0
        owners = expiry.holders(db)
        db.commit()  # the read ends its transaction; each owner's settlement commits its own
        settled = guard.each(
            owners,
            job="session.settle_expiries",
            key=lambda user_id: f"user:{user_id}",
            owner=lambda user_id: user_id,
            work=lambda user_id: self._settle(db, user_id, now),
            db=db,
        )
        if len(settled) == len(owners):
            self._settled_on = local.date()
        return sum(settled)

    def settle_account(self, db: Session, user_id: int, close_of: CloseOf | None = None) -> int:
        """One account's expiry settlement at the clock's time: a worker replay's, on its own
        clock (the market's job leaves a replay's account out); how many. `close_of` gives a
        contract's close where the replay knows it (an imported bhavcopy); else, as on a
        live day, the underlying's last tick of the expiry day."""
        return self._settle(db, user_id, self._clock.now(), close_of)

    def _settle(
        self, db: Session, user_id: int, now: datetime, close_of: CloseOf | None = None
    ) -> int:
        local = now.astimezone(IST)
        lock_user(db, user_id)  # positions read as they are, not before a fill lands
        catalog = self._exchange.catalog(db)
        indices = index_underlyings()
        count = 0
        for position in expiry.held(db, user_id=user_id):
            instrument = catalog.find(position.key)
            contract = contract_held(instrument, position.tradingsymbol, position.exchange, indices)
            if contract is None or not contract.expired(local.date(), local.time()):
                continue
            close = close_of(contract) if close_of is not None else None
            if close is None:
                tick = self._last_tick(underlying_key(contract))
                if tick is None or tick.ts.astimezone(IST).date() != contract.expiry:
                    continue  # no close of its expiry day: never another day's price
                close = tick.last_price
            settled = expiry.settled_of(contract, position.quantity, close)
            expiry.book_settlement(
                self._exchange.context,
                db,
                catalog,
                user_id=user_id,
                position=position,
                settled=settled,
                at=now,
            )
            count += 1
        db.commit()  # nothing to settle still ends the transaction holding the lock
        return count

    def expire_orders(self, db: Session, guard: Guard = UNGUARDED) -> int:
        """Cancel DAY orders after their segment's close (the calendar's: cash at 15:30, F&O
        at 15:40 from August 2026) and TTL orders whose minutes ran out."""
        now = self._clock.now()
        closed = {derivative: self._closed(derivative, now) for derivative in (False, True)}
        working = locked_orders(db, one_of(Order.status, _WORKING))
        return self._expire(db, working, now, closed, guard, "session.expire_orders")

    def expire_account_orders(self, db: Session, user_id: int) -> int:
        """One account's order expiry at its session's close, the clock's time: a worker
        replay's, on its own clock. A replay plays 09:15–15:30 only, so every segment's day
        is over at its close (no F&O minutes after 15:30 are played to wait for)."""
        working = locked_account_orders(db, user_id, one_of(Order.status, _WORKING))
        now = self._clock.now()
        return self._expire(
            db, working, now, {False: True, True: True}, UNGUARDED, "replay.expire_orders"
        )

    def _expire(
        self,
        db: Session,
        working: Sequence[Order],
        now: datetime,
        closed: dict[bool, bool],
        guard: Guard,
        job: str,
    ) -> int:
        today = now.astimezone(IST).date()

        def expire(order: Order) -> bool:
            closed_today = closed[order.exchange in (Exchange.NFO.value, Exchange.BFO.value)]
            if order.expires_at is not None and order.expires_at <= now:
                message = "Order expired: its time-to-live ran out."
            elif self._day_over(order.placed_at.astimezone(IST).date(), today, closed_today):
                message = "Order cancelled at the end of the trading day."
            else:
                return False
            self._exchange.record(db, order, OrderEvent(EventKind.EXPIRED, now, message=message))
            return True

        expired = sum(
            guard.each(
                working, job=job, key=order_item, owner=_owner, work=expire, db=db, batch=True
            )
        )
        db.commit()
        return expired

    def _closed(self, derivative: bool, now: datetime) -> bool:
        """Whether the segment's session is over for the day: past the open and out of its
        normal session on the calendar (cash from 15:30, F&O from its own close)."""
        market = Market.FUTURES if derivative else Market.EQUITY
        after_open = now.astimezone(IST).time() >= MARKET_OPEN
        return after_open and self._calendar.session_at(now, market) is not MarketSession.NORMAL

    @staticmethod
    def _day_over(placed: date, today: date, closed_today: bool) -> bool:
        return placed < today or (placed == today and closed_today)
