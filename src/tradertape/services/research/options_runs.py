"""Options backtest runs kept: each run of ``POST /api/backtests/options`` joins the user's
history in the equity backtests' own table (`db.models.BacktestRun`, ``kind: options``),
read and deleted through `backtests`' owner-scoped functions, so the two histories share one
mechanism and neither opens the other's runs.

A row holds the request (``strategy_snapshot``: the document; ``config``: the dates, the
chains and the seed), the figures and the tables a trader reads (``summary``: everything of
`OptionResults` but the curve and the trades), the curve (``equity_curve``) and the leg
trades (``trades``), as JSON: money a decimal string to the paisa, dates ISO.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, cast

from pydantic_core import to_jsonable_python
from sqlalchemy.orm import Session

from tradertape.backtest.options.strategy import OptionStrategy
from tradertape.db.models import BacktestRun
from tradertape.db.models.strategies import OPTIONS
from tradertape.errors import InvalidField
from tradertape.ports.clock import Clock
from tradertape.services.job_caps import BACKTEST
from tradertape.services.research import backtests, options_backtests
from tradertape.services.research.jobs import ResearchJobs
from tradertape.services.research.options_backtests import DataChoice, OptionsRun

MAX_COMPARED = 6


@dataclass(frozen=True, slots=True)
class OptionsRequest:
    """What a run was asked: the document, the dates (both included), the chains, the seed."""

    strategy: OptionStrategy
    start: date
    end: date
    data: str
    seed: int

    def config(self) -> dict[str, Any]:
        return {
            "start_date": self.start.isoformat(),
            "end_date": self.end.isoformat(),
            "data": self.data,
            "seed": self.seed,
        }


@dataclass(frozen=True, slots=True)
class SweepCell:
    """Where a run came from when it is an options sweep's cell opened as a run
    (`options_cell_runs`): the sweep and the cell's index."""

    sweep_id: int
    cell: int


def keep(
    db: Session,
    request: OptionsRequest,
    run: OptionsRun,
    *,
    user_id: int,
    clock: Clock,
    duration_ms: float,
    origin: SweepCell | None = None,
) -> BacktestRun:
    """Store a finished run in the user's history; the row (its id set)."""
    results = to_jsonable_python(run.results)
    curve = results.pop("curve")
    trades = results.pop("trades")
    for kept, trade in zip(trades, run.results.trades, strict=True):
        kept["quantity"] = trade.quantity  # a property: not among the dataclass's fields
    summary = {
        **results,
        "data_source": run.data_source,
        "synthetic": run.synthetic,
        "trade_count": len(trades),
    }
    row = BacktestRun(
        user_id=user_id,
        kind=OPTIONS,
        strategy_name=request.strategy.name,
        strategy_snapshot=request.strategy.model_dump(mode="json"),
        config=request.config(),
        status="completed",
        duration_ms=round(duration_ms, 3),
        summary=summary,
        timings_ms={"run": round(duration_ms, 3)},
        equity_curve=curve,
        trades=trades,
        created_at=clock.now(),
        sweep_id=None if origin is None else origin.sweep_id,
        sweep_variant=None if origin is None else origin.cell,
    )
    db.add(row)
    db.commit()
    return row


def run(
    db: Session,
    jobs: ResearchJobs,
    request: OptionsRequest,
    *,
    user_id: int,
    clock: Clock,
    data_dir: Path | None,
    origin: SweepCell | None = None,
) -> BacktestRun:
    """Run `request` for the user and keep it in their history: in their cap of backtests
    under way (429 past it) and their fair turn, as every way in runs one (the API, the
    assistant, a sweep's cell opened). Chains the run cannot have are a 422."""
    started = time.perf_counter()
    with jobs.caps.hold(user_id, BACKTEST), jobs.turn(user_id):
        result = options_backtests.run_options(
            request.strategy, request.start, request.end, data=cast(DataChoice, request.data),
            seed=request.seed, data_dir=data_dir,
        )  # fmt: skip
    return keep(
        db, request, result, user_id=user_id, clock=clock,
        duration_ms=(time.perf_counter() - started) * 1000, origin=origin,
    )  # fmt: skip


def history(db: Session, *, user_id: int, limit: int, offset: int) -> list[BacktestRun]:
    """The user's options runs, newest first."""
    return backtests.history(db, user_id=user_id, limit=limit, offset=offset, kind=OPTIONS)


def get(db: Session, run_id: int, *, user_id: int) -> BacktestRun:
    """One of the user's options runs (another's, or an equity run: not found)."""
    return backtests.get(db, run_id, user_id=user_id, kind=OPTIONS)


def delete(db: Session, run_id: int, *, user_id: int) -> None:
    """Forget one of the user's options runs."""
    backtests.delete(db, run_id, user_id=user_id, kind=OPTIONS)


def compared(db: Session, run_ids: list[int], *, user_id: int) -> list[BacktestRun]:
    """Two to `MAX_COMPARED` of the user's options runs, in the order asked (one not the
    user's: not found, as a read of it alone)."""
    if len(set(run_ids)) != len(run_ids):
        raise InvalidField("run", "names a run twice")
    if not 2 <= len(run_ids) <= MAX_COMPARED:
        raise InvalidField("run", f"compare 2 to {MAX_COMPARED} runs")
    return [get(db, run_id, user_id=user_id) for run_id in run_ids]


def answer(row: BacktestRun, *, with_tables: bool = True) -> dict[str, Any]:
    """A stored run as the API's models read it: the request, the figures, and (unless
    `with_tables` is false: a history row) the tables, the curve and the trades."""
    summary = dict(row.summary)
    out: dict[str, Any] = {
        "id": row.id,
        "created_at": row.created_at,
        "duration_ms": row.duration_ms,
        "request": {"strategy": row.strategy_snapshot, **row.config},
        "sweep_id": row.sweep_id,
        "sweep_cell": row.sweep_variant,
        **summary,
    }
    if with_tables:
        out["curve"] = row.equity_curve
        out["trades"] = row.trades
    return out
