"""Options sweeps as a use case: check the grid and the chains, store the sweep, run it.

A grid over one or two of an options strategy's leg parameters (`backtest.options.sweep`)
runs as a stored sweep (``kind: options`` in the equity sweeps' table) through the same
research jobs as an equity sweep: its cells in chunks on the process's executor, in the
user's fair turns, under the user's cap of sweeps under way (429 past it). Each cell is a
whole run over the range (no in/out-of-sample split); a row keeps its values and the
figures of a heatmap (net P&L to the paisa, max drawdown, win rate, charges …).

Reads, cancels and deletes are the equity sweeps' own functions, for this kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from tradertape.backtest.options.strategy import OptionStrategy
from tradertape.backtest.options.sweep import (
    MAX_CELLS,
    GridError,
    OptionsAxis,
    OptionsSweepMarket,
    OptionsSweepSpec,
    axis_name,
    check_grid,
    grid_size,
)
from tradertape.db.models import BacktestSweep
from tradertape.db.models.strategies import OPTIONS
from tradertape.errors import InvalidField
from tradertape.ports.clock import Clock
from tradertape.services.job_caps import SWEEP
from tradertape.services.research import sweeps
from tradertape.services.research.jobs import ResearchJobs
from tradertape.services.research.options_backtests import DataChoice, check_span, require_data
from tradertape.services.research.options_runs import OptionsRequest
from tradertape.services.research.runners import this_process


@dataclass(frozen=True, slots=True)
class OptionsSweepAsk:
    """What a sweep was asked: the base document, the grid, the dates, the chains."""

    strategy: OptionStrategy
    parameters: list[OptionsAxis]
    start: date
    end: date
    data: DataChoice
    seed: int

    def config(self) -> dict[str, Any]:
        """A run's stored request (`options_runs.OptionsRequest.config`) and the grid, each
        axis with its path (`label`, the key of its values) and its `name` in words (what a
        walk-forward's page shows it by)."""
        run = OptionsRequest(self.strategy, self.start, self.end, self.data, self.seed)
        return {
            **run.config(),
            "parameters": [
                {
                    **axis.model_dump(mode="json", exclude_none=True),
                    "label": axis.label,
                    "name": axis.name,
                }
                for axis in self.parameters
            ],
        }


def stored_grid(config: dict[str, Any]) -> list[OptionsAxis]:
    """The grid of a stored request (`OptionsSweepAsk.config`) read back, without the path
    and name stored beside each axis (raises as the model does on a form no longer read)."""
    return [
        OptionsAxis.model_validate({k: v for k, v in axis.items() if k not in ("label", "name")})
        for axis in config["parameters"]
    ]


def start(
    db: Session,
    jobs: ResearchJobs,
    ask: OptionsSweepAsk,
    *,
    clock: Clock,
    user_id: int,
    data_dir: Path | None,
    limit: int,
) -> BacktestSweep:
    """Check the sweep (422s name the field), store it as queued and start it, holding a
    place under the user's cap of sweeps until it ends (429 past the cap, first)."""
    release = jobs.caps.take(user_id, SWEEP)
    try:
        check_span(ask.start, ask.end)
        try:
            check_grid(ask.strategy, ask.parameters, limit=min(limit, MAX_CELLS))
        except GridError as exc:
            raise InvalidField(exc.field, exc.detail) from None
        require_data(ask.strategy, ask.start, ask.end, data=ask.data, data_dir=data_dir)
        sweep = _stored(db, jobs, ask, clock=clock, user_id=user_id)
    except BaseException:
        release()
        raise
    market = OptionsSweepMarket(
        strategy=ask.strategy,
        start=ask.start,
        end=ask.end,
        data=ask.data,
        seed=ask.seed,
        data_dir=data_dir,
    )
    spec = OptionsSweepSpec(strategy=ask.strategy, grid=tuple(ask.parameters))
    jobs.run_sweep(sweep.id, market, spec, user_id=user_id, release=release)
    return sweep


def _stored(
    db: Session, jobs: ResearchJobs, ask: OptionsSweepAsk, *, clock: Clock, user_id: int
) -> BacktestSweep:
    sweep = BacktestSweep(
        kind=OPTIONS,
        user_id=user_id,
        strategy_name=ask.strategy.name,
        strategy_snapshot=ask.strategy.model_dump(mode="json"),
        config=ask.config(),
        status="queued",
        executor=jobs.plan.executor,
        workers=1 if jobs.plan.executor == "serial" else jobs.plan.workers,
        split_date=None,
        total=grid_size(ask.parameters),
        done=0,
        elapsed_s=0.0,
        results=[],
        created_at=clock.now(),
        heartbeat_at=clock.now(),
        runner=this_process(),  # its thread runs here (`ResearchJobs`)
    )
    db.add(sweep)
    db.commit()
    return sweep


def history(
    db: Session, *, user_id: int, limit: int, offset: int, clock: Clock
) -> list[BacktestSweep]:
    """The user's options sweeps, newest first."""
    return sweeps.history(
        db, user_id=user_id, limit=limit, offset=offset, clock=clock, kind=OPTIONS
    )


def get(db: Session, sweep_id: int, *, user_id: int, clock: Clock) -> BacktestSweep:
    """One of the user's options sweeps, up to date (an equity sweep's id: 404)."""
    return sweeps.get(db, sweep_id, user_id=user_id, clock=clock, kind=OPTIONS)


def cancel(db: Session, sweep_id: int, *, user_id: int, clock: Clock) -> BacktestSweep:
    """Stop a running options sweep after the chunks under way (409 once ended)."""
    return sweeps.cancel(db, sweep_id, user_id=user_id, clock=clock, kind=OPTIONS)


def delete(db: Session, sweep_id: int, *, user_id: int, clock: Clock) -> None:
    """Forget an options sweep that has ended (409 while it runs)."""
    sweeps.delete(db, sweep_id, user_id=user_id, clock=clock, kind=OPTIONS)


def heatmap(sweep: BacktestSweep, runs: dict[int, int] | None = None) -> dict[str, Any]:
    """The sweep's axes (name, path, values) and its cells in grid order, each with its row
    and column (one axis: a single row), its figures and the run it was opened as (`runs`:
    cell index → run id): what the heatmap draws."""
    axes = [
        {
            "name": axis_name(p["parameter"], p.get("legs")),
            "label": p["label"],
            "parameter": p["parameter"],
            "values": p["values"],
        }
        for p in sweep.config.get("parameters", [])
    ]
    width = len(axes[1]["values"]) if len(axes) > 1 else None
    cells = []
    for row in sweep.results:
        index = int(row["index"])
        at_row, at_col = divmod(index, width) if width else (0, index)
        cells.append({**row, "row": at_row, "col": at_col, "run_id": (runs or {}).get(index)})
    return {"axes": axes, "cells": cells}
