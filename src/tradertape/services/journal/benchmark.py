"""The Benchmark page's data: the user's account curve (capital flows from the uploaded
ledger, realised P&L from the FIFO book) against an imported index history.

Capital flows are the ledger's bank receipts and payments (and its opening balance).
Without a ledger the account is taken to have started with the most money its open
positions ever cost at once (the capital the trades needed), put in on the first trade
day; the answer says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models import LedgerLine
from tradertape.journal import benchmark as engine
from tradertape.journal.pnl import RoundTrip
from tradertape.services.journal import ledger
from tradertape.services.wealth import imports

ZERO = Decimal(0)
_IN = ("bank receipt", "funds added", "funds transferred", "opening balance")
_OUT = ("bank payment", "payout", "funds withdrawn", "withdrawal")


def ledger_flows(db: Session, *, user_id: int) -> list[tuple[date, Decimal]]:
    """Money in (positive) and out (negative) by day, from the uploaded ledgers."""
    query = select(
        LedgerLine.posting_date,
        LedgerLine.particulars,
        LedgerLine.voucher_type,
        LedgerLine.debit,
        LedgerLine.credit,
    ).where(LedgerLine.user_id == user_id)
    flows = []
    for day, particulars, voucher, debit, credit in db.execute(query):
        text = f"{voucher or ''} {particulars}".lower()
        if any(word in text for word in _IN + _OUT):
            flows.append((day, credit - debit))
    return sorted(flows)


def needed_capital(trips: list[RoundTrip], open_costs: list[tuple[date, Decimal]]) -> Decimal:
    """The most money the positions held at once (cost of what was open on a day)."""
    events: dict[date, Decimal] = {}
    for t in trips:
        if t.kind != "trade":
            continue
        events[t.opened] = events.get(t.opened, ZERO) + t.open_value
        events[t.closed] = events.get(t.closed, ZERO) - t.open_value
    for day, cost in open_costs:
        events[day] = events.get(day, ZERO) + cost
    running = peak = ZERO
    for day in sorted(events):
        running += events[day]
        peak = max(peak, running)
    return peak


@dataclass(frozen=True, slots=True)
class Answer:
    index: str
    period: str
    available: list[tuple[str, date, date, int]]
    missing: str | None
    assumptions: list[str]
    comparison: engine.Comparison | None


def benchmark(
    db: Session,
    *,
    user_id: int,
    reference: ledger.Reference,
    today: date,
    index: str,
    period: str,
) -> Answer:
    """The user's account against `index` over `period` (all, 1y, 3y, 5y)."""
    name = engine.index_name(index)
    available = imports.index_names(db, user_id=user_id)
    closes = imports.index_closes(db, user_id=user_id, name=name)
    assumptions = [
        "daily returns are time-weighted: money added or taken out is not a gain or a loss",
        "your curve is money in plus realised P&L net of charges; open positions count at "
        "their cost (no daily prices of them are imported)",
        "Sharpe uses no risk-free rate; alpha is annualised over 252 trading days",
        "the benchmark is a buy-and-hold from the first day's close, without costs",
    ]
    if not closes:
        missing = (
            f"import {name}'s daily closes first: NSE's historical index data (niftyindices.com "
            "→ Historical Data, CSV), or the daily index bhavcopies (ind_close_all_DDMMYYYY.csv)"
        )
        return Answer(name, period, available, missing, assumptions, None)
    book = ledger.book(db, user_id=user_id, reference=reference, today=today)
    pnl = [(t.closed, t.net) for t in book.trips]
    flows = ledger_flows(db, user_id=user_id)
    first_trade = min((t.opened for t in book.trips), default=None)
    if not flows:
        firsts = [d for d in (first_trade, today) if d is not None]
        opened = [(firsts[0], p.cost) for p in book.open]
        capital = needed_capital(book.trips, opened)
        if capital > 0 and first_trade is not None:
            flows = [(first_trade, capital)]
            assumptions.append(
                f"no ledger with bank receipts was uploaded: the account is taken to start "
                f"with ₹{capital:,.2f}, the most its positions cost at once"
            )
    if not flows:
        return Answer(
            name,
            period,
            available,
            "upload a tradebook (and your ledger for the money you added) to compare",
            assumptions,
            None,
        )
    account = engine.curve(flows, pnl)
    first = max(min(d for d, _ in flows), closes[0][0])
    last = min(closes[-1][0], today)
    start = engine.window(period, first, last)
    found = engine.compare(account, closes, start, last)
    gap: str | None = None
    if found is None:
        gap = (
            f"{name}'s imported closes ({closes[0][0]} to {closes[-1][0]}) do not cover "
            "the days your account had money in"
        )
    return Answer(name, period, available, gap, assumptions, found)
