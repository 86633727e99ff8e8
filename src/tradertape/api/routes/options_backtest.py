"""Options backtests: run an options strategy over F&O chains and answer its results; each
run joins your options history (list, open, compare, delete), kept as equity runs are
(`services.research.options_runs`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlalchemy.orm import Session

from tradertape.api.deps import CurrentUser, CurrentUserLater, DbDep, PageDep, RuntimeDep
from tradertape.api.schemas.errors import HEAVY_JOB_RESPONSES
from tradertape.api.schemas.numbers import RowId
from tradertape.api.schemas.options_backtest import (
    OptionBacktestCompareOut,
    OptionBacktestRequest,
    OptionBacktestRunBrief,
    OptionBacktestRunOut,
)
from tradertape.services.accounts.sessions import SignedIn
from tradertape.services.research import options_runs

router = APIRouter(prefix="/backtests", tags=["backtest"])


@router.post("/options", response_model=OptionBacktestRunOut, responses=HEAVY_JOB_RESPONSES)
async def run_options_backtest(
    body: OptionBacktestRequest, cookie: CurrentUserLater, runtime: RuntimeDep
) -> OptionBacktestRunOut:
    """Run an options strategy (legs, entry, exits, re-entry, settlement at expiry) and wait
    for its results: per-leg trades, equity and drawdown, margin and the return on it, P&L
    by expiry, weekday and month, the worst days, charges and slippage apart. The run joins
    your options history (``GET /api/backtests/options``)."""

    def run(db: Session, user: SignedIn) -> OptionBacktestRunOut:
        row = options_runs.run(
            db, runtime.research, body.asked(), user_id=user.id, clock=runtime.clock,
            data_dir=runtime.settings.data_dir,
        )  # fmt: skip
        return OptionBacktestRunOut.model_validate(options_runs.answer(row))

    return await cookie.run(run)


@router.get("/options", response_model=list[OptionBacktestRunBrief])
def list_options_runs(user: CurrentUser, db: DbDep, page: PageDep) -> list[OptionBacktestRunBrief]:
    """Your options backtest history, newest first (figures; open one for its tables)."""
    rows = options_runs.history(db, user_id=user.id, limit=page.limit, offset=page.offset)
    return [
        OptionBacktestRunBrief.model_validate(options_runs.answer(r, with_tables=False))
        for r in rows
    ]


@router.get("/options/compare", response_model=OptionBacktestCompareOut)
def compare_options_runs(
    user: CurrentUser,
    db: DbDep,
    run: Annotated[
        list[RowId],
        Query(
            max_length=6,
            description="the runs' ids, 2 to 6 (`?run=4&run=7`), in the order to show them",
        ),
    ],
) -> OptionBacktestCompareOut:
    """Two to six of your options runs side by side: each one's figures (net P&L, max
    drawdown, win rate, trades, charges …) and its equity curve."""
    rows = options_runs.compared(db, run, user_id=user.id)
    return OptionBacktestCompareOut.model_validate(
        {"runs": [{**options_runs.answer(r, with_tables=False), "curve": r.equity_curve}
                  for r in rows]}
    )  # fmt: skip


@router.get("/options/{run_id}", response_model=OptionBacktestRunOut)
def get_options_run(run_id: RowId, user: CurrentUser, db: DbDep) -> OptionBacktestRunOut:
    """One options run: its request, figures, curve, tables and every leg trade."""
    row = options_runs.get(db, run_id, user_id=user.id)
    return OptionBacktestRunOut.model_validate(options_runs.answer(row))


@router.delete("/options/{run_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_options_run(run_id: RowId, user: CurrentUser, db: DbDep) -> None:
    """Delete an options run from your history."""
    options_runs.delete(db, run_id, user_id=user.id)
