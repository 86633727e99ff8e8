"""Options walk-forwards: the options sweep's grid of leg parameters folded as an equity
walk-forward is, stored and run on the research jobs; start, follow (SSE), list, read,
cancel, resume, delete. Answers are the equity walk-forward's (`WalkForwardOut`)."""

from __future__ import annotations

from fastapi import APIRouter, status

from tradertape.api.deps import CurrentUser, DbDep, PageDep, RuntimeDep
from tradertape.api.openapi_streams import stream_answer
from tradertape.api.schemas.errors import HEAVY_JOB_RESPONSES
from tradertape.api.schemas.numbers import RowId
from tradertape.api.schemas.options_sweeps import OptionWalkForwardRequest
from tradertape.api.schemas.walk_forwards import (
    WalkForwardBrief,
    WalkForwardOut,
    WalkForwardProgressMessage,
    walk_forward_brief,
    walk_forward_out,
)
from tradertape.services.research import options_walk_forwards as runs
from tradertape.services.research import walk_forwards
from tradertape.services.research.options_sweeps import OptionsSweepAsk
from tradertape.serving.open_streams import EventStream, StreamsDep

router = APIRouter(prefix="/backtests/options/walk-forwards", tags=["backtest"])


@router.post(
    "",
    response_model=WalkForwardBrief,
    status_code=status.HTTP_202_ACCEPTED,
    responses=HEAVY_JOB_RESPONSES,
)
def start_options_walk_forward(
    body: OptionWalkForwardRequest, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> WalkForwardBrief:
    """Start a walk-forward (``queued``) over a grid of one or two leg parameters of an
    options strategy: every fold runs each cell in sample and out of sample, chooses by the
    objective and scores the choice on days it never saw. A time-of-day parameter or a value
    the strategy refuses is a 422 naming ``parameters[i]``; windows the chains' days cannot
    hold name ``in_sample_days``; past your cap of sweeps under way, 429."""
    sweep = OptionsSweepAsk(
        strategy=body.strategy,
        parameters=body.parameters,
        start=body.start_date,
        end=body.end_date,
        data=body.data,
        seed=body.seed,
    )
    row = runs.start(
        db,
        runtime.research,
        runs.OptionsWalkForwardAsk(sweep=sweep, folds=body),
        clock=runtime.clock,
        user_id=user.id,
        data_dir=runtime.settings.data_dir,
        limit=runtime.settings.sweep_max_variants,
    )
    return walk_forward_brief(row)


@router.get("", response_model=list[WalkForwardBrief])
def list_options_walk_forwards(
    user: CurrentUser, runtime: RuntimeDep, db: DbDep, page: PageDep
) -> list[WalkForwardBrief]:
    """Your options walk-forwards, newest first (without their folds)."""
    rows = runs.history(
        db, user_id=user.id, limit=page.limit, offset=page.offset, clock=runtime.clock
    )
    return [walk_forward_brief(row) for row in rows]


@router.get("/{run_id}", response_model=WalkForwardOut)
def get_options_walk_forward(
    run_id: RowId, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> WalkForwardOut:
    """One options walk-forward: its finished folds and the verdict (the stitched
    out-of-sample curve, parameter stability, deflated Sharpe and PBO with their inputs)."""
    return walk_forward_out(runs.get(db, run_id, user_id=user.id, clock=runtime.clock))


@router.get(
    "/{run_id}/events",
    responses=stream_answer(
        WalkForwardProgressMessage,
        "Server-sent events: `progress` as fold-variants finish, then `end`.",
    ),
)
def stream_options_walk_forward_events(
    run_id: RowId, user: CurrentUser, runtime: RuntimeDep, db: DbDep, open_streams: StreamsDep
) -> EventStream:
    """SSE: fold-variants and folds done (``event: progress``), then ``event: end``."""
    runs.get(db, run_id, user_id=user.id, clock=runtime.clock)
    events = walk_forwards.progress_events(
        runtime.db, run_id, clock=runtime.clock, pacing=open_streams.pacing
    )
    return open_streams.sse(events, user_id=user.id)


@router.post(
    "/{run_id}/cancel", response_model=WalkForwardBrief, status_code=status.HTTP_202_ACCEPTED
)
def cancel_options_walk_forward(
    run_id: RowId, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> WalkForwardBrief:
    """Stop a running options walk-forward after the chunks under way (409 once ended)."""
    return walk_forward_brief(runs.cancel(db, run_id, user_id=user.id, clock=runtime.clock))


@router.post(
    "/{run_id}/resume",
    response_model=WalkForwardBrief,
    status_code=status.HTTP_202_ACCEPTED,
    responses=HEAVY_JOB_RESPONSES,
)
def resume_options_walk_forward(
    run_id: RowId, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> WalkForwardBrief:
    """Start again a run cut off, failed or cancelled, its finished folds kept (409 while it
    runs or once it completed)."""
    row = runs.resume(
        db,
        runtime.research,
        run_id,
        clock=runtime.clock,
        user_id=user.id,
        data_dir=runtime.settings.data_dir,
        limit=runtime.settings.sweep_max_variants,
    )
    return walk_forward_brief(row)


@router.delete("/{run_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_options_walk_forward(
    run_id: RowId, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> None:
    """Forget an options walk-forward that has ended (409 while it runs: cancel it first)."""
    runs.delete(db, run_id, user_id=user.id, clock=runtime.clock)
