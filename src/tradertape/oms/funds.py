"""The funds check: a buy needs its margin free, a delivery sell needs the shares.

Margin is the order's value times its product's rate; what is free is the balance less
the margin held by the user's working and queued buys. The check reads the balance
through the transaction's `Ledger`, which holds the user's ledger lock first, so two
orders placed at once from any processes are checked one after the other. A shortfall
is not an error: the order is stored REJECTED with Kite's wording.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from tradertape.db.models.trading import Order
from tradertape.db.rows import table_of
from tradertape.domain.instruments import Instrument
from tradertape.domain.market import Tick
from tradertape.domain.order_state import WORKING, OrderStatus
from tradertape.domain.orders import Product, TransactionType
from tradertape.oms.booking import Ledger
from tradertape.oms.ledger import net_quantity
from tradertape.oms.venue import BROKER, PaperConfig

_ORDERS = table_of(Order)
_HOLDING_MARGIN = select(
    _ORDERS.c.product,
    _ORDERS.c.quantity,
    _ORDERS.c.filled_quantity,
    _ORDERS.c.price,
    _ORDERS.c.average_price,
).where(
    _ORDERS.c.user_id == bindparam("user_id"),
    _ORDERS.c.broker == BROKER,
    _ORDERS.c.transaction_type == TransactionType.BUY.value,
    _ORDERS.c.status.in_([*WORKING, OrderStatus.AMO_REQ_RECEIVED.value]),
)


def _rupees(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):,}"


def required_margin(config: PaperConfig, product: str, pending: int, price: Decimal) -> Decimal:
    """Margin held for `pending` units at `price`."""
    return pending * price * config.margin_rate(product)


def blocked(db: Session, config: PaperConfig, user_id: int) -> Decimal:
    """Margin held by the user's working and queued buy orders."""
    rows = db.execute(_HOLDING_MARGIN, {"user_id": user_id})
    return sum(
        (
            required_margin(
                config, r.product, r.quantity - r.filled_quantity, r.price or r.average_price
            )
            for r in rows
        ),
        Decimal(0),
    )


def funding_problem(
    db: Session,
    ledger: Ledger,
    config: PaperConfig,
    order: Order,
    instrument: Instrument,
    last: Tick | None,
) -> str | None:
    """Why the account cannot carry `order` (Kite's wording), or None if it can."""
    if order.transaction_type == TransactionType.SELL.value:
        if order.product != Product.CNC.value:
            return None
        held = net_quantity(
            db, user_id=order.user_id, broker=BROKER, key=instrument.key, product="CNC"
        )
        if held < order.quantity:
            return f"Insufficient holdings: {held} of {instrument.tradingsymbol} held."
        return None
    price = order.price or order.trigger_price or (last.last_price if last else None)
    if price is None:
        return "No price available to compute the required margin."
    required = required_margin(config, order.product, order.quantity - order.filled_quantity, price)
    available = ledger.cash(order.user_id) - blocked(db, config, order.user_id)
    if required > available:
        return (
            f"Insufficient funds. Required margin is {_rupees(required)} "
            f"but available margin is {_rupees(max(available, Decimal(0)))}."
        )
    return None
