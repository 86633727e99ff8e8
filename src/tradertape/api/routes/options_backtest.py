"""Options backtests: run an options strategy over F&O chains and answer its results."""

from __future__ import annotations

from dataclasses import fields

from fastapi import APIRouter

from tradertape.api.deps import CurrentUser, RuntimeDep
from tradertape.api.schemas.errors import HEAVY_JOB_RESPONSES
from tradertape.api.schemas.options_backtest import OptionBacktestOut, OptionBacktestRequest
from tradertape.services.job_caps import BACKTEST
from tradertape.services.research import options_backtests

router = APIRouter(prefix="/backtests", tags=["backtest"])


@router.post("/options", response_model=OptionBacktestOut, responses=HEAVY_JOB_RESPONSES)
def run_options_backtest(
    body: OptionBacktestRequest, user: CurrentUser, runtime: RuntimeDep
) -> OptionBacktestOut:
    """Run an options strategy (legs, entry, exits, re-entry, settlement at expiry) and wait
    for its results: per-leg trades, equity and drawdown, margin and the return on it, P&L
    by expiry, weekday and month, the worst days, charges and slippage apart."""
    with runtime.research.caps.hold(user.id, BACKTEST), runtime.research.turn(user.id):
        run = options_backtests.run_options(
            body.strategy, body.start_date, body.end_date, data=body.data, seed=body.seed,
            data_dir=runtime.settings.data_dir,
        )  # fmt: skip
    results = {f.name: getattr(run.results, f.name) for f in fields(run.results)}
    return OptionBacktestOut.model_validate(
        {**results, "data_source": run.data_source, "synthetic": run.synthetic}
    )
