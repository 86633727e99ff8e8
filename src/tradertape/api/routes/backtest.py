"""Backtests: run one (synchronously, or started with progress over SSE), list the history,
read one with its trades, delete.

A run's answer is written straight to JSON bytes by pydantic's Rust serializer (its curve
and trades, thousands of rows, are not validated into models again: the service stored
them in the answer's shape); ``?columns=true`` sends them as columns instead of rows.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel
from pydantic_core import to_json

from tradertape.api.deps import CurrentUser, DbDep, PageDep, RuntimeDep
from tradertape.api.openapi_streams import stream_answer
from tradertape.api.routes.workers_streams import pacing_of, sse
from tradertape.api.schemas.numbers import RowId
from tradertape.api.schemas.strategies import (
    BacktestDayColumns,
    BacktestRunBrief,
    BacktestRunOut,
    BacktestTradeColumns,
)
from tradertape.api.schemas.sweeps import BacktestProgressMessage
from tradertape.backtest.request import BacktestRequest
from tradertape.db.models import BacktestRun
from tradertape.services.research import backtests
from tradertape.services.research.simulation import rows_of

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


Columns = Annotated[
    bool,
    Query(description="the days and trades as `equity_columns` and `trade_columns` (a list "
          "per field) instead of the rows of `equity_curve` and `trades`"),
]  # fmt: skip


def _days(stored: Any) -> list[dict[str, Any]]:
    # a day stored as a row before the benchmark was kept has none (null)
    if isinstance(stored, list):
        return [{**day, "benchmark": day.get("benchmark")} for day in stored]
    return rows_of(stored)


def _full(row: BacktestRun, *, columns: bool = False) -> Response:
    """`BacktestRunOut` as JSON: the brief through its model, the rest as stored."""
    answer: dict[str, Any] = _brief(row).model_dump(mode="json")
    answer["strategy"] = row.strategy_snapshot
    answer["timings_ms"] = {key: float(ms) for key, ms in row.timings_ms.items()}
    if columns:
        days, trades = row.equity_curve, row.trades
        answer["equity_curve"], answer["trades"] = [], []
        answer["equity_columns"] = (
            days if isinstance(days, dict) else _as_columns(_days(days), BacktestDayColumns)
        )
        answer["trade_columns"] = (
            trades if isinstance(trades, dict) else _as_columns(trades, BacktestTradeColumns)
        )
    else:
        answer["equity_curve"] = _days(row.equity_curve)
        answer["trades"] = rows_of(row.trades)
    return Response(to_json(answer), media_type="application/json")


def _as_columns(rows: list[dict[str, Any]], shape: type[BaseModel]) -> dict[str, list[Any]]:
    """Rows stored before columns were (or none yet: a queued or failed run), as columns:
    every field of `shape`, each an empty list when there are no rows."""
    return {key: [row.get(key) for row in rows] for key in shape.model_fields}


@router.post("/run", response_model=BacktestRunOut)
def run_backtest(
    body: BacktestRequest,
    user: CurrentUser,
    runtime: RuntimeDep,
    db: DbDep,
    columns: Columns = False,
) -> Response:
    """Run a backtest and wait for it (typically well under a second); it joins your history."""
    row = backtests.run(db, runtime.candles, body, clock=runtime.clock, user_id=user.id)
    return _full(row, columns=columns)


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
def get_run(
    run_id: RowId, user: CurrentUser, runtime: RuntimeDep, db: DbDep, columns: Columns = False
) -> Response:
    """One run with its equity and drawdown curves and every trade."""
    row = backtests.get_current(db, run_id, user_id=user.id, clock=runtime.clock)
    return _full(row, columns=columns)


@router.delete("/runs/{run_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_run(run_id: RowId, user: CurrentUser, db: DbDep) -> None:
    """Delete a run from your history."""
    backtests.delete(db, run_id, user_id=user.id)
