"""Backtests as a use case: resolve the strategy and the universe, load candles, run, keep.

The engine (`tradertape.backtest.engine`) knows nothing of users or storage; this module
turns a `BacktestRequest` into a panel and a document, refuses what cannot run with a 422
naming the field, and stores the run (inputs, summary, curves, trades) in the history. A run
whose days reach past the NSE holiday list (provisional sessions: every weekday assumed to
trade) is marked ``provisional_calendar``.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from tradertape.backtest.engine import BacktestResult, BacktestSettings, run_backtest
from tradertape.backtest.request import BacktestRequest
from tradertape.candles import CandleStore
from tradertape.candles.panel import Panel
from tradertape.candles.store import canonical_key
from tradertape.db.engine import Database
from tradertape.db.models import BacktestRun, Strategy
from tradertape.domain.calendar import OutsideCalendarError, TradingCalendar
from tradertape.domain.instruments import UnknownUniverseError
from tradertape.errors import InvalidField
from tradertape.ports.clock import Clock
from tradertape.services.accounts.ownership import get_owned, owned
from tradertape.services.research import strategies
from tradertape.services.research.jobs import (
    CUT_OFF,
    RUNNING,
    ResearchJobs,
    job_events,
    stale_cutoff,
)
from tradertape.strategies.dsl import StrategyDocument

Progress = Callable[[str], None]

# Buy-and-hold benchmark of each universe; a symbol list is measured against the NIFTY 50.
BENCHMARKS = {
    "nifty_50": "NSE:NIFTY 50",
    "nifty_next_50": "NSE:NIFTY NEXT 50",
    "nifty_100": "NSE:NIFTY 100",
    "nifty_200": "NSE:NIFTY 200",
    "nifty_500": "NSE:NIFTY 500",
}
DEFAULT_BENCHMARK = "NSE:NIFTY 50"
# Candles loaded before the range so long indicators (SMA 200, 52-week highs) are ready on its
# first day: about 300 trading days.
WARMUP_DAYS = timedelta(days=440)


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


def universe_keys(store: CandleStore, universe: str | list[str]) -> tuple[list[str], str]:
    """The sorted member keys of a universe (or symbol list) and its benchmark index."""
    if isinstance(universe, list):
        keys = sorted({canonical_key(s if ":" in s else f"NSE:{s}") for s in universe})
        unknown = [k for k in keys if store.catalog.find(k) is None]
        if unknown:
            raise InvalidField("universe", f"unknown symbols {unknown[:10]}")
        return keys, DEFAULT_BENCHMARK
    try:
        members = store.catalog.universe(universe)
    except UnknownUniverseError:
        known = ", ".join(store.catalog.universe_names)
        raise InvalidField("universe", f"unknown universe {universe!r}; known: {known}") from None
    return sorted(i.key for i in members), BENCHMARKS.get(universe, DEFAULT_BENCHMARK)


@dataclass(frozen=True, slots=True)
class Market:
    """What a backtest runs on: the universe's panel and its benchmark index."""

    panel: Panel
    benchmark: np.ndarray[Any, np.dtype[np.float64]] | None
    benchmark_source: str | None


def load_market(store: CandleStore, request: BacktestRequest) -> Market:
    """The universe's panel from `WARMUP_DAYS` before the range to its end, and the
    benchmark's closes on the same days; 422 when the range itself has no data."""
    keys, benchmark_key = universe_keys(store, request.universe)
    earliest = store.calendar.first_day
    # Compared, not subtracted: a start near year 1 has no date WARMUP_DAYS before it.
    warm_start = (
        earliest
        if request.start_date <= earliest + WARMUP_DAYS
        else request.start_date - WARMUP_DAYS
    )
    try:
        panel = store.load_panel(keys, min(warm_start, request.start_date), request.end_date)
    except OutsideCalendarError as exc:
        raise InvalidField("start_date", str(exc)) from None
    in_range = panel.close[panel.days >= np.datetime64(request.start_date)]
    if in_range.shape[0] < 2 or bool(np.isnan(in_range).all()):
        name = request.universe if isinstance(request.universe, str) else "these symbols"
        raise InvalidField(
            "start_date",
            f"no daily candles for {name} between {request.start_date} and {request.end_date}; "
            "load some with `tradertape data synth` or an import",
        )
    bench = store.load_panel([benchmark_key], panel.days[0].astype(object), request.end_date)
    closes = bench.close[:, 0]
    if bool(np.isnan(closes).all()):
        return Market(panel, None, None)
    return Market(panel, closes, bench.sources[0])


def settings_of(request: BacktestRequest) -> BacktestSettings:
    """The engine settings a request asks for."""
    return BacktestSettings(
        starting_capital=request.starting_capital,
        position_size_pct=request.position_size_pct,
        max_positions=request.max_positions,
        max_per_sector=request.max_per_sector,
        slippage_bps=request.slippage_bps,
        fill_at=request.fill_at,
        charges=request.charges_setting,
    )


def simulate(
    store: CandleStore,
    document: StrategyDocument,
    request: BacktestRequest,
    *,
    progress: Progress | None = None,
) -> BacktestResult:
    """Load the market and run: no database, so the CLI can call it too."""
    step = progress or (lambda stage: None)
    step("loading candles")
    market = load_market(store, request)
    return run_backtest(
        document,
        market.panel,
        settings_of(request),
        benchmark=market.benchmark,
        benchmark_source=market.benchmark_source,
        progress=progress,
        trade_from=request.start_date,
    )


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _rebased_benchmark(result: BacktestResult) -> list[float | None]:
    """The benchmark as the equity its buy-and-hold would have had (rebased to the run's
    first day's equity at its first known close); None on days it has no close."""
    bench = result.benchmark
    if bench is None or bench.size != result.equity.size:
        return [None] * result.equity.size
    known = np.flatnonzero(np.isfinite(bench) & (bench > 0))
    if known.size == 0:
        return [None] * result.equity.size
    scale = float(result.equity[0]) / float(bench[known[0]])
    return [round(float(b) * scale, 2) if math.isfinite(b) and b > 0 else None for b in bench]


def equity_rows(result: BacktestResult) -> list[dict[str, Any]]:
    """The equity and drawdown curves as JSON rows, one per trading day, with the
    benchmark's rebased equity beside them (for a chart of one against the other)."""
    days = result.days.astype("datetime64[D]").astype(str).tolist()
    return [
        {
            "date": d,
            "equity": round(float(e), 2),
            "drawdown": round(float(dd), 4),
            "positions": int(n),
            "benchmark": b,
        }
        for d, e, dd, n, b in zip(
            days,
            result.equity,
            result.drawdown,
            result.positions,
            _rebased_benchmark(result),
            strict=True,
        )
    ]


def trade_rows(result: BacktestResult) -> list[dict[str, Any]]:
    """Per-trade detail as JSON rows (money to the paisa, prices to 4 decimals)."""
    rows = []
    for trade in result.trades:
        row = asdict(trade)
        row.update(
            entry_date=trade.entry_date.isoformat(),
            exit_date=trade.exit_date.isoformat(),
            entry_price=round(trade.entry_price, 4),
            exit_price=round(trade.exit_price, 4),
            pnl=round(trade.pnl, 2),
            pnl_pct=round(trade.pnl_pct, 4),
            charges=round(trade.charges, 2),
            conviction=_finite(round(trade.conviction, 6)),
        )
        rows.append(row)
    return rows


def uses_provisional_days(calendar: TradingCalendar, result: BacktestResult) -> bool:
    """Whether the run's days reach past the published holiday list (guessed sessions)."""
    days = result.days.astype("datetime64[D]").astype(object)
    return len(days) > 0 and calendar.uses_provisional(days[0], days[-1])


def summary_of(result: BacktestResult) -> dict[str, Any]:
    """The summary with figures rounded for reading and non-finite ratios as null."""
    return {
        key: _finite(round(value, 4) if isinstance(value, float) else value)
        for key, value in result.summary.items()
    }


def _fill(row: BacktestRun, store: CandleStore, resolved: Resolved, result: BacktestResult) -> None:
    """Put a finished run's results into its row."""
    row.duration_ms = round(sum(result.timings_ms.values()), 3)
    row.summary = summary_of(result)
    row.timings_ms = {k: round(v, 3) for k, v in result.timings_ms.items()}
    row.equity_curve = equity_rows(result)
    row.trades = trade_rows(result)
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
        config=request.model_dump(mode="json", exclude={"strategy"}),
        status=status,
        duration_ms=0.0,
        summary={},
        timings_ms={},
        equity_curve=[],
        trades=[],
        created_at=clock.now(),
    )


def _mark_last_backtest(db: Session, row: BacktestRun, resolved: Resolved, user_id: int) -> None:
    if resolved.row is not None and resolved.row.user_id == user_id:
        resolved.row.last_backtest_id = row.id


def run(
    db: Session,
    store: CandleStore,
    request: BacktestRequest,
    *,
    clock: Clock,
    user_id: int,
) -> BacktestRun:
    """Run a backtest for the user and keep it in their history."""
    resolved = resolve_strategy(db, request, clock=clock, user_id=user_id)
    result = simulate(store, resolved.document, request)
    row = _new_row(request, resolved, clock=clock, user_id=user_id, status="completed")
    _fill(row, store, resolved, result)
    db.add(row)
    db.flush()
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
) -> BacktestRun:
    """Start a backtest that reports its stages (its row is ``queued``, then ``running``
    with a ``stage``, then ``completed`` or ``failed``); bad input is refused here, 422."""
    resolved = resolve_strategy(db, request, clock=clock, user_id=user_id)
    market = load_market(store, request)
    row = _new_row(request, resolved, clock=clock, user_id=user_id, status="queued")
    row.stage, row.heartbeat_at = "queued", clock.now()
    db.add(row)
    db.flush()
    _mark_last_backtest(db, row, resolved, user_id)
    db.commit()

    def work(step: Progress) -> Callable[[BacktestRun], None]:
        result = run_backtest(
            resolved.document,
            market.panel,
            settings_of(request),
            benchmark=market.benchmark,
            benchmark_source=market.benchmark_source,
            progress=step,
            trade_from=request.start_date,
        )
        return lambda finished: _fill(finished, store, resolved, result)

    jobs.run_backtest(row.id, work)
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
    db: Database, run_id: int, *, clock: Clock, poll_s: float, heartbeat_s: float
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
        poll_s=poll_s,
        heartbeat_s=heartbeat_s,
    )


def history(db: Session, *, user_id: int, limit: int, offset: int) -> list[BacktestRun]:
    """The user's runs, newest first."""
    query = owned(BacktestRun, user_id=user_id).order_by(BacktestRun.id.desc())
    return list(db.scalars(query.limit(limit).offset(offset)))


def get(db: Session, run_id: int, *, user_id: int) -> BacktestRun:
    """One of the user's runs."""
    return get_owned(db, BacktestRun, run_id, user_id=user_id, label="backtest run")


def get_current(db: Session, run_id: int, *, user_id: int, clock: Clock) -> BacktestRun:
    """One of the user's runs, a run cut off by a restart marked so."""
    row = get(db, run_id, user_id=user_id)
    if bring_up_to_date(row, clock.now()):
        db.commit()
    return row


def delete(db: Session, run_id: int, *, user_id: int) -> None:
    """Forget a run."""
    db.delete(get(db, run_id, user_id=user_id))
    db.commit()
