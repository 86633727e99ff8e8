"""Options sweeps: a grid over one or two of an options strategy's leg parameters run as a
stored sweep on the research jobs (as equity sweeps are), read as a heatmap of net P&L,
drawdown and win rate; follow (SSE), list, read, cancel, delete, and open a cell as an
options run of its own."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status
from sqlalchemy.orm import Session

from tradertape.api.deps import CurrentUser, CurrentUserLater, DbDep, PageDep, RuntimeDep
from tradertape.api.openapi_streams import stream_answer
from tradertape.api.schemas.errors import HEAVY_JOB_RESPONSES
from tradertape.api.schemas.numbers import RowId
from tradertape.api.schemas.options_backtest import OptionBacktestRunOut
from tradertape.api.schemas.options_sweeps import (
    OptionSweepBrief,
    OptionSweepOut,
    OptionSweepRequest,
)
from tradertape.api.schemas.sweeps import SweepProgressMessage
from tradertape.backtest.options.sweep import MAX_CELLS
from tradertape.db.models import BacktestSweep
from tradertape.services.accounts.sessions import SignedIn
from tradertape.services.research import options_cell_runs, options_runs, options_sweeps, sweeps
from tradertape.serving.open_streams import EventStream, StreamsDep

router = APIRouter(prefix="/backtests/options/sweeps", tags=["backtest"])


def _brief(row: BacktestSweep) -> OptionSweepBrief:
    return OptionSweepBrief.model_validate(row, from_attributes=True)


@router.post(
    "",
    response_model=OptionSweepBrief,
    status_code=status.HTTP_202_ACCEPTED,
    responses=HEAVY_JOB_RESPONSES,
)
def start_options_sweep(
    body: OptionSweepRequest, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> OptionSweepBrief:
    """Start a sweep (``queued``) over a grid of one or two leg parameters of an options
    strategy, each cell a whole run over the range; follow it on
    ``GET /api/backtests/options/sweeps/{id}/events``. A value the strategy refuses is a 422
    naming the parameter; a sweep past your cap of sweeps under way, 429."""
    row = options_sweeps.start(
        db,
        runtime.research,
        body.sweep_ask(),
        clock=runtime.clock,
        user_id=user.id,
        data_dir=runtime.settings.data_dir,
        limit=runtime.settings.sweep_max_variants,
    )
    return _brief(row)


@router.get("", response_model=list[OptionSweepBrief])
def list_options_sweeps(
    user: CurrentUser, runtime: RuntimeDep, db: DbDep, page: PageDep
) -> list[OptionSweepBrief]:
    """Your options sweeps, newest first (without their cells)."""
    rows = options_sweeps.history(
        db, user_id=user.id, limit=page.limit, offset=page.offset, clock=runtime.clock
    )
    return [_brief(row) for row in rows]


@router.get("/{sweep_id}", response_model=OptionSweepOut)
def get_options_sweep(
    sweep_id: RowId, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> OptionSweepOut:
    """One options sweep with its heatmap: the axes and every finished cell's figures."""
    row = options_sweeps.get(db, sweep_id, user_id=user.id, clock=runtime.clock)
    return OptionSweepOut.model_validate(
        {
            **_brief(row).model_dump(),
            "strategy": row.strategy_snapshot,
            **options_sweeps.heatmap(row, options_cell_runs.opened(db, row)),
        }
    )


@router.get(
    "/{sweep_id}/events",
    responses=stream_answer(
        SweepProgressMessage, "Server-sent events: `progress` as cells finish, then `end`."
    ),
)
def stream_options_sweep_events(
    sweep_id: RowId, user: CurrentUser, runtime: RuntimeDep, db: DbDep, open_streams: StreamsDep
) -> EventStream:
    """SSE: cells done, of how many, and cells per second (``event: progress``), then
    ``event: end`` once the sweep has ended; read the sweep again for its cells."""
    options_sweeps.get(db, sweep_id, user_id=user.id, clock=runtime.clock)
    events = sweeps.progress_events(
        runtime.db, sweep_id, clock=runtime.clock, pacing=open_streams.pacing
    )
    return open_streams.sse(events, user_id=user.id)


@router.post(
    "/{sweep_id}/cells/{index}/run",
    response_model=OptionBacktestRunOut,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"description": "the cell's run, opened before", "model": OptionBacktestRunOut},
        **HEAVY_JOB_RESPONSES,
    },
)
async def open_options_cell_run(
    sweep_id: RowId,
    index: Annotated[int, Path(ge=0, lt=MAX_CELLS, description="the cell's `index`")],
    response: Response,
    cookie: CurrentUserLater,
    runtime: RuntimeDep,
) -> OptionBacktestRunOut:
    """One heatmap cell as an options run of its own: the sweep's document with the cell's
    values over the sweep's dates and chains, with its leg trades, equity and payoff, kept
    in your options history. Run here (201) the first time, the same run (200) after; the
    sweep need not have reached the cell. 404: no such cell; 422: chains it cannot run on."""

    def run(db: Session, user: SignedIn) -> OptionBacktestRunOut:
        opened = options_cell_runs.open_cell(
            db, runtime.research, sweep_id, index, clock=runtime.clock, user_id=user.id,
            data_dir=runtime.settings.data_dir,
        )  # fmt: skip
        if not opened.started:
            response.status_code = status.HTTP_200_OK
        return OptionBacktestRunOut.model_validate(options_runs.answer(opened.run))

    return await cookie.run(run)


@router.post(
    "/{sweep_id}/cancel", response_model=OptionSweepBrief, status_code=status.HTTP_202_ACCEPTED
)
def cancel_options_sweep(
    sweep_id: RowId, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> OptionSweepBrief:
    """Stop a running options sweep after the chunks under way (409 once it has ended)."""
    return _brief(options_sweeps.cancel(db, sweep_id, user_id=user.id, clock=runtime.clock))


@router.delete("/{sweep_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_options_sweep(
    sweep_id: RowId, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> None:
    """Forget an options sweep that has ended (409 while it runs: cancel it first)."""
    options_sweeps.delete(db, sweep_id, user_id=user.id, clock=runtime.clock)
