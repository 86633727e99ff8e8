"""The tax P&L of a financial year as the API answers it (`GET /api/journal/tax`, the return's
lines, and the assistant's `journal_tax` tool): built from the journal's year and set-offs."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from tradertape.api.schemas.journal import (
    BusinessOut,
    GainsBucketOut,
    IncomeLineOut,
    Schedule112AOut,
    TaxOut,
)
from tradertape.domain.money import paise
from tradertape.journal import export
from tradertape.journal.carry_forward import Line, SetOffYear
from tradertape.journal.return_figures import line_label
from tradertape.journal.schedule_112a import BEFORE, Row112A
from tradertape.journal.tax import Business, GainsBucket
from tradertape.services.journal import returns

ZERO = Decimal(0)

_HEADS: dict[str, Literal["business", "speculative", "other_sources", "stcg", "ltcg"]] = {
    "business": "business",
    "speculative": "speculative",
    "other_sources": "other_sources",
    "stcg": "stcg",
    "ltcg": "ltcg",
}


def schedule_row(r: Row112A) -> Schedule112AOut:
    """A Schedule 112A line as the API answers it."""
    return Schedule112AOut(
        acquired="BE" if r.acquired == BEFORE else "AE",
        transferred="BE" if r.transferred == BEFORE else "AE",
        isin=r.isin,
        name=r.name,
        units=r.units,
        sale_price=r.sale_price,
        consideration=r.consideration,
        cost=r.cost,
        actual_cost=r.actual_cost,
        lower_of_fmv_and_sale=r.lower_of_fmv_and_sale,
        fmv_per_unit=r.fmv_per_unit,
        fmv_total=r.fmv_total,
        expenditure=r.expenditure,
        deductions=r.deductions,
        balance=r.balance,
    )


def income_line(x: Line) -> IncomeLineOut:
    """An income line after its set-offs, as the API answers it."""
    tax = x.tax
    return IncomeLineOut(
        head=_HEADS[x.head],
        label=line_label(x),
        rate=x.rate,
        net=paise(x.net),
        within_head=paise(x.within_head),
        across_heads=paise(x.across_heads),
        brought_forward=paise(x.brought_forward),
        left=paise(x.left),
        exemption=paise(x.exemption),
        taxable=paise(x.taxable),
        tax=None if tax is None else paise(tax),
    )


def income_lines(done: SetOffYear) -> list[IncomeLineOut]:
    """The lines with anything on them: slab income first, then capital gains."""
    slab = [x for x in done.lines if x.rate is None and x.net]
    return [income_line(x) for x in slab + done.gains()]


def business_out(b: Business) -> BusinessOut:
    return BusinessOut(
        pnl=paise(b.pnl), turnover=paise(b.turnover), charges=paise(b.charges), trips=b.trips
    )


def tax_out(answer: returns.YearTax) -> TaxOut:
    year, done = answer.year, answer.set_off

    def bucket(b: GainsBucket) -> GainsBucketOut:
        line = done.line(b.kind, b.rate)
        return GainsBucketOut(
            kind=b.kind,
            rate=b.rate,
            gains=paise(b.gains),
            losses=paise(b.losses),
            expenses=paise(b.expenses),
            net=paise(b.net),
            set_off=paise(line.within_head + line.across_heads + line.brought_forward),
            left=paise(line.left),
            exemption=paise(line.exemption),
            taxable=paise(line.taxable),
            tax=paise(line.tax or ZERO),
            trips=b.trips,
        )

    return TaxOut(
        fy=year.fy,
        speculative=business_out(year.speculative),
        non_speculative=business_out(year.non_speculative),
        capital_gains=[bucket(b) for b in year.buckets],
        buyback_dividend=paise(year.buyback_dividend),
        buyback_exempt_gain=paise(year.buyback_exempt_gain),
        charges_not_deducted=paise(year.charges_not_deducted),
        unmatched_isins=year.unmatched_isins,
        schedule_112a=[schedule_row(r) for r in year.schedule_112a],
        income=income_lines(done),
        special_rate_tax=done.special_rate_tax,
        slab_income=paise(done.slab_income),
        note=export.NOTE,
    )
