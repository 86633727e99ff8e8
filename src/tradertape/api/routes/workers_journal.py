"""Worker accounting and journal: grouped P&L, funds, decision events and the timeline."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from tradertape.api.deps import DbDep, WorkersDep, worker_action
from tradertape.api.routes.workers_runs import Nonce, Reader
from tradertape.api.schemas.numbers import Cursor
from tradertape.api.schemas.workers import (
    DecisionIn,
    FundsOut,
    RunFundsOut,
    RunPnlOut,
    TimelineEvent,
    TimelineOut,
)
from tradertape.db.models import WorkerToken
from tradertape.services.workers import funds, pnl, timeline
from tradertape.services.workers.access import find_run

router = APIRouter(prefix="/algo-workers/worker", tags=["algo-workers"])

Funder = Annotated[WorkerToken, Depends(worker_action("funds:read"))]
Logger = Annotated[WorkerToken, Depends(worker_action("runs:log"))]
Filter = Annotated[str | None, Query(min_length=1, max_length=64)]


@router.get("/runs/{run_id}/pnl", response_model=RunPnlOut)
def run_pnl(run_id: str, token: Reader, workers: WorkersDep, db: DbDep) -> dict[str, Any]:
    """The run's grouped P&L: five totals and a row per leg, marked to the last price."""
    return pnl.snapshot(workers, db, token, run_id)


@router.get("/funds", response_model=FundsOut)
def account_funds(
    token: Funder,
    workers: WorkersDep,
    db: DbDep,
    mode: Annotated[str, Query(max_length=20)] = "paper",
    account_scope: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, Any]:
    """Funds of the token's scope (or another scope it may use) for one mode."""
    return funds.account_funds(workers, db, token, mode=mode, scope=account_scope)


@router.get("/runs/{run_id}/funds", response_model=RunFundsOut)
def run_funds(run_id: str, token: Funder, workers: WorkersDep, db: DbDep) -> dict[str, Any]:
    """Account funds plus the run's exposure against its allocation cap."""
    return funds.run_funds(workers, db, token, run_id)


@router.post("/runs/{run_id}/decision-events", response_model=TimelineEvent)
def log_decision_event(
    run_id: str,
    body: DecisionIn,
    token: Logger,
    workers: WorkersDep,
    db: DbDep,
    nonce: Nonce = None,
) -> dict[str, Any]:
    """Journal a worker decision; a claimed run accepts none or the right nonce."""
    related = (
        (body.related_resource_type, body.related_resource_id)
        if body.related_resource_type is not None and body.related_resource_id is not None
        else None
    )
    if body.decision_type is not None:
        event_type = f"decision.{body.decision_type}"
        payload = {
            "decision_type": body.decision_type,
            "action": body.action,
            "metadata": body.metadata,
        }
    else:
        event_type = body.event_type or "decision.note"
        payload = {"details": body.details, "metadata": body.metadata}
    decision = timeline.Decision(
        event_type=event_type,
        summary=body.summary,
        payload=payload,
        related=related,
        basket_execution_id=body.basket_execution_id,
    )
    return timeline.log_decision(workers, db, token, run_id, nonce=nonce, decision=decision)


@router.get("/runs/{run_id}/timeline", response_model=TimelineOut)
def list_timeline(
    run_id: str,
    token: Reader,
    db: DbDep,
    after_cursor: Cursor = 0,
    limit: Annotated[int, Query(ge=1, le=timeline.MAX_LIMIT)] = timeline.DEFAULT_LIMIT,
    event_kind: Annotated[str | None, Query(pattern="^(execution|decision|protection)$")] = None,
    event_source: Filter = None,
    event_type: Filter = None,
    related_resource_type: Filter = None,
    related_resource_id: Filter = None,
    basket_execution_id: Filter = None,
) -> dict[str, Any]:
    """The run's events after ``after_cursor``, oldest first; resume from ``last_cursor``."""
    filters = {
        "event_kind": event_kind,
        "event_source": event_source,
        "event_type": event_type,
        "related_resource_type": related_resource_type,
        "related_resource_id": related_resource_id,
        "basket_execution_id": basket_execution_id,
    }
    query = timeline.TimelineQuery(
        after_cursor=after_cursor,
        limit=limit,
        filters={k: v for k, v in filters.items() if v is not None},
    )
    return timeline.page(db, find_run(db, token, run_id), query)
