"""Backtests as a use case: resolve the strategy and the universe, load candles, run, keep.

The engine (`tradertape.backtest.engine`) knows nothing of users or storage; `simulation`
turns a `BacktestRequest` into a panel and runs it (a 422 naming the field for what cannot
run); this module resolves stored strategies and keeps the history: each run's inputs,
summary, curves and trades (stored as `simulation`'s columns). A run whose days reach past
the NSE holiday list (provisional sessions: every weekday assumed to trade) is marked
``provisional_calendar``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import Text, cast, insert
from sqlalchemy.orm import Session, defer

from tradertape.backtest.engine import BacktestResult
from tradertape.backtest.request import BacktestRequest
from tradertape.candles import CandleStore
from tradertape.db.engine import Database
from tradertape.db.models import BacktestRun, Strategy
from tradertape.db.models.strategies import EQUITY
from tradertape.db.prepared import Prepared
from tradertape.db.rows import table_of, value_keys, values_of
from tradertape.db.types import EncodedJSON
from tradertape.errors import InvalidField, NotFound
from tradertape.ports.clock import Clock
from tradertape.services.accounts.ownership import get_owned, owned
from tradertape.services.job_caps import BACKTEST
from tradertape.services.pacing import Pacing
from tradertape.services.research import strategies
from tradertape.services.research.jobs import (
    CUT_OFF,
    RUNNING,
    ResearchJobs,
    job_events,
    stale_cutoff,
)
from tradertape.services.research.simulation import (
    EQUITY_WRITERS,
    TRADE_WRITERS,
    Progress,
    equity_columns,
    load_market,
    run_on,
    simulate,
    summary_of,
    trade_columns,
    uses_provisional_days,
)
from tradertape.strategies.dsl import StrategyDocument


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a run started with an inline document came from: the stored strategy it
    varies and the sweep and variant it is (`sweep_runs`)."""

    strategy_id: int | None
    strategy_version: int | None
    sweep_id: int
    sweep_variant: int


@dataclass(frozen=True, slots=True)
class Resolved:
    """The strategy a request names: its document and, when stored, its row."""

    document: StrategyDocument
    row: Strategy | None


def resolve_strategy(
    db: Session | None, request: BacktestRequest, *, clock: Clock, user_id: int | None
) -> Resolved:
    """The inline document, or a stored strategy the user can see."""
    if (request.strategy_id is None) == (request.strategy is None):
        raise InvalidField("strategy_id", "give exactly one of strategy_id and strategy")
    if request.strategy is not None:
        return Resolved(request.strategy, None)
    assert request.strategy_id is not None
    if db is None or user_id is None:
        raise InvalidField("strategy_id", "stored strategies need a database and a user")
    strategies.ensure_builtins(db, clock=clock)
    row = strategies.get_visible(db, request.strategy_id, user_id=user_id)
    return Resolved(StrategyDocument.model_validate(row.document), row)


def _fill(row: BacktestRun, store: CandleStore, resolved: Resolved, result: BacktestResult) -> None:
    """Put a finished run's results into its row."""
    row.duration_ms = round(sum(result.timings_ms.values()), 3)
    row.summary = summary_of(result)
    row.timings_ms = {k: round(v, 3) for k, v in result.timings_ms.items()}
    # written once: stored and answered from the text
    row.equity_curve = EncodedJSON.of_members(equity_columns(result), EQUITY_WRITERS)
    row.trades = EncodedJSON.of_members(trade_columns(result), TRADE_WRITERS)
    row.provisional_calendar = uses_provisional_days(store.calendar, result)


def _new_row(
    request: BacktestRequest, resolved: Resolved, *, clock: Clock, user_id: int, status: str
) -> BacktestRun:
    return BacktestRun(
        user_id=user_id,
        strategy_id=resolved.row.id if resolved.row else None,
        strategy_version=resolved.row.version if resolved.row else None,
        strategy_name=resolved.document.name,
        strategy_snapshot=resolved.document.model_dump(mode="json"),
        config=request.config_dump(),
        status=status,
        duration_ms=0.0,
        summary={},
        timings_ms={},
        equity_curve=[],
        trades=[],
        created_at=clock.now(),
        kind=EQUITY,  # (the column's default, set here: `run` inserts every value itself)
    )


_RUNS = table_of(BacktestRun)
_NEW_RUN = Prepared(insert(_RUNS).returning(_RUNS.c.id), keys=value_keys(BacktestRun))


def _mark_last_backtest(db: Session, row: BacktestRun, resolved: Resolved, user_id: int) -> None:
    if resolved.row is not None and resolved.row.user_id == user_id:
        resolved.row.last_backtest_id = row.id


def run(
    db: Session,
    store: CandleStore,
    jobs: ResearchJobs,
    request: BacktestRequest,
    *,
    clock: Clock,
    user_id: int,
) -> BacktestRun:
    """Run a backtest for the user, in their turn (`ResearchJobs.turn`), and keep it in
    their history; 429 past their cap of backtests under way."""
    with jobs.caps.hold(user_id, BACKTEST):
        resolved = resolve_strategy(db, request, clock=clock, user_id=user_id)
        with jobs.turn(user_id):
            result = simulate(store, resolved.document, request)
    row = _new_row(request, resolved, clock=clock, user_id=user_id, status="completed")
    _fill(row, store, resolved, result)
    # One prepared INSERT, not a unit-of-work flush: the flush of this one row cost about
    # 1 ms of SQLAlchemy's Python, the driver's insert of its 0.2 MB a tenth of that (issue
    # 69: the HTTP run ≤ 1.3× the engine's). Committed before the answer, as before.
    row.id = _NEW_RUN.scalar(db, values_of(row))
    _mark_last_backtest(db, row, resolved, user_id)
    db.commit()
    return row


def start(
    db: Session,
    store: CandleStore,
    jobs: ResearchJobs,
    request: BacktestRequest,
    *,
    clock: Clock,
    user_id: int,
    origin: Origin | None = None,
) -> BacktestRun:
    """Start a backtest that reports its stages (its row is ``queued``, then ``running``
    with a ``stage``, then ``completed`` or ``failed``); bad input is refused here, 422, and
    one past the user's cap of backtests under way, 429. A run with an `origin` says which
    strategy and sweep variant it is (its inline document is that variant's)."""
    release = jobs.caps.take(user_id, BACKTEST)
    try:
        resolved = resolve_strategy(db, request, clock=clock, user_id=user_id)
        market = load_market(store, request)
        row = _new_row(request, resolved, clock=clock, user_id=user_id, status="queued")
        row.stage, row.heartbeat_at = "queued", clock.now()
        if origin is not None:
            row.strategy_id, row.strategy_version = origin.strategy_id, origin.strategy_version
            row.sweep_id, row.sweep_variant = origin.sweep_id, origin.sweep_variant
        db.add(row)
        db.flush()
        _mark_last_backtest(db, row, resolved, user_id)
        db.commit()

        def work(step: Progress) -> Callable[[BacktestRun], None]:
            result = run_on(market, resolved.document, request, progress=step)
            return lambda finished: _fill(finished, store, resolved, result)

        jobs.run_backtest(row.id, work, user_id=user_id, release=release)
    except BaseException:
        release()  # a job that started gives it back itself: a second release is nothing
        raise
    return row


STAGES = ("queued", "indicators", "simulation", "results", "done")


def stage_fraction(stage: str | None) -> float:
    """How far along a stage is, 0 to 1 (for a progress bar)."""
    return STAGES.index(stage) / (len(STAGES) - 1) if stage in STAGES else 0.0


def bring_up_to_date(row: BacktestRun, now: datetime) -> bool:
    """Mark a running run whose heartbeat went stale (a restart) as failed; whether it was."""
    beat = row.heartbeat_at or row.created_at
    if row.status in RUNNING and beat < stale_cutoff(now):
        row.status, row.stage, row.error = "failed", "interrupted", CUT_OFF
        return True
    return False


def progress_of(row: BacktestRun) -> dict[str, Any]:
    """A progress event's data."""
    return {
        "id": row.id,
        "status": row.status,
        "stage": row.stage,
        "fraction": 1.0 if row.status == "completed" else stage_fraction(row.stage),
        "error": row.error,
    }


def _progress_now(db_: Database, run_id: int, clock: Clock) -> dict[str, Any] | None:
    with db_.session() as db:
        row = db.get(BacktestRun, run_id)
        if row is None:
            return None
        if bring_up_to_date(row, clock.now()):
            db.commit()
        return progress_of(row)


def progress_events(
    db: Database, run_id: int, *, clock: Clock, pacing: Pacing
) -> AsyncIterator[tuple[str, Any]]:
    """``progress`` at each stage, then ``end`` once the run has ended."""
    gone = {
        "id": run_id,
        "status": "deleted",
        "stage": None,
        "fraction": 0.0,
        "error": "the run was deleted",
    }
    return job_events(
        partial(_progress_now, db, run_id, clock),
        changed=lambda now: (now["status"], now["stage"]),
        gone=gone,
        pacing=pacing,
    )


def history(
    db: Session, *, user_id: int, limit: int, offset: int, kind: str = EQUITY
) -> list[BacktestRun]:
    """The user's runs of one engine (`BacktestRun.kind`), newest first."""
    query = owned(BacktestRun, user_id=user_id).where(BacktestRun.kind == kind)
    return list(db.scalars(query.order_by(BacktestRun.id.desc()).limit(limit).offset(offset)))


def get(db: Session, run_id: int, *, user_id: int, kind: str = EQUITY) -> BacktestRun:
    """One of the user's runs of one engine (another's, or another engine's: not found)."""
    row = get_owned(db, BacktestRun, run_id, user_id=user_id, label="backtest run")
    if row.kind != kind:
        raise NotFound(f"backtest run {run_id} not found")
    return row


@dataclass(frozen=True, slots=True)
class StoredRun:
    """A run with its curve and trades as stored (JSON text, parsed only if asked)."""

    row: BacktestRun
    equity_curve: EncodedJSON
    trades: EncodedJSON


# The two large documents as the text stored (cast, so that PostgreSQL's driver does not
# parse them either), beside the row without them.
_AS_STORED = (cast(BacktestRun.equity_curve, Text), cast(BacktestRun.trades, Text))
_WITHOUT = (defer(BacktestRun.equity_curve), defer(BacktestRun.trades))


def read(db: Session, run_id: int, *, user_id: int, clock: Clock, kind: str = EQUITY) -> StoredRun:
    """One of the user's runs (a run cut off by a restart marked so), with the curve and the
    trades as their stored text: an answer splices them in, where parsing 0.2 MB and writing
    it again took longer than the rest of a read."""
    query = owned(BacktestRun, user_id=user_id).add_columns(*_AS_STORED).options(*_WITHOUT)
    found = db.execute(query.where(BacktestRun.id == run_id, BacktestRun.kind == kind)).first()
    if found is None:
        raise NotFound(f"backtest run {run_id} not found")
    row, days, trades = found
    if bring_up_to_date(row, clock.now()):
        db.commit()
    return StoredRun(row, EncodedJSON(days.encode()), EncodedJSON(trades.encode()))


def delete(db: Session, run_id: int, *, user_id: int, kind: str = EQUITY) -> None:
    """Forget a run."""
    db.delete(get(db, run_id, user_id=user_id, kind=kind))
    db.commit()
