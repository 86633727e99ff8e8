"""Parameter sweeps: start one, follow its progress (SSE), list, read, cancel, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from tradertape.api.deps import CurrentUser, DbDep, PageDep, RuntimeDep
from tradertape.api.openapi_streams import stream_answer
from tradertape.api.schemas.errors import HEAVY_JOB_RESPONSES
from tradertape.api.schemas.numbers import RowId
from tradertape.api.schemas.strategies import BacktestRunBrief, run_brief
from tradertape.api.schemas.sweeps import (
    SweepBrief,
    SweepChoice,
    SweepOut,
    SweepProgressMessage,
    sweep_brief,
    sweep_out,
)
from tradertape.backtest.sweep_request import SweepRequest
from tradertape.domain.row_ids import MAX_ROW_ID
from tradertape.services.research import sweep_runs, sweeps
from tradertape.serving.open_streams import EventStream, StreamsDep

router = APIRouter(prefix="/backtest/sweeps", tags=["backtest"])


@router.post(
    "",
    response_model=SweepBrief,
    status_code=status.HTTP_202_ACCEPTED,
    responses=HEAVY_JOB_RESPONSES,
)
def start_sweep(
    body: SweepRequest, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> SweepBrief:
    """Start a sweep over a grid of the strategy's parameters (``queued``); follow it on
    ``GET /api/backtest/sweeps/{id}/events``. A grid over ``max_variants`` is refused (422),
    and a sweep past your cap of sweeps under way (429)."""
    row = sweeps.start(
        db,
        runtime.candles,
        runtime.research,
        body,
        clock=runtime.clock,
        user_id=user.id,
        limit=runtime.settings.sweep_max_variants,
    )
    return sweep_brief(row)


@router.get("", response_model=list[SweepBrief])
def list_sweeps(
    user: CurrentUser, runtime: RuntimeDep, db: DbDep, page: PageDep
) -> list[SweepBrief]:
    """Your sweeps, newest first (without their variants)."""
    rows = sweeps.history(
        db, user_id=user.id, limit=page.limit, offset=page.offset, clock=runtime.clock
    )
    return [sweep_brief(row) for row in rows]


@router.get("/parameters", response_model=list[SweepChoice])
def list_parameters(
    user: CurrentUser,
    runtime: RuntimeDep,
    db: DbDep,
    strategy_id: Annotated[int, Query(ge=1, le=MAX_ROW_ID)],
) -> list[SweepChoice]:
    """What a sweep of the strategy may vary: indicator lengths, thresholds, holding limits
    and the portfolio caps, each with its path and its value now."""
    found = sweeps.choices(db, strategy_id, user_id=user.id, clock=runtime.clock)
    return [SweepChoice.model_validate(choice, from_attributes=True) for choice in found]


@router.get("/{sweep_id}", response_model=SweepOut)
def get_sweep(sweep_id: RowId, user: CurrentUser, runtime: RuntimeDep, db: DbDep) -> SweepOut:
    """One sweep with every finished variant's in-sample and out-of-sample figures."""
    row = sweeps.get(db, sweep_id, user_id=user.id, clock=runtime.clock)
    return sweep_out(row)


@router.get(
    "/{sweep_id}/events",
    responses=stream_answer(
        SweepProgressMessage, "Server-sent events: `progress` as variants finish, then `end`."
    ),
)
def stream_sweep_events(
    sweep_id: RowId, user: CurrentUser, runtime: RuntimeDep, db: DbDep, open_streams: StreamsDep
) -> EventStream:
    """SSE: variants done, of how many, and variants per second (``event: progress``), then
    ``event: end`` once the sweep has ended."""
    sweeps.get(db, sweep_id, user_id=user.id, clock=runtime.clock)
    events = sweeps.progress_events(
        runtime.db, sweep_id, clock=runtime.clock, pacing=open_streams.pacing
    )
    return open_streams.sse(events, user_id=user.id)


@router.post("/{sweep_id}/cancel", response_model=SweepBrief, status_code=status.HTTP_202_ACCEPTED)
def cancel_sweep(sweep_id: RowId, user: CurrentUser, runtime: RuntimeDep, db: DbDep) -> SweepBrief:
    """Stop a running sweep after the chunks under way (it ends ``cancelled``, keeping the
    variants already done); 409 when it has already ended."""
    return sweep_brief(sweeps.cancel(db, sweep_id, user_id=user.id, clock=runtime.clock))


@router.delete("/{sweep_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_sweep(sweep_id: RowId, user: CurrentUser, runtime: RuntimeDep, db: DbDep) -> None:
    """Forget a sweep that has ended (409 while it runs: cancel it first)."""
    sweeps.delete(db, sweep_id, user_id=user.id, clock=runtime.clock)


@router.post(
    "/{sweep_id}/variants/{index}/run",
    response_model=BacktestRunBrief,
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        200: {"description": "the variant's run, started before", "model": BacktestRunBrief},
        **HEAVY_JOB_RESPONSES,
    },
)
def open_variant_run(
    sweep_id: RowId,
    index: Annotated[int, Path(ge=0, le=100_000, description="the variant's `index`")],
    response: Response,
    user: CurrentUser,
    runtime: RuntimeDep,
    db: DbDep,
) -> BacktestRunBrief:
    """The backtest run of one variant (a heatmap cell's, a table row's): its document and
    settings over the sweep's whole range, with its equity curve and every trade. Started
    here (202, ``queued``: follow it on ``GET /api/backtest/runs/{id}/events``) the first
    time, the same run (200) after, unless it failed. 404: no such variant; 409: the
    strategy refuses its values."""
    opened = sweep_runs.open_variant(
        db,
        runtime.candles,
        runtime.research,
        sweep_id,
        index,
        clock=runtime.clock,
        user_id=user.id,
    )
    if not opened.started:
        response.status_code = status.HTTP_200_OK
    return run_brief(opened.run)
