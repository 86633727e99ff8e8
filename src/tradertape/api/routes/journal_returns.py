"""The journal's income-tax return figures (`services.journal.returns`): Schedule 112A as
the utility takes it, the trading business in ITR-3, the tax-audit hint and the losses
carried forward."""

from __future__ import annotations

import base64
import re
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from tradertape.api.deps import CurrentUser, DbDep, RuntimeDep
from tradertape.api.schemas.journal import ExportOut, Fy
from tradertape.api.schemas.journal_returns import (
    AuditOut,
    BusinessReturnOut,
    LossesOut,
    LossOut,
    ReturnFigureOut,
    ReturnOut,
    Schedule112ATotalOut,
)
from tradertape.api.schemas.journal_tax import income_lines, schedule_row
from tradertape.domain.money import paise
from tradertape.errors import InvalidField
from tradertape.journal.carry_forward import Loss, assessment_year
from tradertape.journal.return_figures import (
    LOSS_LABELS,
    Figure,
    business_figures,
    capital_gains_figures,
    loss_figures,
    set_off_figures,
)
from tradertape.journal.schedule_112a import BEFORE, Row112A, utility_csv
from tradertape.journal.tax import fy_bounds
from tradertape.runtime import Runtime
from tradertape.services.journal import ledger, returns

router = APIRouter(tags=["journal"])

IncludePaper = Annotated[bool, Query(description="count the paper account's simulated trades too")]
CashWithinLimit = Annotated[
    bool,
    Query(
        description="the business's cash receipts and payments are each within 5 % of the "
        "total (s.44AB's ₹10 crore audit limit; else ₹1 crore)"
    ),
]

_KINDS: dict[str, Literal["business", "speculative", "stcl", "ltcl"]] = {
    "business": "business",
    "speculative": "speculative",
    "stcl": "stcl",
    "ltcl": "ltcl",
}
NOTES = [
    "The figures as the journal's trades and charges give them: check them, and the rules "
    "behind them, with your adviser before you file.",
    "A loss is carried forward only if the return of its year was filed by the due date (s.80).",
    "The year's F&O loss is set off against its other income except salary (Schedule CYLA) "
    "before it is carried forward; income the journal does not see (salary excepted: house "
    "property, interest, other dividends) would take more of it.",
    "Where the Act leaves a choice, a loss is set off against the income taxed at the highest "
    "rate first (slab income ranked at 30 %), and the s.112A exemption against the long-term "
    "gains left at the higher rate.",
]


def _totals(rows: list[Row112A]) -> list[Schedule112ATotalOut]:
    found = []
    for period, rate in ((BEFORE, Decimal("0.10")), ("AE", Decimal("0.125"))):
        mine = [r for r in rows if r.transferred == period]
        if mine:
            found.append(
                Schedule112ATotalOut(
                    transferred="BE" if period == BEFORE else "AE",
                    rate=rate,
                    consideration=sum((r.consideration for r in mine), Decimal(0)),
                    cost=sum((r.cost for r in mine), Decimal(0)),
                    expenditure=sum((r.expenditure for r in mine), Decimal(0)),
                    balance=sum((r.balance for r in mine), Decimal(0)),
                    rows=len(mine),
                )
            )
    return found


def _figures(found: list[Figure]) -> list[ReturnFigureOut]:
    return [ReturnFigureOut(schedule=f.schedule, field=f.field, amount=f.amount) for f in found]


def _business(answer: returns.YearReturn) -> BusinessReturnOut:
    bp, done = answer.business, answer.losses
    return BusinessReturnOut(
        turnover=bp.turnover,
        business_income=bp.business_income,
        speculative_income=bp.speculative_income,
        set_off=paise(done.business_set_off),
        chargeable=paise(done.business_chargeable),
        figures=_figures(business_figures(bp, done)),
    )


def _audit(answer: returns.YearReturn) -> AuditOut:
    audit = answer.audit
    return AuditOut(
        turnover=audit.turnover,
        cash_within_limit=audit.cash_within_limit,
        threshold=audit.threshold,
        audit_by_turnover=audit.audit_by_turnover,
        presumptive_limit=audit.presumptive_limit,
        presumptive_eligible=audit.presumptive_eligible,
        presumptive_income=audit.presumptive_income,
        declared=audit.declared,
        below_presumptive=audit.below_presumptive,
        words=audit.words(),
    )


def _loss(x: Loss) -> LossOut:
    return LossOut(
        kind=_KINDS[x.kind],
        label=LOSS_LABELS[x.kind],
        fy=x.fy,
        assessment_year=assessment_year(x.fy),
        amount=paise(x.amount),
        set_off=paise(x.set_off),
        left=paise(x.left),
        last_fy=x.last_fy,
    )


def _losses(answer: returns.YearReturn) -> LossesOut:
    done = answer.losses
    return LossesOut(
        brought_forward=[_loss(x) for x in done.brought_forward],
        made=[_loss(x) for x in done.made],
        carried_forward=[_loss(x) for x in done.carried_forward],
        lapsed=[_loss(x) for x in done.lapsed],
        business_left=paise(done.business_left),
        speculative_left=paise(done.speculative_left),
        business_across_heads=paise(done.business_across_heads),
        income=income_lines(done),
        special_rate_tax=done.special_rate_tax,
        slab_income=paise(done.slab_income),
        figures=_figures(set_off_figures(done) + loss_figures(done)),
    )


def _fy(fy: str) -> str:
    try:
        fy_bounds(fy)
    except ValueError as problem:
        raise InvalidField("fy", str(problem)) from None
    return fy


def _answer(
    runtime: Runtime,
    db: DbDep,
    user_id: int,
    fy: str,
    include_paper: bool,
    cash_within_limit: bool,
) -> returns.YearReturn:
    return returns.year_return(
        db,
        user_id=user_id,
        reference=ledger.Reference.load(runtime.settings.data_dir),
        fy=_fy(fy),
        today=ledger.ist_today(runtime.clock.now()),
        include_paper=include_paper,
        cash_within_limit=cash_within_limit,
    )


@router.get("/journal/tax/return", response_model=ReturnOut)
def journal_tax_return(
    fy: Fy,
    user: CurrentUser,
    runtime: RuntimeDep,
    db: DbDep,
    include_paper: IncludePaper = False,
    cash_within_limit: CashWithinLimit = True,
) -> ReturnOut:
    """A financial year's figures as the income-tax return takes them, each naming its
    schedule and field: Schedule 112A (a row per ISIN per rate period, columns 1a to 14),
    the F&O and intraday business in ITR-3 (Part A-P&L's no-accounts case, Schedule BP),
    the tax-audit hint (s.44AB, s.44AD), and the losses brought forward, set off and
    carried forward (Schedules BFLA and CFL). Facts to check, not advice."""
    answer = _answer(runtime, db, user.id, fy, include_paper, cash_within_limit)
    return ReturnOut(
        fy=fy,
        assessment_year=assessment_year(fy),
        schedule_112a=[schedule_row(r) for r in answer.year.schedule_112a],
        schedule_112a_totals=_totals(answer.year.schedule_112a),
        capital_gains=_figures(capital_gains_figures(answer.year)),
        business=_business(answer),
        audit=_audit(answer),
        losses=_losses(answer),
        notes=NOTES,
    )


@router.get("/journal/tax/schedule-112a", response_model=ExportOut)
def journal_schedule_112a(
    fy: Fy,
    user: CurrentUser,
    runtime: RuntimeDep,
    db: DbDep,
    include_paper: IncludePaper = False,
) -> ExportOut:
    """Schedule 112A as the income-tax department's offline utility imports it: its CSV
    template's headers and column order (column 1b only for FY 2024-25), base64 in JSON."""
    year = ledger.tax(
        db,
        user_id=user.id,
        reference=ledger.Reference.load(runtime.settings.data_dir),
        fy=_fy(fy),
        today=ledger.ist_today(runtime.clock.now()),
        keep=True,
        include_paper=include_paper,
        lines=False,
    )
    return ExportOut(
        filename=f"schedule-112a-{re.sub(r'[^0-9-]', '', fy)}.csv",
        media_type="text/csv",
        content_base64=base64.b64encode(utility_csv(year.schedule_112a, fy=fy)).decode(),
    )
