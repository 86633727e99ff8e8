"""The agent's reported fills, booked by the OMS like every other fill.

Each fill becomes one order of the OMS's (source ``agent``, in the ``live:<broker>`` book:
docs/books.md) through `OrderPipeline.record_external_fill`, in the transaction of the
agent's report. The ledger charges it there, once; the model portfolio's position and money
follow from the fill's event (`services.portfolios.fills`, which the fill's
attribution names the portfolio, signal and leg for): one write path, one charge figure.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models import ModelPortfolio, ModelSignal, Order
from tradertape.domain.orders import TransactionType
from tradertape.errors import Conflict
from tradertape.oms import ExternalFill, OrderPipeline
from tradertape.services.portfolios.fills import ENTRY, SOURCE, attribution


def book_agent_fill(
    db: Session,
    orders: OrderPipeline,
    *,
    portfolio: ModelPortfolio,
    signal: ModelSignal,
    leg: str,
    quantity: int,
    price: Decimal,
    broker_order_id: str | None,
    now: datetime,
) -> None:
    """Book one reported fill of `signal`'s `leg` (entry, exit or stop) in the live book of
    the portfolio's broker, in the caller's transaction (its event books the portfolio)."""
    side = TransactionType.BUY if leg == ENTRY else TransactionType.SELL
    key = "entry" if leg == ENTRY else "exit"  # a stop's fill sells as the exit's would
    client_key = f"agent:{signal.id}:{key}"
    if _already_booked(db, portfolio.user_id, client_key):
        # the OMS would book nothing (its key is spent), so the portfolio's side would not
        # follow: the report is answered as the conflict it is, and nothing changes
        raise Conflict(f"signal {signal.id}: its {key} fill is already booked")
    fill = ExternalFill(
        user_id=portfolio.user_id,
        broker=portfolio.broker,
        symbol=signal.symbol,
        side=side,
        quantity=quantity,
        price=price,
        client_key=client_key,
        broker_order_id=broker_order_id or f"agent-{signal.id}-{key}",
        source=SOURCE,
        at=now,
        attribution=attribution(portfolio.id, signal.id, leg),
    )
    orders.record_external_fill(db, fill)


def _already_booked(db: Session, user_id: int, client_key: str) -> bool:
    found = db.scalar(
        select(Order.id).where(Order.user_id == user_id, Order.client_key == client_key)
    )
    return found is not None
