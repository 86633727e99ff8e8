"""Changing a live order: Kite's modify and cancel, on the user's own orders only."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models.trading import Order
from tradertape.domain.market import Tick
from tradertape.domain.order_state import WORKING, EventKind, OrderEvent, OrderStatus
from tradertape.domain.orders import OrderType
from tradertape.errors import BadRequest, InvalidField, NotFound
from tradertape.oms.order_locks import locked_own_order
from tradertape.oms.order_log import record, spec_of
from tradertape.oms.order_rules import check_fields, listed
from tradertape.oms.venue import Venue
from tradertape.oms.working import advance


def own_order(db: Session, *, user_id: int, order_id: str) -> Order:
    """One of the user's orders by its order id (404 for anyone else's)."""
    order = db.scalar(select(Order).where(Order.order_id == order_id, Order.user_id == user_id))
    if order is None:
        raise NotFound(f"order {order_id} not found")
    return order


def cancel(venue: Venue, db: Session, *, user_id: int, order_id: str) -> Order:
    """Cancel a working order (404 if not the user's; 400 if already final; commits)."""
    order = locked_own_order(db, user_id=user_id, order_id=order_id)
    if OrderStatus(order.status).is_terminal:
        raise BadRequest(f"order {order_id} is {order.status} and cannot be cancelled")
    now = venue.clock.now()
    record(db, order, OrderEvent(EventKind.CANCELLED, now, message="Cancelled by user."), now)
    db.commit()
    return order


def modify(
    venue: Venue,
    db: Session,
    *,
    user_id: int,
    order_id: str,
    changes: dict[str, Any],
    last: Tick | None,
) -> Order:
    """Change a live order's quantity, prices, type or validity (commits).

    The result is validated like a new order; the quantity cannot drop below what has
    filled, and a stop cannot turn into a plain order (or back) once placed. The order
    is read under the user's lock, so a fill the loop committed meanwhile is seen.
    """
    order = locked_own_order(db, user_id=user_id, order_id=order_id)
    if OrderStatus(order.status).is_terminal:
        raise BadRequest(f"order {order_id} is {order.status} and cannot be modified")
    spec = replace(spec_of(order), **changes)
    stops = (OrderType.SL, OrderType.SL_M)
    if (OrderType(order.order_type) in stops) != (spec.order_type in stops):
        raise InvalidField("order_type", "cannot switch between stop and non-stop orders")
    if spec.quantity <= order.filled_quantity:
        raise InvalidField(
            "quantity",
            f"must exceed the {order.filled_quantity} already filled; cancel instead",
        )
    instrument = listed(venue.catalog(db), spec)
    check_fields(spec, instrument, last)
    order.quantity, order.price, order.trigger_price = (
        spec.quantity,
        spec.price,
        spec.trigger_price,
    )
    order.order_type, order.validity = spec.order_type.value, spec.validity.value
    order.disclosed_quantity = spec.disclosed_quantity
    order.validity_ttl = spec.validity_ttl
    now = venue.clock.now()
    record(db, order, OrderEvent(EventKind.MODIFIED, now), now)
    if last is not None and order.status in WORKING:
        advance(venue, db, order, instrument, last, traded_volume=last.last_quantity)
    db.commit()
    return order
