"""Options walk-forwards as a use case: the options sweep's grid of leg parameters run fold
after fold over the chains' trading days, stored and run as an equity walk-forward is.

A run is a row of the equity walk-forwards' table (``kind: options``) on the same research
jobs: its fold-variants in chunks on the process's executor, in the user's fair turns, under
the user's cap of sweeps (429 past it); its folds and verdict are the equity walk-forward's
(`backtest.walk_forward.Verdict`), so its answers are too. `start` refuses with a 422 naming
the field (a time-of-day parameter or a refused value names ``parameters[i]``, windows the
range cannot hold ``in_sample_days``); `resume` starts a run cut off, failed or cancelled
again, keeping its finished folds (start-up does it for runs a stop cut off; `resume_kind`
picks the resume of a run's kind). Reads, cancels and deletes are the equity
walk-forwards' own, for this kind (`walk_forwards.get(..., kind=OPTIONS)`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy.orm import Session

from tradertape.backtest.options.strategy import OptionStrategy
from tradertape.backtest.options.sweep import (
    MAX_CELLS,
    GridError,
    OptionsSweepMarket,
    check_grid,
)
from tradertape.backtest.options.walk_forward import OptionsWalkForwardSpec, check_numeric
from tradertape.backtest.walk_forward import NoFolds, Verdict, make_folds
from tradertape.backtest.walk_forward_request import FoldFields
from tradertape.candles import CandleStore
from tradertape.db.models import WalkForwardRun
from tradertape.db.models.strategies import OPTIONS
from tradertape.errors import Conflict, InvalidField
from tradertape.ports.clock import Clock
from tradertape.services.research import walk_forwards
from tradertape.services.research.jobs import ResearchJobs
from tradertape.services.research.options_backtests import DataChoice, check_span, require_data
from tradertape.services.research.options_sweeps import OptionsSweepAsk, stored_grid


@dataclass(frozen=True, slots=True)
class OptionsWalkForwardAsk:
    """What a run was asked: the sweep's ask (document, grid, dates, chains) and the folds."""

    sweep: OptionsSweepAsk
    folds: FoldFields  # (the request itself: only these fields are read)

    def config(self) -> dict[str, Any]:
        """The stored request: the sweep's (`OptionsSweepAsk.config`) and the fold fields."""
        fields = set(FoldFields.model_fields)
        return {**self.sweep.config(), **self.folds.model_dump(mode="json", include=fields)}


Prepared = tuple[OptionsSweepMarket, OptionsWalkForwardSpec, Verdict]


def prepare(ask: OptionsWalkForwardAsk, *, data_dir: Path | None, limit: int) -> Prepared:
    """The chains, the folds over their trading days and the verdict; 422s name the field."""
    sweep = ask.sweep
    check_span(sweep.start, sweep.end)
    try:
        check_numeric(sweep.parameters)
        check_grid(sweep.strategy, sweep.parameters, limit=min(limit, MAX_CELLS))
    except GridError as exc:
        raise InvalidField(exc.field, exc.detail) from None
    require_data(sweep.strategy, sweep.start, sweep.end, data=sweep.data, data_dir=data_dir)
    market = OptionsSweepMarket(
        strategy=sweep.strategy,
        start=sweep.start,
        end=sweep.end,
        data=sweep.data,
        seed=sweep.seed,
        data_dir=data_dir,
    )
    source, _ = market.shared()
    days = source.trading_days(sweep.strategy.underlying, sweep.start, sweep.end)
    try:
        folds = make_folds(days, ask.folds.fold_plan())
    except NoFolds as exc:
        raise InvalidField("in_sample_days", str(exc)) from None
    spec = OptionsWalkForwardSpec(sweep.strategy, tuple(sweep.parameters), tuple(folds))
    verdict = Verdict(
        objective=ask.folds.objective,
        paths=tuple(axis.label for axis in sweep.parameters),
        capital=float(sweep.strategy.capital),
        pbo_blocks=ask.folds.pbo_blocks,
    )
    return market, spec, verdict


def start(
    db: Session,
    jobs: ResearchJobs,
    ask: OptionsWalkForwardAsk,
    *,
    clock: Clock,
    user_id: int,
    data_dir: Path | None,
    limit: int,
) -> WalkForwardRun:
    """Check the run, store it as queued and start it, holding a place under the user's cap
    of sweeps until it ends (429 past the cap, first)."""

    def ready() -> walk_forwards.Launch:
        market, spec, verdict = prepare(ask, data_dir=data_dir, limit=limit)
        strategy = ask.sweep.strategy
        run = walk_forwards.queued(
            jobs,
            spec,
            user_id=user_id,
            name=strategy.name,
            snapshot=strategy.model_dump(mode="json"),
            config=ask.config(),
            clock=clock,
            kind=OPTIONS,
        )
        db.add(run)
        db.commit()
        return market, spec, verdict, run

    return walk_forwards.launch(jobs, user_id=user_id, ready=ready)


def stored_ask(run: WalkForwardRun) -> OptionsWalkForwardAsk:
    """A stored run's request read back (409 if this server no longer reads its form)."""
    config = run.config
    try:
        sweep = OptionsSweepAsk(
            strategy=OptionStrategy.model_validate(run.strategy_snapshot),
            parameters=stored_grid(config),
            start=date.fromisoformat(config["start_date"]),
            end=date.fromisoformat(config["end_date"]),
            data=cast(DataChoice, config["data"]),
            seed=int(config["seed"]),
        )
        folds = FoldFields.model_validate(
            {k: v for k, v in config.items() if k in FoldFields.model_fields}
        )
    except (ValidationError, KeyError, TypeError, ValueError):
        raise Conflict(
            f"walk-forward {run.id} was stored in a form this server no longer reads"
        ) from None
    return OptionsWalkForwardAsk(sweep=sweep, folds=folds)


def resume(
    db: Session,
    jobs: ResearchJobs,
    run_id: int,
    *,
    clock: Clock,
    user_id: int,
    data_dir: Path | None,
    limit: int,
) -> WalkForwardRun:
    """Start again one of the user's options runs that ended before its last fold, its
    finished folds kept (409: it is running, or it completed)."""
    run = walk_forwards.get(db, run_id, user_id=user_id, clock=clock, kind=OPTIONS)
    walk_forwards.resumable(run)
    ask = stored_ask(run)

    def ready() -> walk_forwards.Launch:
        market, spec, verdict = prepare(ask, data_dir=data_dir, limit=limit)
        walk_forwards.reopen(db, run, spec.folds, width=spec.width, clock=clock)
        return market, spec, verdict, run

    return walk_forwards.launch(jobs, user_id=user_id, ready=ready)


def resume_kind(
    db: Session,
    store: CandleStore,
    jobs: ResearchJobs,
    run_id: int,
    *,
    kind: str,
    clock: Clock,
    user_id: int,
    data_dir: Path | None,
    limit: int,
) -> WalkForwardRun:
    """Resume one of the user's runs of `kind` (an options run's chains, an equity run's
    candles); one of the other kind is a 404."""
    if kind == OPTIONS:
        return resume(
            db, jobs, run_id, clock=clock, user_id=user_id, data_dir=data_dir, limit=limit
        )
    return walk_forwards.resume(db, store, jobs, run_id, clock=clock, user_id=user_id, limit=limit)
