"""Parameter sweeps as a use case: check the grid, load the market once, start, read, cancel.

`start` refuses what cannot run with a 422 naming the field (a grid over the limit names
``parameters``; a path or value the strategy refuses names that parameter; a split that
leaves a part without days names ``split_date``), stores the sweep as ``queued`` and hands it
to the research jobs (`services.research.jobs`); a user with their cap of sweeps under way
is refused first (429, `services.job_caps`). Reads bring a sweep cut off by a restart up
to date (``interrupted``) before answering.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import numpy as np
from sqlalchemy import update
from sqlalchemy.orm import Session

from tradertape.backtest.engine import BacktestSettings
from tradertape.backtest.sweep import (
    BadParameter,
    Sweepable,
    SweepMarket,
    SweepSpec,
    inputs_of,
    sweepables,
)
from tradertape.backtest.sweep_request import SweepParameter, SweepRequest
from tradertape.candles import CandleStore
from tradertape.db.engine import Database
from tradertape.db.models import BacktestRun, BacktestSweep
from tradertape.db.models.strategies import EQUITY
from tradertape.errors import Conflict, InvalidField
from tradertape.ports.clock import Clock
from tradertape.services.job_caps import SWEEP
from tradertape.services.pacing import Pacing
from tradertape.services.research import strategies
from tradertape.services.research.backtests import resolve_strategy
from tradertape.services.research.jobs import (
    RUNNING,
    ResearchJobs,
    claim,
    interrupt_stale_jobs,
    owned_job,
    owned_jobs,
    row_events,
)
from tradertape.services.research.runners import this_process
from tradertape.services.research.simulation import load_market, settings_of
from tradertape.strategies.dsl import StrategyDocument

MIN_PART_DAYS = 2  # trading days each part needs for a return


def checked_grid(
    parameters: list[SweepParameter], document: dict[str, Any], settings: BacktestSettings
) -> SweepSpec:
    """The grid of ``parameters``, each value checked on its own (422 naming it)."""
    axes = tuple((p.path, p.expanded()) for p in parameters)
    spec = SweepSpec(document=document, settings=settings, axes=axes)
    for i, (path, values) in enumerate(axes):
        for value in values:
            try:
                inputs_of(spec, {path: value})
            except BadParameter as exc:
                raise InvalidField(f"parameters[{i}]", str(exc)) from None
    return spec


def spec_of(request: SweepRequest, document: dict[str, Any], *, limit: int) -> SweepSpec:
    """The grid of a request, each value checked on its own; 422s name the field."""
    axes = tuple((p.path, p.expanded()) for p in request.parameters)
    spec = SweepSpec(document=document, settings=settings_of(request), axes=axes)
    cap = min(request.max_variants, limit)
    if spec.size > cap:
        which = "this server's" if request.max_variants > limit else "max_variants"
        raise InvalidField(
            "parameters",
            f"the grid holds {spec.size:,} variants, more than the limit of {cap:,} "
            f"({which}); use fewer values",
        )
    return checked_grid(request.parameters, document, spec.settings)


def _part_days(market: SweepMarket) -> tuple[int, int]:
    days = market.panel.days
    start, split = np.datetime64(market.start), np.datetime64(market.split)
    inside = int(np.count_nonzero((days >= start) & (days < split)))
    return inside, int(np.count_nonzero(days >= split))


def start(
    db: Session,
    store: CandleStore,
    jobs: ResearchJobs,
    request: SweepRequest,
    *,
    clock: Clock,
    user_id: int,
    limit: int,
) -> BacktestSweep:
    """Check the sweep, store it as queued and start it (holding a place under the user's
    cap of sweeps until it ends)."""
    release = jobs.caps.take(user_id, SWEEP)
    try:
        sweep, market, spec = _stored(
            db, store, jobs, request, clock=clock, user_id=user_id, limit=limit
        )
    except BaseException:
        release()
        raise
    jobs.run_sweep(sweep.id, market, spec, user_id=user_id, release=release)
    return sweep


def _stored(
    db: Session,
    store: CandleStore,
    jobs: ResearchJobs,
    request: SweepRequest,
    *,
    clock: Clock,
    user_id: int,
    limit: int,
) -> tuple[BacktestSweep, SweepMarket, SweepSpec]:
    """The checked sweep stored as queued, with what it runs on."""
    if "max_variants" in request.model_fields_set and request.max_variants > limit:
        raise InvalidField("max_variants", f"must be at most {limit:,} on this server")
    resolved = resolve_strategy(db, request, clock=clock, user_id=user_id)
    document = resolved.document.model_dump(mode="json")
    market, spec = _prepare(store, request, document, limit=limit)
    sweep = BacktestSweep(
        user_id=user_id,
        strategy_id=resolved.row.id if resolved.row else None,
        strategy_version=resolved.row.version if resolved.row else None,
        strategy_name=resolved.document.name,
        strategy_snapshot=document,
        config=request.config_dump(),
        status="queued",
        executor=jobs.plan.executor,
        workers=1 if jobs.plan.executor == "serial" else jobs.plan.workers,
        split_date=request.split_date,
        total=spec.size,
        done=0,
        elapsed_s=0.0,
        results=[],
        created_at=clock.now(),
        heartbeat_at=clock.now(),
        runner=this_process(),  # its thread runs here (`ResearchJobs`)
    )
    db.add(sweep)
    db.commit()
    return sweep, market, spec


def _prepare(
    store: CandleStore, request: SweepRequest, document: dict[str, Any], *, limit: int
) -> tuple[SweepMarket, SweepSpec]:
    """The market and the grid of a request; 422s name the field."""
    spec = spec_of(request, document, limit=limit)
    loaded = load_market(store, request)
    market = SweepMarket(
        panel=loaded.panel,
        benchmark=loaded.benchmark,
        benchmark_source=loaded.benchmark_source,
        start=request.start_date,
        split=request.split_date,
        end=request.end_date,
    )
    inside, outside = _part_days(market)
    if min(inside, outside) < MIN_PART_DAYS:
        raise InvalidField(
            "split_date",
            f"leaves {inside} trading days in-sample and {outside} out-of-sample; "
            f"each part needs at least {MIN_PART_DAYS}",
        )
    return market, spec


def resume_cut_off(
    db: Session,
    store: CandleStore,
    jobs: ResearchJobs,
    sweep: BacktestSweep,
    *,
    clock: Clock,
    limit: int,
) -> None:
    """Start again a sweep a server stop cut off (at start-up, not asked by its user): the
    variants it finished are kept and skipped. 409 if another process took it first, 429
    past its user's cap, 422 if its data no longer hold it."""
    request = SweepRequest.model_validate(
        {**sweep.config, "strategy_id": None, "strategy": sweep.strategy_snapshot}
    )
    release = jobs.caps.take(sweep.user_id, SWEEP)
    try:
        market, spec = _prepare(store, request, sweep.strategy_snapshot, limit=limit)
        claim(db, BacktestSweep, sweep, clock=clock)
        sweep.status, sweep.error, sweep.cancel_requested = "queued", None, False
        sweep.finished_at, sweep.heartbeat_at, sweep.runner = None, clock.now(), this_process()
        db.commit()
    except BaseException:
        release()
        raise
    jobs.run_sweep(sweep.id, market, spec, user_id=sweep.user_id, release=release)


def interrupt_stale(db: Session, *, clock: Clock) -> int:
    """Every user's sweeps cut off by a restart, marked (at start-up); how many."""
    return interrupt_stale_jobs(db, BacktestSweep, clock=clock)


def history(
    db: Session, *, user_id: int, limit: int, offset: int, clock: Clock, kind: str = EQUITY
) -> list[BacktestSweep]:
    """The user's sweeps of `kind` (equity, options), newest first."""
    return owned_jobs(
        db,
        BacktestSweep,
        user_id=user_id,
        limit=limit,
        offset=offset,
        now=clock.now(),
        where=BacktestSweep.kind == kind,
    )


def get(
    db: Session, sweep_id: int, *, user_id: int, clock: Clock, kind: str = EQUITY
) -> BacktestSweep:
    """One of the user's sweeps of `kind`, up to date (one of the other kind: 404)."""
    return owned_job(
        db, BacktestSweep, sweep_id, user_id=user_id, label="sweep", now=clock.now(), kind=kind
    )


def cancel(
    db: Session, sweep_id: int, *, user_id: int, clock: Clock, kind: str = EQUITY
) -> BacktestSweep:
    """Ask a running sweep to stop (it stops after the chunks under way); 409 when it has
    already ended."""
    sweep = get(db, sweep_id, user_id=user_id, clock=clock, kind=kind)
    if sweep.status not in RUNNING:
        raise Conflict(f"the sweep has already ended ({sweep.status})")
    sweep.cancel_requested = True
    db.commit()
    return sweep


def delete(db: Session, sweep_id: int, *, user_id: int, clock: Clock, kind: str = EQUITY) -> None:
    """Forget a sweep that has ended (cancel a running one first: 409)."""
    sweep = get(db, sweep_id, user_id=user_id, clock=clock, kind=kind)
    if sweep.status in RUNNING:
        raise Conflict("the sweep is still running; cancel it first")
    # Its variants' runs stay in the history, no longer a sweep's (a later sweep may be
    # given its id again).
    db.execute(
        update(BacktestRun)
        .where(BacktestRun.sweep_id == sweep.id)
        .values(sweep_id=None, sweep_variant=None)
    )
    db.delete(sweep)
    db.commit()


def variants_per_s(sweep: BacktestSweep) -> float | None:
    """Throughput so far (wall time spent running)."""
    return round(sweep.done / sweep.elapsed_s, 2) if sweep.elapsed_s > 0 and sweep.done else None


def progress_of(sweep: BacktestSweep) -> dict[str, Any]:
    """A progress event's data."""
    return {
        "id": sweep.id,
        "status": sweep.status,
        "done": sweep.done,
        "total": sweep.total,
        "elapsed_s": sweep.elapsed_s,
        "variants_per_s": variants_per_s(sweep),
        "error": sweep.error,
    }


def progress_events(
    db: Database, row_id: int, *, clock: Clock, pacing: Pacing
) -> AsyncIterator[tuple[str, Any]]:
    """``progress`` whenever the count or status changes, then ``end`` once it has ended
    (``heartbeat`` after a quiet spell)."""
    return row_events(
        db, BacktestSweep, row_id, progress=progress_of, label="sweep", clock=clock, pacing=pacing
    )


def choices(db: Session, strategy_id: int, *, user_id: int, clock: Clock) -> list[Sweepable]:
    """What a sweep of a strategy the user can see may vary, with the defaults' settings."""
    strategies.ensure_builtins(db, clock=clock)
    row = strategies.get_visible(db, strategy_id, user_id=user_id)
    document = StrategyDocument.model_validate(row.document).model_dump(mode="json")
    return sweepables(document, BacktestSettings())
