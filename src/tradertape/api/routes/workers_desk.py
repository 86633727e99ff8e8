"""The owner's desk of worker runs (session cookie): the run cards, a run with its P&L,
orders, trades and timeline (each also live over SSE), and the owner's protection, risk
and exit. A run is named by its desk ``id``; another user's run is a 404."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from tradertape.api.deps import DbDep, PageDep, RuntimeDep, SessionUser
from tradertape.api.openapi_streams import stream_answer
from tradertape.api.routes.workers_streams import STREAM_LIMIT, Interval
from tradertape.api.schemas.numbers import Cursor, RowId
from tradertape.api.schemas.option_answers import OptionRunOut
from tradertape.api.schemas.options_desk import PayoffOut, WhatIfIn
from tradertape.api.schemas.streams import RunPnlMessage, RunTimelineMessage
from tradertape.api.schemas.worker_answers import ExitOut
from tradertape.api.schemas.worker_desk import DeskRunOut, RunBookOut, RunCardOut
from tradertape.api.schemas.workers import ExitIn, ProtectionIn, RiskPatchIn, RunPnlOut, TimelineOut
from tradertape.services.options import runs as option_runs
from tradertape.services.options.payoff import WhatIf, run_payoff
from tradertape.services.protection import settings as run_settings
from tradertape.services.workers import desk, exits, orders, pnl, streams, timeline
from tradertape.serving.open_streams import EventStream, StreamsDep

router = APIRouter(prefix="/algo-workers/runs", tags=["algo-workers-desk"])

Kind = Annotated[str | None, Query(pattern="^(execution|decision|protection)$")]


def _query(after_cursor: int, limit: int, event_kind: str | None) -> timeline.TimelineQuery:
    filters = {"event_kind": event_kind} if event_kind is not None else {}
    return timeline.TimelineQuery(after_cursor=after_cursor, limit=limit, filters=filters)


@router.get("", response_model=list[RunCardOut])
def list_runs(
    user: SessionUser, runtime: RuntimeDep, db: DbDep, page: PageDep
) -> list[dict[str, Any]]:
    """Your worker runs, newest first: status, mode, health, heartbeat age, net P&L."""
    return desk.cards(runtime.workers, db, user_id=user.id, limit=page.limit, offset=page.offset)


@router.get("/{run_id}", response_model=DeskRunOut)
def get_run(run_id: RowId, user: SessionUser, runtime: RuntimeDep, db: DbDep) -> dict[str, Any]:
    """The run: its documents, session, health and backend protection state."""
    return desk.detail(runtime.workers, db, user_id=user.id, run_pk=run_id)


@router.get("/{run_id}/pnl", response_model=RunPnlOut)
def get_pnl(run_id: RowId, user: SessionUser, runtime: RuntimeDep, db: DbDep) -> dict[str, Any]:
    """The run's grouped P&L: totals and legs."""
    run, token = desk.owned(db, user_id=user.id, run_pk=run_id)
    return pnl.snapshot(runtime.workers, db, token, run.run_key)


@router.get(
    "/{run_id}/pnl/stream",
    responses=stream_answer(RunPnlMessage, "Server-sent events: the run's P&L (`snapshot`)."),
)
def stream_pnl(
    run_id: RowId,
    user: SessionUser,
    runtime: RuntimeDep,
    db: DbDep,
    open_streams: StreamsDep,
    interval_seconds: Interval = 1.0,
) -> EventStream:
    """SSE: the run's P&L snapshot whenever it changes (``event: snapshot``)."""
    run, _ = desk.owned(db, user_id=user.id, run_pk=run_id)
    pace = open_streams.pacing
    events = streams.run_pnl(
        runtime.db, runtime.workers, run.id, interval=interval_seconds, pacing=pace
    )
    return open_streams.sse(events, user_id=user.id)


@router.get("/{run_id}/book", response_model=RunBookOut)
def get_book(run_id: RowId, user: SessionUser, runtime: RuntimeDep, db: DbDep) -> dict[str, Any]:
    """The run's orders and trades, oldest first."""
    run, token = desk.owned(db, user_id=user.id, run_pk=run_id)
    placed = orders.list_orders(runtime.workers, db, token, run.run_key)
    filled = orders.list_trades(runtime.workers, db, token, run.run_key)
    return {**placed, "trades": filled["trades"]}


@router.get("/{run_id}/timeline", response_model=TimelineOut)
def get_timeline(
    run_id: RowId,
    user: SessionUser,
    db: DbDep,
    after_cursor: Cursor = 0,
    limit: Annotated[int, Query(ge=1, le=timeline.MAX_LIMIT)] = timeline.DEFAULT_LIMIT,
    event_kind: Kind = None,
) -> dict[str, Any]:
    """The run's events after ``after_cursor``, oldest first; ``event_kind`` filters."""
    run, _ = desk.owned(db, user_id=user.id, run_pk=run_id)
    return timeline.page(db, run, _query(after_cursor, limit, event_kind))


@router.get(
    "/{run_id}/timeline/stream",
    responses=stream_answer(RunTimelineMessage, "Server-sent events: the run's timeline."),
)
def stream_timeline(
    run_id: RowId,
    user: SessionUser,
    runtime: RuntimeDep,
    db: DbDep,
    open_streams: StreamsDep,
    after_cursor: Cursor = 0,
    limit: Annotated[int, Query(ge=1, le=STREAM_LIMIT)] = 500,
    event_kind: Kind = None,
) -> EventStream:
    """SSE: the events after ``after_cursor``, then each new one (plain ``data:``)."""
    run, _ = desk.owned(db, user_id=user.id, run_pk=run_id)
    query = _query(after_cursor, limit, event_kind)
    events = streams.timeline(runtime.db, run.id, run.run_key, query, pacing=open_streams.pacing)
    return open_streams.sse(events, user_id=user.id)


@router.patch("/{run_id}/protection", response_model=DeskRunOut)
def update_protection(
    run_id: RowId, body: ProtectionIn, user: SessionUser, runtime: RuntimeDep, db: DbDep
) -> dict[str, Any]:
    """Replace the run's backend protection document (a new generation); 422 names the field."""
    run, token = desk.owned(db, user_id=user.id, run_pk=run_id)
    view = run_settings.update_protection(
        runtime.workers,
        db,
        token,
        run.run_key,
        nonce=desk.held_nonce(run),
        config=body.backend_protection,
        reason=body.reason,
        reset_trailing=body.reset_trailing,
    )
    return desk.with_identity(db, run, token, view)


@router.patch("/{run_id}/risk", response_model=DeskRunOut)
def patch_risk(
    run_id: RowId, body: RiskPatchIn, user: SessionUser, runtime: RuntimeDep, db: DbDep
) -> dict[str, Any]:
    """Merge the patch into the run's ``runtime_state.risk`` and its risk fields."""
    run, token = desk.owned(db, user_id=user.id, run_pk=run_id)
    view = run_settings.patch_risk(
        runtime.workers,
        db,
        token,
        run.run_key,
        nonce=desk.held_nonce(run),
        patch=body.patch,
        reason=body.reason,
    )
    return desk.with_identity(db, run, token, view)


@router.post("/{run_id}/exit", response_model=ExitOut, response_model_exclude_unset=True)
def exit_run(
    run_id: RowId, body: ExitIn, user: SessionUser, runtime: RuntimeDep, db: DbDep
) -> dict[str, Any]:
    """Flatten and close the run; ``dry_run`` answers the plan (legs, orders, cancels) only."""
    run, token = desk.owned(db, user_id=user.id, run_pk=run_id)
    return exits.exit_run(
        runtime.workers,
        db,
        token,
        run.run_key,
        nonce=desk.held_nonce(run),
        reason=body.reason or "exit from the desk",
        key=body.idempotency_key,
        dry_run=body.dry_run,
    )


@router.get("/{run_id}/option", response_model=OptionRunOut, response_model_exclude_unset=True)
def get_option_run(
    run_id: RowId, user: SessionUser, runtime: RuntimeDep, db: DbDep
) -> dict[str, Any]:
    """The run's option structure: legs with positions and marks, protection and its verdict."""
    run, token = desk.owned(db, user_id=user.id, run_pk=run_id)
    return option_runs.state(runtime.options, db, token, run.run_key)


@router.post("/{run_id}/option/payoff", response_model=PayoffOut)
def option_payoff(
    run_id: RowId, body: WhatIfIn, user: SessionUser, runtime: RuntimeDep, db: DbDep
) -> dict[str, Any]:
    """The option run's payoff at expiry and today (entered legs at their fill prices),
    with a what-if on spot, IV and days to expiry."""
    run, token = desk.owned(db, user_id=user.id, run_pk=run_id)
    state = option_runs.state(runtime.options, db, token, run.run_key)
    what_if = WhatIf(spot=body.spot, iv_shift=body.iv_shift, days_to_expiry=body.days_to_expiry)
    return run_payoff(runtime.options, db, state, what_if)
