"""Walk-forward: a sweep's grid re-chosen fold after fold, scored on days it never saw.

The tested range's trading days are cut into folds (`make_folds`): each has an in-sample
window, where every variant of the grid runs and the best by the objective is chosen, and
the out-of-sample window that follows, where the chosen variant's figures count. Windows
*roll* (the in-sample window keeps its length and moves on) or are *anchored* (it always
starts on the first day and grows). The out-of-sample windows follow one another, so the
chosen variants' out-of-sample days stitch into one curve (`summarise`).

Two gaps keep a fold honest about what leaks across its boundary: ``purge_days`` leaves the
last days before the out-of-sample window out of the in-sample one, and ``embargo_days``
leaves the first days of the out-of-sample window unscored (its run starts trading after
them). Each part is a fresh run (its own starting capital, no position carried in), its
indicators warmed on the bars before it, as in a sweep (`tradertape.backtest.sweep`).

Every variant runs in every fold, out of sample too: its out-of-sample returns make the
matrix the overfitting statistics read (`tradertape.backtest.overfitting`): the
probability of backtest overfitting over the variants' stitched out-of-sample returns, and
the deflated Sharpe ratio of the stitched curve given how many variants were tried.

No database, no HTTP: the service runs chunks of fold-variants on the sweep's executors.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from tradertape.backtest.engine import BacktestResult, ist_dates
from tradertape.backtest.metrics import TRADING_DAYS
from tradertape.backtest.overfitting import (
    MAX_BLOCKS,
    cscv_pbo,
    deflated_sharpe,
    moments,
    sharpe,
)
from tradertape.backtest.sweep import (
    BadParameter,
    SweepMarket,
    SweepSpec,
    figures_of,
    inputs_of,
    run_part,
)
from tradertape.candles.panel import Panel
from tradertape.indicators import IndicatorBook

OBJECTIVES = ("sharpe", "sortino", "calmar", "cagr", "total_return")
MIN_PART_DAYS = 2  # trading days a scored part needs for a return
MAX_FOLDS = 60


class NoFolds(ValueError):
    """The range holds no fold of the lengths asked (or too many)."""


@dataclass(frozen=True, slots=True)
class FoldPlan:
    """How the range is cut: window lengths and gaps in trading days."""

    in_sample_days: int
    out_of_sample_days: int
    anchored: bool = False
    purge_days: int = 0
    embargo_days: int = 0


@dataclass(frozen=True, slots=True)
class Fold:
    """One fold's days (each bound included)."""

    index: int
    in_start: date
    in_end: date
    out_start: date  # the first scored out-of-sample day (after the embargo)
    out_end: date

    def as_dict(self) -> dict[str, Any]:
        """Its days as ISO dates."""
        return {
            "index": self.index,
            "in_start": self.in_start.isoformat(),
            "in_end": self.in_end.isoformat(),
            "out_start": self.out_start.isoformat(),
            "out_end": self.out_end.isoformat(),
        }


def trading_days(panel: Panel, start: date, end: date) -> list[date]:
    """The panel's sessions from ``start`` to ``end`` (an intraday panel's IST dates)."""
    stamps = ist_dates(panel.days) if panel.intraday else panel.days.astype("datetime64[D]")
    unique = np.unique(stamps.astype("datetime64[D]"))
    inside = unique[(unique >= np.datetime64(start)) & (unique <= np.datetime64(end))]
    return [day.item() for day in inside]


def make_folds(days: Sequence[date], plan: FoldPlan) -> list[Fold]:
    """The folds of ``days``: the first out-of-sample window starts after one in-sample
    window and the purge; each next one where the last ended; a last window shorter than
    asked is kept if it scores at least `MIN_PART_DAYS` days after the embargo."""
    n = len(days)
    folds: list[Fold] = []
    at = plan.in_sample_days + plan.purge_days
    while at < n:
        stop = min(at + plan.out_of_sample_days, n)
        scored = at + plan.embargo_days
        if stop - scored < MIN_PART_DAYS:
            break
        in_stop = at - plan.purge_days
        in_first = 0 if plan.anchored else in_stop - plan.in_sample_days
        folds.append(
            Fold(len(folds), days[in_first], days[in_stop - 1], days[scored], days[stop - 1])
        )
        at = stop
    if not folds:
        need = plan.in_sample_days + plan.purge_days + plan.embargo_days + MIN_PART_DAYS
        raise NoFolds(
            f"the range holds {n} trading days; one fold needs at least {need} "
            "(in-sample, purge, embargo and two scored days)"
        )
    if len(folds) > MAX_FOLDS:
        raise NoFolds(f"that makes {len(folds)} folds, more than {MAX_FOLDS}; lengthen the windows")
    return folds


def sample_variants(size: int, samples: int | None, seed: int) -> tuple[int, ...]:
    """The grid's variants a run tries in every fold: all of them, or ``samples`` drawn at
    random (``seed``: the same draw each time), in grid order."""
    if samples is None or samples >= size:
        return tuple(range(size))
    drawn = np.random.default_rng(seed).choice(size, size=samples, replace=False)
    return tuple(sorted(int(i) for i in drawn))


def session_returns(result: BacktestResult, capital: float) -> list[float]:
    """Each session's return on the equity curve, the first against the starting capital."""
    equity = np.asarray(result.equity, dtype=np.float64)
    before = np.concatenate([[capital], equity[:-1]])
    returns = np.divide(equity, before, out=np.ones_like(equity), where=before > 0) - 1.0
    return [round(float(v), 10) for v in returns]


@dataclass(frozen=True, slots=True)
class WalkForwardSpec:
    """What a walk-forward runs: the sweep's grid, the folds, the variants tried in each.
    Chunk index ``i`` is fold ``i // len(variants)``, variant ``variants[i % len(variants)]``."""

    sweep: SweepSpec
    folds: tuple[Fold, ...]
    variants: Sequence[int]  # a Bayesian search's: ``range`` of the whole grid
    trials: int | None = None  # a Bayesian search's trials per fold (`walk_forward_search`)
    seed: int = 0  # its samplers' seed

    @property
    def width(self) -> int:
        """Variants tried in each fold."""
        return self.trials if self.trials is not None else len(self.variants)

    @property
    def size(self) -> int:
        """Fold-variants in all."""
        return len(self.folds) * self.width

    def fold_indices(self, fold: int) -> list[int]:
        """The chunk indices of one fold."""
        width = len(self.variants)
        return list(range(fold * width, (fold + 1) * width))

    def run_chunk(
        self, market: SweepMarket, book: IndicatorBook, indices: list[int]
    ) -> list[dict[str, Any]]:
        """The rows of fold-variants ``indices``, sharing ``book``."""
        return [self.run_one(market, book, i) for i in indices]

    def run_one(self, market: SweepMarket, book: IndicatorBook, index: int) -> dict[str, Any]:
        """One variant in one fold: its figures in and out of sample, and its out-of-sample
        session returns (or why the strategy refused it)."""
        fold = self.folds[index // len(self.variants)]
        variant = self.variants[index % len(self.variants)]
        values = self.sweep.variant(variant)
        row: dict[str, Any] = {"fold": fold.index, "variant": variant, "params": values}
        try:
            document, settings = inputs_of(self.sweep, values)
        except BadParameter as exc:
            empty = {"in_sample": None, "out_of_sample": None, "returns": None, "days": None}
            return {**row, **empty, "error": str(exc)}
        day = timedelta(days=1)
        inside = run_part(
            market, book, document, settings, start=fold.in_start, until=fold.in_end + day
        )
        outside = run_part(
            market, book, document, settings, start=fold.out_start, until=fold.out_end + day
        )
        return {
            **row,
            "in_sample": figures_of(inside),
            "out_of_sample": figures_of(outside),
            "returns": session_returns(outside, settings.starting_capital),
            "days": [d.isoformat() for d in outside.days.astype("datetime64[D]").astype(object)],
            "error": None,
        }


def _score(figures: dict[str, Any] | None, objective: str) -> float:
    value = None if figures is None else figures.get(objective)
    return float(value) if isinstance(value, int | float) else -math.inf


def in_sample_score(row: dict[str, Any], objective: str) -> float | None:
    """A fold-variant row's in-sample ``objective`` (None: refused, or no figure)."""
    return _finite_or_none(_score(row["in_sample"], objective))


def fold_result(fold: Fold, rows: list[dict[str, Any]], *, objective: str) -> dict[str, Any]:
    """A finished fold: the variant chosen in sample (best ``objective``; the first in grid
    order on a tie), its figures in and out of sample, the degradation between them, where
    it ranked out of sample, each variant's two scores (the fold's heatmap) and every
    variant's out-of-sample returns (for the overfitting statistics)."""
    ordered = sorted(rows, key=lambda r: int(r["variant"]))
    ran = [r for r in ordered if r["error"] is None]
    grid = [
        {
            "variant": r["variant"],
            "params": r["params"],
            "in_sample": _finite_or_none(_score(r["in_sample"], objective)),
            "out_of_sample": _finite_or_none(_score(r["out_of_sample"], objective)),
        }
        for r in ordered
    ]
    base: dict[str, Any] = {
        **fold.as_dict(),
        "variants": len(ordered),
        "failed": len(ordered) - len(ran),
        "grid": grid,
        "returns": {str(r["variant"]): r["returns"] for r in ran},
    }
    if not ran:
        empty = {"chosen": None, "params": None, "in_sample": None, "out_of_sample": None}
        return {**base, **empty, "degradation": None, "oos_rank": None, "days": []}
    chosen = max(ran, key=lambda r: _score(r["in_sample"], objective))
    inside, outside = chosen["in_sample"], chosen["out_of_sample"]
    better = sum(
        1 for r in ran if _score(r["out_of_sample"], objective) > _score(outside, objective)
    )
    return {
        **base,
        "chosen": chosen["variant"],
        "params": chosen["params"],
        "in_sample": inside,
        "out_of_sample": outside,
        "degradation": degradation(inside, outside),
        "oos_rank": better + 1,  # 1: the chosen variant was also the best out of sample
        "days": chosen["days"],
    }


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def degradation(inside: dict[str, Any], outside: dict[str, Any]) -> dict[str, float | None]:
    """How much worse out of sample: the Sharpe ratio's drop (in minus out) and the return's
    walk-forward efficiency (out-of-sample CAGR over in-sample CAGR; None unless the
    in-sample CAGR is positive)."""
    drop = None
    if isinstance(inside.get("sharpe"), int | float) and isinstance(
        outside.get("sharpe"), int | float
    ):
        drop = round(float(inside["sharpe"]) - float(outside["sharpe"]), 4)
    efficiency = None
    cagr_in, cagr_out = inside.get("cagr"), outside.get("cagr")
    if isinstance(cagr_in, int | float) and cagr_in > 0 and isinstance(cagr_out, int | float):
        efficiency = round(float(cagr_out) / float(cagr_in), 4)
    return {"sharpe_drop": drop, "efficiency": efficiency}


def _stability(folds: list[dict[str, Any]], paths: Sequence[str]) -> list[dict[str, Any]]:
    """Per parameter: the value chosen in each fold, their spread and the commonest one."""
    out = []
    for path in paths:
        chosen = [f["params"][path] for f in folds if f.get("params")]
        if not chosen:
            continue
        values = np.asarray(chosen, dtype=np.float64)
        common, count = Counter(chosen).most_common(1)[0]
        out.append(
            {
                "path": path,
                "chosen": chosen,
                "mean": round(float(values.mean()), 6),
                "std": round(float(values.std(ddof=1)), 6) if values.size > 1 else 0.0,
                "min": float(values.min()),
                "max": float(values.max()),
                "distinct": len(set(chosen)),
                "mode": common,
                "mode_share": round(count / len(chosen), 4),
            }
        )
    return out


def _stitched(folds: list[dict[str, Any]], capital: float) -> tuple[list[str], list[float]]:
    days: list[str] = []
    returns: list[float] = []
    for fold in folds:
        if fold.get("chosen") is None:
            continue
        days += fold["days"]
        returns += fold["returns"][str(fold["chosen"])]
    return days, returns


def _matrix(folds: list[dict[str, Any]]) -> tuple[list[int], np.ndarray]:
    """The variants' out-of-sample returns, stitched: a column per variant that ran in
    every fold (T×N)."""
    if not folds:
        return [], np.zeros((0, 0))
    common = set.intersection(*(set(f["returns"]) for f in folds))
    columns = sorted(common, key=int)
    if not columns:
        return [], np.zeros((0, 0))
    stacked = [
        np.concatenate([np.asarray(f["returns"][key], dtype=np.float64) for f in folds])
        for key in columns
    ]
    return [int(key) for key in columns], np.column_stack(stacked)


def _tried(folds: list[dict[str, Any]]) -> tuple[int, np.ndarray]:
    """The distinct variants tried in any fold, and every fold's trials' (per-session)
    out-of-sample Sharpe ratios, pooled."""
    tried = {int(cell["variant"]) for fold in folds for cell in fold["grid"]}
    sharpes = [
        float(sharpe(np.asarray(returns, dtype=np.float64)))
        for fold in folds
        for returns in fold["returns"].values()
        if len(returns) > 1
    ]
    return len(tried), np.asarray(sharpes, dtype=np.float64)


def _blocks_for(rows: int, wanted: int) -> int | None:
    """The most CSCV blocks, up to ``wanted`` (even), that leave two rows in each."""
    blocks = min(wanted, MAX_BLOCKS, rows // 2)
    blocks -= blocks % 2
    return blocks if blocks >= 2 else None


def summarise(
    folds: list[dict[str, Any]],
    *,
    paths: Sequence[str],
    capital: float,
    pbo_blocks: int = 10,
    per_fold_search: bool = False,
) -> dict[str, Any]:
    """The run's verdict over its finished folds: the stitched out-of-sample curve and its
    figures, parameter stability, and the overfitting statistics with their inputs.

    ``per_fold_search`` (a Bayesian search: each fold tried its own variants): the deflated
    Sharpe counts every distinct variant tried in any fold, and the variance of the trials'
    Sharpe ratios pools every fold's trials; PBO reads the variants tried in every fold."""
    days, returns = _stitched(folds, capital)
    series = np.asarray(returns, dtype=np.float64)
    equity = capital * np.cumprod(1.0 + series) if series.size else series
    peaks = np.maximum.accumulate(equity) if series.size else series
    stitched = {
        "days": days,
        "equity": [round(float(v), 2) for v in equity],
        "total_return": round(float(equity[-1] / capital - 1) * 100, 4) if series.size else None,
        "sharpe": round(float(sharpe(series)) * math.sqrt(TRADING_DAYS), 4)
        if series.size > 1
        else None,
        "max_drawdown": round(float(((equity / peaks) - 1).min()) * 100, 4)
        if series.size
        else None,
    }
    variants, matrix = _matrix(folds)
    dsr: dict[str, Any] | None = None
    pbo: dict[str, Any] | None = None
    trials, trial_sharpes = len(variants), sharpe(matrix) if matrix.size else np.zeros(0)
    if per_fold_search:
        trials, trial_sharpes = _tried(folds)
    if series.size > 1 and trial_sharpes.size:
        variance = float(trial_sharpes.var(ddof=1)) if trial_sharpes.size > 1 else 0.0
        found = deflated_sharpe(moments(series), trials=trials, sharpe_variance=variance)
        if found is not None:
            dsr = {
                "dsr": round(found.dsr, 4),
                "sharpe": round(found.sharpe, 6),
                "benchmark": round(found.benchmark, 6),
                "trials": found.trials,
                "sharpe_variance": round(found.sharpe_variance, 8),
                "observations": found.observations,
                "skew": round(found.skew, 4),
                "kurtosis": round(found.kurtosis, 4),
            }
    blocks = _blocks_for(matrix.shape[0], pbo_blocks) if matrix.size else None
    if blocks is not None:
        overfit = cscv_pbo(matrix, blocks=blocks)
        if overfit is not None:
            pbo = {
                "pbo": round(overfit.pbo, 4),
                "blocks": overfit.blocks,
                "splits": overfit.splits,
                "trials": overfit.trials,
                "observations": overfit.observations,
                "logits": list(overfit.logits),
            }
    return {
        "folds": len(folds),
        "stitched": stitched,
        "stability": _stability(folds, paths),
        "deflated_sharpe": dsr,
        "pbo": pbo,
    }


@dataclass(frozen=True, slots=True)
class Verdict:
    """How a run's rows become folds and folds a summary (what the job calls as they end)."""

    objective: str
    paths: tuple[str, ...]
    capital: float
    pbo_blocks: int
    per_fold_search: bool = False  # a Bayesian search (`summarise`)

    def fold(self, fold: Fold, rows: list[dict[str, Any]]) -> dict[str, Any]:
        """A finished fold (`fold_result`)."""
        return fold_result(fold, rows, objective=self.objective)

    def summary(self, folds: list[dict[str, Any]]) -> dict[str, Any]:
        """The verdict over every fold (`summarise`)."""
        ordered = sorted(folds, key=lambda f: int(f["index"]))
        return summarise(
            ordered,
            paths=self.paths,
            capital=self.capital,
            pbo_blocks=self.pbo_blocks,
            per_fold_search=self.per_fold_search,
        )


def run_serially(
    market: SweepMarket, spec: WalkForwardSpec, verdict: Verdict
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every fold in this process (the command line): the folds and the summary."""
    book = IndicatorBook.from_panel(market.panel)
    folds = []
    for fold in spec.folds:
        rows = spec.run_chunk(market, book, spec.fold_indices(fold.index))
        folds.append(verdict.fold(fold, rows))
    return folds, verdict.summary(folds)
