"""Walk-forwards: answers and stream messages."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, RootModel

from tradertape.api.schemas.money_out import PaiseFloat
from tradertape.api.schemas.streams import HeartbeatMessage, StreamErrorMessage
from tradertape.api.schemas.sweeps import SweepMetrics, SweepStatus
from tradertape.api.schemas.times import UtcDateTime


class WalkForwardBrief(BaseModel):
    """A walk-forward in the list: where it stands."""

    id: int
    strategy_id: int | None
    strategy_version: int | None
    strategy_name: str
    status: SweepStatus
    executor: Literal["serial", "pool", "ray"]
    workers: int
    config: dict[str, Any] = Field(description="the request (settings, parameters, folds)")
    fold_count: int
    variant_count: int = Field(description="variants tried in each fold")
    total: int = Field(description="fold-variants in all")
    done: int = Field(description="fold-variants finished")
    elapsed_s: float
    error: str | None
    created_at: UtcDateTime
    started_at: UtcDateTime | None
    finished_at: UtcDateTime | None


class Degradation(BaseModel):
    """How much worse the chosen variant did out of sample."""

    sharpe_drop: float | None = Field(description="in-sample Sharpe minus out-of-sample")
    efficiency: float | None = Field(
        description="out-of-sample CAGR / in-sample CAGR (null unless the in-sample is positive)"
    )


class GridCell(BaseModel):
    """One variant's objective in a fold, in and out of sample (the fold's heatmap)."""

    variant: int
    params: dict[str, float]
    in_sample: float | None
    out_of_sample: float | None


class FoldOut(BaseModel):
    """A finished fold: its days, what was chosen in sample, how it did out of sample."""

    index: int
    in_start: date
    in_end: date
    out_start: date = Field(description="first scored out-of-sample day (after the embargo)")
    out_end: date
    variants: int
    failed: int = Field(description="variants the strategy refused")
    chosen: int | None = Field(description="the chosen variant's grid index")
    params: dict[str, float] | None
    in_sample: SweepMetrics | None
    out_of_sample: SweepMetrics | None
    degradation: Degradation | None
    oos_rank: int | None = Field(description="1: the chosen variant was also best out of sample")
    grid: list[GridCell]


class Stitched(BaseModel):
    """The chosen variants' out-of-sample days, one after another, compounded."""

    days: list[date]
    equity: list[PaiseFloat]
    total_return: float | None = Field(description="percent")
    sharpe: float | None = Field(description="annualised (√252)")
    max_drawdown: float | None = Field(description="percent, negative")


class Stability(BaseModel):
    """One parameter's chosen values across the folds."""

    path: str
    chosen: list[float]
    mean: float
    std: float
    min: float
    max: float
    distinct: int
    mode: float
    mode_share: float = Field(description="share of folds that chose the commonest value")


class DeflatedSharpeOut(BaseModel):
    """The stitched curve's deflated Sharpe ratio and its inputs (per-day Sharpe ratios)."""

    dsr: float = Field(description="probability the true Sharpe beats the luckiest trial's")
    sharpe: float
    benchmark: float = Field(description="SR0: the best skill-less trial's expected Sharpe")
    trials: int
    sharpe_variance: float
    observations: int
    skew: float
    kurtosis: float


class PboOut(BaseModel):
    """The probability of backtest overfitting by CSCV and its inputs."""

    pbo: float
    blocks: int
    splits: int
    trials: int
    observations: int
    logits: list[float]


class WalkForwardSummary(BaseModel):
    """The verdict over the finished folds."""

    folds: int
    stitched: Stitched
    stability: list[Stability]
    deflated_sharpe: DeflatedSharpeOut | None
    pbo: PboOut | None


class WalkForwardOut(WalkForwardBrief):
    """A walk-forward with its finished folds and, once they are all in, its verdict."""

    strategy: dict[str, Any]
    folds: list[FoldOut]
    summary: WalkForwardSummary | None


class WalkForwardProgress(BaseModel):
    """Where a walk-forward stands: its stream's ``progress`` and ``end`` data."""

    id: int
    status: SweepStatus | Literal["deleted"]
    done: int | None = None
    total: int | None = None
    folds_done: int | None = None
    fold_count: int | None = None
    elapsed_s: float | None = None
    error: str | None = None
    detail: str | None = None


class WalkForwardProgressEvent(BaseModel):
    """Fold-variants finished (sent whenever the count or the status changes)."""

    event: Literal["progress"]
    data: WalkForwardProgress


class WalkForwardEndEvent(BaseModel):
    """The walk-forward has ended."""

    event: Literal["end"]
    data: WalkForwardProgress


class WalkForwardProgressMessage(
    RootModel[
        Annotated[
            WalkForwardProgressEvent | WalkForwardEndEvent | HeartbeatMessage | StreamErrorMessage,
            Field(discriminator="event"),
        ]
    ]
):
    """A message of a walk-forward's stream (``/api/backtest/walk-forwards/{id}/events``)."""


def walk_forward_brief(row: Any) -> WalkForwardBrief:
    """A stored run (`db.models.WalkForwardRun`) without its folds."""
    return WalkForwardBrief.model_validate(
        {name: getattr(row, name) for name in WalkForwardBrief.model_fields}
    )


def walk_forward_out(row: Any) -> WalkForwardOut:
    """A stored run whole: its folds and, once every fold is in, the verdict."""
    return WalkForwardOut(
        **walk_forward_brief(row).model_dump(),
        strategy=row.strategy_snapshot,
        folds=[FoldOut.model_validate(fold) for fold in row.folds],
        summary=None if row.summary is None else WalkForwardSummary.model_validate(row.summary),
    )
