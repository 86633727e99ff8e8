"""Answers of the worker order and exit routes (``/algo-workers/worker/*``).

The published SDKs (0.7.4, 0.13.0) read the fields named here; these answers keep any
further key (`OpenModel`), so an SDK that reads more finds it. The answers the SDKs parse
strictly (safety check, P&L, funds, timeline, previews) have exact models in
`schemas.workers`.
"""

from __future__ import annotations

from pydantic import Field

from tradertape.api.schemas.kite import BookOrder, BookTrade, KiteOrder, OrderTicket
from tradertape.api.schemas.open_models import OpenModel
from tradertape.api.schemas.worker_runs import RunOut
from tradertape.api.schemas.workers import PnlLeg


class RunOrderOut(OpenModel):
    """One of the run's orders."""

    strategy_run_id: str
    order: KiteOrder


class RunOrderChangeOut(OpenModel):
    """One of the run's orders after a cancel or a modification."""

    strategy_run_id: str
    order_id: str
    result: KiteOrder


class OrderSnapshot(KiteOrder):
    """The order as it stood after one event."""

    exchange_timestamp: str = Field(description="the event's time, IST `YYYY-MM-DD HH:MM:SS`")
    event: str = Field(description="what happened: placed, modified, filled, cancelled, …")


class RunOrderHistoryOut(OpenModel):
    """Every state of one of the run's orders, oldest first."""

    strategy_run_id: str
    order_id: str
    history: list[OrderSnapshot]


class PlacementResult(OpenModel):
    """What became of one order an intent or exit sent (as stored: a replay answers the
    same; ``order`` is null for a basket leg rolled back)."""

    mode: str | None = None
    status: str | None = None
    order_id: str | None = None
    order: BookOrder | None = None
    trade: BookTrade | None = None
    trades: list[BookTrade] | None = None
    leg_index: int | None = None
    reason: str | None = None


class ExitError(OpenModel):
    """Why part of an exit did not happen."""

    reason: str | None = None
    order_id: str | None = None
    gtt_id: int | None = None
    field: str | None = None
    rejection_reason: str | None = None


class ExitResult(OpenModel):
    """What an exit did (as stored, so a repeated key answers the same)."""

    status: str | None = Field(
        default=None, description="success, submitted, partial, failed, noop or closed"
    )
    orders: list[PlacementResult] | None = None
    cancelled: list[str] | None = Field(default=None, description="ids of orders cancelled")
    errors: list[ExitError] | None = None
    reason: str | None = None
    flat_confirmed: bool | None = None
    closed_at: str | None = None


class ExitPlan(OpenModel):
    """What an exit would do: the open legs, the orders that flatten them, the working
    orders it would cancel."""

    legs: list[PnlLeg]
    orders: list[OrderTicket]
    cancels: list[str]


class ExitOut(OpenModel):
    """``dry_run``: the plan (``exit``); otherwise what was done (``result``); and the run."""

    mode: str
    status: str = Field(
        description="the exit's status, or `dry_run`, `noop` or `already_submitted`"
    )
    result: ExitResult | None = None
    exit: ExitPlan | None = None
    run: RunOut
