"""Virtual fills: a model portfolio's fill at a close or the next open, booked in the
portfolio's book like every other fill.

The portfolio decides the price and the charges by the backtest's rules; this records an
order that completed at that price, its trade, the cash it moved and the position, so the
account's views (orders, trades, positions, funds, risk) show the portfolio's book as they
show the manual one. Nothing is sent anywhere and no gate is asked: the portfolio's signal
met the gate when it was approved.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tradertape.db import journal_version
from tradertape.db.models.trading import CashEntry, Order, OrderEventRow, Trade
from tradertape.domain.charges import Side
from tradertape.domain.order_state import EventKind, OrderEvent, OrderStatus
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.oms.context import TradingContext
from tradertape.oms.fill_charges import delivery_charges
from tradertape.oms.ledger import Ledger
from tradertape.oms.order_log import apply_event, claim, new_order, store_history
from tradertape.ports.clock import IST

VIRTUAL = "virtual"  # the order's source


def book_virtual_fill(
    context: TradingContext,
    db: Session,
    *,
    user_id: int,
    key: str,
    side: TransactionType,
    quantity: int,
    price: Decimal,
    at: datetime,
    attribution: dict[str, Any],
    charges: Decimal | None = None,
) -> Decimal:
    """Store a completed delivery order of `quantity` of `key` (``NSE:INFY``) at `price`
    and book its one fill (no commit); the charges booked. `attribution` names the
    portfolio: its book. The fill is its own contract note (`fill_charges`), as the
    backtest prices it, unless `charges` are given."""
    instrument = context.catalog(db).find(key)
    if instrument is None:
        raise LookupError(f"{key} is not listed")
    spec = OrderSpec(
        exchange=instrument.exchange,
        tradingsymbol=instrument.tradingsymbol,
        transaction_type=side,
        quantity=quantity,
        product=Product.CNC,
        order_type=OrderType.MARKET,
    )
    order = new_order(
        user_id,
        spec,
        instrument,
        client_key=None,
        source=VIRTUAL,
        attribution=attribution,
        now=at,
    )
    if charges is None:
        day = at.astimezone(IST).date()
        charges = delivery_charges(Side(side.value), quantity, price, day)
    ledger = Ledger(db, rows=False)
    ledger.lock(user_id)
    accepted = OrderEvent(EventKind.ACCEPTED, at, status_after=OrderStatus.OPEN)
    filled = OrderEvent(EventKind.FILLED, at, fill_quantity=quantity, fill_price=price)
    booked = max(at, context.clock.now())
    history = [
        apply_event(order, accepted, at),
        ledger.fill(order, instrument, filled, at, own_note=charges, cash_at=booked),
    ]
    claim(db, order)
    store_history(db, order, history)
    ledger.write()
    return charges


def erase_virtual_fills(db: Session, *, user_id: int, book: str) -> None:
    """Delete the virtual fills of one book (a paper portfolio starting over), with their
    orders and cash, and take them out of the account's positions and balance (no commit).
    """
    rows = db.execute(
        select(Trade, Order)
        .join(Order, Order.id == Trade.order_pk)
        .where(Trade.user_id == user_id, Trade.book == book, Order.source == VIRTUAL)
        .order_by(Trade.id)
    ).all()
    if not rows:
        return
    trade_pks = [trade.id for trade, _ in rows]
    entries = select(CashEntry).where(CashEntry.trade_pk.in_(trade_pks))
    cash = sum((entry.amount for entry in db.scalars(entries)), Decimal(0))
    ledger = Ledger(db)
    ledger.lock(user_id)
    ledger.forget(user_id, [trade for trade, _ in rows], cash)
    ledger.write()
    db.execute(delete(CashEntry).where(CashEntry.trade_pk.in_(trade_pks)))
    order_pks = sorted({order.id for _, order in rows})
    db.execute(delete(Trade).where(Trade.id.in_(trade_pks)))
    journal_version.bump(db, [user_id])  # a fill taken back: the journal's book is redone
    db.execute(delete(OrderEventRow).where(OrderEventRow.order_pk.in_(order_pks)))
    db.execute(delete(Order).where(Order.id.in_(order_pks)))
    db.expire_all()
