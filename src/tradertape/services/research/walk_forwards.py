"""Walk-forwards as a use case: check the grid and the folds, load the market once, start,
read, cancel, resume, delete.

`start` refuses what cannot run with a 422 naming the field (a grid or sample over the
limit names ``parameters``; windows the range cannot hold name ``in_sample_days``), stores
the run as ``queued`` and hands it to the research jobs, under the user's cap of sweeps (a
walk-forward is one: 429 past it). `resume` starts again a run that ended before its last
fold (a restart cut it off, it failed or was cancelled): the folds it finished are kept and
skipped. Reads bring a run cut off by a restart up to date (``interrupted``) first.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete as delete_rows
from sqlalchemy.orm import Session

from tradertape.backtest.sweep import ChunkMarket, SweepMarket
from tradertape.backtest.walk_forward import (
    Fold,
    NoFolds,
    Verdict,
    WalkForwardSpec,
    make_folds,
    sample_variants,
    trading_days,
)
from tradertape.backtest.walk_forward_request import WalkForwardRequest
from tradertape.candles import CandleStore
from tradertape.db.engine import Database
from tradertape.db.models import WalkForwardRun, WalkForwardTrial
from tradertape.db.models.strategies import EQUITY
from tradertape.errors import Conflict, InvalidField
from tradertape.ports.clock import Clock
from tradertape.services.job_caps import SWEEP
from tradertape.services.pacing import Pacing
from tradertape.services.research.backtests import resolve_strategy
from tradertape.services.research.jobs import (
    RUNNING,
    FoldWork,
    ResearchJobs,
    claim,
    interrupt_stale_jobs,
    owned_job,
    owned_jobs,
    row_events,
)
from tradertape.services.research.runners import this_process
from tradertape.services.research.simulation import load_market, settings_of
from tradertape.services.research.sweeps import checked_grid

RESUMABLE = ("interrupted", "failed", "cancelled")


def prepare(
    store: CandleStore, request: WalkForwardRequest, document: dict[str, Any], *, limit: int
) -> tuple[SweepMarket, WalkForwardSpec, Verdict]:
    """The market, the folds and the variants of a request; 422s name the field."""
    sweep = checked_grid(request.parameters, document, settings_of(request))
    trials = request.per_fold_trials
    variants: Sequence[int] = (
        range(sweep.size)
        if trials is not None
        else sample_variants(sweep.size, request.samples, request.seed)
    )
    tried = trials if trials is not None else len(variants)
    cap = min(request.max_variants, limit)
    if tried > cap:
        which = "this server's" if request.max_variants > limit else "max_variants"
        field, fix = (
            ("trials", "ask for fewer trials")
            if trials is not None
            else ("parameters", "use fewer values or search: random with fewer samples")
        )
        raise InvalidField(
            field,
            f"each fold would try {tried:,} variants, more than the limit of {cap:,} "
            f"({which}); {fix}",
        )
    loaded = load_market(store, request)
    plan = request.fold_plan()
    try:
        folds = make_folds(trading_days(loaded.panel, request.start_date, request.end_date), plan)
    except NoFolds as exc:
        raise InvalidField("in_sample_days", str(exc)) from None
    market = SweepMarket(
        panel=loaded.panel,
        benchmark=loaded.benchmark,
        benchmark_source=loaded.benchmark_source,
        start=request.start_date,
        split=folds[0].out_start,
        end=request.end_date,
    )
    spec = WalkForwardSpec(
        sweep=sweep, folds=tuple(folds), variants=variants, trials=trials, seed=request.seed
    )
    verdict = Verdict(
        objective=request.objective,
        paths=tuple(p.path for p in request.parameters),
        capital=settings_of(request).starting_capital,
        pbo_blocks=request.pbo_blocks,
        per_fold_search=trials is not None,
    )
    return market, spec, verdict


def start(
    db: Session,
    store: CandleStore,
    jobs: ResearchJobs,
    request: WalkForwardRequest,
    *,
    clock: Clock,
    user_id: int,
    limit: int,
) -> WalkForwardRun:
    """Check the walk-forward, store it as queued and start it (holding a place under the
    user's cap of sweeps until it ends)."""

    def ready() -> Launch:
        if "max_variants" in request.model_fields_set and request.max_variants > limit:
            raise InvalidField("max_variants", f"must be at most {limit:,} on this server")
        resolved = resolve_strategy(db, request, clock=clock, user_id=user_id)
        document = resolved.document.model_dump(mode="json")
        market, spec, verdict = prepare(store, request, document, limit=limit)
        run = queued(
            jobs,
            spec,
            user_id=user_id,
            name=resolved.document.name,
            snapshot=document,
            config=request.config_dump(),
            clock=clock,
        )
        run.strategy_id = resolved.row.id if resolved.row else None
        run.strategy_version = resolved.row.version if resolved.row else None
        db.add(run)
        db.commit()
        return market, spec, verdict, run

    return launch(jobs, user_id=user_id, ready=ready)


Launch = tuple[ChunkMarket, FoldWork, Verdict, WalkForwardRun]


def launch(jobs: ResearchJobs, *, user_id: int, ready: Callable[[], Launch]) -> WalkForwardRun:
    """Take a place under the user's cap of sweeps (429 past it), make the run ready
    (checked, stored: `ready`; a refusal gives the place back) and start it on the jobs,
    which hold the place until it ends (an equity or an options run, new or resumed)."""
    release = jobs.caps.take(user_id, SWEEP)
    try:
        market, spec, verdict, run = ready()
    except BaseException:
        release()
        raise
    jobs.run_walk_forward(run.id, market, spec, verdict, user_id=user_id, release=release)
    return run


def queued(
    jobs: ResearchJobs,
    spec: FoldWork,
    *,
    user_id: int,
    name: str,
    snapshot: dict[str, Any],
    config: dict[str, Any],
    clock: Clock,
    kind: str = EQUITY,
) -> WalkForwardRun:
    """A new run of `kind` as stored before its first fold (an equity or an options one)."""
    return WalkForwardRun(
        kind=kind,
        user_id=user_id,
        strategy_name=name,
        strategy_snapshot=snapshot,
        config=config,
        status="queued",
        executor=jobs.plan.executor,
        workers=1 if jobs.plan.executor == "serial" else jobs.plan.workers,
        fold_count=len(spec.folds),
        variant_count=spec.width,
        total=spec.size,
        done=0,
        elapsed_s=0.0,
        folds=[],
        summary=None,
        created_at=clock.now(),
        heartbeat_at=clock.now(),
        runner=this_process(),
    )


def resume(
    db: Session,
    store: CandleStore,
    jobs: ResearchJobs,
    run_id: int,
    *,
    clock: Clock,
    user_id: int,
    limit: int,
) -> WalkForwardRun:
    """Start again one of the user's runs that ended before its last fold, skipping the
    folds it finished (409: it is running, or it completed; a fold whose days moved, the
    data having changed, runs again)."""
    run = get(db, run_id, user_id=user_id, clock=clock)
    resumable(run)
    try:
        request = WalkForwardRequest.model_validate(
            {**run.config, "strategy_id": None, "strategy": run.strategy_snapshot}
        )
    except ValidationError:
        raise Conflict(
            f"walk-forward {run.id} was stored in a form this server no longer reads"
        ) from None

    def ready() -> Launch:
        market, spec, verdict = prepare(store, request, run.strategy_snapshot, limit=limit)
        reopen(db, run, spec.folds, width=spec.width, clock=clock)
        return market, spec, verdict, run

    return launch(jobs, user_id=user_id, ready=ready)


def resumable(run: WalkForwardRun) -> None:
    """Refuse (409) a run that is under way or completed."""
    if run.status not in RESUMABLE:
        raise Conflict(f"only a run that was cut off, failed or cancelled resumes ({run.status})")


def reopen(
    db: Session, run: WalkForwardRun, folds: Sequence[Fold], *, width: int, clock: Clock
) -> None:
    """Take an ended run to start again (`claim`, after the slow part: SQLite locks) with
    its finished folds kept, those whose days moved (the data changed) dropped."""
    claim(db, WalkForwardRun, run, clock=clock)
    planned = {fold.index: fold.as_dict() for fold in folds}
    kept = list(run.folds)
    run.folds = [f for f in kept if planned.get(int(f["index"])) == _days_of(f)]
    if len(run.folds) < len(kept) or run.fold_count != len(folds):
        # the folds' days moved (the data changed): an unfinished fold's trials start over
        _forget_trials(db, run.id, keep={int(f["index"]) for f in run.folds})
    run.fold_count, run.variant_count, run.total = len(folds), width, len(folds) * width
    run.done = len(run.folds) * run.variant_count
    run.status, run.error, run.cancel_requested = "queued", None, False
    run.summary, run.finished_at = None, None
    run.heartbeat_at, run.runner = clock.now(), this_process()
    db.commit()


def _forget_trials(db: Session, run_id: int, *, keep: set[int]) -> None:
    """Delete a run's stored search trials but those of the folds ``keep``."""
    db.execute(
        delete_rows(WalkForwardTrial).where(
            WalkForwardTrial.run_id == run_id, WalkForwardTrial.fold.not_in(keep)
        )
    )


def _days_of(fold: dict[str, Any]) -> dict[str, Any]:
    return {key: fold[key] for key in ("index", "in_start", "in_end", "out_start", "out_end")}


def interrupt_stale(db: Session, *, clock: Clock) -> int:
    """Every user's walk-forwards cut off by a restart, marked (at start-up); how many."""
    return interrupt_stale_jobs(db, WalkForwardRun, clock=clock)


def history(
    db: Session, *, user_id: int, limit: int, offset: int, clock: Clock, kind: str = EQUITY
) -> list[WalkForwardRun]:
    """The user's walk-forwards of `kind` (equity, options), newest first."""
    return owned_jobs(
        db,
        WalkForwardRun,
        user_id=user_id,
        limit=limit,
        offset=offset,
        now=clock.now(),
        where=WalkForwardRun.kind == kind,
    )


def get(
    db: Session, run_id: int, *, user_id: int, clock: Clock, kind: str = EQUITY
) -> WalkForwardRun:
    """One of the user's walk-forwards of `kind`, up to date (one of the other kind: 404)."""
    now = clock.now()
    return owned_job(
        db, WalkForwardRun, run_id, user_id=user_id, label="walk-forward", now=now, kind=kind
    )


def cancel(
    db: Session, run_id: int, *, user_id: int, clock: Clock, kind: str = EQUITY
) -> WalkForwardRun:
    """Ask a running walk-forward to stop after the chunks under way (409 once ended)."""
    run = get(db, run_id, user_id=user_id, clock=clock, kind=kind)
    if run.status not in RUNNING:
        raise Conflict(f"the walk-forward has already ended ({run.status})")
    run.cancel_requested = True
    db.commit()
    return run


def delete(db: Session, run_id: int, *, user_id: int, clock: Clock, kind: str = EQUITY) -> None:
    """Forget a walk-forward that has ended (409 while it runs: cancel it first)."""
    run = get(db, run_id, user_id=user_id, clock=clock, kind=kind)
    if run.status in RUNNING:
        raise Conflict("the walk-forward is still running; cancel it first")
    db.delete(run)
    db.commit()


def progress_of(run: WalkForwardRun) -> dict[str, Any]:
    """A progress event's data."""
    return {
        "id": run.id,
        "status": run.status,
        "done": run.done,
        "total": run.total,
        "folds_done": run.done // max(1, run.variant_count),  # (the folds unread)
        "fold_count": run.fold_count,
        "elapsed_s": run.elapsed_s,
        "error": run.error,
    }


def progress_events(
    db: Database, row_id: int, *, clock: Clock, pacing: Pacing
) -> AsyncIterator[tuple[str, Any]]:
    """``progress`` whenever the count or status changes, then ``end`` once it has ended
    (``heartbeat`` after a quiet spell)."""
    return row_events(
        db,
        WalkForwardRun,
        row_id,
        progress=progress_of,
        label="walk-forward",
        clock=clock,
        pacing=pacing,
    )
