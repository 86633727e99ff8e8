"""A sweep's variant as a backtest run of its own: what a heatmap cell opens.

A sweep keeps each variant's figures, not its trades; the trader who sees a bright cell
wants the run behind it: its equity curve and every trade. `open_variant` starts that run
once (the variant's document and settings, over the sweep's whole range, start to end),
and answers the same run when asked again, unless it failed, when it starts a new one.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tradertape.backtest.request import BacktestRequest
from tradertape.backtest.sweep import BadParameter, SweepSpec, inputs_of
from tradertape.backtest.sweep_request import SweepRequest
from tradertape.candles import CandleStore
from tradertape.db.models import BacktestRun, BacktestSweep
from tradertape.errors import Conflict, NotFound
from tradertape.ports.clock import Clock
from tradertape.services.research import backtests, sweeps
from tradertape.services.research.jobs import ResearchJobs
from tradertape.services.research.simulation import settings_of

# What a variant may change beside the document (`backtest.sweep.SWEEPABLE_SETTINGS`).
_SETTINGS = ("position_size_pct", "max_positions", "max_per_sector", "slippage_bps")


@dataclass(frozen=True, slots=True)
class VariantRun:
    """The variant's run, and whether this ask started it."""

    run: BacktestRun
    started: bool


def variant_request(sweep: BacktestSweep, index: int) -> BacktestRequest:
    """The backtest of variant `index`: the sweep's settings and document with the
    variant's values, from the sweep's first day to its last (404: no such variant; 409:
    the strategy refuses its values)."""
    try:
        asked = SweepRequest.model_validate(sweep.config)
    except ValidationError:
        stale = f"sweep {sweep.id} was stored in a form this server no longer reads"
        raise Conflict(stale) from None
    spec = SweepSpec(
        document=sweep.strategy_snapshot,
        settings=settings_of(asked),
        axes=tuple((p.path, p.expanded()) for p in asked.parameters),
    )
    if not 0 <= index < spec.size:
        raise NotFound(f"sweep {sweep.id} has no variant {index} (it has {spec.size})")
    try:
        document, settings = inputs_of(spec, spec.variant(index))
    except BadParameter as exc:
        raise Conflict(f"the strategy refuses variant {index}: {exc}") from None
    fields = {
        name: value
        for name, value in sweep.config.items()
        if name in BacktestRequest.model_fields and name != "strategy_id"
    }
    fields.update({name: getattr(settings, name) for name in _SETTINGS})
    fields["strategy"] = document.model_dump(mode="json")
    return BacktestRequest.model_validate(fields)


def _existing(db: Session, sweep: BacktestSweep, index: int) -> BacktestRun | None:
    query = select(BacktestRun).where(
        BacktestRun.user_id == sweep.user_id,
        BacktestRun.sweep_id == sweep.id,
        BacktestRun.sweep_variant == index,
    )
    return db.scalar(query)


def open_variant(
    db: Session,
    store: CandleStore,
    jobs: ResearchJobs,
    sweep_id: int,
    index: int,
    *,
    clock: Clock,
    user_id: int,
) -> VariantRun:
    """The run of one of the user's sweep's variants, started now if it has none (or only a
    failed one): queued, as `backtests.start` starts one, in the user's cap of backtests."""
    sweep = sweeps.get(db, sweep_id, user_id=user_id, clock=clock)
    found = _existing(db, sweep, index)
    if found is not None and found.status != "failed":
        return VariantRun(found, started=False)
    request = variant_request(sweep, index)
    if found is not None:
        db.delete(found)  # a failed run (cut off by a restart): run the variant again
        db.flush()
    origin = backtests.Origin(
        strategy_id=sweep.strategy_id,
        strategy_version=sweep.strategy_version,
        sweep_id=sweep.id,
        sweep_variant=index,
    )
    try:
        run = backtests.start(db, store, jobs, request, clock=clock, user_id=user_id, origin=origin)
    except IntegrityError:  # asked twice at once: the other ask started it
        db.rollback()
        winner = _existing(db, sweep, index)
        if winner is None:
            raise
        return VariantRun(winner, started=False)
    return VariantRun(run, started=True)
