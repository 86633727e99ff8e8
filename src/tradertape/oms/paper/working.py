"""Working orders against ticks: triggers, fills, the IOC remainder, and what a fill sets
off (a cover order's stop-loss leg, `settle`).

`step` matches one order on one tick (the pure `domain.matching.match`), moves it
through the status machine and books what fills into the transaction's `Ledger`;
history rows and ledger writes are left to the caller, so placement can store a new
order with its fills in one go and `on_tick` can write a whole batch at the end.

A stale price never prices a market order without saying so: a MARKET (or triggered SL-M)
fill at a tick older than `STALE_PRICE_AFTER` of market time during the normal session,
while the feed watchdog finds the feed quiet (``TradingContext.feed_quiet``), fills at it,
as the paper exchange has no fresher price, and the order's ``status_message`` says how old
the price was, so the order answer, the order book and the worker's order updates show it.
(An old tick alone says nothing: an illiquid instrument's last trade may be minutes old.)
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from tradertape.db.models.trading import Order, Trade
from tradertape.db.rows import one_of
from tradertape.domain.calendar import Session as MarketSession
from tradertape.domain.enum_members import members_of
from tradertape.domain.instruments import Instrument
from tradertape.domain.market import Tick
from tradertape.domain.matching import WorkingOrder, match
from tradertape.domain.order_state import WORKING, EventKind, OrderEvent, OrderStatus
from tradertape.domain.orders import OrderType, TransactionType, Validity
from tradertape.oms.context import TradingContext
from tradertape.oms.ledger import Ledger
from tradertape.oms.order_locks import locked_orders
from tradertape.oms.order_log import apply_event, is_cover_leg, store_history
from tradertape.oms.paper import cover

#: A tick older than this (market time) in the normal session is a stale price: the feed
#: watchdog's threshold (`feed.watchdog.STALE_AFTER_SECS`).
STALE_PRICE_AFTER = timedelta(seconds=10)
# `TransactionType(side)` and `OrderType(kind)`, as dict reads
_SIDE, _ORDER_TYPE = members_of(TransactionType), members_of(OrderType)
_IOC = Validity.IOC.value  # once: an enum class's attribute passes `EnumType`'s hook
_MARKET_PRICED = (OrderType.MARKET, OrderType.SL_M)


def step(
    context: TradingContext,
    order: Order,
    instrument: Instrument,
    tick: Tick,
    *,
    traded_volume: int,
    history: list[dict[str, Any]],
    ledger: Ledger,
) -> None:
    """Match `order` against `tick`: events into `history`, the fill into `ledger`."""
    working = WorkingOrder(
        side=_SIDE(order.transaction_type),
        order_type=_ORDER_TYPE(order.order_type),
        pending_quantity=order.quantity - order.filled_quantity,
        price=order.price,
        trigger_price=order.trigger_price,
        triggered=order.triggered,
        market_protection=order.market_protection,
        leg_quantity=order.iceberg_quantity,
        lot_size=instrument.lot_size,
    )
    result = match(working, tick, traded_volume=traded_volume, config=context.config.match)
    # Stamped with the market clock, not the tick: the tick may be older than the clock
    # (a feed that paused, a replay started again), and the fill happens now.
    now = context.clock.now()
    if result.triggered:
        history.append(apply_event(order, OrderEvent(EventKind.TRIGGERED, now), now))
    if not result.fill_quantity or result.fill_price is None:
        return
    fill = OrderEvent(
        EventKind.FILLED,
        now,
        fill_quantity=result.fill_quantity,
        fill_price=result.fill_price,
        message=stale_price_note(context, order, tick, now),
    )
    history.append(ledger.fill(order, instrument, fill, now))


def stale_price_note(
    context: TradingContext, order: Order, tick: Tick, now: datetime
) -> str | None:
    """What a market-priced fill says when its price is stale (None when it is not)."""
    if order.order_type not in _MARKET_PRICED:
        return None
    age = now - tick.ts
    if age <= STALE_PRICE_AFTER:
        return None
    try:
        in_session = context.calendar.session_at(now) is MarketSession.NORMAL
    except (KeyError, ValueError):  # past the holiday list: say nothing
        return None
    if not in_session or not context.feed_quiet():
        return None  # out of hours the last price is the session's, as expected
    return (
        f"priced from a stale tick: the last price of {order.exchange}:{order.tradingsymbol} "
        f"is {age.total_seconds():.0f} s old (the market feed went quiet)"
    )


def expire_ioc(context: TradingContext, order: Order, history: list[dict[str, Any]]) -> None:
    """Cancel what an IOC order left unfilled after its one chance to match."""
    if order.validity == _IOC and order.status in WORKING:
        now = context.clock.now()
        expired = OrderEvent(EventKind.EXPIRED, now, message="IOC remainder cancelled.")
        history.append(apply_event(order, expired, now))


def settle(
    context: TradingContext,
    db: Session,
    order: Order,
    instrument: Instrument,
    tick: Tick | None,
    *,
    traded_volume: int,
    ledger: Ledger,
) -> None:
    """What a stored order's fill sets off: a cover order's stop-loss leg follows its entry
    (a new leg is matched on the same tick: a gap through the stop counts), and a leg
    that has closed the position cancels what is left of its entry (no commit)."""
    now = context.clock.now()
    if cover.is_entry(order):
        leg, new = cover.follow_entry(db, order, instrument, now)
        if leg is None or not new or tick is None:
            return
        history: list[dict[str, Any]] = []
        step(
            context,
            leg,
            instrument,
            tick,
            traded_volume=traded_volume,
            history=history,
            ledger=ledger,
        )
        store_history(db, leg, history)
        order = leg
    if is_cover_leg(order.variety, order.client_key) and order.status == OrderStatus.COMPLETE:
        cover.close_entry(db, order, now, "Cover order closed: its stop-loss leg completed.")


def _match(
    context: TradingContext,
    db: Session,
    order: Order,
    instrument: Instrument,
    tick: Tick,
    *,
    traded_volume: int,
    ledger: Ledger,
) -> None:
    filled = order.filled_quantity
    history: list[dict[str, Any]] = []
    step(
        context,
        order,
        instrument,
        tick,
        traded_volume=traded_volume,
        history=history,
        ledger=ledger,
    )
    store_history(db, order, history)
    if order.filled_quantity != filled:
        settle(context, db, order, instrument, tick, traded_volume=traded_volume, ledger=ledger)


def advance(
    context: TradingContext,
    db: Session,
    order: Order,
    instrument: Instrument,
    tick: Tick,
    *,
    traded_volume: int,
) -> list[Trade]:
    """Match one stored working order against one tick and book what fills (no commit)."""
    ledger = Ledger(db)
    _match(context, db, order, instrument, tick, traded_volume=traded_volume, ledger=ledger)
    return ledger.write()


def on_tick(context: TradingContext, db: Session, tick: Tick, *, traded_volume: int) -> list[Trade]:
    """Advance every working paper order of the ticked instrument (commits).

    Orders are read under their owners' locks (`order_locks`), so a cancel, modify or
    fill committed by another process since is what gets matched, or skipped.
    """
    exchange, _, symbol = tick.key.partition(":")
    orders = locked_orders(
        db,
        (Order.exchange == exchange)
        & (Order.tradingsymbol == symbol)
        & one_of(Order.status, WORKING),
    )
    if not orders:
        db.commit()  # ends the transaction that holds the locks
        return []
    instrument = context.catalog(db).get(tick.key)
    ledger = Ledger(db)
    for order in orders:
        if order.status in WORKING:  # a leg that closed its position ended its entry
            _match(context, db, order, instrument, tick, traded_volume=traded_volume, ledger=ledger)
    trades = ledger.write()
    db.commit()
    return trades
