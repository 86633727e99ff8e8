"""Sweeps and walk-forwards a server stop cut off start again when a server starts, without
their users pressing resume.

At start-up (`jobs.background`), after the jobs whose process ended are marked
``interrupted`` (`jobs.interrupt_stale_jobs`), each ``interrupted`` job is taken (`claim`:
one process of several starting together wins) and started again where it stopped: a
walk-forward skips its finished folds and resumes a Bayesian search at its next batch, a
sweep skips its finished variants. A job that cannot start again (its user is at the cap of
sweeps, or its data no longer hold it) stays ``interrupted`` for its user to resume or
delete, its error saying why. Failed and cancelled jobs are left alone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import Select, select

from tradertape.candles import CandleStore
from tradertape.db.engine import Database
from tradertape.db.models import BacktestSweep, WalkForwardRun
from tradertape.db.models.strategies import EQUITY, OPTIONS
from tradertape.errors import TraderTapeError
from tradertape.ports.clock import Clock
from tradertape.services.research import options_walk_forwards, sweeps
from tradertape.services.research.jobs import JobRow, ResearchJobs

log = logging.getLogger("tradertape.research")


@dataclass(slots=True)
class Resumed:
    """What start-up started again, and what it could not (id: why)."""

    sweeps: list[int] = field(default_factory=list)
    walk_forwards: list[int] = field(default_factory=list)
    left: dict[str, str] = field(default_factory=dict)


def resume_cut_off(
    db: Database,
    store: CandleStore,
    jobs: ResearchJobs,
    *,
    clock: Clock,
    limit: int,
    data_dir: Path | None = None,
) -> Resumed:
    """Start again every job cut off by a stop (status ``interrupted``), oldest first (an
    options walk-forward over the chains of `data_dir`)."""
    done = Resumed()
    with db.session() as session:
        runs = [(int(i), int(u)) for i, u in session.execute(_cut_off(WalkForwardRun))]
        swept = [(int(i), int(u)) for i, u in session.execute(_cut_off(BacktestSweep))]
        options = set(
            session.scalars(select(WalkForwardRun.id).where(WalkForwardRun.kind == OPTIONS))
        )
    for run_id, user_id in runs:
        with db.session() as session:
            try:
                options_walk_forwards.resume_kind(
                    session,
                    store,
                    jobs,
                    run_id,
                    kind=OPTIONS if run_id in options else EQUITY,
                    clock=clock,
                    user_id=user_id,
                    data_dir=data_dir,
                    limit=limit,
                )
                done.walk_forwards.append(run_id)
            except TraderTapeError as exc:
                _left(db, WalkForwardRun, run_id, str(getattr(exc, "detail", exc)), done)
    for sweep_id, _ in swept:
        with db.session() as session:
            sweep = session.get(BacktestSweep, sweep_id)
            if sweep is None:
                continue
            try:
                sweeps.resume_cut_off(session, store, jobs, sweep, clock=clock, limit=limit)
                done.sweeps.append(sweep_id)
            except (TraderTapeError, ValidationError) as exc:
                _left(db, BacktestSweep, sweep_id, str(getattr(exc, "detail", exc)), done)
    if done.sweeps or done.walk_forwards:
        log.info(
            "resumed after a stop: sweeps %s, walk-forwards %s", done.sweeps, done.walk_forwards
        )
    return done


def _cut_off(model: type[BacktestSweep] | type[WalkForwardRun]) -> Select[int, int]:
    return select(model.id, model.user_id).where(model.status == "interrupted").order_by(model.id)


def _left(
    db: Database,
    model: type[JobRow],
    row_id: int,
    why: str,
    done: Resumed,
) -> None:
    """Say on the row why it did not start again (it stays interrupted)."""
    kind = "sweep" if model is BacktestSweep else "walk-forward"
    done.left[f"{kind} {row_id}"] = why
    log.warning("%s %s not resumed at start-up: %s", kind, row_id, why)
    with db.session() as session:
        row = session.get(model, row_id)
        if row is not None and row.status == "interrupted":
            row.error = f"not resumed at start-up: {why}; resume it when you can"[:500]
            session.commit()
