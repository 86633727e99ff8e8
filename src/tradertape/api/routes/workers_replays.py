"""Worker replays: start a run against a past period (the web app's form), list and read
them with their reports (session cookie); a replay token reads its own replay.

A replay is named by its ``id``; another user's replay is a 404.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, status

from tradertape.api.deps import DbDep, RuntimeDep, SessionUser, worker_action
from tradertape.api.schemas.numbers import RowId
from tradertape.api.schemas.worker_replays import (
    ReplayIn,
    ReplayStartedOut,
    ReplayStartIn,
    WorkerReplayOut,
)
from tradertape.db.models import WorkerReplay, WorkerToken
from tradertape.domain.replay import ReplaySpec
from tradertape.errors import NotFound
from tradertape.services.workers import runs

router = APIRouter(prefix="/algo-workers/replays", tags=["algo-workers-desk"])
worker_router = APIRouter(prefix="/algo-workers/worker", tags=["algo-workers"])

Reader = Annotated[WorkerToken, Depends(worker_action("runs:read"))]


def replay_spec(body: ReplayIn) -> ReplaySpec:
    """The checked replay block (a 422 naming ``replay.<field>``)."""
    return ReplaySpec.parse(body.from_, body.to, body.resolution, body.speed)


@router.post("", response_model=ReplayStartedOut, status_code=status.HTTP_201_CREATED)
def start(body: ReplayStartIn, user: SessionUser, runtime: RuntimeDep, db: DbDep) -> dict[str, Any]:
    """Start a paper run against a past period; the answer carries its worker token once."""
    spec = runs.RunSpec(
        template_id=body.template_id,
        account_scope=body.account_scope,
        strategy_run_id=body.strategy_run_id,
    )
    started = runtime.replays.start(
        runtime.workers, db, owner_id=user.id, spec=spec, replay=replay_spec(body.replay)
    )
    replay: dict[str, Any] = started["replay"]
    return replay


@router.get("", response_model=list[WorkerReplayOut])
def list_replays(user: SessionUser, runtime: RuntimeDep, db: DbDep) -> list[dict[str, Any]]:
    """Your replays, newest first (their reports on each one's own page)."""
    return runtime.replays.listing(db, user.id)


@router.get("/{replay_id}", response_model=WorkerReplayOut)
def get_replay(
    replay_id: RowId, user: SessionUser, runtime: RuntimeDep, db: DbDep
) -> dict[str, Any]:
    """The replay, its clock and, once played out or its run closed, its report."""
    return runtime.replays.read(db, user.id, replay_id)


@worker_router.get("/replay", response_model=WorkerReplayOut)
def my_replay(token: Reader, runtime: RuntimeDep, db: DbDep) -> dict[str, Any]:
    """The replay this token plays in (404 for a token that is not a replay's)."""
    row = db.query(WorkerReplay).filter(WorkerReplay.token_id == token.id).one_or_none()
    if row is None:
        raise NotFound("this worker token is not a replay's")
    return runtime.replays.read(db, row.user_id, row.id)
