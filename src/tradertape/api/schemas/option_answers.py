"""Answers of the worker options namespace (``/algo-workers/worker/options``).

The 0.13 SDK's option client reads these fields; further keys are kept (`OpenModel`).
Prices, IV (in %) and greeks are null where a contract has no price yet.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from tradertape.api.schemas.kite import KiteOrder, KiteTrade, OrderTicket
from tradertape.api.schemas.money_out import PaiseNumber, TickNumber
from tradertape.api.schemas.open_models import JsonNumber, OpenModel
from tradertape.api.schemas.workers import CostContractOut


class ExpiriesOut(OpenModel):
    """The underlying's listed expiries, nearest first, and its index's price."""

    underlying: str
    expiries: list[str]
    spot_ltp: TickNumber | None
    updated_at: str | None


class SessionSnapshot(OpenModel):
    """The nearest expiry at a glance."""

    status: str = Field(description="`ready`, or `no_price` before the index has one")
    nearest_expiry: str
    atm_strike: TickNumber | None
    lot_size: int
    contracts: int = Field(description="contracts listed over every expiry")
    source: str


class OptionSessionOut(ExpiriesOut):
    """What is listed for the underlying and where its index is."""

    snapshot: SessionSnapshot
    resource_error: str | None


class OptionContract(OpenModel):
    """A listed option with its price, IV (%) and Black-76 greeks."""

    tradingsymbol: str
    instrument_token: int
    exchange: str
    strike: TickNumber | None
    option_type: str = Field(description="`CE` or `PE`")
    expiry_key: str
    lot_size: int
    tick_size: JsonNumber | None
    ltp: TickNumber | None
    iv: JsonNumber | None
    delta: JsonNumber | None
    gamma: JsonNumber | None
    theta: JsonNumber | None
    vega: JsonNumber | None


class ChainRow(OpenModel):
    """A strike's call and put (either may be unlisted)."""

    strike: TickNumber | None
    ce: OptionContract | None = None
    pe: OptionContract | None = None


class ChainOut(OpenModel):
    """One expiry's chain, a row per strike."""

    underlying: str
    expiry: str
    spot_ltp: TickNumber | None
    atm_strike: TickNumber | None
    strikes: list[TickNumber | None]
    chain: list[ChainRow]
    updated_at: str | None


class MiniChainOut(OpenModel):
    """The strikes either side of ATM, as a flat contract list."""

    underlying: str
    expiry: str
    window: int
    atm_strike: TickNumber | None
    contracts: list[OptionContract]
    updated_at: str | None


class GreeksOut(OpenModel):
    """Every contract of one expiry with IV and greeks."""

    underlying: str
    expiry: str
    contracts: list[OptionContract]
    greeks_source: str
    updated_at: str | None


class AnalyticsOut(OpenModel):
    """A reading of one expiry's open interest (synthetic in the simulated market)."""

    underlying: str
    expiry: str
    value: JsonNumber | None = Field(description="the put/call ratio, or the max-pain strike")
    call_oi: int
    put_oi: int
    oi_source: str
    updated_at: str | None


class ResolvedContract(OptionContract):
    """A leg resolved to a listed contract, saying how."""

    resolver: str = Field(description="`strike`, `offset`, `delta` or `moneyness`")
    resolution_meta: dict[str, Any]
    transaction_type: str | None = None
    lots: int | None = None
    quantity: int | None = None


class ResolvedOut(OpenModel):
    """Legs resolved to contracts, in the order asked."""

    underlying: str
    expiry: str
    resolved: list[ResolvedContract]
    count: int
    updated_at: str | None


class StrategyPreviewOut(ResolvedOut):
    """A strategy's legs priced: ``net_premium`` is received (+) less paid (−)."""

    legs: list[ResolvedContract]
    net_premium: PaiseNumber


class ProtectionRule(OpenModel):
    """A rule: when ``metric`` ``operator`` ``threshold``, do ``action``."""

    key: str
    metric: str
    role: str | None
    operator: str
    threshold: JsonNumber
    action: str


class ProtectionRules(OpenModel):
    """The run's rules; ``precedence`` orders their keys when several fire."""

    rules: list[ProtectionRule]
    precedence: list[str]


class ProtectionVerdict(OpenModel):
    """The rules on the current metrics (each field once it has been evaluated)."""

    applicable: bool | None = None
    evaluation_mode: str | None = None
    triggered: bool | None = None
    blocking: bool | None = None
    blocking_reason: str | None = None
    matched_rule: ProtectionRule | None = None
    metrics: dict[str, Any] | None = None
    recommended_exit_orders_count: int | None = None
    status: str | None = None
    generation: int | None = None
    evaluated_at: str | None = None


LegState = Literal[
    "queued",
    "sent",
    "open",
    "filled",
    "rejected",
    "cancelled",
    "skipped",
    "unwinding",
    "unwound",
    "exiting",
    "closed",
    "exit_rejected",
    "exit_cancelled",
    "exit_skipped",
]


class OptionLeg(OpenModel):
    """A leg of an option run, with its position and mark."""

    leg_id: str | None = None
    tradingsymbol: str | None = None
    exchange: str | None = None
    transaction_type: str | None = None
    quantity: int | None = None
    lots: int | None = None
    lot_size: int | None = None
    product: str | None = None
    order_type: str | None = None
    price: TickNumber | None = None
    market_protection: int | None = None
    instrument_token: int | None = None
    strike: TickNumber | None = None
    option_type: str | None = None
    expiry_key: str | None = None
    underlying: str | None = None
    metadata: dict[str, Any] | None = None
    ltp: TickNumber | None
    net_quantity: int
    average_price: TickNumber | None
    state: LegState | None = Field(
        default=None, description="where the leg's order stands (none before an entry)"
    )
    entry_order_id: str | None = None
    exit_order_id: str | None = None
    state_message: str | None = Field(default=None, description="the venue's word on it")


class OptionLegResult(OpenModel):
    """One planned leg of an entry or exit: its order as the venue has it now."""

    leg_index: int
    leg_id: str | None = None
    status: str = Field(
        description="filled, accepted (working or sent), rejected, cancelled; queued or "
        "skipped before an order exists"
    )
    mode: str | None = Field(default=None, description="paper or live")
    order_id: str | None = None
    order: KiteOrder | None = None
    trade: KiteTrade | None = None
    trades: list[KiteTrade] = Field(default_factory=list)
    reason: str | None = Field(default=None, description="why it was refused or not sent")


class LegError(OpenModel):
    """A leg that will not trade, and why."""

    leg_index: int | None = None
    reason: str | None = None


class OptionExecution(OpenModel):
    """An entry or exit sent leg by leg (empty before one); a dry run's answer is the
    intent's validation instead (``status: validated``)."""

    idempotency_key: str | None = None
    mode: str | None = None
    intent_type: str | None = None
    basket_execution_id: str | None = None
    status: str | None = Field(
        default=None,
        description="submitting (legs still to send), success, partial or failed (none stands)",
    )
    all_or_none: bool | None = Field(
        default=None, description="always false: no venue takes an all-or-none basket"
    )
    reason: str | None = Field(
        default=None, description="an exit's: worker, options_protection, or unwind"
    )
    results: list[OptionLegResult] = Field(default_factory=list)
    errors: list[LegError] = Field(default_factory=list)
    cancelled: list[str] = Field(
        default_factory=list, description="entry orders an exit cancelled first"
    )
    started_at: str | None = None
    finished_at: str | None = None


class OptionRunOut(OpenModel):
    """An option run with each leg's position and mark."""

    strategy_run_id: str
    strategy_name: str
    product: str
    underlying: str
    status: str
    execution_mode: str
    account_scope: str
    on_partial_entry: Literal["unwind", "keep"] = "unwind"
    legs: list[OptionLeg]
    protection: ProtectionRules
    protection_state: ProtectionVerdict
    metadata: dict[str, Any]
    entry: OptionExecution = Field(description="the entry, leg by leg, once started")
    exit: OptionExecution = Field(
        description="the exit (or a partial entry's unwind), once started"
    )
    created_at: str | None
    updated_at: str | None


class OptionRunActionOut(OptionRunOut):
    """The run after ``enter`` or ``exit``, with what the action did."""

    result: OptionExecution | None = None
    deduped: bool | None = Field(
        default=None, description="this key's action already ran: its state now, nothing new sent"
    )


class ProtectionStateOut(ProtectionVerdict):
    """The verdict of the run's rules now."""

    strategy_run_id: str
    run_status: str
    protection: ProtectionRules


class OptionPreviewOut(OpenModel):
    """The orders an entry or exit would send, with premium, margin and charges."""

    strategy_run_id: str
    status: str
    mode: str
    orders: list[OrderTicket]
    net_premium: PaiseNumber = Field(description="received (+) less paid (−)")
    cost_contract: CostContractOut


class ReplayStep(OpenModel):
    """The rules on one snapshot of metrics."""

    index: int
    metrics: dict[str, Any]
    triggered: bool
    matched_rule: ProtectionRule | None


class ReplayOut(OpenModel):
    """What the rules would have done on each snapshot (nothing is stored)."""

    strategy_run_id: str
    protection: ProtectionRules
    evaluated: int
    first_triggered_index: int | None
    results: list[ReplayStep]
