"""The assistant's parameter-sweep tools: what a strategy's sweep may vary, start one, list
them, and read one as its page does (the best variants, the heatmap over two parameters).

Research, as a backtest is: the ``read`` scope starts one (it joins the user's sweeps and
counts against their cap of sweeps under way, as the web app's Run does). The same service
functions as ``/api/backtest/sweeps`` (`services.research.sweeps`), the same answers.
"""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.server.mcpserver import Context, MCPServer
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from tradertape.api.schemas.sweeps import (
    SweepBrief,
    SweepChoice,
    SweepVariant,
    sweep_brief,
)
from tradertape.backtest.sweep_request import SweepRequest
from tradertape.mcp.desk import AssistantDesk, Caller
from tradertape.mcp.tools import ADDS, MAX_ROWS, READ, READS, Rows
from tradertape.services.research import sweep_reading, sweeps

# The figures a sweep keeps (`backtest.sweep.METRICS`), spelled out for the tool's schema; a test
# holds the two equal.
SweepMetric = Literal[
    "cagr",
    "total_return",
    "max_drawdown",
    "sharpe",
    "sortino",
    "calmar",
    "win_rate",
    "profit_factor",
    "expectancy",
    "total_trades",
    "exposure_pct",
    "final_equity",
]
SweepPart = Literal["in_sample", "out_of_sample"]


class SweepHeatmap(BaseModel):
    """A figure over two of the sweep's parameters, as the sweep page's heatmap shows it."""

    x: str = Field(description="the parameter along the columns (its path)")
    y: str = Field(description="the parameter along the rows (its path)")
    xs: list[float]
    ys: list[float]
    cells: list[list[float | None]] = Field(
        description="cells[j][i]: the mean figure of the variants with ys[j] and xs[i] "
        "(null: none of them has it)"
    )
    averaged: bool = Field(description="the sweep varied more parameters: each cell averages")


class SweepReading(BaseModel):
    """A sweep: where it stands, its best variants by a figure, and that figure's heatmap."""

    sweep: SweepBrief
    part: SweepPart = Field(description="the figures ranked: in sample, or out of sample")
    metric: SweepMetric = Field(description="higher is better (a drawdown is negative)")
    best: list[SweepVariant] = Field(description="best first")
    variants_done: int = Field(description="variants finished (of sweep.total)")
    refused: int = Field(description="variants the strategy refused (each with its error)")
    heatmap: SweepHeatmap | None = Field(
        description="null: the sweep varied one parameter, or none has finished"
    )


def register(server: MCPServer, desk: AssistantDesk) -> None:
    """Add the sweep tools to `server`."""
    runtime = desk.runtime

    @server.tool(annotations=READS)
    async def sweep_parameters(
        ctx: Context, strategy_id: Annotated[int, Field(ge=1)]
    ) -> Rows[SweepChoice]:
        """What a sweep of a saved strategy may vary (indicator lengths, thresholds, holding
        limits, portfolio caps): each value's ``path`` for ``start_sweep``'s ``parameters``,
        its label and its value now."""

        def work(db: Session, caller: Caller) -> Rows[SweepChoice]:
            found = sweeps.choices(db, strategy_id, user_id=caller.user_id, clock=runtime.clock)
            return Rows[SweepChoice](
                rows=[SweepChoice.model_validate(c, from_attributes=True) for c in found]
            )

        return await desk.call(ctx, "sweep_parameters", {"strategy_id": strategy_id}, READ, work)

    @server.tool(annotations=ADDS)
    async def start_sweep(ctx: Context, request: SweepRequest) -> SweepBrief:
        """Start a parameter sweep of a strategy: every combination of the values given (up
        to the server's cap of variants) backtested in sample, then scored out of sample
        after ``split_date``. It runs in the background under the user's cap of sweeps under
        way; read it with ``sweep`` (the best variants, the heatmap)."""

        def work(db: Session, caller: Caller) -> SweepBrief:
            row = sweeps.start(
                db,
                runtime.candles,
                runtime.research,
                request,
                clock=runtime.clock,
                user_id=caller.user_id,
                limit=runtime.settings.sweep_max_variants,
            )
            return sweep_brief(row)

        args = request.model_dump(mode="json", exclude_unset=True)
        return await desk.call(ctx, "start_sweep", args, READ, work)

    @server.tool(annotations=READS)
    async def list_sweeps(
        ctx: Context, limit: Annotated[int, Field(ge=1, le=MAX_ROWS)] = 50
    ) -> Rows[SweepBrief]:
        """The user's sweeps, newest first, with their status and progress."""

        def work(db: Session, caller: Caller) -> Rows[SweepBrief]:
            rows = sweeps.history(
                db, user_id=caller.user_id, limit=limit, offset=0, clock=runtime.clock
            )
            return Rows[SweepBrief](rows=[sweep_brief(r) for r in rows])

        return await desk.call(ctx, "list_sweeps", {"limit": limit}, READ, work)

    @server.tool(annotations=READS)
    async def sweep(
        ctx: Context,
        sweep_id: Annotated[int, Field(ge=1)],
        metric: SweepMetric = "sharpe",
        part: SweepPart = "out_of_sample",
        top: Annotated[int, Field(ge=1, le=100)] = 10,
        x: Annotated[str | None, Field(max_length=200, description="a parameter's path")] = None,
        y: Annotated[str | None, Field(max_length=200, description="a parameter's path")] = None,
    ) -> SweepReading:
        """One sweep: its status, its ``top`` variants by ``metric`` on ``part`` (each with
        its values and both parts' figures), and the heatmap of that figure over two of its
        parameters (``x`` and ``y``; the first two it varied when omitted)."""

        def work(db: Session, caller: Caller) -> SweepReading:
            row = sweeps.get(db, sweep_id, user_id=caller.user_id, clock=runtime.clock)
            results = list(row.results)
            paths = [p["path"] for p in row.config.get("parameters", [])]
            grid = None
            if len(paths) >= 2 and results:
                found = sweep_reading.heat_grid(
                    results, x=x or paths[0], y=y or paths[1], part=part, metric=metric
                )
                grid = SweepHeatmap(
                    x=found.x,
                    y=found.y,
                    xs=found.xs,
                    ys=found.ys,
                    cells=found.cells,
                    averaged=found.averaged,
                )
            ranked = sweep_reading.best(results, part=part, metric=metric, count=top)
            return SweepReading(
                sweep=sweep_brief(row),
                part=part,
                metric=metric,
                best=[SweepVariant.model_validate(v) for v in ranked],
                variants_done=len(results),
                refused=sum(1 for v in results if v.get("error")),
                heatmap=grid,
            )

        args = {"sweep_id": sweep_id, "metric": metric, "part": part, "top": top, "x": x, "y": y}
        return await desk.call(ctx, "sweep", args, READ, work)
