"""Typed views of the responses the ``*_snapshot`` methods (and `safety_check`) return.

Unlike the published SDK's strict dataclasses, these accept keys they do not declare
(``extra="allow"``), so a newer server never breaks an older worker; the declared
fields are typed and read as attributes.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _View(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)


class SafetyCheckResult(_View):
    """Whether the run may trade now, and the short-lived token that proves it."""

    strategy_run_id: str
    can_trade: bool
    run_status: str
    safety_token: str | None = None
    token_expires_at: str | None = None
    blocking_reasons: list[str] = Field(default_factory=list)
    generic_protection: dict[str, Any] = Field(default_factory=dict)
    options_protection: dict[str, Any] = Field(default_factory=dict)
    evaluated_at: str = ""


class WorkerRunHealthSnapshot(_View):
    """A run's operational health (``get_run_health_snapshot``)."""

    strategy_run_id: str
    status: str
    execution_mode: str
    account_scope: str | None = None
    heartbeat_age_sec: int | None = None
    health_status: str | None = None
    session_status: str | None = None
    recovery_status: str | None = None
    recovery_action_required: bool = False
    worker_session_claimed_at: str | None = None
    last_heartbeat_at: str | None = None


class RunProtectionState(_View):
    """``runtime_state.backend_protection_state``."""

    status: str | None = None
    generation: int | None = None
    triggered_rule: str | None = None
    exit_claim_id: str | None = None
    exit_submitted: bool = False
    reason: str | None = None
    reset_trailing: bool | None = None


class WorkerRunPnlTotals(_View):
    """The five totals of a run."""

    realized_pnl: float = 0.0
    unrealized_pnl: float = 0.0
    gross_pnl: float = 0.0
    charges: float = 0.0
    net_pnl: float = 0.0


class WorkerRunPnlLeg(_View):
    """One instrument and product of a run."""

    instrument_token: int | None = None
    exchange: str | None = None
    tradingsymbol: str | None = None
    product: str | None = None
    net_quantity: int = 0
    side: str = "FLAT"
    average_price: float = 0.0
    last_price: float = 0.0
    realized_pnl: float = 0.0
    unrealized_pnl: float = 0.0
    gross_pnl: float = 0.0
    charges: float = 0.0
    net_pnl: float = 0.0
    broker_net_quantity: int | None = None
    is_stale: bool = False
    last_reconciled_at: str | None = None


class WorkerRunPnlSnapshot(_View):
    """A run's grouped P&L."""

    strategy_run_id: str
    execution_mode: str
    status: str
    currency: str = "INR"
    totals: WorkerRunPnlTotals = Field(default_factory=WorkerRunPnlTotals)
    legs: list[WorkerRunPnlLeg] = Field(default_factory=list)
    position_count: int = 0
    is_realtime: bool = False
    is_stale: bool = False
    updated_at: str = ""


class WorkerFundsSegment(_View):
    """One segment of the account's funds."""

    net: float = 0.0
    available_cash: float = 0.0
    opening_balance: float = 0.0
    live_balance: float | None = None
    collateral: float | None = None
    utilised: float = 0.0
    m2m_realised: float = 0.0
    m2m_unrealised: float = 0.0


class WorkerFundsSnapshot(_View):
    """The funds of an account scope."""

    account_scope: str
    mode: str
    currency: str = "INR"
    source: str = ""
    segments: dict[str, WorkerFundsSegment] = Field(default_factory=dict)
    allocation: dict[str, Any] = Field(default_factory=dict)
    stale: bool = False
    updated_at: str = ""


class WorkerTimelineEvent(_View):
    """One line of a run's journal."""

    cursor: int
    strategy_run_id: str
    account_id: str = ""
    basket_execution_id: str | None = None
    event_kind: str = "execution"
    event_source: str = ""
    event_type: str = ""
    related_resource_type: str | None = None
    related_resource_id: str | None = None
    summary: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict)
    created_at: str | None = None


class WorkerTimelineResponse(_View):
    """A page of a run's journal; resume from ``last_cursor``."""

    strategy_run_id: str
    after_cursor: int = 0
    last_cursor: int = 0
    events: list[WorkerTimelineEvent] = Field(default_factory=list)


class WorkerOrderSnapshot(_View):
    """An order in Kite's shape."""

    order_id: str
    status: str
    exchange: str | None = None
    tradingsymbol: str | None = None
    transaction_type: str | None = None
    product: str | None = None
    variety: str | None = None
    order_type: str | None = None
    quantity: int | None = None
    price: float | None = None
    trigger_price: float | None = None
    average_price: float | None = None
    filled_quantity: int | None = None
    pending_quantity: int | None = None
    status_message: str | None = None
    tag: str | None = None


class CostContract(_View):
    """What an order would cost: margin and itemized charges."""

    margin_required: float | None = None
    charges_estimate: float | None = None
    total_charges: float | None = None
    total_taxes: float | None = None
    itemized: dict[str, Any] = Field(default_factory=dict)


class PreviewPayload(_View):
    """The previewed order or basket and its costs."""

    intent_type: str
    order: dict[str, Any] | None = None
    basket: dict[str, Any] | None = None
    cost_contract: CostContract | None = None


class OrderPreview(_View):
    """``preview_order_snapshot``."""

    strategy_run_id: str
    mode: str
    preview: PreviewPayload


class WorkerCandle(_View):
    """One candle; ``is_complete`` is false for the forming one."""

    ts: str
    open: float
    high: float
    low: float
    close: float
    volume: float = 0.0
    oi: float | None = None
    is_complete: bool = True


class WorkerHistoricalCandles(_View):
    """Candles of one instrument (live surface or history)."""

    symbol: str | None = None
    instrument_token: int | None = None
    interval: str = ""
    timeframe: str | None = None
    from_ts: str | None = Field(default=None, alias="from")
    to_ts: str | None = Field(default=None, alias="to")
    count: int | None = None
    source: str | None = None
    ingestion: dict[str, Any] | None = None
    current: WorkerCandle | None = None
    candles: list[WorkerCandle] = Field(default_factory=list)
    is_stale: bool = False
