"""Changing a paper order: Kite's modify and cancel, on the user's own orders only.

A cover order's stop-loss leg follows Kite's rules: only its trigger can be modified,
and cancelling it exits the cover order at market (`cover`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models.trading import Order
from tradertape.domain.instruments import Instrument, InstrumentCatalog
from tradertape.domain.market import Tick
from tradertape.domain.order_state import WORKING, EventKind, OrderEvent, OrderStatus
from tradertape.domain.orders import OrderType, TransactionType, on_grid
from tradertape.domain.ticks import tick_size
from tradertape.errors import BadRequest, InvalidField, NotFound
from tradertape.oms import modification
from tradertape.oms.context import TradingContext
from tradertape.oms.funds import funding_problem
from tradertape.oms.ledger import Ledger
from tradertape.oms.order_locks import locked_own_order
from tradertape.oms.order_log import amendments, is_cover_leg, record, terms_of
from tradertape.oms.order_rules import check_stop
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
    """Change a paper order's quantity, prices, type or validity (commits unless told not to),
    through the one modify sequence both venues take (`oms.modification.modify`).

    The result is validated and funds-checked like a new order (a shortfall is a 400 in
    Kite's words and changes nothing). The order is read under the user's lock, so a fill
    the loop committed meanwhile is seen. A cover order's stop-loss leg takes only a new
    trigger (`_move_stop`): an exit, never gated.
    """
    order = locked_own_order(db, user_id=user_id, order_id=order_id)
    if is_cover_leg(order.variety, order.client_key):
        if OrderStatus(order.status).is_terminal:
            raise BadRequest(_final(db, order, "modified"))
        return _move_stop(context, db, order, changes, last)
    act = _PaperModify(context)
    return modification.modify(context, db, order, changes, last, act, commit=commit)


class _PaperModify:
    """The paper exchange's part of the one modify sequence (`modification.ModifyAct`)."""

    def __init__(self, context: TradingContext) -> None:
        self._context = context

    def take(self, db: Session, order: Order, changes: dict[str, Any]) -> Order:
        if OrderStatus(order.status).is_terminal:
            raise BadRequest(_final(db, order, "modified"))
        if cover.is_entry(order) and order.filled_quantity and "trigger_price" in changes:
            leg = cover.leg_of(db, order)
            where = f"; modify its stop-loss leg {leg.order_id}" if leg is not None else ""
            raise InvalidField("trigger_price", f"the entry has filled{where}")
        return order  # read under the user's ledger lock already

    def refusal(
        self,
        db: Session,
        changed: Order,
        instrument: Instrument,
        catalog: InstrumentCatalog,
        last: Tick | None,
    ) -> str | None:
        # The new terms need their margin, as a new order would (the old terms free theirs).
        return funding_problem(self._context, db, Ledger(db), changed, instrument, catalog, last)

    def send(self, db: Session, order: Order, changes: dict[str, Any]) -> None:
        """Nothing to send: the paper exchange is in this transaction."""

    def after(self, db: Session, order: Order, instrument: Instrument, last: Tick | None) -> None:
        if last is not None and order.status in WORKING:
            advance(self._context, db, order, instrument, last, traded_volume=last.last_quantity)


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
