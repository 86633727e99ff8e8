"""Changing a live order: Kite's modify and cancel, on the user's own orders only.

A cover order's stop-loss leg follows Kite's rules: only its trigger can be modified,
and cancelling it exits the cover order at market (`cover`).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models.trading import Order
from tradertape.domain.instruments import Instrument
from tradertape.domain.market import Tick
from tradertape.domain.order_state import WORKING, EventKind, OrderEvent, OrderStatus
from tradertape.domain.orders import OrderType, TransactionType, on_grid
from tradertape.domain.ticks import tick_size
from tradertape.errors import BadRequest, InvalidField, NotFound
from tradertape.oms.context import TradingContext
from tradertape.oms.funds import funding_problem
from tradertape.oms.ledger import Ledger
from tradertape.oms.order_locks import locked_own_order
from tradertape.oms.order_log import amendments, is_cover_leg, record, spec_of, terms_of
from tradertape.oms.order_rules import check_fields, check_stop, listed
from tradertape.oms.paper import cover
from tradertape.oms.paper.working import advance


def own_order(db: Session, *, user_id: int, order_id: str) -> Order:
    """One of the user's orders by its order id (404 for anyone else's)."""
    order = db.scalar(select(Order).where(Order.order_id == order_id, Order.user_id == user_id))
    if order is None:
        raise NotFound(f"order {order_id} not found")
    return order


def cancel(
    context: TradingContext,
    db: Session,
    *,
    user_id: int,
    order_id: str,
    last: Tick | None = None,
    commit: bool = True,
) -> Order:
    """Cancel a working order (404 if not the user's; 400 if already final).

    Cancelling a cover order's stop-loss leg exits the cover order: the leg becomes a
    MARKET order, filled on `last` (the instrument's last tick) or the next tick. Commits
    unless ``commit`` is false (the caller's transaction holds more changes).
    """
    order = locked_own_order(db, user_id=user_id, order_id=order_id)
    if OrderStatus(order.status).is_terminal:
        raise BadRequest(_final(db, order, "cancelled"))
    now = context.clock.now()
    if is_cover_leg(order.variety, order.client_key):
        cover.to_market(db, order, now)
        if last is not None:
            instrument = context.catalog(db).get(f"{order.exchange}:{order.tradingsymbol}")
            advance(context, db, order, instrument, last, traded_volume=last.last_quantity)
    else:
        record(db, order, OrderEvent(EventKind.CANCELLED, now, message="Cancelled by user."), now)
    if commit:
        db.commit()
    return order


def _final(db: Session, order: Order, verb: str) -> str:
    message = f"order {order.order_id} is {order.status} and cannot be {verb}"
    leg = cover.leg_of(db, order) if cover.is_entry(order) else None
    if leg is not None and leg.status in WORKING:
        message += f"; exit the cover order by cancelling its stop-loss leg {leg.order_id}"
    return message


def modify(
    context: TradingContext,
    db: Session,
    *,
    user_id: int,
    order_id: str,
    changes: dict[str, Any],
    last: Tick | None,
    commit: bool = True,
) -> Order:
    """Change a live order's quantity, prices, type or validity (commits unless told not to).

    The result is validated and funds-checked like a new order (a shortfall is a 400 in
    Kite's words and changes nothing); the quantity cannot drop below what has filled,
    and a stop cannot turn into a plain order (or back) once placed. The order is read
    under the user's lock, so a fill the loop committed meanwhile is seen.
    """
    order = locked_own_order(db, user_id=user_id, order_id=order_id)
    if OrderStatus(order.status).is_terminal:
        raise BadRequest(_final(db, order, "modified"))
    if is_cover_leg(order.variety, order.client_key):
        return _move_stop(context, db, order, changes, last)
    if cover.is_entry(order) and order.filled_quantity and "trigger_price" in changes:
        leg = cover.leg_of(db, order)
        where = f"; modify its stop-loss leg {leg.order_id}" if leg is not None else ""
        raise InvalidField("trigger_price", f"the entry has filled{where}")
    spec = replace(spec_of(order), **changes)
    stops = (OrderType.SL, OrderType.SL_M)
    if (OrderType(order.order_type) in stops) != (spec.order_type in stops):
        raise InvalidField("order_type", "cannot switch between stop and non-stop orders")
    if spec.quantity <= order.filled_quantity:
        raise InvalidField(
            "quantity",
            f"must exceed the {order.filled_quantity} already filled; cancel instead",
        )
    catalog = context.catalog(db)
    instrument = listed(catalog, spec)
    check_fields(context, spec, instrument, last)
    before = _open_value(order, last)
    terms = terms_of(order)
    order.quantity, order.price, order.trigger_price = (
        spec.quantity,
        spec.price,
        spec.trigger_price,
    )
    order.order_type, order.validity = spec.order_type.value, spec.validity.value
    order.disclosed_quantity = spec.disclosed_quantity
    order.validity_ttl = spec.validity_ttl
    # The new terms need their margin, as a new order would (the old terms free theirs).
    problem = funding_problem(context, db, Ledger(db), order, instrument, catalog, last)
    if problem is not None:
        db.rollback()  # the order keeps its terms
        raise BadRequest(problem)
    if _open_value(order, last) > before:
        _pass_gate(context, db, order, instrument, last)
    context.gate.admit(db, order)  # a modify counts against the client's order-rate ceiling
    now = context.clock.now()
    record(db, order, OrderEvent(EventKind.MODIFIED, now), now, changes=amendments(terms, order))
    if last is not None and order.status in WORKING:
        advance(context, db, order, instrument, last, traded_volume=last.last_quantity)
    if commit:
        db.commit()
    return order


def _open_value(order: Order, last: Tick | None) -> Decimal:
    """What the unfilled part is worth at its own price (the last one for a market order)."""
    price = order.price or order.trigger_price or (last.last_price if last else Decimal(0))
    return (order.quantity - order.filled_quantity) * price


def _pass_gate(
    context: TradingContext, db: Session, order: Order, instrument: Instrument, last: Tick | None
) -> None:
    """A modification that enlarges the order passes the pre-trade gate as a new one would.

    A refusal is a 400 in the gate's words; the order keeps its terms and the breaches
    are recorded (committed: a refused change is worth a risk event, like a refused order).
    """
    verdict = context.gate.check(db, order, instrument, last)
    if verdict is None or verdict.refusal is None:
        if verdict is not None and verdict.record is not None:
            verdict.record(db, order)  # warnings, stored with the change
        return
    db.rollback()  # the order keeps its terms
    if verdict.record is not None:
        verdict.record(db, order)
        db.commit()
    raise BadRequest(verdict.refusal)


def _move_stop(
    context: TradingContext, db: Session, leg: Order, changes: dict[str, Any], last: Tick | None
) -> Order:
    """A stop-loss leg takes a new trigger, on the losing side of the market, and no more."""
    current = {
        "quantity": leg.quantity,
        "price": leg.price,
        "order_type": OrderType(leg.order_type),
        "validity": leg.validity,
        "disclosed_quantity": leg.disclosed_quantity,
    }
    for field, value in changes.items():
        if field != "trigger_price" and value != current.get(field, value):
            raise InvalidField(field, "a cover order's stop-loss leg takes only a new trigger")
    trigger = changes.get("trigger_price")
    if trigger is None:
        raise InvalidField("trigger_price", "required: the stop-loss leg's new trigger")
    if leg.status != OrderStatus.TRIGGER_PENDING.value:
        raise BadRequest(f"order {leg.order_id} has triggered; its stop can no longer move")
    instrument = context.catalog(db).get(f"{leg.exchange}:{leg.tradingsymbol}")
    grid = instrument.tick_size if instrument.is_derivative else _grid(last, trigger)
    if trigger <= 0 or not on_grid(trigger, grid):
        raise InvalidField("trigger_price", f"{trigger} is not a multiple of the tick {grid}")
    entry_side = (
        TransactionType.BUY
        if leg.transaction_type == TransactionType.SELL.value
        else TransactionType.SELL
    )
    check_stop(context, entry_side, trigger, last, leg=True)
    terms = terms_of(leg)
    leg.trigger_price = trigger
    now = context.clock.now()
    moved = OrderEvent(EventKind.MODIFIED, now, message="Stop-loss moved.")
    record(db, leg, moved, now, changes=amendments(terms, leg))
    db.commit()
    return leg


def _grid(last: Tick | None, trigger: Decimal) -> Decimal:
    return tick_size(last.last_price if last is not None else trigger)
