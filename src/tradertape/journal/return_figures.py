"""The figures a filer copies into the return, each with the schedule and field it goes in.

Field names are the forms' (ITR-2/ITR-3 for AY 2025-26), shortened where the form is long;
the letters of Schedule BP (A, B, D, E) are the form's parts. Amounts to the paisa (the
utility rounds to the rupee as it takes them). The set-offs and the tax are
`journal.carry_forward`'s, computed once; this module only lays them out.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradertape.domain.money import paise
from tradertape.journal.carry_forward import (
    BUSINESS,
    LTCL,
    OTHER_SOURCES,
    SPECULATIVE,
    STCL,
    Line,
    SetOffYear,
    assessment_year,
)
from tradertape.journal.schedule_112a import BEFORE
from tradertape.journal.schedule_bp import ScheduleBp
from tradertape.journal.tax import LTCG, RATE_CHANGE, STCG, TaxYear, stcg_rate

ZERO = Decimal(0)
LOSS_LABELS = {
    BUSINESS: "Loss from business other than speculative business and specified business",
    SPECULATIVE: "Loss from speculative business",
    STCL: "Short-term capital loss",
    LTCL: "Long-term capital loss",
}
LINE_LABELS = {
    BUSINESS: "Business other than speculative (F&O)",
    SPECULATIVE: "Speculative business (intraday)",
    OTHER_SOURCES: "Other sources (buyback proceeds as dividend)",
}
FO_CASE = "Part A-P&L, no accounts case: business (F&O)"
SPECULATIVE_CASE = "Part A-P&L, no accounts case: speculative activity (intraday)"


@dataclass(frozen=True, slots=True)
class Figure:
    """An amount and where it goes in the return."""

    schedule: str
    field: str
    amount: Decimal


def business_figures(bp: ScheduleBp, done: SetOffYear) -> list[Figure]:
    """Part A-P&L's no-accounts lines for F&O and intraday, then Schedule BP (its E and D
    from the year's set-offs, `done`)."""
    fo, spec = bp.non_speculative, bp.speculative
    return [
        Figure(FO_CASE, "Gross receipts (turnover)", fo.turnover),
        Figure(FO_CASE, "Gross profit", fo.gross_profit),
        Figure(FO_CASE, "Expenses (the trades' charges)", fo.expenses),
        Figure(FO_CASE, "Net profit", fo.net_profit),
        Figure(SPECULATIVE_CASE, "Turnover from speculative activity", spec.turnover),
        Figure(SPECULATIVE_CASE, "Gross profit", spec.gross_profit),
        Figure(SPECULATIVE_CASE, "Expenditure (the trades' charges)", spec.expenses),
        Figure(SPECULATIVE_CASE, "Net income from speculative activity", spec.net_profit),
        Figure(
            "Schedule BP",
            "A. Net profit or loss from business other than speculative and specified business",
            bp.business_income,
        ),
        Figure("Schedule BP", "B. Income from speculative business", bp.speculative_income),
        Figure(
            "Schedule BP",
            "E. Business loss of the year set off against B",
            paise(done.business_set_off),
        ),
        Figure(
            "Schedule BP",
            "D. Income chargeable under 'Profits and gains of business or profession'",
            paise(done.business_chargeable),
        ),
    ]


def percent(rate: Decimal) -> str:
    """``12.5 %`` for 0.125."""
    return f"{(rate * 100).normalize():f} %"


def line_label(line: Line) -> str:
    """An income line as the return names it: its head, or its section and rate."""
    if line.rate is None:
        return LINE_LABELS[line.head]
    section = "STCG u/s 111A" if line.head == STCG else "LTCG u/s 112A"
    return f"{section} at {percent(line.rate)}"


def capital_gains_figures(year: TaxYear) -> list[Figure]:
    """Schedule CG: STCG u/s 111A of each rate period (A2: the full value of the
    consideration, the cost, the transfer expenses and the balance), then LTCG u/s 112A of
    each period (B: Schedule 112A's column 14)."""
    found = []
    before = f"sold before {RATE_CHANGE:%-d %B %Y}"
    since = f"sold from {RATE_CHANGE:%-d %B %Y}"
    for bucket in (b for b in year.buckets if b.kind == STCG):
        words = since if bucket.rate == stcg_rate(RATE_CHANGE) else before
        name = f"STCG u/s 111A at {percent(bucket.rate)}, {words}"
        found += [
            Figure("Schedule CG", f"{name}: full value of consideration", bucket.consideration),
            Figure("Schedule CG", f"{name}: cost of acquisition", bucket.cost),
            Figure("Schedule CG", f"{name}: expenditure on transfer", paise(bucket.expenses)),
            Figure("Schedule CG", f"{name}: short-term capital gain", bucket.net),
        ]
    for period, words in ((BEFORE, before), ("AE", since)):
        rows = [r for r in year.schedule_112a if r.transferred == period]
        if rows:
            found.append(
                Figure(
                    "Schedule CG",
                    f"LTCG u/s 112A, {words} (Schedule 112A column 14)",
                    sum((r.balance for r in rows), ZERO),
                )
            )
    return found


def set_off_figures(year: SetOffYear) -> list[Figure]:
    """The year's own set-offs line by line: Schedule CG's capital losses against gains
    (s.70), Schedule CYLA's business loss against other heads (s.71), what is left of the
    business loss, and Schedule SI's income and tax at each special rate (after the
    exemption)."""
    found = [
        Figure(
            "Schedule CG",
            f"Current year's capital loss set off against {line_label(x)}",
            paise(x.within_head),
        )
        for x in year.gains()
        if x.within_head
    ]
    for x in sorted(year.lines, key=lambda x: (x.rate is not None, x.head != LTCG)):
        if x.across_heads:
            found.append(
                Figure(
                    "Schedule CYLA",
                    f"Business loss of the year set off against {line_label(x)}",
                    paise(x.across_heads),
                )
            )
    if year.business_loss:
        left = year.business_loss - year.business_set_off - year.business_across_heads
        found.append(
            Figure(
                "Schedule CYLA", "Business loss of the year remaining after set-off", paise(left)
            )
        )
    for x in year.gains():
        if x.taxable or x.exemption:
            found.append(
                Figure("Schedule SI", f"{line_label(x)}: income chargeable", paise(x.taxable))
            )
            found.append(Figure("Schedule SI", f"{line_label(x)}: tax", paise(x.tax or ZERO)))
    return found


def loss_figures(year: SetOffYear) -> list[Figure]:
    """Losses of earlier years set off this year (Schedule BFLA), and what is carried
    forward (Schedule CFL), a line per kind and year of origin."""
    used = [
        Figure(
            "Schedule BFLA",
            f"{LOSS_LABELS[x.kind]} of AY {assessment_year(x.fy)} set off",
            paise(x.set_off),
        )
        for x in year.brought_forward
        if x.set_off
    ]
    carried = [
        Figure(
            "Schedule CFL",
            f"{LOSS_LABELS[x.kind]} of AY {assessment_year(x.fy)} carried forward",
            paise(x.left),
        )
        for x in year.carried_forward
    ]
    return used + carried
