"""The user's own fills of one instrument, for the chart's trade markers.

Every book's fills (manual, portfolios, runs, live) are in the one ledger (docs/books.md), so
the chart marks each execution once, whichever path placed it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models import Trade
from tradertape.domain.instruments import InstrumentCatalog
from tradertape.errors import NotFound

MAX_FILLS = 1000  # the newest; a chart cannot show more markers legibly


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution as the chart marks it."""

    filled_at: datetime
    side: str  # BUY or SELL
    quantity: int
    price: Decimal
    book: str


def fills_of(
    db: Session, *, user_id: int, catalog: InstrumentCatalog, symbol: str
) -> tuple[str, list[Fill]]:
    """The instrument's key and the user's newest fills of it, oldest first (404: unknown)."""
    instrument = catalog.find(symbol)
    if instrument is None:
        raise NotFound(f"unknown instrument '{symbol}'")
    rows = db.execute(
        select(Trade.filled_at, Trade.transaction_type, Trade.quantity, Trade.price, Trade.book)
        .where(
            Trade.user_id == user_id,
            Trade.tradingsymbol == instrument.tradingsymbol,
            Trade.exchange == instrument.exchange.value,
        )
        .order_by(Trade.filled_at.desc(), Trade.id.desc())
        .limit(MAX_FILLS)
    ).all()
    fills = [Fill(r.filled_at, r.transaction_type, r.quantity, r.price, r.book) for r in rows]
    return instrument.key, fills[::-1]
