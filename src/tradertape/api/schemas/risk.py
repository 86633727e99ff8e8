"""Risk rule bodies and the risk state, events and kill switch responses.

Money and percentages are decimal strings (``"150000.00"``), so no float rounding creeps
into a limit; which thresholds a rule type takes is checked by the service (422 naming
the field).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from tradertape.api.schemas.auth import Strict
from tradertape.api.schemas.money_out import Paise, TickPrice
from tradertape.api.schemas.numbers import JsonRowId
from tradertape.api.schemas.times import UtcDateTime
from tradertape.domain.decimal_input import PLAIN, Amount, Flag
from tradertape.domain.decimal_input import Count as Whole
from tradertape.domain.risk import RuleAction, RuleType
from tradertape.services.risk.exposure import ScopeKind
from tradertape.services.risk.rules import RuleFields

Rupees = Amount
Percent = Annotated[Decimal, Field(gt=0, le=1000, max_digits=8, decimal_places=4), PLAIN]
Count = Annotated[Whole, Field(ge=1, le=10_000)]
RunKey = Annotated[str, Field(min_length=1, max_length=128)]
BookKey = Annotated[str, Field(min_length=1, max_length=32)]
_BOOK = (
    'an mtm_exit rule\'s own book instead of a portfolio or a run: "manual" (the orders '
    'placed by hand from the desk) or "live:<broker>" (your account there, e.g. "live:kite")'
)


class RuleIn(Strict):
    """A new rule. Thresholds by type: ``threshold_amount`` (₹) for daily_loss_limit,
    max_symbol_exposure and max_order_value; ``threshold_pct`` (% of capital) for
    max_sector_exposure_pct; ``threshold_count`` for max_open_positions; either or both
    of amount and pct for max_exposure; none for kill_switch. An mtm_exit rule exits
    every open position of its scope when the day's MTM falls to −``threshold_amount``
    or rises to +``target_amount`` (either or both), or, with ``trail_amount``, once the
    target is reached, when the MTM falls that far under its peak; then the scope's
    entries are refused until you resume it (``POST /api/risk/rules/{id}/resume``).
    Scope: neither id (all your entries), or one of your portfolios (``portfolio_id``), or
    one of your worker runs (``strategy_run_id``, as the worker API shows it;
    ``worker_run_id`` is still read), or for an mtm_exit rule one book (``book``: the
    manual book, or a live broker account's).
    Another user's portfolio or run is a 404."""

    type: RuleType
    action: RuleAction = RuleAction.BLOCK
    enabled: Flag = True
    threshold_amount: Rupees | None = None
    threshold_pct: Percent | None = None
    threshold_count: Count | None = None
    portfolio_id: JsonRowId | None = None
    worker_run_id: JsonRowId | None = None
    strategy_run_id: RunKey | None = None
    target_amount: Rupees | None = None
    trail_amount: Rupees | None = None
    book: BookKey | None = Field(None, description=_BOOK)
    confirm_trip: Flag = Field(
        False,
        description=(
            "an mtm_exit rule its book's MTM already trips exits every open position of it "
            "the moment it is saved: without this a 409 says where it stands "
            "(POST /api/risk/rules/preview shows it first)"
        ),
    )

    def fields(self) -> RuleFields:
        """The service's view of the body."""
        return RuleFields(**self.model_dump(exclude={"confirm_trip"}))


class RuleReplace(RuleIn):
    """A full replacement (PUT): every field is required, the unused ones as null."""

    action: RuleAction
    enabled: Flag
    threshold_amount: Rupees | None
    threshold_pct: Percent | None
    threshold_count: Count | None
    portfolio_id: JsonRowId | None
    worker_run_id: JsonRowId | None = None
    strategy_run_id: RunKey | None = None
    target_amount: Rupees | None = None
    trail_amount: Rupees | None = None
    book: BookKey | None = Field(None, description=_BOOK)


class RuleOut(BaseModel):
    """A stored rule."""

    id: int
    type: RuleType
    action: RuleAction
    enabled: bool
    threshold_amount: Paise | None
    threshold_pct: Decimal | None
    threshold_count: int | None
    scope: ScopeKind
    portfolio_id: int | None
    worker_run_id: int | None
    strategy_run_id: str | None = Field(description="the worker run's key, when scoped to one")
    target_amount: Paise | None = None
    trail_amount: Paise | None = None
    book: str | None = Field(None, description=_BOOK)
    paused: bool = Field(False, description="an mtm_exit rule that exited: entries refused")
    tripped_at: UtcDateTime | None = None
    trip_reason: str | None = None
    created_at: UtcDateTime
    updated_at: UtcDateTime


class KillSwitchIn(Strict):
    """Turn your kill switch on (every new entry is refused) or off."""

    on: Flag


class KillSwitchOut(BaseModel):
    """The kill switch after the call."""

    on: bool
    rule_ids: list[int]
    changed_at: UtcDateTime | None


class PnlToday(BaseModel):
    """Today's P&L of the account (charges not included, as in Kite's positions)."""

    realised: Paise
    unrealised: Paise
    total: Paise
    loss: Paise = Field(description="today's loss as a positive amount; 0 on a winning day")


class Exposure(BaseModel):
    """Gross exposure: open positions at the last price plus working entry orders."""

    total: Paise
    positions: Decimal
    working: Decimal
    pct_of_capital: Decimal | None
    by_sector: dict[str, Decimal]


class MtmStateOut(BaseModel):
    """An mtm_exit rule's day MTM (its book's, as Positions and Funds show it) against its
    thresholds, and its state."""

    book: str = Field(
        description=(
            "the book it reads: all, manual, live:<broker>, portfolio:<id> or run:<id>, or a "
            "live portfolio's or run's part of its broker's book (live:<broker>/portfolio:<id>, "
            "live:<broker>/run:<id>: the trades of its own orders there)"
        )
    )
    mtm: Paise
    peak: Paise = Field(description="the day's best MTM so far")
    stop_at: Decimal | None = Field(description="the MTM that exits on the way down")
    target_at: Decimal | None = Field(description="the MTM that exits, or arms the trail")
    trail_floor: Paise | None = Field(description="peak less the trail, once armed")
    to_stop: Paise | None = Field(description="how far the MTM may still fall")
    to_target: Paise | None = Field(description="how far it must still rise")
    to_trail: Decimal | None = Field(description="how far it may fall to the trailing floor")
    paused: bool = Field(description="tripped: the scope's entries are refused until resumed")
    tripped_at: UtcDateTime | None
    trip_reason: str | None
    quiet_today: bool = Field(description="resumed after today's trip: watches again tomorrow")


class MtmPreviewOut(MtmStateOut):
    """Where an mtm_exit rule would stand if saved now: its book's day MTM against the
    thresholds asked for."""

    would_trip: bool = Field(
        description="saving it now fires it: every open position of its book sold at market"
    )
    trip_words: str | None = Field(description="what would trip it, in words")


class RuleStateOut(BaseModel):
    """Where one enabled rule stands (``near_limit`` from 80 % utilisation)."""

    rule_id: int
    type: RuleType
    action: RuleAction
    scope: ScopeKind
    portfolio_id: int | None
    worker_run_id: int | None
    strategy_run_id: str | None = Field(description="the worker run's key, when scoped to one")
    book: str | None = Field(None, description=_BOOK)
    measured_on: ScopeKind = Field(description="the book the rule was measured on")
    value: Decimal | None
    limit: Decimal | None
    headroom: Decimal | None = Field(
        default=None,
        description="distance to the limit: limit minus value (negative once breached); "
        "null when the rule has no figure (e.g. the kill switch)",
    )
    utilisation_pct: Decimal | None
    near_limit: bool
    breached: bool
    detail: dict[str, str]
    mtm: MtmStateOut | None = None


class RiskStateOut(BaseModel):
    """The risk page: today's P&L, exposure, positions, each rule, the kill switch."""

    as_of: UtcDateTime
    book: Literal["paper", "live"] = Field(
        "paper",
        description="the book these figures are of: the paper account, or the live book "
        "(what we book of your real brokers; live orders are measured on it)",
    )
    capital: Paise = Field(
        description="what % rules are a share of: paper cash plus positions, or for the live "
        "book the brokers' reported equity net plus live positions (0 when unknown)"
    )
    capital_unknown: str | None = Field(
        None,
        description="why the live book's capital is unknown (a broker did not report its "
        "funds): its % rules then refuse every live entry",
    )
    pnl_today: PnlToday
    unrealised_open: Paise = Field(description="open P&L against average prices")
    exposure: Exposure
    open_positions: int
    working_entries: int
    kill_switch: bool
    rules: list[RuleStateOut]


class RiskEventOut(BaseModel):
    """A breach the pre-trade check found: what it refused (block) or warned about, and why."""

    id: int
    at: UtcDateTime
    rule_id: int | None
    rule_type: str
    action: RuleAction
    origin: str
    portfolio_id: int | None
    worker_run_id: int | None
    strategy_run_id: str | None = Field(description="the worker run's key, when from one")
    symbol: str
    side: str
    quantity: int
    price: TickPrice
    value: Decimal | None
    threshold: Decimal | None
    message: str
    order_id: str | None
    context: dict[str, Any]
