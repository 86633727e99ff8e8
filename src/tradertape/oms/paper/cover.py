"""Cover orders (Kite's ``co`` variety): an intraday entry with a compulsory stop-loss leg.

- The entry is a MARKET or LIMIT order (MIS, NSE equity) whose ``trigger_price`` is the
  stop; it holds the cover-order margin, the loss to the stop (`domain.margins`).
- When the entry fills, its stop-loss leg appears: an SL-M order the other way at the
  trigger, variety ``co``, keyed ``co:<entry order id>``. The user's unique client key
  makes the leg exist exactly once and names its parent (Kite's ``parent_order_id``).
  Later fills of the entry grow the leg, so it always covers what was bought or sold.
- The leg may be modified (its trigger only) but not cancelled on its own: cancelling it
  is Kite's exit, which turns the leg into a MARKET order (`exit_leg`) and cancels what
  is left of the entry.
- When the leg completes (stopped out, or exited), what is left of the entry is
  cancelled too.
- At the MIS square-off (15:20) the leg and an unfilled entry are cancelled like any
  pending MIS order, and the broker's MARKET order closes the position.

Every function here changes orders already read under the owner's lock and commits
nothing; the caller (placement, matching, amendment) stores and commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models.trading import Order
from tradertape.domain.instruments import Exchange, Instrument
from tradertape.domain.order_state import WORKING, EventKind, OrderEvent, OrderStatus
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType, Variety
from tradertape.oms.order_log import (
    apply_event,
    by_key,
    claim,
    cover_leg_key,
    is_cover_leg,
    new_order,
    parent_order_id,
    record,
    store_history,
)

_CO = Variety.CO.value  # once: an enum class's attribute passes `EnumType.__getattr__`'s hook


def is_entry(order: Order) -> bool:
    """Whether `order` is a cover order's entry (not its stop-loss leg)."""
    variety = order.variety
    return variety == _CO and not is_cover_leg(variety, order.client_key)


def leg_of(db: Session, entry: Order) -> Order | None:
    """The entry's stop-loss leg, once its first fill created it."""
    return by_key(db, entry.user_id, cover_leg_key(entry.order_id))


def entry_of(db: Session, leg: Order) -> Order:
    """The entry of a stop-loss leg."""
    entry = db.scalar(
        select(Order).where(Order.user_id == leg.user_id, Order.order_id == parent_order_id(leg))
    )
    assert entry is not None, f"cover leg {leg.order_id} lost its entry"
    return entry


def follow_entry(
    db: Session, entry: Order, instrument: Instrument, now: datetime
) -> tuple[Order | None, bool]:
    """Make the entry's stop-loss leg cover all it filled: the leg, and whether it is new.

    A leg that has already finished (stopped out, exited, squared off) is left alone.
    """
    if not is_entry(entry) or not entry.filled_quantity:
        return None, False
    leg = leg_of(db, entry)
    if leg is None:
        leg = _new_leg(db, entry, instrument, now)
        return leg, True
    if leg.status in WORKING and leg.quantity < entry.filled_quantity:
        leg.quantity = entry.filled_quantity
        grown = OrderEvent(EventKind.MODIFIED, now, message="Follows the entry's fills.")
        record(db, leg, grown, now)
    return leg, False


def _new_leg(db: Session, entry: Order, instrument: Instrument, now: datetime) -> Order:
    side = TransactionType(entry.transaction_type)
    spec = OrderSpec(
        exchange=Exchange(entry.exchange),
        tradingsymbol=entry.tradingsymbol,
        transaction_type=TransactionType.SELL
        if side is TransactionType.BUY
        else TransactionType.BUY,
        quantity=entry.filled_quantity,
        product=Product.MIS,
        order_type=OrderType.SL_M,
        variety=Variety.CO,
        trigger_price=entry.trigger_price,
        market_protection=entry.market_protection,
    )
    leg = new_order(
        entry.user_id,
        spec,
        instrument,
        client_key=cover_leg_key(entry.order_id),
        source=entry.source,
        attribution=entry.attribution,
        now=now,
    )
    accepted = OrderEvent(EventKind.ACCEPTED, now, status_after=OrderStatus.TRIGGER_PENDING)
    history = [apply_event(leg, accepted, now)]
    stored = claim(db, leg)  # the owner's lock is held: no one else can be creating it
    store_history(db, stored, history)
    return stored


def close_entry(db: Session, leg: Order, now: datetime, message: str) -> None:
    """Cancel what is left of the entry once its leg has closed the position."""
    entry = entry_of(db, leg)
    if entry.status in WORKING:
        record(db, entry, OrderEvent(EventKind.EXPIRED, now, message=message), now)


def to_market(db: Session, leg: Order, now: datetime) -> None:
    """Kite's exit: the stop-loss leg becomes a MARKET order (matched by the caller)."""
    leg.order_type = OrderType.MARKET.value
    message = "Exited: the stop-loss leg goes to market."
    if leg.status == OrderStatus.TRIGGER_PENDING.value:
        record(db, leg, OrderEvent(EventKind.TRIGGERED, now, message=message), now)
    else:
        record(db, leg, OrderEvent(EventKind.MODIFIED, now, message=message), now)
    close_entry(db, leg, now, "Cover order exited.")
