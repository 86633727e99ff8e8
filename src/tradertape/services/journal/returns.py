"""A year's income-tax figures from the user's journal: the tax P&L and its income by head
after the set-offs (`year_income`, which the Tax P&L page, its exports and the return all
read), and the return's figures (`year_return`): Schedule 112A, the trading business in
ITR-3 (Part A-P&L's no-accounts case, Schedule BP), the tax-audit hint, and the set-offs and
losses carried forward (Schedules CYLA, BFLA, CFL).

Every year from the first round trip's to the one asked for is computed from the same FIFO
book (`ledger.book`), since a loss made years ago may be set off now. Paper trades are left
out unless asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from tradertape.journal.audit_44ab import AuditHint, audit_hint
from tradertape.journal.carry_forward import SetOffYear, YearIncome, fy_named, set_off_year
from tradertape.journal.pnl import RoundTrip
from tradertape.journal.schedule_bp import ScheduleBp, schedule_bp
from tradertape.journal.tax import TaxYear, fy_bounds, fy_of, tax_year
from tradertape.journal.tax_answers import year_from
from tradertape.services.journal import ledger


@dataclass(frozen=True, slots=True)
class YearReturn:
    """A financial year's figures as the return takes them."""

    year: TaxYear
    business: ScheduleBp
    audit: AuditHint
    losses: SetOffYear


def _trips(
    db: Session, *, user_id: int, reference: ledger.Reference, today: date, include_paper: bool
) -> list[RoundTrip]:
    book = ledger.book(db, user_id=user_id, reference=reference, today=today, keep=True)
    return [t for t in book.trips if include_paper or not ledger.is_paper(t)]


@dataclass(frozen=True, slots=True)
class YearTax:
    """A financial year's tax P&L and its income by head after every set-off."""

    year: TaxYear
    set_off: SetOffYear


def year_income(
    db: Session,
    *,
    user_id: int,
    reference: ledger.Reference,
    fy: str,
    today: date,
    include_paper: bool = False,
    lines: bool = True,
) -> YearTax:
    """The tax P&L of `fy` (``2024-25``) and its set-offs, from every year up to it.
    Without `lines` (a page that lists no round trip), from the years kept beside the book
    when they are (`ledger.tax_years`): a fresh process builds no round trip."""
    fy_bounds(fy)  # refuses a malformed year
    values = ledger.fmv_of(db, user_id=user_id, reference=reference)
    kept = None
    if not lines:
        kept = ledger.tax_years(
            db,
            user_id=user_id,
            reference=reference,
            today=today,
            fmv=values,
            include_paper=include_paper,
        )
    if kept is not None:
        first = min((int(start[:4]) for start in kept), default=int(fy[:4]))
        years = {
            fy_named(start): year_from(kept, fy_named(start), values)
            for start in range(min(first, int(fy[:4])), int(fy[:4]) + 1)
        }
    else:
        trips = _trips(
            db, user_id=user_id, reference=reference, today=today, include_paper=include_paper
        )
        first = min((int(fy_of(t.closed)[:4]) for t in trips), default=int(fy[:4]))
        years = {
            fy_named(start): tax_year(trips, fy_named(start), fmv=values)
            for start in range(min(first, int(fy[:4])), int(fy[:4]) + 1)
        }
    return YearTax(years[fy], set_off_year([YearIncome.of(y) for y in years.values()], fy))


def year_return(
    db: Session,
    *,
    user_id: int,
    reference: ledger.Reference,
    fy: str,
    today: date,
    include_paper: bool = False,
    cash_within_limit: bool = True,
) -> YearReturn:
    """The return's figures for `fy` (``2024-25``); `cash_within_limit`: the business's cash
    receipts and payments are each within 5 % of the total (s.44AB's ₹10 crore limit)."""
    income = year_income(
        db,
        user_id=user_id,
        reference=reference,
        fy=fy,
        today=today,
        include_paper=include_paper,
        lines=False,  # the return lists no round trip
    )
    business = schedule_bp(income.year)
    return YearReturn(
        year=income.year,
        business=business,
        audit=audit_hint(
            turnover=business.turnover,
            declared=business.business_income + business.speculative_income,
            cash_within_limit=cash_within_limit,
        ),
        losses=income.set_off,
    )
