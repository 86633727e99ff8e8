"""Backtests: run one (synchronously, or started with progress over SSE), list the history,
read one with its trades, delete."""

from __future__ import annotations

from fastapi import APIRouter, status
from fastapi.responses import StreamingResponse

from tradertape.api.deps import CurrentUser, DbDep, PageDep, RuntimeDep
from tradertape.api.openapi_streams import stream_answer
from tradertape.api.routes.workers_streams import pacing_of, sse
from tradertape.api.schemas.numbers import RowId
from tradertape.api.schemas.strategies import BacktestRunBrief, BacktestRunOut
from tradertape.api.schemas.sweeps import BacktestProgressMessage
from tradertape.backtest.request import BacktestRequest
from tradertape.db.models import BacktestRun
from tradertape.services.research import backtests

router = APIRouter(prefix="/backtest", tags=["backtest"])


def _brief(row: BacktestRun) -> BacktestRunBrief:
    return BacktestRunBrief(
        id=row.id,
        strategy_id=row.strategy_id,
        strategy_version=row.strategy_version,
        strategy_name=row.strategy_name,
        status=row.status,
        config=row.config,
        summary=row.summary,
        duration_ms=row.duration_ms,
        created_at=row.created_at,
        provisional_calendar=row.provisional_calendar,
        stage=row.stage,
        error=row.error,
    )


def _full(row: BacktestRun) -> BacktestRunOut:
    return BacktestRunOut(
        **_brief(row).model_dump(),
        strategy=row.strategy_snapshot,
        timings_ms=row.timings_ms,
        equity_curve=row.equity_curve,
        trades=row.trades,
    )


@router.post("/run", response_model=BacktestRunOut)
def run_backtest(
    body: BacktestRequest, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> BacktestRunOut:
    """Run a backtest and wait for it (typically well under a second); it joins your history."""
    row = backtests.run(db, runtime.candles, body, clock=runtime.clock, user_id=user.id)
    return _full(row)


@router.post("/runs", response_model=BacktestRunBrief, status_code=status.HTTP_202_ACCEPTED)
def start_run(
    body: BacktestRequest, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> BacktestRunBrief:
    """Start a backtest and answer at once (``queued``); follow it on
    ``GET /api/backtest/runs/{id}/events``. Bad input is refused here, as by ``/run``."""
    row = backtests.start(
        db, runtime.candles, runtime.research, body, clock=runtime.clock, user_id=user.id
    )
    return _brief(row)


@router.get(
    "/runs/{run_id}/events",
    responses=stream_answer(
        BacktestProgressMessage, "Server-sent events: `progress` at each stage, then `end`."
    ),
)
def stream_run_events(
    run_id: RowId, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> StreamingResponse:
    """SSE: the run's stage as it moves (``event: progress``), then ``event: end``."""
    backtests.get(db, run_id, user_id=user.id)
    pacing = pacing_of(runtime)
    return sse(
        backtests.progress_events(
            runtime.db,
            run_id,
            clock=runtime.clock,
            poll_s=pacing.poll_secs,
            heartbeat_s=pacing.heartbeat_secs,
        )
    )


@router.get("/runs", response_model=list[BacktestRunBrief])
def list_runs(user: CurrentUser, db: DbDep, page: PageDep) -> list[BacktestRunBrief]:
    """Your backtest history, newest first (summaries; open one for its trades)."""
    rows = backtests.history(db, user_id=user.id, limit=page.limit, offset=page.offset)
    return [_brief(row) for row in rows]


@router.get("/runs/{run_id}", response_model=BacktestRunOut)
def get_run(run_id: RowId, user: CurrentUser, runtime: RuntimeDep, db: DbDep) -> BacktestRunOut:
    """One run with its equity and drawdown curves and every trade."""
    return _full(backtests.get_current(db, run_id, user_id=user.id, clock=runtime.clock))


@router.delete("/runs/{run_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_run(run_id: RowId, user: CurrentUser, db: DbDep) -> None:
    """Delete a run from your history."""
    backtests.delete(db, run_id, user_id=user.id)
