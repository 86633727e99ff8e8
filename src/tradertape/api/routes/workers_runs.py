"""Worker runs: create or recover, read, list; sessions, heartbeat, progress; safety; exit.

Thin: each route checks the token's action, then calls one service function.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response, status

from tradertape.api.deps import DbDep, RuntimeDep, worker_action
from tradertape.api.routes.workers_replays import replay_spec
from tradertape.api.schemas.worker_answers import ExitOut
from tradertape.api.schemas.worker_replays import ReplayRunOut
from tradertape.api.schemas.worker_runs import RunOut
from tradertape.api.schemas.workers import (
    ClaimOut,
    ExitIn,
    ProgressIn,
    ProgressOut,
    ReleasedOut,
    RunCreateIn,
    RunHeartbeatIn,
    RunHeartbeatOut,
    RunListOut,
    SafetyCheckOut,
)
from tradertape.db.models import WorkerToken
from tradertape.domain.worker_access import ExecutionMode
from tradertape.services.risk.exposure import RiskScope
from tradertape.services.workers import exits, live, runs, safety, sessions
from tradertape.services.workers.access import find_run

router = APIRouter(prefix="/algo-workers/worker", tags=["algo-workers"])

Nonce = Annotated[
    str | None,
    Header(alias="X-Worker-Session-Nonce", description="the claimed session's nonce"),
]
Creator = Annotated[WorkerToken, Depends(worker_action("runs:create"))]
Reader = Annotated[WorkerToken, Depends(worker_action("runs:read"))]
Beater = Annotated[WorkerToken, Depends(worker_action("heartbeat"))]
Reporter = Annotated[WorkerToken, Depends(worker_action("runs:progress"))]
Exiter = Annotated[WorkerToken, Depends(worker_action("runs:exit"))]


# A recovered run answers 200, as the document says (it declared only the 201).
_RECOVERED: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "This token's run of the same `strategy_run_id`, recovered.",
        "model": RunOut,
    }
}


@router.post(
    "/runs",
    response_model=ReplayRunOut,
    response_model_exclude_unset=True,
    status_code=status.HTTP_201_CREATED,
    responses=_RECOVERED,
)
def create_run(
    body: RunCreateIn, token: Creator, runtime: RuntimeDep, db: DbDep, response: Response
) -> dict[str, Any]:
    """Create a run, or recover this token's run of the same ``strategy_run_id`` (200).

    With a ``replay`` block the run plays against a past period: it is created under a
    replay of its own, whose token (``replay.token``, shown once) the worker then uses."""
    spec = runs.RunSpec(**body.model_dump(exclude={"replay"}))
    if body.replay is not None:
        replay = replay_spec(body.replay)
        return runtime.replays.start(
            runtime.workers,
            db,
            owner_id=token.user_id,
            spec=spec,
            replay=replay,
            creator=token,
        )
    view, created = runs.create(runtime.workers, db, token, spec)
    if not created:
        response.status_code = status.HTTP_200_OK
    return view


@router.get("/runs", response_model=RunListOut)
def list_runs(
    token: Reader,
    runtime: RuntimeDep,
    db: DbDep,
    limit: Annotated[int, Query(ge=1, le=runs.MAX_LIST)] = 25,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    """This token's runs, newest first; pass ``next_cursor`` back for the next page."""
    return runs.list_runs(runtime.workers, db, token, limit=limit, cursor=cursor)


@router.get("/runs/{run_id}", response_model=RunOut, response_model_exclude_unset=True)
def get_run(run_id: str, token: Reader, runtime: RuntimeDep, db: DbDep) -> dict[str, Any]:
    """The run with its health snapshot; 404 for unknown ids and other tokens' runs."""
    return runs.get(runtime.workers, db, token, run_id)


@router.post("/runs/{run_id}/claim-session", response_model=ClaimOut)
def claim_session(run_id: str, token: Reader, runtime: RuntimeDep, db: DbDep) -> dict[str, Any]:
    """Take the run's worker session; 409 ``WORKER_SESSION_CONFLICT`` while it is held."""
    return sessions.claim(runtime.workers, db, token, run_id)


@router.delete("/runs/{run_id}/claim-session", response_model=ReleasedOut)
def release_session(
    run_id: str, token: Reader, runtime: RuntimeDep, db: DbDep, nonce: Nonce = None
) -> dict[str, Any]:
    """Give the session up (needs its nonce)."""
    return sessions.release(runtime.workers, db, token, run_id, nonce)


@router.post("/runs/{run_id}/heartbeat", response_model=RunHeartbeatOut)
def run_heartbeat(
    run_id: str,
    token: Beater,
    runtime: RuntimeDep,
    db: DbDep,
    nonce: Nonce = None,
    body: RunHeartbeatIn | None = None,
) -> dict[str, Any]:
    """The session holder is alive."""
    beat = (body or RunHeartbeatIn()).model_dump()
    return sessions.heartbeat(runtime.workers, db, token, run_id, nonce, beat)


@router.post("/runs/{run_id}/progress", response_model=ProgressOut)
def run_progress(
    run_id: str,
    token: Reporter,
    runtime: RuntimeDep,
    db: DbDep,
    nonce: Nonce = None,
    body: ProgressIn | None = None,
) -> dict[str, Any]:
    """The session holder made progress (needs the ``runs:progress`` action)."""
    note = body.note if body is not None else None
    return sessions.progress(runtime.workers, db, token, run_id, nonce, note)


@router.get("/runs/{run_id}/safety-check", response_model=SafetyCheckOut)
def safety_check(run_id: str, token: Reader, runtime: RuntimeDep, db: DbDep) -> dict[str, Any]:
    """Whether the run may trade, with a short-lived safety token when it may; the kill
    switch, risk limits already breached and, for a live run, a switch that is off or no
    Kite session of its account are among the ``blocking_reasons``."""
    run = find_run(db, token, run_id)
    scope = RiskScope(worker_run_id=run.id)
    # mode fork: the risk monitor reads a live run's rules on the live book
    is_live = run.execution_mode == ExecutionMode.LIVE
    risk = runtime.risk.blocking(db, user_id=run.user_id, scope=scope, live=is_live)
    return safety.check(runtime.workers, run, [*risk, *live.blocking(runtime.workers, db, run)])


@router.post("/runs/{run_id}/exit", response_model=ExitOut, response_model_exclude_unset=True)
def exit_run(
    run_id: str, body: ExitIn, token: Exiter, runtime: RuntimeDep, db: DbDep, nonce: Nonce = None
) -> dict[str, Any]:
    """Flatten and close the run (``dry_run``: only the plan)."""
    return exits.exit_run(
        runtime.workers,
        db,
        token,
        run_id,
        nonce=nonce,
        reason=body.reason,
        key=body.idempotency_key,
        dry_run=body.dry_run,
    )
