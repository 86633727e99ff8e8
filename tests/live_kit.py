"""What the live-order tests of every broker share: the order they place, its charges on our
schedule, and how they read our rows and books back."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from tradertape.db.models.trading import CashEntry, Order, Trade
from tradertape.runtime import Runtime

BUY = {
    "exchange": "NSE",
    "tradingsymbol": "INFY",
    "transaction_type": "BUY",
    "quantity": 10,
    "product": "CNC",
    "order_type": "LIMIT",
    "price": "1490",
    "mode": "live",
}
# Our schedule's charges for a delivery buy of 10 INFY at ₹1,488 (₹14,880; the fakes fill
# at their last price): brokerage 0, STT ₹15 (0.1%, to the rupee), NSE transaction 0.4419,
# IPFT 0.0149, SEBI 0.0149, stamp duty 2.232 (0.015%), GST 0.0848: ₹17.79. Zerodha's
# schedule for every broker: Upstox's and Groww's brokerage is not in our reference.
CHARGES = Decimal("17.79")


def ours(runtime: Runtime) -> list[Order]:
    """Every order row, oldest first."""
    with runtime.db.session() as db:
        return list(db.scalars(select(Order).order_by(Order.id)))


def booked(
    runtime: Runtime, broker: str = "kite"
) -> tuple[list[tuple[Any, ...]], list[tuple[str, Decimal]]]:
    """The trades (all books) and `broker`'s cash entries."""
    with runtime.db.session() as db:
        trades = [
            (t.broker, t.tradingsymbol, t.transaction_type, t.quantity, t.price, t.charges)
            for t in db.scalars(select(Trade).order_by(Trade.id))
        ]
        cash = [
            (c.kind, c.amount)
            for c in db.scalars(
                select(CashEntry).where(CashEntry.broker == broker).order_by(CashEntry.id)
            )
        ]
    return trades, cash
