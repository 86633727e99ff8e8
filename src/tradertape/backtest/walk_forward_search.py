"""A walk-forward's Bayesian search: each fold's in-sample choice found by Optuna's TPE over
the grid's values, trying ``trials`` variants instead of all of them.

Each fold has its own study. Trials are asked in batches of `BATCH` (they run in parallel on
the sweep's executors) and a batch is asked only once the one before it has been told, so a
fold's trials depend on the seed and the fold alone, never on how the chunks were timed. Each
trial is asked with a sampler seeded by (seed, fold, trial number), so a study rebuilt from
its stored trials (`Trial`, kept by the service in the database after each batch) asks next
exactly what the uninterrupted study would have: a resumed run ends as an uninterrupted one.

A variant proposed again (TPE returns to good values) is told the score it already has, not
run again. A variant the strategy refused, or one with no figure for the objective, is a
failed trial: the sampler learns nothing from it.

No database and no Optuna storage: the study lives in memory and is rebuilt each time
(`search_serially` runs every fold in this process, for the command line).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import optuna
from optuna.distributions import BaseDistribution, IntDistribution
from optuna.samplers import TPESampler
from optuna.trial import TrialState, create_trial

from tradertape.backtest.sweep import SweepMarket
from tradertape.backtest.walk_forward import Verdict, WalkForwardSpec, in_sample_score
from tradertape.indicators import IndicatorBook

BATCH = 4  # trials asked together (and run in parallel) before the sampler learns of them

optuna.logging.set_verbosity(optuna.logging.WARNING)  # no line per trial in the server's log


@dataclass(frozen=True, slots=True)
class Trial:
    """A told trial: its number in the fold's study, the grid variant, the in-sample score
    (None: a failed trial)."""

    number: int
    variant: int
    value: float | None


def trial_seed(seed: int, fold: int, number: int) -> int:
    """The seed of one trial's sampler."""
    return int(np.random.SeedSequence([seed, fold, number]).generate_state(1)[0])


class FoldSearch:
    """One fold's study over the grid ``axes`` (each a path and its values): ask a batch of
    variants, tell their scores; rebuilt from the trials told so far."""

    def __init__(
        self,
        axes: Sequence[tuple[str, Sequence[float]]],
        *,
        fold: int,
        trials: int,
        seed: int,
        told: Sequence[Trial] = (),
    ) -> None:
        self.fold, self.trials, self.seed = fold, trials, seed
        self._sizes = [len(values) for _, values in axes]
        self._names = [path for path, _ in axes]
        self._space: dict[str, BaseDistribution] = {
            name: IntDistribution(0, size - 1)
            for name, size in zip(self._names, self._sizes, strict=True)
        }
        self._study = optuna.create_study(direction="maximize")
        self.told: list[Trial] = []
        for trial in sorted(told, key=lambda t: t.number):
            self._study.add_trial(
                create_trial(
                    params=self._positions(trial.variant),
                    distributions=self._space,
                    value=trial.value,
                    state=TrialState.FAIL if trial.value is None else TrialState.COMPLETE,
                )
            )
            self.told.append(trial)
        self._asked: list[tuple[optuna.Trial, int]] = []

    @property
    def grid_size(self) -> int:
        """Variants in the grid."""
        return math.prod(self._sizes)

    @property
    def finished(self) -> bool:
        """Whether every trial has been told."""
        return len(self.told) >= self.trials

    def ask(self) -> list[int]:
        """The next batch's variants (a variant may appear twice); the batch before it must
        have been told."""
        assert not self._asked, "a batch is asked once the one before it is told"
        startup = min(10, max(2, self.trials // 4))
        for _ in range(min(BATCH, self.trials - len(self.told))):
            number = len(self._study.trials)
            self._study.sampler = TPESampler(
                seed=trial_seed(self.seed, self.fold, number), n_startup_trials=startup
            )
            trial = self._study.ask(self._space)
            self._asked.append((trial, self._variant(trial.params)))
        return [variant for _, variant in self._asked]

    def tell(self, scores: dict[int, float | None]) -> list[Trial]:
        """Tell the asked batch its variants' in-sample ``scores``; the trials told."""
        told = []
        for trial, variant in self._asked:
            value = scores[variant]
            if value is None or not math.isfinite(value):
                self._study.tell(trial, state=TrialState.FAIL)
                value = None
            else:
                self._study.tell(trial, value)
            told.append(Trial(number=trial.number, variant=variant, value=value))
        self._asked = []
        self.told += told
        return told

    def _variant(self, params: dict[str, int]) -> int:
        """The grid index (row-major, the last axis fastest) of axis positions."""
        index = 0
        for name, size in zip(self._names, self._sizes, strict=True):
            index = index * size + int(params[name])
        return index

    def _positions(self, variant: int) -> dict[str, int]:
        positions: dict[str, int] = {}
        for name, size in zip(reversed(self._names), reversed(self._sizes), strict=True):
            variant, at = divmod(variant, size)
            positions[name] = at
        return positions


def search_serially(
    market: SweepMarket, spec: WalkForwardSpec, verdict: Verdict
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every fold's Bayesian search in this process (the command line): the folds and the
    summary, the same as the server's run of the same seed."""
    assert spec.trials is not None, "a Bayesian search's spec"
    book = IndicatorBook.from_panel(market.panel)
    folds = []
    for fold in spec.folds:
        search = FoldSearch(spec.sweep.axes, fold=fold.index, trials=spec.trials, seed=spec.seed)
        rows: dict[int, dict[str, Any]] = {}
        while not search.finished:
            for variant in sorted(set(search.ask()) - set(rows)):
                rows[variant] = spec.run_one(market, book, fold.index * search.grid_size + variant)
            search.tell({v: in_sample_score(row, verdict.objective) for v, row in rows.items()})
        folds.append(verdict.fold(fold, list(rows.values())))
    return folds, verdict.summary(folds)
