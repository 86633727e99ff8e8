"""Model portfolio, signal, position and dashboard bodies."""

from __future__ import annotations

import datetime as dt
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

from tradertape.api.schemas.money_out import Paise, TickPrice
from tradertape.api.schemas.numbers import JsonRowId
from tradertape.api.schemas.open_models import OpenModel
from tradertape.api.schemas.times import UtcDateTime
from tradertape.domain.money import paise


class DataLabelled(BaseModel):
    """Where the candles behind a figure came from: every result of simulated data says so."""

    data_source: Literal["synthetic", "import", "broker", "mixed"] | None = Field(
        default=None,
        description="the candles' source: 'synthetic' (simulated prices, not real), 'import', "
        "'broker', or 'mixed' when the series differ; null when none is stored",
    )
    synthetic: bool = Field(
        default=False, description="true when any of the candles behind it is synthetic"
    )


PROVISIONAL = (
    "true when it rests on a day past the NSE holiday list, where every weekday is assumed to "
    "trade (a guess until `tradertape calendar import` loads NSE's list for that year)"
)


class ScanRequest(BaseModel):
    """A manual scan: one portfolio (or all active ones) at a close (default: the last)."""

    model_config = ConfigDict(extra="forbid")

    portfolio_id: JsonRowId | None = None
    date: dt.date | None = None


class CartPlaceRequest(BaseModel):
    """Which cart to place: one portfolio's, or (without ``portfolio_id``) all of yours."""

    model_config = ConfigDict(extra="forbid")

    portfolio_id: JsonRowId | None = None


class ScanOut(DataLabelled):
    """What a scan of one portfolio did."""

    portfolio_id: int
    date: dt.date
    skipped: str | None
    entries: list[int]
    addons: list[int]
    exits: list[int]
    dropped: int
    expired: int
    equity: Paise | None = Field(description="total capital marked at the close (₹)")
    provisional_calendar: bool = Field(default=False, description=PROVISIONAL)


class PortfolioOut(BaseModel):
    """A portfolio with its capital (free + deployed + committed = total)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    strategy_id: int | None
    strategy_version: int
    broker: str
    universe: str
    status: str
    starting_capital: Paise
    current_capital: Paise
    deployed_capital: Paise
    committed_capital: Paise
    total_capital: Paise
    realised_pnl: Paise
    charges_paid: Paise
    position_size_pct: Decimal
    position_size: Decimal
    max_positions: int
    max_per_sector: int | None
    max_oversubscription: Decimal
    min_hold_days: int
    atr_stop_multiplier: Decimal
    slippage_bps: Decimal
    auto_place_signals: bool
    paper_mode: bool
    paper_fill: str
    executor: str = Field(
        default="server",
        description="who places its orders: 'server' or 'agent' (the local agent polls them)",
    )
    agent_placement: str = Field(
        default="gtt",
        description="what the agent places for it: 'gtt' (at the signal's trigger), or an "
        "immediate 'limit' (at the signal's limit) or 'market' order",
    )
    created_at: UtcDateTime
    last_scan_date: date | None
    last_scan_provisional: bool = Field(
        default=False, description=f"the last scan's day: {PROVISIONAL}"
    )


class SignalOut(DataLabelled):
    """A signal as the cart shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    portfolio_id: int
    position_id: int | None
    strategy_version: int
    symbol: str
    sector: str | None
    signal_date: date
    signal_type: str
    side: str
    close_price: TickPrice
    trigger_price: TickPrice | None
    limit_price: TickPrice | None
    quantity: int
    amount: Paise
    conviction_score: float | None
    conviction_rank: int | None
    reason: str | None
    indicator_snapshot: dict[str, Any]
    status: str
    gtt_id: int | str | None = Field(
        description="the GTT carrying it: the server's trigger (GET /api/gtt/triggers/{id}), "
        "or, for an agent-run portfolio, the broker's GTT id as the agent reported it "
        "(Kite's are numbers)"
    )
    gtt_status: str | None
    order_id: str | None = Field(description="the broker's order id, once there is one")
    broker: str | None = Field(
        default=None, description="the broker the agent reported placing it at (agent-run)"
    )
    error: str | None
    created_at: UtcDateTime
    approved_at: UtcDateTime | None
    executed_at: UtcDateTime | None
    provisional_calendar: bool = Field(default=False, description=PROVISIONAL)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def conviction(self) -> float | None:
        """Seed 001's name for the conviction score."""
        return self.conviction_score


class ExitWorkingOut(BaseModel):
    """A sale working in the portfolio's book in the position's symbol: the row keeps its
    full quantity until the order ends, when its fills are booked to the position."""

    sold: int = Field(description="shares the working sale orders have sold so far")
    quantity: int = Field(description="shares they ask to sell")
    hands: list[str] = Field(
        description="whose orders: portfolio, mtm_exit, manual, square_off or expiry"
    )


class PositionOut(BaseModel):
    """A position with its live (or last-close) valuation."""

    id: int
    portfolio_id: int
    signal_id: int | None
    symbol: str
    sector: str | None
    quantity: int
    entry_price: TickPrice
    entry_date: date
    addon_count: int
    stop_price: TickPrice | None
    stop_gtt_id: int | None  # the standing stop-loss GTT (``paper_fill: gtt``)
    entry_order_id: str | None = Field(
        default=None, description="the broker's id of the entry order, as the agent reported it"
    )
    status: str
    last_price: TickPrice | None
    unrealised_pnl: Paise | None
    exit_price: TickPrice | None
    exit_date: date | None
    exit_reason: str | None
    realised_pnl: Paise | None
    charges: Paise
    exit_working: ExitWorkingOut | None = Field(
        default=None,
        description="a sale of its symbol working in the book (dashboard only): the quantity "
        "above is what it held before, until the sale ends",
    )


class PlacementOut(BaseModel):
    """Signals placed, those the broker (or a guardrail) refused, with why, and those handed
    to the local agent."""

    placed: list[int] = Field(description="signals whose orders or GTTs the server sent")
    failed: dict[int, str]
    for_agent: list[int] = Field(
        default_factory=list,
        description="signals of active agent-run portfolios, left in the cart for the local "
        "agent (its next poll takes them); none of them is in `placed`",
    )


class EquityPoint(OpenModel):
    """The portfolio after one scan (rupees, to the paisa)."""

    date: str = Field(description="an IST trading day, `YYYY-MM-DD`")
    equity: Paise | None
    deployed: Paise | None
    committed: Paise | None


class ActivityRow(OpenModel):
    """A recent signal and what became of it."""

    at: UtcDateTime = Field(description="when it executed, or else when it was made")
    symbol: str
    signal_type: str
    status: str
    gtt_status: str | None
    reason: str | None


class BenchmarkPoint(OpenModel):
    """The benchmark's close on a curve's date, rebased to the curve's first equity."""

    date: str = Field(description="an IST trading day, `YYYY-MM-DD`")
    value: Paise


class DashboardOut(DataLabelled):
    """Everything the portfolio page shows at once."""

    portfolio: PortfolioOut
    capital: dict[str, Paise]
    open_positions: list[PositionOut]
    unrealised_pnl: Paise
    pending_signals: list[SignalOut]
    sector_allocation: dict[str, Decimal]
    equity_curve: list[EquityPoint]
    recent_activity: list[ActivityRow]
    drift: list[str]
    waiting_on_exits: list[str] = Field(
        default_factory=list,
        description="symbols whose rows (and so the totals: deployed, unrealised) still count "
        "shares a working sale has sold part of; booked when the sale ends",
    )
    benchmark: str | None = Field(
        default=None, description="the universe's index the equity curve is measured against"
    )
    benchmark_curve: list[BenchmarkPoint] = Field(
        default_factory=list,
        description="the benchmark's closes on the curve's dates, rebased to its first equity",
    )
    calendar_warning: str | None = Field(
        default=None,
        description="the NSE holiday list has run out or soon will (see /api/health)",
    )


_MONEY = ("current_capital", "deployed_capital", "committed_capital", "realised_pnl")


def portfolio_out(row: Any) -> PortfolioOut:
    """A portfolio row (`db.models.ModelPortfolio`) with its derived capital figures, money
    shown to the paisa (the rows keep full precision: an average price after an add-on is not
    on the paisa grid)."""
    total = row.current_capital + row.deployed_capital + row.committed_capital
    fields = {c: getattr(row, c) for c in PortfolioOut.model_fields if hasattr(row, c)}
    fields.update({c: paise(getattr(row, c)) for c in _MONEY})
    return PortfolioOut.model_validate(
        {
            **fields,
            "total_capital": paise(total),
            "position_size": paise(total * row.position_size_pct / 100),
        }
    )
