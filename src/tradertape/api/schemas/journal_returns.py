"""The journal's income-tax return figures: each names the ITR schedule and field it goes in."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from tradertape.api.schemas.journal import IncomeLineOut, Schedule112AOut
from tradertape.api.schemas.money_out import Paise


class ReturnFigureOut(BaseModel):
    """One figure to copy into the return, with where it goes."""

    schedule: str = Field(description="the ITR schedule, e.g. 'Schedule BP'")
    field: str = Field(description="the field as the form names it")
    amount: Paise


class Schedule112ATotalOut(BaseModel):
    """Schedule 112A's totals of one rate period: what Schedule CG takes."""

    transferred: Literal["BE", "AE"] = Field(
        description="BE: sold before 23 July 2024 (10 %); AE: on or after (12.5 %)"
    )
    rate: Decimal = Field(description="the LTCG rate of the period, as a fraction")
    consideration: Decimal = Field(description="total of column 6")
    cost: Paise = Field(description="total of column 7")
    expenditure: Decimal = Field(description="total of column 12")
    balance: Paise = Field(description="total of column 14: Schedule CG's LTCG u/s 112A")
    rows: int


class AuditOut(BaseModel):
    """Whether the trading turnover calls for a tax audit (s.44AB), and s.44AD beside it."""

    turnover: Paise = Field(description="F&O and intraday turnover (ICAI Guidance Note)")
    cash_within_limit: bool = Field(
        description="cash receipts and payments each within 5 % of the total (as asked)"
    )
    threshold: Decimal = Field(description="₹10 crore, or ₹1 crore when cash passes 5 %")
    audit_by_turnover: bool = Field(description="s.44AB(a): the turnover passes the threshold")
    presumptive_limit: Paise = Field(description="s.44AD's turnover limit")
    presumptive_eligible: bool
    presumptive_income: Paise = Field(description="6 % of the turnover (s.44AD)")
    declared: Decimal = Field(description="the business income declared: Schedule BP A + B")
    below_presumptive: bool
    words: list[str] = Field(description="the hint in sentences")


class BusinessReturnOut(BaseModel):
    """The trading business in ITR-3: Part A-P&L's no-accounts case, then Schedule BP."""

    turnover: Paise = Field(description="both businesses' turnover")
    business_income: Paise = Field(description="Schedule BP A (F&O; a loss negative)")
    speculative_income: Paise = Field(description="Schedule BP B (intraday; a loss negative)")
    set_off: Decimal = Field(description="Schedule BP E: F&O loss set off against B")
    chargeable: Paise = Field(description="Schedule BP D: income chargeable under the head")
    figures: list[ReturnFigureOut]


class LossOut(BaseModel):
    """A loss of one kind made in one year (a row of Schedule CFL)."""

    kind: Literal["business", "speculative", "stcl", "ltcl"]
    label: str = Field(description="Schedule CFL's column")
    fy: str = Field(description="the financial year it was made in")
    assessment_year: str
    amount: Paise = Field(description="at the start of the year (a year's own: as made)")
    set_off: Decimal = Field(description="set off in the year asked about")
    left: Decimal
    last_fy: str = Field(description="the last financial year it may be set off in")


class LossesOut(BaseModel):
    """The year's set-offs (Schedules BP E, CG, CYLA, BFLA), the tax they leave (SI) and
    Schedule CFL."""

    brought_forward: list[LossOut] = Field(description="earlier years' losses, this year's use")
    made: list[LossOut] = Field(description="this year's losses left after its own set-offs")
    carried_forward: list[LossOut] = Field(description="to the next year (Schedule CFL)")
    lapsed: list[LossOut] = Field(description="left after their last year")
    business_left: Decimal = Field(description="F&O income after every set-off")
    speculative_left: Decimal = Field(description="speculative income after every set-off")
    business_across_heads: Decimal = Field(
        description="the year's F&O loss set off against other heads (s.71, Schedule CYLA)"
    )
    income: list[IncomeLineOut] = Field(description="the year's income by head after set-off")
    special_rate_tax: Decimal = Field(
        description="tax at the special rates after every set-off and the exemption (Schedule "
        "SI), before surcharge and cess: the tax P&L's"
    )
    slab_income: Paise = Field(description="income left to be taxed at your slab")
    figures: list[ReturnFigureOut] = Field(
        description="Schedules CG (set-off), CYLA, SI, BFLA and CFL, field by field"
    )


class ReturnOut(BaseModel):
    """A financial year's return figures: facts to check, not advice."""

    fy: str
    assessment_year: str
    schedule_112a: list[Schedule112AOut]
    schedule_112a_totals: list[Schedule112ATotalOut]
    capital_gains: list[ReturnFigureOut] = Field(
        description="Schedule CG's STCG u/s 111A and LTCG u/s 112A of each rate period"
    )
    business: BusinessReturnOut
    audit: AuditOut
    losses: LossesOut
    notes: list[str]
