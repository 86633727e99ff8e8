"""Walk-forward over an options strategy: the folds of `tradertape.backtest.walk_forward`
cut over the chains' trading days, every variant of a leg-parameter grid run in each fold's
in-sample and out-of-sample windows, the in-sample best by the objective chosen, the
chosen variants' out-of-sample days stitched, and the same verdict as an equity
walk-forward (parameter stability, degradation, deflated Sharpe, PBO: `Verdict`).

The variants are documents with the values that made them (`OptionsVariant`): a grid's
cells over strike offset, stop-loss or target, as the options sweep builds them, or any
list. Each part is a fresh run of the options engine over its window (its own capital, no
leg carried in), as each part of an equity fold is. `options_walk_forward` runs it in one
process; `OptionsWalkForwardSpec` is the same work in chunks of fold-variants for the
research jobs (its rows are the equity walk-forward's, so the jobs fold them the same way).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from tradertape.backtest.metrics import TRADING_DAYS
from tradertape.backtest.options.chain import ChainSource, MinuteSource
from tradertape.backtest.options.engine import OptionsBacktester
from tradertape.backtest.options.results import OptionResults, summarize
from tradertape.backtest.options.strategy import OptionStrategy
from tradertape.backtest.options.sweep import (
    Chains,
    GridError,
    OptionsAxis,
    OptionsSweepMarket,
    cell_values,
    grid_size,
    options_variant,
)
from tradertape.backtest.walk_forward import Fold, FoldPlan, Verdict, make_folds


@dataclass(frozen=True, slots=True)
class OptionsVariant:
    """One cell of the grid: its parameter values (numbers: stability reads their spread)
    and the document they make."""

    params: dict[str, float]
    strategy: OptionStrategy


def part_figures(results: OptionResults) -> tuple[dict[str, Any], list[float]]:
    """A part's figures in the equity walk-forward's terms and keys (percent returns,
    annualised ratios over sessions; its trade sets as its trades; the net P&L a decimal
    string to the paisa), and its session returns (the first against the starting capital)."""
    capital = float(results.capital)
    equity = np.asarray([point.equity for point in results.curve], dtype=np.float64)
    before = np.concatenate([[capital], equity[:-1]])
    returns = np.divide(equity, before, out=np.zeros_like(equity), where=before > 0)
    returns = np.where(before > 0, returns - 1.0, 0.0)
    total = (equity[-1] / capital - 1.0) if equity.size else 0.0
    years = len(results.curve) / TRADING_DAYS
    cagr = ((1.0 + total) ** (1.0 / years) - 1.0) * 100 if years > 0 and total > -1 else None
    std = float(returns.std(ddof=1)) if returns.size > 1 else 0.0
    downside = returns[returns < 0]
    down = float(np.sqrt(np.mean(downside**2))) if downside.size else 0.0
    mean = float(returns.mean()) if returns.size else 0.0
    drawdown = float(results.max_drawdown)
    figures = {
        "net": str(results.net),
        "total_return": round(total * 100, 4),
        "cagr": None if cagr is None else round(cagr, 4),
        "sharpe": round(mean / std * math.sqrt(TRADING_DAYS), 4) if std > 1e-15 else None,
        "sortino": round(mean / down * math.sqrt(TRADING_DAYS), 4) if down > 1e-15 else None,
        "calmar": round(cagr / abs(drawdown), 4) if cagr is not None and drawdown else None,
        "max_drawdown": round(drawdown, 4),
        "win_rate": round(results.win_rate, 4),
        "trade_sets": results.trade_sets,
        # the equity part's figures an options run has no counterpart of stay empty
        "total_trades": results.trade_sets,
        "profit_factor": None,
        "expectancy": None,
        "exposure_pct": None,
        "final_equity": round(float(equity[-1]), 2) if equity.size else capital,
        "first_day": results.curve[0].day.isoformat() if results.curve else None,
        "last_day": results.curve[-1].day.isoformat() if results.curve else None,
    }
    return figures, [round(float(v), 10) for v in returns]


def fold_variant_row(
    source: ChainSource,
    minutes: MinuteSource | None,
    fold: Fold,
    index: int,
    variant: OptionsVariant,
) -> dict[str, Any]:
    """One variant in one fold, as `walk_forward.fold_result` reads it (a window without
    chains is the row's ``error``)."""
    row: dict[str, Any] = {"fold": fold.index, "variant": index, "params": variant.params}
    try:
        # an engine per part: a run leaves its state (legs, re-entries) on the engine
        inside = summarize(
            OptionsBacktester(variant.strategy, source, minutes).run(fold.in_start, fold.in_end)
        )
        outside = summarize(
            OptionsBacktester(variant.strategy, source, minutes).run(fold.out_start, fold.out_end)
        )
    except ValueError as exc:  # NoData: the window reaches days without a chain
        empty = {"in_sample": None, "out_of_sample": None, "returns": None, "days": None}
        return {**row, **empty, "error": str(exc)[:300]}
    in_figures, _ = part_figures(inside)
    out_figures, returns = part_figures(outside)
    return {
        **row,
        "in_sample": in_figures,
        "out_of_sample": out_figures,
        "returns": returns,
        "days": [point.day.isoformat() for point in outside.curve],
        "error": None,
    }


def options_walk_forward(
    variants: Sequence[OptionsVariant],
    source: ChainSource,
    minutes: MinuteSource | None,
    *,
    start: date,
    end: date,
    plan: FoldPlan,
    objective: str = "sharpe",
    pbo_blocks: int = 10,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every fold over the chains' days from ``start`` to ``end``: the folds (as an equity
    walk-forward's) and the verdict. Raises `NoFolds` when the range holds none."""
    base = variants[0].strategy
    days = source.trading_days(base.underlying, start, end)
    folds = make_folds(days, plan)
    verdict = Verdict(
        objective=objective,
        paths=tuple(variants[0].params),
        capital=float(base.capital),
        pbo_blocks=pbo_blocks,
    )
    finished = [
        verdict.fold(
            fold,
            [fold_variant_row(source, minutes, fold, i, v) for i, v in enumerate(variants)],
        )
        for fold in folds
    ]
    return finished, verdict.summary(finished)


def grid_variant(
    strategy: OptionStrategy, grid: Sequence[OptionsAxis], index: int
) -> OptionsVariant:
    """Cell `index` of a leg-parameter grid as a variant: its values by axis label (numbers:
    a walk-forward refuses times of day, whose spread stability cannot read)."""
    axes = list(grid)
    values = cell_values(axes, index)
    params = {axis.label: float(value) for axis, value in zip(axes, values, strict=True)}
    return OptionsVariant(params, options_variant(strategy, axes, index))


def check_numeric(grid: Sequence[OptionsAxis]) -> None:
    """Refuse a parameter a fold's stability cannot read (a time of day)."""
    for i, axis in enumerate(grid):
        if any(isinstance(value, str) for value in axis.values):
            raise GridError(
                f"parameters[{i}]",
                f"a walk-forward varies numbers; {axis.parameter} is a time of day",
            )


@dataclass(frozen=True, slots=True)
class OptionsWalkForwardSpec:
    """An options walk-forward's work for the research jobs: every cell of the grid in every
    fold. Chunk index ``i`` is fold ``i // width``, cell ``i % width`` (as `WalkForwardSpec`)."""

    strategy: OptionStrategy
    grid: tuple[OptionsAxis, ...]
    folds: tuple[Fold, ...]
    trials: None = None  # (no per-fold search: the same cells in every fold)
    variants: range = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "variants", range(grid_size(list(self.grid))))

    @property
    def width(self) -> int:
        """Cells tried in each fold."""
        return len(self.variants)

    @property
    def size(self) -> int:
        """Fold-variants in all."""
        return len(self.folds) * self.width

    def fold_indices(self, fold: int) -> list[int]:
        """The chunk indices of one fold."""
        return list(range(fold * self.width, (fold + 1) * self.width))

    def run_chunk(
        self, market: OptionsSweepMarket, chains: Chains, indices: list[int]
    ) -> list[dict[str, Any]]:
        """The rows of fold-variants ``indices`` over the chains every chunk shares (the
        market's `OptionsSweepMarket.shared`: it is read through them)."""
        source, minutes = chains
        rows = []
        for index in indices:
            fold = self.folds[index // self.width]
            variant = index % self.width
            cell = grid_variant(self.strategy, self.grid, variant)
            rows.append(fold_variant_row(source, minutes, fold, variant, cell))
        return rows
