"""The agent's reported fills, booked in the account's live book like every other fill.

The agent places at the user's broker from the user's machine, so the server holds no order
of its own there. Each fill the agent reports becomes one order of ours (source ``agent``,
in the ``live:<broker>`` book: docs/books.md) carrying the broker's order id, and the report
is applied as any broker report is: booked once, at the broker's schedule of charges, and a
repeated report adds nothing. It is booked in the transaction that books the fill to the
model portfolio, and the portfolio's position takes the charges the ledger booked: one
fill, one charge figure (the portfolio once priced its own contract note beside the
ledger's share of the day's note).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models import ModelPortfolio, ModelSignal, Trade
from tradertape.domain.books import live_book
from tradertape.domain.order_state import EventKind, OrderEvent, OrderStatus
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.oms.live.broker_trades import Tradebook
from tradertape.oms.live.orders import BrokerReport, LiveOrders
from tradertape.oms.order_log import claim, new_order, record


def book_agent_fill(
    db: Session,
    desk: LiveOrders,
    *,
    portfolio: ModelPortfolio,
    signal: ModelSignal,
    side: TransactionType,
    quantity: int,
    price: Decimal,
    broker_order_id: str | None,
    now: datetime,
) -> Decimal:
    """Book one reported fill of `signal` in the live book of the portfolio's broker, in the
    caller's transaction; the charges the ledger booked for it (its share of the day's
    contract note at that broker)."""
    broker = portfolio.broker
    instrument = desk.catalog(db).get(signal.symbol)
    spec = OrderSpec(
        exchange=instrument.exchange,
        tradingsymbol=instrument.tradingsymbol,
        transaction_type=side,
        quantity=quantity,
        product=Product.CNC,
        order_type=OrderType.LIMIT,
        price=price,
    )
    leg = "exit" if side is TransactionType.SELL else "entry"
    attribution = {
        "mode": "live",
        "executor": "agent",
        "portfolio_id": portfolio.id,
        "signal_id": signal.id,
    }
    order = new_order(
        portfolio.user_id,
        spec,
        instrument,
        client_key=f"agent:{signal.id}:{leg}",
        source="agent",
        attribution=attribution,
        now=now,
    )
    order.broker = broker
    order.book = live_book(broker)
    order.broker_order_id = broker_order_id or f"agent-{signal.id}-{leg}"
    stored = claim(db, order)
    if stored is order:
        record(db, order, OrderEvent(EventKind.ACCEPTED, now, status_after=OrderStatus.OPEN), now)
        db.flush()
    report = BrokerReport(
        broker_order_id=stored.broker_order_id or order.broker_order_id,
        status=OrderStatus.COMPLETE.value,
        filled_quantity=quantity,
        average_price=price,
    )
    # the server has no session at the agent's broker: book by the reported figures
    desk.book_report(db, broker, report, Tradebook(None))
    db.flush()
    charged = db.scalars(select(Trade.charges).where(Trade.order_pk == stored.id))
    return sum(charged, Decimal(0))
