"""Worker replays: the ``replay`` block of a start-a-run request, and a replay's answer
with its report (a backtest result's figures, trades and equity curve)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from tradertape.api.schemas.money_out import Paise, TickPrice
from tradertape.api.schemas.times import UtcDateTime
from tradertape.api.schemas.worker_runs import RunOut


class ReplayIn(BaseModel):
    """What to play: the period (IST dates, inclusive), its resolution and the speed."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: date = Field(alias="from", description="the first day played")
    to: date = Field(description="the last day played")
    resolution: str = Field(default="minute", max_length=8, description="minute | day")
    speed: str = Field(default="max", max_length=4, description="1 | 10 | 60 | max")


class ReplayStartIn(BaseModel):
    """The web app's worker run form: a run to play against a past period."""

    model_config = ConfigDict(extra="forbid")

    template_id: str = Field(min_length=1, max_length=100)
    strategy_run_id: str | None = Field(default=None, min_length=1, max_length=128)
    account_scope: str = Field(default="kite:paper", min_length=1, max_length=100)
    replay: ReplayIn


class ReplaySummaryOut(BaseModel):
    """The figures of a backtest result (`backtest.metrics.Summary`'s names)."""

    total_return: float
    final_equity: Paise
    starting_capital: Paise
    net_pnl: Paise
    total_charges: Paise
    total_trades: int
    open_trades: int
    fills: int
    win_rate: float
    profit_factor: float | None
    max_drawdown: float
    avg_win: Paise
    avg_loss: Paise
    expectancy: Paise
    data_source: str | None
    synthetic: bool


class ReplayTradeOut(BaseModel):
    """A round trip: first in, first out, with its share of both fills' charges."""

    symbol: str
    side: str
    quantity: int
    entry_at: UtcDateTime
    exit_at: UtcDateTime
    entry_price: TickPrice
    exit_price: TickPrice
    charges: Paise
    pnl: Paise


class EquityPointOut(BaseModel):
    """The account's equity at a bar's close."""

    ts: UtcDateTime
    equity: Paise


class ReplayReportOut(BaseModel):
    """A finished replay's result."""

    model_config = ConfigDict(populate_by_name=True)

    summary: ReplaySummaryOut
    trades: list[ReplayTradeOut]
    equity: list[EquityPointOut]
    from_: UtcDateTime = Field(alias="from")
    until: UtcDateTime


class WorkerReplayOut(BaseModel):
    """A replay: its period, speed, clock and status; the report once finished."""

    model_config = ConfigDict(populate_by_name=True)

    id: int
    strategy_run_id: str
    from_: date = Field(alias="from")
    to: date
    resolution: str
    speed: str
    status: str = Field(description="running | finished")
    clock: UtcDateTime = Field(description="the replay's time now")
    started_at: UtcDateTime
    finished_at: UtcDateTime | None
    report: ReplayReportOut | None


class ReplayStartedOut(WorkerReplayOut):
    """A replay just started, with its worker token (shown once)."""

    token: str = Field(description="the replay's worker token (kwa_rp_…): run the worker with it")


class ReplayRunOut(RunOut):
    """The run a start-a-run request with a ``replay`` block created, and its replay."""

    replay: ReplayStartedOut | None = None
