"""One trade ledger for the journal: uploaded statement rows and TraderTape's own fills.

Every trade is marked with where it came from (`Source`): an upload (``upload``), a paper
fill (``paper``) or a live fill at a broker (``live``). A live fill and an uploaded
tradebook row with the same exchange trade id, day and symbol are one trade (the broker's
tradebook reports the fill we booked): it is kept once, as ``live+upload``, with the live
fill's product and charges and the statement's ISIN.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

UPLOAD = "upload"
PAPER = "paper"
LIVE = "live"
BOTH = "live+upload"


@dataclass(frozen=True, slots=True)
class JournalTrade:
    """One execution, whatever reported it; ``quantity`` positive, ``side`` buy or sell."""

    source: str
    broker: str
    account: str
    exchange: str
    segment: str  # EQ | FO
    symbol: str
    isin: str | None
    day: date
    at: datetime | None
    side: str
    quantity: Decimal
    price: Decimal
    trade_id: str
    order_id: str
    product: str | None = None  # MIS, CNC, NRML: known for our own fills only
    charges: Decimal | None = None  # known for our own fills; else estimated later
    charges_note: str | None = None  # why our fill's charges are uneven (`charge_notes`)
    expiry: date | None = None

    @property
    def value(self) -> Decimal:
        return self.quantity * self.price


def _identity(trade: JournalTrade) -> tuple[str, date, str]:
    return (trade.trade_id, trade.day, trade.symbol)


def merge(uploaded: Iterable[JournalTrade], booked: Iterable[JournalTrade]) -> list[JournalTrade]:
    """Uploaded rows and our own fills as one list in time order; a live fill the upload
    also reports is one trade."""
    live: dict[tuple[str, date, str], JournalTrade] = {}
    out: list[JournalTrade] = []
    for trade in booked:
        if trade.source == LIVE and trade.trade_id:
            live[_identity(trade)] = trade
        else:
            out.append(trade)
    for row in uploaded:
        fill = live.pop(_identity(row), None) if row.trade_id else None
        if fill is None:
            out.append(row)
        else:
            out.append(
                replace(
                    fill,
                    source=BOTH,
                    isin=fill.isin or row.isin,
                    account=row.account or fill.account,
                    order_id=fill.order_id or row.order_id,
                )
            )
    out.extend(live.values())
    out.sort(key=in_time)
    return out


def in_time(trade: JournalTrade) -> tuple[date, float]:
    """Day, then moment (an untimed row first); a sort by it keeps ties in their given order."""
    return (trade.day, trade.at.timestamp() if trade.at else 0.0)
