"""The assistant's options backtests: run one, list the user's runs, read one.

Research, as an equity backtest is: the ``read`` scope runs one (it joins the user's options
history and counts against their cap of backtests under way, as the web app's Run does; it
places nothing). The same service calls as ``/api/backtests/options``
(`services.research.options_runs`), the request the API takes (`OptionBacktestRequest`) and
its answer's models; an answer leaves out the day-by-day tables (the curve, each day's
charges, each entry's payoff) and bounds the leg trades, which the web app's run page shows.
"""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from pydantic import Field
from sqlalchemy.orm import Session

from tradertape.api.schemas.options_backtest import (
    OptionBacktestRequest,
    OptionBacktestRunBrief,
    OptionBucketOut,
    OptionDayOut,
    OptionLegTradeOut,
)
from tradertape.mcp.desk import AssistantDesk, Caller
from tradertape.mcp.tools import ADDS, FIRST_TRADES, MAX_ROWS, READ, READS, Rows
from tradertape.services.research import options_runs

FirstTrades = Annotated[
    int, Field(ge=0, le=MAX_ROWS, description="how many of the run's leg trades to send")
]


class OptionsBacktestReading(OptionBacktestRunBrief):
    """An options run: its request and figures (net P&L after slippage and charges, max
    drawdown, margin peak and the return on it, win rate), its P&L by expiry, weekday and
    month, its worst days, and its first leg trades of ``trade_count``."""

    by_expiry: list[OptionBucketOut]
    by_weekday: list[OptionBucketOut]
    by_month: list[OptionBucketOut]
    worst_days: list[OptionDayOut]
    trades: list[OptionLegTradeOut] = Field(
        description="the first leg trades, in the run's order (``trade_count``: all of them)"
    )


def reading(row: Any, trades: int) -> OptionsBacktestReading:
    """A stored options run (`db.models.BacktestRun`) as the API answers it, its leg trades
    cut to the first `trades`."""
    answer = options_runs.answer(row)
    return OptionsBacktestReading.model_validate(answer | {"trades": answer["trades"][:trades]})


def register(server: MCPServer, desk: AssistantDesk) -> None:
    """Add the options backtest tools to `server`."""
    runtime = desk.runtime

    @server.tool(annotations=ADDS)
    async def run_options_backtest(
        ctx: Context, request: OptionBacktestRequest, trades: FirstTrades = FIRST_TRADES
    ) -> OptionsBacktestReading:
        """Backtest an options strategy over F&O chains (the web app's options backtest):
        legs (CE, PE or the future; sold or bought; lots; the weekly or monthly expiry; the
        strike by ATM offset, premium or delta; each leg's stop, target, trail and
        re-entry), the entry (time, weekdays, days to expiry) and the strategy's exits; held
        intraday or to expiry (settled in cash). A weekly NIFTY short straddle is two sold
        ATM legs, CE and PE, on ``weekly`` nth 0, held to expiry. ``data: synthetic``
        (generated NIFTY chains, labelled ``synthetic: true``) or ``import`` (NSE's
        bhavcopies imported on the server). The run joins the user's options history;
        nothing is traded."""

        def work(db: Session, caller: Caller) -> OptionsBacktestReading:
            row = options_runs.run(
                db,
                runtime.research,
                request.asked(),
                user_id=caller.user_id,
                clock=runtime.clock,
                data_dir=runtime.settings.data_dir,
            )
            return reading(row, trades)

        args = request.model_dump(mode="json", exclude_unset=True) | {"trades": trades}
        return await desk.call(ctx, "run_options_backtest", args, READ, work)

    @server.tool(annotations=READS)
    async def list_options_backtests(
        ctx: Context, limit: Annotated[int, Field(ge=1, le=MAX_ROWS)] = 50
    ) -> Rows[OptionBacktestRunBrief]:
        """The user's options backtests, newest first: each run's request and figures."""

        def work(db: Session, caller: Caller) -> Rows[OptionBacktestRunBrief]:
            rows = options_runs.history(db, user_id=caller.user_id, limit=limit, offset=0)
            return Rows[OptionBacktestRunBrief](
                rows=[
                    OptionBacktestRunBrief.model_validate(options_runs.answer(r, with_tables=False))
                    for r in rows
                ]
            )

        return await desk.call(ctx, "list_options_backtests", {"limit": limit}, READ, work)

    @server.tool(annotations=READS)
    async def options_backtest(
        ctx: Context, run_id: Annotated[int, Field(ge=1)], trades: FirstTrades = FIRST_TRADES
    ) -> OptionsBacktestReading:
        """One of the user's options runs: its request, figures, P&L by expiry, weekday and
        month, its worst days and its first ``trades`` leg trades (each with its strike,
        entry and exit prices and fills, the exit's reason, gross P&L and slippage)."""

        def work(db: Session, caller: Caller) -> OptionsBacktestReading:
            return reading(options_runs.get(db, run_id, user_id=caller.user_id), trades)

        args = {"run_id": run_id, "trades": trades}
        return await desk.call(ctx, "options_backtest", args, READ, work)
