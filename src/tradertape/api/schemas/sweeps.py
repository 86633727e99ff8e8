"""Parameter sweeps and backtest progress: answers and stream messages."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, RootModel

from tradertape.api.schemas.money_out import Paise, PaiseFloat
from tradertape.api.schemas.streams import HeartbeatMessage, StreamErrorMessage
from tradertape.api.schemas.times import UtcDateTime
from tradertape.services.research.sweeps import variants_per_s

SweepStatus = Literal["queued", "running", "completed", "failed", "cancelled", "interrupted"]


class SweepChoice(BaseModel):
    """A value of a strategy a sweep may vary."""

    path: str = Field(description="what `parameters[].path` names")
    label: str
    kind: Literal["indicator_length", "threshold", "holding", "cap"]
    value: float | None = Field(description="its value now (null: unset)")
    whole: bool = Field(description="whole numbers only")


class SweepMetrics(BaseModel):
    """One part's figures (percents as percents, as a backtest's summary)."""

    cagr: float | None
    total_return: float | None
    max_drawdown: float | None
    sharpe: float | None
    sortino: float | None
    calmar: float | None
    win_rate: float | None
    profit_factor: float | None
    expectancy: float | None
    total_trades: int
    exposure_pct: float | None
    final_equity: PaiseFloat | None
    first_day: date
    last_day: date
    net: Paise | None = Field(
        default=None, description="an options walk-forward's part: net P&L after charges"
    )


class SweepVariant(BaseModel):
    """One variant: its values and its in-sample and out-of-sample figures."""

    index: int
    params: dict[str, float]
    in_sample: SweepMetrics | None
    out_of_sample: SweepMetrics | None
    error: str | None = Field(description="why the strategy refused this combination")


class SweepBrief(BaseModel):
    """A sweep in the list: where it stands."""

    id: int
    strategy_id: int | None
    strategy_version: int | None
    strategy_name: str
    status: SweepStatus
    executor: Literal["serial", "pool", "ray"]
    workers: int
    config: dict[str, Any] = Field(description="the request (settings, parameters, split)")
    split_date: date
    total: int = Field(description="variants in the grid")
    done: int = Field(description="variants finished")
    elapsed_s: float
    variants_per_s: float | None
    error: str | None
    created_at: UtcDateTime
    started_at: UtcDateTime | None
    finished_at: UtcDateTime | None


class SweepOut(SweepBrief):
    """A sweep with every finished variant's figures."""

    strategy: dict[str, Any]
    results: list[SweepVariant]


def sweep_brief(row: Any) -> SweepBrief:
    """A stored sweep (`db.models.BacktestSweep`) without its variants."""
    return SweepBrief.model_validate(
        {
            **{name: getattr(row, name) for name in SweepBrief.model_fields if hasattr(row, name)},
            "variants_per_s": variants_per_s(row),
        }
    )


def sweep_out(row: Any) -> SweepOut:
    """A stored sweep whole: every finished variant's figures."""
    return SweepOut(
        **sweep_brief(row).model_dump(),
        strategy=row.strategy_snapshot,
        results=[SweepVariant.model_validate(r) for r in row.results],
    )


class SweepProgress(BaseModel):
    """Where a sweep stands: the data of its stream's ``progress`` and ``end`` events."""

    id: int
    status: SweepStatus | Literal["deleted"]
    done: int | None = None
    total: int | None = None
    elapsed_s: float | None = None
    variants_per_s: float | None = None
    error: str | None = None
    detail: str | None = None


class BacktestProgress(BaseModel):
    """A backtest's stage and how far along it is: its stream's ``progress`` and ``end``."""

    id: int
    status: Literal["queued", "running", "completed", "failed", "deleted"]
    stage: str | None
    fraction: float = Field(ge=0, le=1)
    error: str | None


class SweepProgressEvent(BaseModel):
    """Variants finished (sent whenever the count or the status changes)."""

    event: Literal["progress"]
    data: SweepProgress


class SweepEndEvent(BaseModel):
    """The sweep has ended (completed, failed, cancelled, interrupted or deleted)."""

    event: Literal["end"]
    data: SweepProgress


class SweepProgressMessage(
    RootModel[
        Annotated[
            SweepProgressEvent | SweepEndEvent | HeartbeatMessage | StreamErrorMessage,
            Field(discriminator="event"),
        ]
    ]
):
    """A message of a sweep's stream (``/api/backtest/sweeps/{id}/events``)."""


class BacktestProgressEvent(BaseModel):
    """The run reached a stage."""

    event: Literal["progress"]
    data: BacktestProgress


class BacktestEndEvent(BaseModel):
    """The run has ended (completed or failed)."""

    event: Literal["end"]
    data: BacktestProgress


class BacktestProgressMessage(
    RootModel[
        Annotated[
            BacktestProgressEvent | BacktestEndEvent | HeartbeatMessage | StreamErrorMessage,
            Field(discriminator="event"),
        ]
    ]
):
    """A message of a backtest's stream (``/api/backtest/runs/{id}/events``)."""
