"""Backtests: run one (synchronously), list the history, read one with its trades, delete."""

from __future__ import annotations

from fastapi import APIRouter, status

from tradertape.api.deps import CurrentUser, DbDep, PageDep, RuntimeDep
from tradertape.api.schemas.numbers import RowId
from tradertape.api.schemas.strategies import BacktestRunBrief, BacktestRunOut
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


@router.get("/runs", response_model=list[BacktestRunBrief])
def list_runs(user: CurrentUser, db: DbDep, page: PageDep) -> list[BacktestRunBrief]:
    """Your backtest history, newest first (summaries; open one for its trades)."""
    rows = backtests.history(db, user_id=user.id, limit=page.limit, offset=page.offset)
    return [_brief(row) for row in rows]


@router.get("/runs/{run_id}", response_model=BacktestRunOut)
def get_run(run_id: RowId, user: CurrentUser, db: DbDep) -> BacktestRunOut:
    """One run with its equity and drawdown curves and every trade."""
    return _full(backtests.get(db, run_id, user_id=user.id))


@router.delete("/runs/{run_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_run(run_id: RowId, user: CurrentUser, db: DbDep) -> None:
    """Delete a run from your history."""
    backtests.delete(db, run_id, user_id=user.id)
