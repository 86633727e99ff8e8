"""The figures a filer copies into the return, each with the schedule and field it goes in.

Field names are the forms' (ITR-2/ITR-3 for AY 2025-26), shortened where the form is long;
the letters of Schedule BP (A, B, D, E) are the form's parts. Amounts to the paisa (the
utility rounds to the rupee as it takes them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from tradertape.domain.money import paise
from tradertape.journal.carry_forward import (
    BUSINESS,
    LTCL,
    SPECULATIVE,
    STCL,
    SetOffYear,
    assessment_year,
)
from tradertape.journal.schedule_112a import BEFORE, Row112A
from tradertape.journal.schedule_bp import ScheduleBp

ZERO = Decimal(0)
LOSS_LABELS = {
    BUSINESS: "Loss from business other than speculative business and specified business",
    SPECULATIVE: "Loss from speculative business",
    STCL: "Short-term capital loss",
    LTCL: "Long-term capital loss",
}
FO_CASE = "Part A-P&L, no accounts case: business (F&O)"
SPECULATIVE_CASE = "Part A-P&L, no accounts case: speculative activity (intraday)"


@dataclass(frozen=True, slots=True)
class Figure:
    """An amount and where it goes in the return."""

    schedule: str
    field: str
    amount: Decimal


def business_figures(bp: ScheduleBp) -> list[Figure]:
    """Part A-P&L's no-accounts lines for F&O and intraday, then Schedule BP."""
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
        Figure("Schedule BP", "E. Business loss of the year set off against B", bp.set_off),
        Figure(
            "Schedule BP",
            "D. Income chargeable under 'Profits and gains of business or profession'",
            bp.chargeable,
        ),
    ]


def capital_gains_figures(schedule: Sequence[Row112A]) -> list[Figure]:
    """Schedule CG's LTCG u/s 112A of each rate period: the total of Schedule 112A's column 14."""
    found = []
    for period, words in ((BEFORE, "sold before 23 July 2024"), ("AE", "sold from 23 July 2024")):
        rows = [r for r in schedule if r.transferred == period]
        if rows:
            found.append(
                Figure(
                    "Schedule CG",
                    f"LTCG u/s 112A, {words} (Schedule 112A column 14)",
                    sum((r.balance for r in rows), ZERO),
                )
            )
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
