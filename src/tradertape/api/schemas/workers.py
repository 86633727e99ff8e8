"""Worker API bodies, and the exact response shapes the published SDKs parse strictly.

The SDKs (kite-algo-worker 0.7.4 and 0.13.0) build several responses into dataclasses
that refuse unknown keys: the safety check, P&L, funds, timeline, orders and previews.
Those responses have a model here with exactly the declared fields, so an extra key
can never reach a worker. Request bodies ignore unknown keys (newer SDKs may send
more), except orders, where ``tag``/``attribution`` must be refused.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tradertape.api.schemas.auth import Strict
from tradertape.api.schemas.kite import KiteOrder, KiteTrade
from tradertape.api.schemas.money_out import PaiseFloat, TickFloat
from tradertape.api.schemas.trading import Omittable, OrderFields, modify_changes
from tradertape.api.schemas.worker_replays import ReplayIn
from tradertape.api.schemas.worker_runs import RunListItem
from tradertape.domain.decimal_input import Count, Flag, KitePrice, Quantity
from tradertape.domain.orders import OrderType, Validity
from tradertape.domain.worker_protection import BackendProtection
from tradertape.serving.free_json import JsonObject, JsonState


class Lenient(BaseModel):
    """A request body that ignores keys it does not know (forward-compatible SDKs)."""

    model_config = ConfigDict(extra="ignore")


IdempotencyKey = Field(min_length=8, max_length=160)


class WorkerOrderIn(OrderFields):
    """An order as the SDK's builders write it; ``tag``, ``tags``, ``attribution`` are 422s."""


class RunCreateIn(Lenient):
    """``POST /worker/runs``."""

    template_id: str = Field(min_length=1, max_length=100)
    account_scope: str = Field(min_length=1, max_length=100)
    execution_mode: str = Field(default="paper", max_length=20)
    strategy_run_id: str | None = Field(default=None, min_length=1, max_length=128)
    summary_fields: list[JsonObject] = Field(default_factory=list, max_length=100)
    risk_schema: list[JsonObject] = Field(default_factory=list, max_length=100)
    allowed_actions: list[Annotated[str, Field(max_length=40)]] = Field(
        default_factory=lambda: ["edit_risk", "exit_strategy"], max_length=50
    )
    runtime_state: JsonState = Field(default_factory=dict)
    metadata: JsonObject = Field(default_factory=dict)
    replay: ReplayIn | None = Field(
        default=None,
        description="play the run against a past period: it gets a replay token of its own",
    )


class RunHeartbeatIn(Lenient):
    """A run heartbeat's body (kept for display)."""

    status: str = Field(default="healthy", max_length=40)
    metrics: JsonObject = Field(default_factory=dict)
    worker_id: str | None = Field(default=None, max_length=100)


class ProgressIn(Lenient):
    """A hosted child's progress signal."""

    note: str | None = Field(default=None, max_length=200)


class IntentIn(Lenient):
    """The intent envelope; ``payload`` is read by ``intent_type``."""

    intent_type: str = Field(max_length=40)
    payload: JsonObject
    idempotency_key: str = IdempotencyKey
    metadata: JsonObject = Field(default_factory=dict)
    safety_token: str | None = Field(default=None, max_length=1000)


class OrderPayload(Lenient):
    """``place_order``'s payload."""

    order: WorkerOrderIn


class BasketIn(Lenient):
    """A basket: up to 20 legs, all-or-none or leg by leg, or just a dry run."""

    orders: list[WorkerOrderIn] = Field(min_length=1, max_length=20)
    all_or_none: Flag = False
    dry_run: Flag = False


class BasketPayload(Lenient):
    """``place_basket``'s payload."""

    basket: BasketIn


class PreviewOrderIn(Lenient):
    """``POST /runs/{id}/preview/order``."""

    order: WorkerOrderIn
    metadata: JsonObject = Field(default_factory=dict)
    idempotency_key: str | None = Field(default=None, max_length=160)


class PreviewBasketIn(Lenient):
    """``POST /runs/{id}/preview/basket``."""

    orders: list[WorkerOrderIn] = Field(min_length=1, max_length=20)
    metadata: JsonObject = Field(default_factory=dict)
    all_or_none: Flag = False


class CancelIn(Lenient):
    """``POST /worker/orders/{order_id}/cancel``."""

    strategy_run_id: str = Field(min_length=1, max_length=128)
    variety: str = Field(default="regular", max_length=10)
    parent_order_id: str | None = Field(default=None, max_length=40)


class ModifyIn(Strict):
    """``POST /worker/orders/{order_id}/modify``: the run, then Kite's modifiable fields."""

    strategy_run_id: str = Field(min_length=1, max_length=128)
    variety: str = Field(default="regular", max_length=10)
    parent_order_id: str | None = Field(default=None, max_length=40)
    order_type: Omittable[OrderType] = None
    quantity: Omittable[Quantity] = None
    price: KitePrice | None = None
    trigger_price: KitePrice | None = None
    validity: Omittable[Validity] = None
    validity_ttl: Count | None = Field(default=None, ge=1, le=365)
    disclosed_quantity: Count | None = Field(default=None, ge=0)

    def changes(self) -> dict[str, Any]:
        """The order fields sent (a 0 price means none, as in Kite)."""
        sent = self.model_dump(
            exclude_unset=True, exclude={"strategy_run_id", "variety", "parent_order_id"}
        )
        return modify_changes(sent)


class ExitIn(Lenient):
    """``POST /runs/{id}/exit``."""

    reason: str | None = Field(default=None, max_length=500)
    idempotency_key: str | None = Field(default=None, min_length=8, max_length=160)
    dry_run: Flag = False


class ProtectionIn(Lenient):
    """``PATCH /runs/{id}/protection``: a new protection document (a new generation)."""

    backend_protection: BackendProtection
    reason: str | None = Field(default=None, max_length=500)
    reset_trailing: Flag = True


class RiskPatchIn(Lenient):
    """``PATCH /runs/{id}/risk``: keys merged into ``runtime_state.risk``."""

    patch: JsonObject = Field(max_length=100)
    reason: str | None = Field(default=None, max_length=500)


class InstrumentsIn(Lenient):
    """Instruments by ``EXCH:SYMBOL`` and by token (the SDK sends digits as tokens)."""

    symbols: list[Annotated[str, Field(max_length=80)]] = Field(
        default_factory=list, max_length=500
    )
    instrument_tokens: list[int] = Field(default_factory=list, max_length=500)


class QuotesIn(InstrumentsIn):
    """``POST /market/quotes``."""

    mode: str = Field(default="quote", max_length=10)


class CandleRequestIn(Lenient):
    """One instrument's candles in a market snapshot."""

    symbol: str | None = Field(default=None, max_length=64)
    instrument_token: int | None = None
    interval: str = Field(default="5minute", max_length=16)
    lookback: int = Field(default=50, ge=1, le=500)

    @model_validator(mode="after")
    def _one_instrument(self) -> Self:
        if self.symbol is None and self.instrument_token is None:
            raise ValueError("name the instrument: symbol or instrument_token")
        return self


class SnapshotIn(QuotesIn):
    """``POST /market/snapshot``: quotes and candles in one call."""

    candles: list[CandleRequestIn] = Field(default_factory=list, max_length=50)


DecisionType = Literal[
    "signal", "entry", "exit", "risk_update", "management", "protection_ack", "note"
]
DecisionAction = Literal[
    "enter",
    "exit",
    "hold",
    "skip",
    "modify",
    "cancel",
    "update_protection",
    "arm_bracket",
    "rebalance",
    "observe",
]
RelatedType = Literal["order", "basket_execution", "bracket_intent", "worker_live_execution_link"]
_RESERVED = ("order.", "basket.", "protection.", "run.", "bracket.")


class DecisionIn(Strict):
    """A decision event, in the backend's shape (``decision_type``/``action``) or seed 002's
    (``event_type``/``details``)."""

    summary: str = Field(min_length=1, max_length=500)
    decision_type: DecisionType | None = None
    action: DecisionAction | None = None
    event_type: str | None = Field(
        default=None, min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$"
    )
    details: JsonObject = Field(default_factory=dict)
    metadata: JsonObject = Field(default_factory=dict)
    related_resource_type: RelatedType | None = None
    related_resource_id: str | None = Field(default=None, min_length=1, max_length=64)
    basket_execution_id: str | None = Field(default=None, min_length=1, max_length=64)

    @model_validator(mode="after")
    def _one_shape(self) -> Self:
        if self.decision_type is None and self.event_type is None:
            raise ValueError("send decision_type (with action) or event_type")
        if self.decision_type is not None and self.action is None:
            raise ValueError("action is required with decision_type")
        if self.event_type is not None and self.event_type.startswith(_RESERVED):
            raise ValueError(f"event types starting with {', '.join(_RESERVED)} are the backend's")
        if (self.related_resource_type is None) != (self.related_resource_id is None):
            raise ValueError("related_resource_type and related_resource_id go together")
        return self


# ---- responses the SDKs parse strictly: exactly these keys -------------------------------


class GenericProtection(BaseModel):
    """The backend protection's state as the safety check reports it."""

    status: str
    triggered_rule: str | None
    exit_submitted: bool
    heartbeat_age_sec: int | None
    last_checked_at: str | None


class OptionsProtection(BaseModel):
    """Options protection (not applicable to these runs yet)."""

    applicable: bool
    run_status: str | None
    evaluation_mode: str | None
    triggered: bool
    blocking: bool
    blocking_reason: str | None
    matched_rule: str | None
    metrics: dict[str, Any]
    recommended_exit_orders_count: int


class SafetyCheckOut(BaseModel):
    """The 0.7.4 SDK's ``SafetyCheckResult``: one more key and ``safety_check()`` raises."""

    strategy_run_id: str
    can_trade: bool
    run_status: str
    safety_token: str | None
    token_expires_at: str | None
    blocking_reasons: list[str]
    generic_protection: GenericProtection
    options_protection: OptionsProtection
    evaluated_at: str


class PnlTotals(BaseModel):
    """Exactly five numbers."""

    realized_pnl: PaiseFloat
    unrealized_pnl: PaiseFloat
    gross_pnl: PaiseFloat
    charges: PaiseFloat
    net_pnl: PaiseFloat


class PnlLeg(BaseModel):
    """One instrument and product of a run."""

    instrument_token: int | None
    exchange: str | None
    tradingsymbol: str | None
    product: str | None
    net_quantity: int
    side: Literal["LONG", "SHORT", "FLAT"]
    average_price: TickFloat
    last_price: TickFloat
    realized_pnl: PaiseFloat
    unrealized_pnl: PaiseFloat
    gross_pnl: PaiseFloat
    charges: PaiseFloat
    net_pnl: PaiseFloat
    broker_net_quantity: int | None
    is_stale: bool
    last_reconciled_at: str | None


class RunPnlOut(BaseModel):
    """The SDK's ``WorkerRunPnlSnapshot``."""

    strategy_run_id: str
    execution_mode: str
    status: str
    currency: str
    totals: PnlTotals
    legs: list[PnlLeg]
    position_count: int
    is_realtime: bool
    is_stale: bool
    updated_at: str


class FundsSegment(BaseModel):
    """The SDK's ``WorkerFundsSegment``."""

    net: PaiseFloat
    available_cash: PaiseFloat
    opening_balance: PaiseFloat
    live_balance: PaiseFloat | None
    collateral: PaiseFloat | None
    utilised: float
    m2m_realised: PaiseFloat
    m2m_unrealised: PaiseFloat


class FundsOut(BaseModel):
    """The SDK's ``WorkerFundsSnapshot``."""

    account_scope: str
    mode: str
    currency: str
    source: str
    segments: dict[str, FundsSegment]
    allocation: dict[str, Any]
    stale: bool
    updated_at: str


class RunFundsOut(FundsOut):
    """Account funds plus the run's usage against its allocation cap."""

    strategy_run_id: str
    strategy: dict[str, Any]


class TimelineEvent(BaseModel):
    """The SDK's ``WorkerTimelineEvent`` (``account_id`` is required there)."""

    cursor: int
    strategy_run_id: str
    account_id: str
    basket_execution_id: str | None
    event_kind: str
    event_source: str
    event_type: str
    related_resource_type: str | None
    related_resource_id: str | None
    summary: str | None
    payload: dict[str, Any]
    created_at: str | None


class TimelineOut(BaseModel):
    """The SDK's ``WorkerTimelineResponse``."""

    strategy_run_id: str
    after_cursor: int
    last_cursor: int
    events: list[TimelineEvent]


class OrdersOut(BaseModel):
    """The SDK's ``WorkerOrdersResponse``: the orders are Kite order dicts."""

    strategy_run_id: str
    orders: list[KiteOrder]


class TradesOut(BaseModel):
    """The SDK's ``WorkerTradesResponse``."""

    strategy_run_id: str
    trades: list[KiteTrade]


class CostContractOut(BaseModel):
    """The SDK's ``CostContract`` (0.13 adds ``itemized`` and the DP charge)."""

    margin_required: PaiseFloat | None
    charges_estimate: PaiseFloat | None
    total_charges: PaiseFloat | None
    total_taxes: PaiseFloat | None
    itemized: dict[str, Any]
    dp_charge: PaiseFloat | None
    dp_charge_status: str


class PreviewPayloadOut(BaseModel):
    """The SDK's ``PreviewPayload``."""

    intent_type: str
    order: dict[str, Any] | None = None
    basket: dict[str, Any] | None = None
    cost_contract: CostContractOut


class OrderPreviewOut(BaseModel):
    """The SDK's ``OrderPreview``."""

    strategy_run_id: str
    mode: str
    preview: PreviewPayloadOut


class ClaimOut(BaseModel):
    """A claimed session."""

    strategy_run_id: str
    worker_session_nonce: str
    worker_session_claimed_at: str


class ReleasedOut(BaseModel):
    """A released session."""

    status: Literal["released"]
    strategy_run_id: str


class RunHeartbeatOut(BaseModel):
    """A recorded run heartbeat."""

    status: Literal["ok"]
    strategy_run_id: str
    last_heartbeat_at: str


class ProgressOut(BaseModel):
    """A recorded progress signal."""

    status: Literal["ok"]
    strategy_run_id: str
    recorded: bool


class RunListOut(BaseModel):
    """A page of the token's runs, newest first."""

    items: list[RunListItem]
    next_cursor: str | None


class IntentOut(BaseModel):
    """``{"status": "accepted" | "deduped", "result": ...}``."""

    status: Literal["accepted", "deduped"]
    result: dict[str, Any]
