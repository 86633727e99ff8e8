"""The signed-in owner's desk of worker runs: the run cards, one run, and the owner's hand
on it (protection, risk, exit).

The owner names a run by its row id (a ``strategy_run_id`` is unique per token only) and
sees every run of every token they issued; another user's run is the same 404 as a run
that does not exist. The owner acts with the authority of the run's token and over any
worker session: the exit and the protection editor stay reachable while a worker holds
the session, as a kill switch must.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models import WorkerOptionRun, WorkerRun, WorkerToken
from tradertape.errors import NotFound
from tradertape.services.workers import pnl
from tradertape.services.workers.access import RUN_NOT_FOUND
from tradertape.services.workers.context import WorkerContext
from tradertape.services.workers.views import (
    desk_health,
    health_fields,
    iso,
    list_item,
    run_view,
)


def owned(db: Session, *, user_id: int, run_pk: int) -> tuple[WorkerRun, WorkerToken]:
    """The user's run with this id and the token it runs under; 404 otherwise."""
    run = db.get(WorkerRun, run_pk, populate_existing=True)
    if run is None or run.user_id != user_id:
        raise NotFound(RUN_NOT_FOUND)
    token = db.get(WorkerToken, run.token_id)
    if token is None:  # pragma: no cover - the run's foreign key cascades with its token
        raise NotFound(RUN_NOT_FOUND)
    return run, token


def held_nonce(run: WorkerRun) -> str | None:
    """The claimed session's nonce, so the owner's change passes the session check."""
    return run.session_nonce


def _option_runs(db: Session, runs: list[WorkerRun]) -> set[int]:
    ids = [run.id for run in runs]
    if not ids:
        return set()
    return set(db.scalars(select(WorkerOptionRun.run_pk).where(WorkerOptionRun.run_pk.in_(ids))))


def _token_names(db: Session, runs: list[WorkerRun]) -> dict[str, str]:
    ids = {run.token_id for run in runs}
    if not ids:
        return {}
    rows = db.execute(select(WorkerToken.id, WorkerToken.name).where(WorkerToken.id.in_(ids)))
    return {row.id: row.name for row in rows}


def card(
    workers: WorkerContext, db: Session, run: WorkerRun, token_name: str, is_option: bool
) -> dict[str, Any]:
    """A run at a glance: identity, mode, status, health and net P&L now."""
    now = workers.clock.now()
    usage = pnl.compute(workers, db, run)
    snapshot = pnl.snapshot_of(run, usage, now)
    return {
        "id": run.id,
        **list_item(run),
        "token_name": token_name,
        "is_option_run": is_option,
        **health_fields(run, workers.windows, now),
        "health_status": desk_health(run, now),
        "last_heartbeat_at": iso(run.last_heartbeat_at),
        "net_pnl": snapshot["totals"]["net_pnl"],
        "position_count": snapshot["position_count"],
    }


def cards(
    workers: WorkerContext, db: Session, *, user_id: int, limit: int, offset: int
) -> list[dict[str, Any]]:
    """The user's runs, newest first."""
    query = (
        select(WorkerRun)
        .where(WorkerRun.user_id == user_id)
        .order_by(WorkerRun.id.desc())
        .limit(limit)
        .offset(offset)
    )
    runs = list(db.scalars(query))
    names = _token_names(db, runs)
    options = _option_runs(db, runs)
    return [card(workers, db, run, names.get(run.token_id, ""), run.id in options) for run in runs]


def detail(workers: WorkerContext, db: Session, *, user_id: int, run_pk: int) -> dict[str, Any]:
    """The full run (as the worker API shows it) with its id, token name and option flag."""
    run, token = owned(db, user_id=user_id, run_pk=run_pk)
    now = workers.clock.now()
    view = run_view(run, workers.windows, now) | {"health_status": desk_health(run, now)}
    return with_identity(db, run, token, view)


def with_identity(
    db: Session, run: WorkerRun, token: WorkerToken, view: dict[str, Any]
) -> dict[str, Any]:
    """A run view with what the desk adds: the row id, the token's name, the option flag."""
    is_option = bool(_option_runs(db, [run]))
    return {**view, "id": run.id, "token_name": token.name, "is_option_run": is_option}
