"""What a walk-forward is asked to do: a backtest request, the grid, the folds, the search.

The body of ``POST /api/backtest/walk-forwards``: every field of a backtest
(`BacktestRequest`), the sweep's ``parameters`` (`SweepParameter`), the folds' window
lengths and gaps in trading days, how the variants are searched (the whole grid, a seeded
random sample of it tried in every fold, or a seeded Bayesian search per fold trying
``trials`` variants: `backtest.walk_forward_search`), the objective a fold chooses by, and
CSCV's block count. `FoldFields` are the folding fields alone (an options walk-forward's
request takes them too).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, Strict, field_validator

from tradertape.backtest.request import BacktestRequest
from tradertape.backtest.sweep_request import MAX_PARAMETERS, SweepParameter, distinct_paths
from tradertape.backtest.walk_forward import FoldPlan
from tradertape.domain.decimal_input import Count

Days = Annotated[int, Strict(), Field(ge=1, le=5000)]
Gap = Annotated[int, Strict(), Field(ge=0, le=250)]
DEFAULT_TRIALS = 50


class FoldFields(BaseModel):
    """How to fold and choose: the fields an equity and an options walk-forward share."""

    in_sample_days: Days = Field(description="trading days each fold chooses on")
    out_of_sample_days: Days = Field(description="trading days each fold's choice is scored on")
    anchored: Annotated[bool, Strict()] = Field(
        default=False,
        description="true: every in-sample window starts on start_date and grows; "
        "false: it rolls (keeps its length)",
    )
    purge_days: Gap = Field(
        default=0, description="days before out-of-sample left out of in-sample"
    )
    embargo_days: Gap = Field(default=0, description="first out-of-sample days left unscored")
    objective: Literal["sharpe", "sortino", "calmar", "cagr", "total_return"] = "sharpe"
    pbo_blocks: Annotated[int, Strict(), Field(ge=2, le=16, multiple_of=2)] = Field(
        default=10, description="CSCV's blocks (S, even): C(S, S/2) splits"
    )

    def fold_plan(self) -> FoldPlan:
        """The folds' window lengths and gaps."""
        return FoldPlan(
            in_sample_days=self.in_sample_days,
            out_of_sample_days=self.out_of_sample_days,
            anchored=self.anchored,
            purge_days=self.purge_days,
            embargo_days=self.embargo_days,
        )


class WalkForwardRequest(FoldFields, BacktestRequest):
    """A walk-forward: the backtest every variant starts from, what varies, how to fold."""

    parameters: list[SweepParameter] = Field(min_length=1, max_length=MAX_PARAMETERS)
    search: Literal["grid", "random", "bayes"] = Field(
        default="grid",
        description="grid: every variant in every fold; random: `samples` variants drawn once, "
        "tried in every fold; bayes: Optuna's TPE per fold, `trials` variants each",
    )
    samples: Count | None = Field(
        default=None, ge=2, le=100_000, description="random search: variants drawn from the grid"
    )
    trials: Count | None = Field(
        default=None, ge=2, le=10_000, description=f"bayes: trials per fold ({DEFAULT_TRIALS})"
    )
    seed: Annotated[int, Strict(), Field(ge=0, le=2**31 - 1)] = 0
    max_variants: Count = Field(
        default=200, ge=1, le=100_000, description="refuse a search trying more variants a fold"
    )

    @field_validator("parameters")
    @classmethod
    def _distinct(cls, parameters: list[SweepParameter]) -> list[SweepParameter]:
        return distinct_paths(parameters)

    @field_validator("samples")
    @classmethod
    def _random_only(cls, samples: int | None, info: object) -> int | None:
        data = getattr(info, "data", {})
        if samples is not None and data.get("search") != "random":
            raise ValueError("samples is for search: random")
        return samples

    @field_validator("trials")
    @classmethod
    def _bayes_only(cls, trials: int | None, info: object) -> int | None:
        data = getattr(info, "data", {})
        if trials is not None and data.get("search") != "bayes":
            raise ValueError("trials is for search: bayes")
        return trials

    @property
    def per_fold_trials(self) -> int | None:
        """A Bayesian search's trials per fold (None: the same variants in every fold)."""
        return (self.trials or DEFAULT_TRIALS) if self.search == "bayes" else None
