"""Walk-forwards: start one, follow it (SSE), list, read, cancel, resume, delete.

`run_routes` adds every route but the start to a router for one kind of run: the equity
walk-forwards here (``/api/backtest/walk-forwards``), the options ones
(`options_walk_forwards`, ``/api/backtests/options/walk-forwards``), rows of one table told
apart by their kind (one kind's id under the other's path: 404)."""

from __future__ import annotations

from fastapi import APIRouter, status

from tradertape.api.deps import CurrentUser, DbDep, PageDep, RuntimeDep
from tradertape.api.openapi_streams import stream_answer
from tradertape.api.schemas.errors import HEAVY_JOB_RESPONSES
from tradertape.api.schemas.numbers import RowId
from tradertape.api.schemas.walk_forwards import (
    WalkForwardBrief,
    WalkForwardOut,
    WalkForwardProgressMessage,
    walk_forward_brief,
    walk_forward_out,
)
from tradertape.backtest.walk_forward_request import WalkForwardRequest
from tradertape.db.models.strategies import EQUITY
from tradertape.services.research import options_walk_forwards, walk_forwards
from tradertape.serving.open_streams import EventStream, StreamsDep

router = APIRouter(prefix="/backtest/walk-forwards", tags=["backtest"])


@router.post(
    "",
    response_model=WalkForwardBrief,
    status_code=status.HTTP_202_ACCEPTED,
    responses=HEAVY_JOB_RESPONSES,
)
def start_walk_forward(
    body: WalkForwardRequest, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> WalkForwardBrief:
    """Start a walk-forward (``queued``): every fold runs the grid (or a random sample of
    it) in sample, chooses by the objective and scores the choice out of sample; follow it
    on ``GET /api/backtest/walk-forwards/{id}/events``. It counts as one of your sweeps
    under way (429 past your cap)."""
    row = walk_forwards.start(
        db,
        runtime.candles,
        runtime.research,
        body,
        clock=runtime.clock,
        user_id=user.id,
        limit=runtime.settings.sweep_max_variants,
    )
    return walk_forward_brief(row)


def run_routes(router: APIRouter, kind: str) -> None:
    """List, read, follow, cancel, resume and delete the runs of `kind` on `router` (each
    operation named for its kind: ``list_options_walk_forwards``)."""
    word = "" if kind == EQUITY else f"{kind}_"

    @router.get("", response_model=list[WalkForwardBrief], name=f"list_{word}walk_forwards")
    def list_walk_forwards(
        user: CurrentUser, runtime: RuntimeDep, db: DbDep, page: PageDep
    ) -> list[WalkForwardBrief]:
        """Your walk-forwards, newest first (without their folds)."""
        rows = walk_forwards.history(
            db,
            user_id=user.id,
            limit=page.limit,
            offset=page.offset,
            clock=runtime.clock,
            kind=kind,
        )
        return [walk_forward_brief(row) for row in rows]

    @router.get("/{run_id}", response_model=WalkForwardOut, name=f"get_{word}walk_forward")
    def get_walk_forward(
        run_id: RowId, user: CurrentUser, runtime: RuntimeDep, db: DbDep
    ) -> WalkForwardOut:
        """One walk-forward: each finished fold (its choice, in- and out-of-sample figures,
        degradation, its grid's scores) and the verdict: the stitched out-of-sample curve,
        parameter stability, the deflated Sharpe ratio and PBO with their inputs."""
        run = walk_forwards.get(db, run_id, user_id=user.id, clock=runtime.clock, kind=kind)
        return walk_forward_out(run)

    @router.get(
        "/{run_id}/events",
        name=f"stream_{word}walk_forward_events",
        responses=stream_answer(
            WalkForwardProgressMessage,
            "Server-sent events: `progress` as fold-variants finish, then `end`.",
        ),
    )
    def stream_walk_forward_events(
        run_id: RowId,
        user: CurrentUser,
        runtime: RuntimeDep,
        db: DbDep,
        open_streams: StreamsDep,
    ) -> EventStream:
        """SSE: fold-variants and folds done (``event: progress``), then ``event: end``."""
        walk_forwards.get(db, run_id, user_id=user.id, clock=runtime.clock, kind=kind)
        events = walk_forwards.progress_events(
            runtime.db, run_id, clock=runtime.clock, pacing=open_streams.pacing
        )
        return open_streams.sse(events, user_id=user.id)

    @router.post(
        "/{run_id}/cancel",
        response_model=WalkForwardBrief,
        status_code=status.HTTP_202_ACCEPTED,
        name=f"cancel_{word}walk_forward",
    )
    def cancel_walk_forward(
        run_id: RowId, user: CurrentUser, runtime: RuntimeDep, db: DbDep
    ) -> WalkForwardBrief:
        """Stop a running walk-forward after the chunks under way (it ends ``cancelled``,
        keeping the folds finished); 409 once it has ended."""
        run = walk_forwards.cancel(db, run_id, user_id=user.id, clock=runtime.clock, kind=kind)
        return walk_forward_brief(run)

    @router.post(
        "/{run_id}/resume",
        name=f"resume_{word}walk_forward",
        response_model=WalkForwardBrief,
        status_code=status.HTTP_202_ACCEPTED,
        responses=HEAVY_JOB_RESPONSES,
    )
    def resume_walk_forward(
        run_id: RowId, user: CurrentUser, runtime: RuntimeDep, db: DbDep
    ) -> WalkForwardBrief:
        """Start again a walk-forward that was cut off (a restart), failed or was cancelled:
        the folds it finished are kept and skipped. 409 while it runs or once it completed."""
        row = options_walk_forwards.resume_kind(
            db,
            runtime.candles,
            runtime.research,
            run_id,
            kind=kind,
            clock=runtime.clock,
            user_id=user.id,
            data_dir=runtime.settings.data_dir,
            limit=runtime.settings.sweep_max_variants,
        )
        return walk_forward_brief(row)

    @router.delete(
        "/{run_id}", status_code=status.HTTP_204_NO_CONTENT, name=f"delete_{word}walk_forward"
    )
    def delete_walk_forward(
        run_id: RowId, user: CurrentUser, runtime: RuntimeDep, db: DbDep
    ) -> None:
        """Forget a walk-forward that has ended (409 while it runs: cancel it first)."""
        walk_forwards.delete(db, run_id, user_id=user.id, clock=runtime.clock, kind=kind)


run_routes(router, EQUITY)
