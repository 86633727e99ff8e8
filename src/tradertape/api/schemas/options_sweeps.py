"""Request and answers of ``/api/backtests/options/sweeps``: a grid over one or two of an
options strategy's leg parameters, each cell a whole run, read as a heatmap. Money is a
decimal string to the paisa. The same grid folded is the request of
``/api/backtests/options/walk-forwards`` (answered as an equity walk-forward is)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tradertape.api.schemas.money_out import Paise
from tradertape.api.schemas.options_backtest import OptionBacktestRequest
from tradertape.api.schemas.sweeps import SweepStatus
from tradertape.api.schemas.times import UtcDateTime
from tradertape.backtest.options.sweep import MAX_AXES, OptionsAxis
from tradertape.backtest.walk_forward_request import FoldFields
from tradertape.services.research.options_sweeps import OptionsSweepAsk


class OptionSweepRequest(OptionBacktestRequest):
    """The run's request and the grid: one or two parameters, each with its values."""

    model_config = ConfigDict(extra="forbid")

    parameters: list[OptionsAxis] = Field(
        min_length=1,
        max_length=MAX_AXES,
        description="strike (the leg's strike rule's number: ATM offset, premium, delta or % "
        "of spot), stop_loss, target, trailing_every, trailing_by, reentry_times, lots (of "
        '`legs`, or every leg), entry_time, exit_time ("09:20")',
    )

    def sweep_ask(self) -> OptionsSweepAsk:
        """What the sweep (or a walk-forward of the grid) is asked, for the use case."""
        return OptionsSweepAsk(
            strategy=self.strategy,
            parameters=self.parameters,
            start=self.start_date,
            end=self.end_date,
            data=self.data,
            seed=self.seed,
        )


class OptionSweepBrief(BaseModel):
    """An options sweep in the list: where it stands."""

    id: int
    strategy_name: str
    status: SweepStatus
    executor: Literal["serial", "pool", "ray"]
    workers: int
    config: dict[str, Any] = Field(description="the request: dates, chains, seed, parameters")
    total: int = Field(description="cells in the grid")
    done: int = Field(description="cells finished")
    elapsed_s: float
    error: str | None
    created_at: UtcDateTime
    started_at: UtcDateTime | None
    finished_at: UtcDateTime | None


class OptionSweepAxisOut(BaseModel):
    """One parameter of the grid: its name in words, its path and its values."""

    name: str = Field(description='"Stop-loss, legs 1 and 2", "Strike, every leg", "Entry time"')
    label: str = Field(
        description="its path, what a walk-forward keys its chosen parameters by: "
        "`legs[0,1].stop_loss`, `legs[*].strike`, `entry_time`"
    )
    parameter: str
    values: list[int | float | str]


class OptionSweepCellOut(BaseModel):
    """One cell: its values (one per axis), where it sits, and its run's figures."""

    index: int
    row: int = Field(description="the first parameter's value's position")
    col: int = Field(description="the second parameter's (the first's, with one parameter)")
    values: list[int | float | str]
    net: Paise | None = None
    gross: Paise | None = None
    charges: Paise | None = None
    slippage: Paise | None = None
    max_drawdown: float | None = Field(default=None, description="percent below the peak")
    win_rate: float | None = Field(default=None, description="percent of entries that made money")
    trade_sets: int | None = None
    return_pct: float | None = None
    return_on_margin: float | None = None
    margin_peak: Paise | None = None
    error: str | None = Field(default=None, description="why this cell did not run")
    run_id: int | None = Field(
        default=None,
        description="the cell opened as an options run of its own (`POST …/cells/{index}/run`)",
    )


class OptionSweepOut(OptionSweepBrief):
    """A sweep with its heatmap: the axes and every finished cell."""

    strategy: dict[str, Any]
    axes: list[OptionSweepAxisOut]
    cells: list[OptionSweepCellOut]


class OptionWalkForwardRequest(FoldFields, OptionSweepRequest):
    """An options walk-forward: the sweep's request (the run's fields and the grid of leg
    parameters, numbers only) and the equity walk-forward's folds and objective; the grid's
    every cell runs in every fold."""
