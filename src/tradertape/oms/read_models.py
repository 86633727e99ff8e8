"""Orders and trades as Kite's order book and trade book show them: the read models every
venue's orders answer with (paper, live, the worker API, the agent)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tradertape.domain.money import shown_float
from tradertape.domain.order_state import OrderStatus
from tradertape.oms.order_log import parent_order_id
from tradertape.ports.clock import IST

KiteDict = dict[str, Any]
_TERMINAL = frozenset(s.value for s in OrderStatus if s.is_terminal)


def _num(value: Decimal | None) -> float:
    return float(value) if value is not None else 0.0


def _stored(value: Decimal | None) -> float | None:
    # None only for a stored price no float can show (a row from before values were checked).
    return shown_float(value) if value is not None else 0.0


def order_dict(order: Any) -> KiteDict:
    """An order (a row of `Order`, mapped or read with Core) in Kite's order-book shape."""
    return {
        "order_id": order.order_id,
        "exchange_order_id": order.order_id,
        "parent_order_id": parent_order_id(order),  # a cover order's stop-loss leg
        "status": order.status,
        "status_message": order.status_message,
        "order_timestamp": order.placed_at.astimezone(IST).strftime("%Y-%m-%d %H:%M:%S"),
        "exchange_update_timestamp": order.updated_at.astimezone(IST).strftime("%Y-%m-%d %H:%M:%S"),
        "variety": order.variety,
        "exchange": order.exchange,
        "tradingsymbol": order.tradingsymbol,
        "instrument_token": order.instrument_token,
        "order_type": order.order_type,
        "transaction_type": order.transaction_type,
        "validity": order.validity,
        "validity_ttl": order.validity_ttl,
        "product": order.product,
        "quantity": order.quantity,
        "disclosed_quantity": order.disclosed_quantity or 0,
        "price": _stored(order.price),
        "trigger_price": _stored(order.trigger_price),
        "average_price": _stored(order.average_price),
        "filled_quantity": order.filled_quantity,
        "pending_quantity": 0
        if order.status in _TERMINAL
        else order.quantity - order.filled_quantity,
        "cancelled_quantity": order.quantity - order.filled_quantity
        if order.status == "CANCELLED"
        else 0,
        "market_protection": order.market_protection or 0,
        "tag": order.attribution.get("tag"),
        "meta": _meta(order),
    }


def _meta(order: Any) -> dict[str, Any]:
    """What placed the order, and the parent key of a sliced order's children."""
    parent = getattr(order, "slice_parent", None)
    return (
        {"source": order.source}
        if parent is None
        else {"source": order.source, "slice_parent": parent}
    )


# A live order not yet acknowledged (``PUT ORDER REQ RECEIVED``) is no `OrderStatus`.


def trade_dict(trade: Any, order_id: str) -> KiteDict:
    """A trade in Kite's shape (``order_timestamp`` is HH:MM:SS only, as Kite sends it)."""
    local = trade.filled_at.astimezone(IST)
    return {
        "trade_id": trade.trade_id,
        "order_id": order_id,
        "exchange": trade.exchange,
        "tradingsymbol": trade.tradingsymbol,
        "instrument_token": trade.instrument_token,
        "product": trade.product,
        "average_price": _num(trade.price),
        "quantity": trade.quantity,
        "exchange_order_id": order_id,
        "transaction_type": trade.transaction_type,
        "fill_timestamp": local.strftime("%Y-%m-%d %H:%M:%S"),
        "order_timestamp": local.strftime("%H:%M:%S"),
        "exchange_timestamp": local.strftime("%Y-%m-%d %H:%M:%S"),
    }
