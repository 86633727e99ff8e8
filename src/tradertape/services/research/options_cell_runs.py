"""An options sweep's cell as an options run of its own: what a heatmap cell opens.

A sweep keeps each cell's figures, not its trades; a trader who sees a bright cell wants
the run behind it: its leg trades, equity curve and payoff. `open_cell` runs that cell's
document over the sweep's own range and chains once, in the user's cap of backtests, and
keeps it in the options history (`options_runs`) marked with the sweep and the cell; asked
again it answers the same run. Deleting the sweep leaves the run in the history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import get_args

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tradertape.backtest.options.strategy import OptionStrategy
from tradertape.backtest.options.sweep import (
    grid_size,
    options_variant,
)
from tradertape.backtest.sweep import BadParameter
from tradertape.db.models import BacktestRun, BacktestSweep
from tradertape.db.models.strategies import OPTIONS
from tradertape.errors import Conflict, NotFound
from tradertape.ports.clock import Clock
from tradertape.services.research import options_runs, options_sweeps
from tradertape.services.research.jobs import ResearchJobs
from tradertape.services.research.options_backtests import DataChoice


@dataclass(frozen=True, slots=True)
class CellRun:
    """The cell's run, and whether this ask ran it."""

    run: BacktestRun
    started: bool


def cell_request(sweep: BacktestSweep, index: int) -> options_runs.OptionsRequest:
    """The run of cell `index`: the sweep's document with the cell's values, over the
    sweep's dates, chains and seed (404: no such cell; 409: the strategy refuses it)."""
    config = sweep.config
    try:
        strategy = OptionStrategy.model_validate(sweep.strategy_snapshot)
        grid = options_sweeps.stored_grid(config)
        start = date.fromisoformat(config["start_date"])
        end = date.fromisoformat(config["end_date"])
        data, seed = str(config["data"]), int(config["seed"])
        if data not in get_args(DataChoice):
            raise ValueError(data)
    except (ValidationError, KeyError, TypeError, ValueError):
        raise Conflict(
            f"sweep {sweep.id} was stored in a form this server no longer reads"
        ) from None
    size = grid_size(grid)
    if not 0 <= index < size:
        raise NotFound(f"sweep {sweep.id} has no cell {index} (it has {size})")
    try:
        variant = options_variant(strategy, grid, index)
    except BadParameter as exc:
        raise Conflict(f"the strategy refuses cell {index}: {exc}") from None
    return options_runs.OptionsRequest(variant, start, end, data, seed)


def opened(db: Session, sweep: BacktestSweep) -> dict[int, int]:
    """The sweep's cells opened as runs: cell index → run id."""
    query = select(BacktestRun.sweep_variant, BacktestRun.id).where(
        BacktestRun.user_id == sweep.user_id,
        BacktestRun.kind == OPTIONS,
        BacktestRun.sweep_id == sweep.id,
    )
    return {int(cell): int(run_id) for cell, run_id in db.execute(query) if cell is not None}


def _existing(db: Session, sweep: BacktestSweep, index: int) -> BacktestRun | None:
    query = select(BacktestRun).where(
        BacktestRun.user_id == sweep.user_id,
        BacktestRun.kind == OPTIONS,
        BacktestRun.sweep_id == sweep.id,
        BacktestRun.sweep_variant == index,
    )
    return db.scalar(query)


def open_cell(
    db: Session,
    jobs: ResearchJobs,
    sweep_id: int,
    index: int,
    *,
    clock: Clock,
    user_id: int,
    data_dir: Path | None,
) -> CellRun:
    """The run of one of the user's options sweep's cells, run now (and kept) the first
    time: in the user's cap of backtests and fair turns, as ``POST /api/backtests/options``
    runs one. Chains the cell cannot run on are a 422 naming ``data``, as a run's."""
    sweep = options_sweeps.get(db, sweep_id, user_id=user_id, clock=clock)
    found = _existing(db, sweep, index)
    if found is not None:
        return CellRun(found, started=False)
    asked = cell_request(sweep, index)
    try:
        row = options_runs.run(
            db, jobs, asked, user_id=user_id, clock=clock, data_dir=data_dir,
            origin=options_runs.SweepCell(sweep_id=sweep.id, cell=index),
        )  # fmt: skip
    except IntegrityError:  # asked twice at once: the other ask kept it first
        db.rollback()
        winner = _existing(db, sweep, index)
        if winner is None:
            raise
        return CellRun(winner, started=False)
    return CellRun(row, started=True)
