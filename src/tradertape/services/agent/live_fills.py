"""The agent's reported fills, booked in the account's live book like every other fill.

Each fill becomes one order of the OMS's (source ``agent``, in the ``live:<broker>`` book:
docs/books.md) through `OrderPipeline.record_external_fill`, in the transaction that books
the fill to the model portfolio; the portfolio's position takes the charges the ledger
booked: one fill, one charge figure (the portfolio once priced its own contract note beside
the ledger's share of the day's note).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from tradertape.db.models import ModelPortfolio, ModelSignal
from tradertape.domain.orders import TransactionType
from tradertape.oms import ExternalFill, OrderPipeline


def book_agent_fill(
    db: Session,
    orders: OrderPipeline,
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
    caller's transaction; the charges the ledger booked for it."""
    leg = "exit" if side is TransactionType.SELL else "entry"
    fill = ExternalFill(
        user_id=portfolio.user_id,
        broker=portfolio.broker,
        symbol=signal.symbol,
        side=side,
        quantity=quantity,
        price=price,
        client_key=f"agent:{signal.id}:{leg}",
        broker_order_id=broker_order_id or f"agent-{signal.id}-{leg}",
        source="agent",
        at=now,
        attribution={
            "mode": "live",
            "executor": "agent",
            "portfolio_id": portfolio.id,
            "signal_id": signal.id,
        },
    )
    return orders.record_external_fill(db, fill)
