"""Strategies (the DSL documents users keep, fork and share), their versions, and backtest runs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from tradertape.db.base import Base, Owned
from tradertape.db.types import FastJSON

EQUITY, OPTIONS = "equity", "options"  # `BacktestRun.kind`


class Strategy(Base):
    """A strategy in the library. Built-in models are rows too (no owner, ``builtin_key``
    set, read-only templates), so a backtest or a portfolio names either by id."""

    __tablename__ = "user_strategies"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    builtin_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    base_model: Mapped[str | None] = mapped_column(String(40))
    version: Mapped[int]
    document: Mapped[dict[str, Any]]  # the current StrategyDocument, its version included
    is_template: Mapped[bool] = mapped_column(default=False)
    is_public: Mapped[bool] = mapped_column(default=False, index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    forked_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_strategies.id", ondelete="SET NULL")
    )
    last_backtest_id: Mapped[int | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class StrategyVersion(Base):
    """Every saved version of a strategy's document, so older versions stay readable (and a
    portfolio or a backtest can say exactly what it ran)."""

    __tablename__ = "strategy_versions"
    __table_args__ = (UniqueConstraint("strategy_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int] = mapped_column(
        ForeignKey("user_strategies.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    document: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class BacktestRun(Owned, Base):
    """One backtest with its inputs (the strategy snapshot and the settings) and results."""

    __tablename__ = "backtest_runs"
    # A sweep's variant opened as a run of its own is run once (the sweep page's cell links
    # to it): a second ask finds the first.
    __table_args__ = (
        Index("ux_backtest_runs_sweep_variant", "sweep_id", "sweep_variant", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_strategies.id", ondelete="SET NULL"), index=True
    )
    strategy_version: Mapped[int | None]
    strategy_name: Mapped[str] = mapped_column(String(120))
    strategy_snapshot: Mapped[dict[str, Any]]
    config: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16))  # queued | running | completed | failed
    duration_ms: Mapped[float]
    summary: Mapped[dict[str, Any]]
    timings_ms: Mapped[dict[str, Any]]
    # Columns (one list per field) since runs were stored so; rows (a list of objects) before
    equity_curve: Mapped[Any] = mapped_column(FastJSON)
    trades: Mapped[Any] = mapped_column(FastJSON)
    created_at: Mapped[datetime]
    # Its days reach past the NSE holiday list (weekdays assumed to trade)
    provisional_calendar: Mapped[bool] = mapped_column(default=False, server_default=false())
    # A run started with progress (`POST /api/backtest/runs`): where it is, why it failed,
    # and when its thread last said it was alive (a stale one was cut off by a restart).
    stage: Mapped[str | None] = mapped_column(String(24))
    error: Mapped[str | None] = mapped_column(String(500))
    heartbeat_at: Mapped[datetime | None]
    # A variant of a sweep run over the sweep's whole range: which sweep (no foreign key, as
    # `Strategy.last_backtest_id`: deleting the sweep clears it) and which variant.
    sweep_id: Mapped[int | None]
    sweep_variant: Mapped[int | None]
    # Which engine ran it: ``equity`` (`/api/backtest`) or ``options``
    # (`/api/backtests/options`); each history lists and opens its own kind only.
    kind: Mapped[str] = mapped_column(String(16), default=EQUITY, server_default=EQUITY)


class BacktestSweep(Owned, Base):
    """A parameter sweep: a grid of one strategy's variants, each run in- and out-of-sample.

    ``results`` holds a row per finished variant (its values and each part's figures),
    appended as chunks finish; ``done`` counts them. The thread running it writes
    ``heartbeat_at`` at least every few seconds: a running sweep whose heartbeat is stale
    was cut off (a restart, a crash) and reads as ``interrupted``.
    """

    __tablename__ = "backtest_sweeps"

    id: Mapped[int] = mapped_column(primary_key=True)
    # equity (`/api/sweeps`: in- and out-of-sample over a panel) | options
    # (`/api/backtests/options/sweeps`: over the chains, no split); each lists its own kind
    kind: Mapped[str] = mapped_column(String(16), default=EQUITY, server_default=EQUITY)
    strategy_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_strategies.id", ondelete="SET NULL"), index=True
    )
    strategy_version: Mapped[int | None]
    strategy_name: Mapped[str] = mapped_column(String(120))
    strategy_snapshot: Mapped[dict[str, Any]]
    config: Mapped[dict[str, Any]]  # the request: settings, parameters, split, limit
    # queued | running | completed | failed | cancelled | interrupted
    status: Mapped[str] = mapped_column(String(16))
    executor: Mapped[str] = mapped_column(String(16))  # serial | pool | ray
    workers: Mapped[int]
    split_date: Mapped[date | None]  # an options sweep has none
    total: Mapped[int]
    done: Mapped[int]
    elapsed_s: Mapped[float]  # wall time spent running variants so far
    results: Mapped[list[dict[str, Any]]]
    error: Mapped[str | None] = mapped_column(String(500))
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    runner: Mapped[str | None] = mapped_column(String(120))  # host/pid/start (`runners`)


class WalkForwardRun(Owned, Base):
    """A walk-forward: a sweep's grid re-run fold after fold (`backtest.walk_forward`).

    ``folds`` holds each finished fold (its days, the chosen variant, both parts' figures,
    every variant's scores and out-of-sample returns), appended as folds finish: a run cut
    off by a restart resumes from the first fold missing. ``summary`` (the stitched curve,
    parameter stability, DSR and PBO) is written when every fold has finished. ``done``
    counts the fold-variants finished of ``total``; the heartbeat reads as a sweep's.
    """

    __tablename__ = "walk_forward_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    # equity (`/api/backtest/walk-forwards`: over a panel) | options
    # (`/api/backtests/options/walk-forwards`: over the chains); each lists its own kind
    kind: Mapped[str] = mapped_column(String(16), default=EQUITY, server_default=EQUITY)
    strategy_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_strategies.id", ondelete="SET NULL"), index=True
    )
    strategy_version: Mapped[int | None]
    strategy_name: Mapped[str] = mapped_column(String(120))
    strategy_snapshot: Mapped[dict[str, Any]]
    config: Mapped[dict[str, Any]]  # the request: settings, parameters, fold plan, search
    # queued | running | completed | failed | cancelled | interrupted
    status: Mapped[str] = mapped_column(String(16))
    executor: Mapped[str] = mapped_column(String(16))  # serial | pool | ray
    workers: Mapped[int]
    fold_count: Mapped[int]
    variant_count: Mapped[int]  # variants tried in each fold
    total: Mapped[int]
    done: Mapped[int]
    elapsed_s: Mapped[float]
    folds: Mapped[list[dict[str, Any]]]
    summary: Mapped[dict[str, Any] | None]
    error: Mapped[str | None] = mapped_column(String(500))
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    runner: Mapped[str | None] = mapped_column(String(120))  # host/pid/start (`runners`)


class WalkForwardTrial(Base):
    """One told trial of a walk-forward's Bayesian search (`backtest.walk_forward_search`):
    the fold's study is rebuilt from these, so a run cut off mid-fold resumes at the next
    batch. ``row`` is the fold-variant's result (both parts' figures, the out-of-sample
    returns), so the fold's verdict needs no trial run again. A batch's trials are written
    together; they go with their run."""

    __tablename__ = "walk_forward_trials"
    __table_args__ = (UniqueConstraint("run_id", "fold", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("walk_forward_runs.id", ondelete="CASCADE"))
    fold: Mapped[int]
    number: Mapped[int]
    variant: Mapped[int]
    value: Mapped[float | None]  # the in-sample objective; null: a failed trial
    row: Mapped[dict[str, Any]]
