"""The agent API's bodies (docs/agent-api.md): what the local agent polls and reports, and
what the web app reads of it. Money, prices and percentages are decimal strings in answers;
requests may send them as strings or numbers. Agent request bodies ignore fields they do
not name (an agent release may send more), like the worker API's."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, Strict

from tradertape.api.schemas.money_out import Paise, TickPrice
from tradertape.api.schemas.numbers import JsonRowId
from tradertape.api.schemas.times import UtcDateTime
from tradertape.api.schemas.wealth import FundOut
from tradertape.domain.brokers import BrokerName, listed
from tradertape.domain.decimal_input import KitePrice, Number, Price, Quantity
from tradertape.domain.orders import MAX_QUANTITY


class AgentBody(BaseModel):
    """An agent request body: unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore")


# ---- pending-signals ----------------------------------------------------------------


class AgentLeg(BaseModel):
    """One order a GTT places when its trigger is hit (Kite's GTT leg)."""

    transaction_type: str
    quantity: int
    price: TickPrice
    order_type: str
    product: str


class AgentPlacement(BaseModel):
    """What to place: ``kind`` ``gtt`` (``single``: one trigger and leg; ``two-leg``: an
    OCO of a lower and an upper trigger, one leg each) or ``order`` (an immediate order,
    the portfolio's ``agent_placement`` ``limit`` or ``market``: one leg whose
    ``order_type`` says which; ``trigger_values`` holds its price)."""

    kind: str
    gtt_type: str
    trigger_values: list[TickPrice]
    legs: list[AgentLeg]


class AgentStop(BaseModel):
    """Where the stop GTT goes after the entry fills: ``fill − atr_multiplier × atr``;
    ``price`` is that from the entry's limit."""

    price: TickPrice
    atr: Decimal
    atr_multiplier: Decimal


class AgentRule(BaseModel):
    """A rupee or % risk rule the agent applies on its real figures before placing."""

    id: int | None
    type: str = Field(
        description="daily_loss_limit, max_exposure, max_sector_exposure_pct, "
        "max_symbol_exposure or max_order_value"
    )
    action: str = Field(description="block: do not place; warn: place and say so")
    threshold_amount: Paise | None = Field(description="₹")
    threshold_pct: Decimal | None = Field(description="% of capital")


class AgentRisk(BaseModel):
    """The server's pre-trade gate on the agent's live book."""

    allowed: bool
    refusal: str | None = Field(description="the rule's words when refused")
    warnings: list[str] = Field(description="warn-only rules the entry breaks")
    checked: str = Field(
        description="all: every rule; counts: the synced book is obfuscated, so the server "
        "checked only what it still can (the kill switch, an mtm_exit pause, "
        "max_open_positions and max_order_value) and the agent applies `rules` locally; "
        "none: a signal waiting for approval (checked once approved into the cart)"
    )
    rules: list[AgentRule] = Field(
        default_factory=list,
        description="checked counts: every rupee and % rule of the signal's scope, for the "
        "agent to apply on its real figures before it places (empty when checked is all)",
    )


class AgentSignal(BaseModel):
    """One signal as the agent places it."""

    signal_id: int
    portfolio_id: int
    portfolio_name: str
    broker: str = Field(description=f"the portfolio's broker: {listed(names=True)}")
    signal_type: str = Field(description="entry, addon or exit")
    status: str = Field(description="in_cart when handed out; rejected when the gate refused")
    symbol: str = Field(description='"NSE:RELIANCE"')
    exchange: str
    tradingsymbol: str
    isin: str | None = Field(description="for brokers keyed by ISIN (Upstox: NSE_EQ|<ISIN>)")
    sector: str | None = Field(default=None, description="the catalog's sector of the symbol")
    side: str
    quantity: int
    amount: Paise
    close_price: TickPrice
    trigger_price: TickPrice | None
    limit_price: TickPrice | None
    entry_buffer_pct: Decimal = Field(description="the strategy's: trigger = close × (1 + it/100)")
    limit_pad_pct: Decimal = Field(description="an entry's limit sits this % above its trigger")
    placement: AgentPlacement
    stop: AgentStop | None = Field(description="null: use the agent's stop_loss_pct")
    position_id: int | None = Field(description="the position an add-on or exit is for")
    signal_date: date
    created_at: UtcDateTime
    tag: str = Field(description="the order tag to place with (20 characters at most)")
    risk: AgentRisk


class PendingSignalsOut(BaseModel):
    """The poll's answer: signals to place, and those the gate refused this time."""

    signals: list[AgentSignal]
    refused: list[AgentSignal] = Field(
        description="entries the gate refused this poll, each once, with risk.refusal"
    )
    awaiting: list[AgentSignal] = Field(
        default_factory=list,
        description="signals waiting for your approval (pending_approval): the agent lists "
        "them with Approve and Reject (POST /api/agent/signals/{id}/approve|reject)",
    )
    kill_switch: bool = Field(
        description="your account-wide kill switch is on: no entry is handed out (exits are)"
    )
    obfuscate: bool = Field(
        description="the account's upload obfuscation switch: scale synced holdings, "
        "positions and uploads by the agent's factor"
    )
    server_time: UtcDateTime
    sectors: dict[str, str] = Field(
        default_factory=dict,
        description="the catalog's sector of each symbol the agent synced or is handed "
        "(for a max_sector_exposure_pct rule it applies locally)",
    )


# ---- signal-result ------------------------------------------------------------------

Outcome = Literal["placed", "triggered", "filled", "cancelled", "expired", "failed", "rejected"]


Leg = Literal["entry", "exit", "stop"]


class SignalResultIn(AgentBody):
    """What became of a signal at the broker: of its own placement (``leg`` ``entry`` or
    ``exit``, the default), or of the stop GTT the agent placed after its entry filled
    (``leg: "stop"``: recorded on the position; a filled stop closes it)."""

    signal_id: JsonRowId
    outcome: Outcome
    leg: Leg | None = Field(
        default=None, description="entry or exit (the signal's own; default), or stop"
    )
    broker: BrokerName | None = None
    kind: Literal["gtt", "order"] | None = Field(default=None, description="what was placed")
    order_id: str | None = Field(default=None, min_length=1, max_length=64)
    gtt_id: Annotated[str, Field(min_length=1, max_length=64)] | Annotated[int, Strict()] | None = (
        None
    )
    fill_price: Price | None = Field(default=None, description="required for filled")
    filled_quantity: Quantity | None = Field(default=None, description="default: the signal's")
    reason: str | None = Field(default=None, max_length=400)
    at: AwareDatetime | None = Field(
        default=None, description="when it happened, with its offset (default: now)"
    )


class SignalResultOut(BaseModel):
    """The signal after the report."""

    signal_id: int
    outcome: str
    leg: str = Field(description="entry, exit or stop, as reported")
    duplicate: bool = Field(description="this outcome was already recorded: nothing changed")
    status: str
    gtt_status: str | None
    order_id: str | None
    error: str | None
    executed_at: UtcDateTime | None
    position_id: int | None
    entry_order_id: str | None
    stop_gtt_id: int | None = Field(description="the position's stop GTT the agent placed")


# ---- sync-holdings / sync-positions -------------------------------------------------

Signed = Annotated[int, Strict(), Field(ge=-MAX_QUANTITY, le=MAX_QUANTITY)]


class HoldingRow(AgentBody):
    """One holding, in Kite's words."""

    exchange: str = Field(min_length=1, max_length=10)
    tradingsymbol: str = Field(min_length=1, max_length=64)
    isin: str | None = Field(default=None, max_length=12)
    quantity: Annotated[int, Strict(), Field(ge=0, le=MAX_QUANTITY)]
    average_price: KitePrice
    last_price: KitePrice
    close_price: KitePrice | None = None
    pnl: Number | None = None


class PositionRow(AgentBody):
    """One position (net, signed quantity), in Kite's words."""

    exchange: str = Field(min_length=1, max_length=10)
    tradingsymbol: str = Field(min_length=1, max_length=64)
    product: str = Field(default="CNC", max_length=10)
    quantity: Signed
    average_price: KitePrice
    last_price: KitePrice
    close_price: KitePrice | None = None
    realised: Number | None = None
    unrealised: Number | None = None
    pnl: Number | None = None


class MarginsIn(AgentBody):
    """The broker account's funds (equity segment)."""

    available_cash: Number | None = None
    used: Number | None = None
    net: Number | None = None


class SyncHoldingsIn(AgentBody):
    """A holdings snapshot of one broker."""

    broker: BrokerName
    as_of: AwareDatetime = Field(description="when the agent read it from the broker")
    obfuscated: bool = False
    factor_fingerprint: str | None = Field(
        default=None,
        min_length=16,
        max_length=64,
        pattern=r"^[0-9a-f]+$",
        description="required when obfuscated: the agent factor's salted fingerprint; "
        "the first one is kept and figures scaled with another are refused (409)",
    )
    holdings: list[HoldingRow] = Field(max_length=5000)


class SyncPositionsIn(AgentBody):
    """A positions snapshot of one broker, with its margins."""

    broker: BrokerName
    as_of: AwareDatetime
    obfuscated: bool = False
    factor_fingerprint: str | None = Field(
        default=None,
        min_length=16,
        max_length=64,
        pattern=r"^[0-9a-f]+$",
        description="required when obfuscated: the agent factor's salted fingerprint; "
        "the first one is kept and figures scaled with another are refused (409)",
    )
    positions: list[PositionRow] = Field(max_length=5000)
    margins: MarginsIn | None = None


class SyncOut(BaseModel):
    """What was stored."""

    broker: str
    kind: str
    as_of: UtcDateTime
    received_at: UtcDateTime
    obfuscated: bool
    rows: int


class AgentHoldingOut(BaseModel):
    """A synced holding as stored."""

    exchange: str
    tradingsymbol: str
    isin: str | None = None
    quantity: int
    average_price: TickPrice
    last_price: TickPrice
    close_price: TickPrice | None = None
    pnl: Paise | None = None


class AgentPositionOut(BaseModel):
    """A synced position as stored."""

    exchange: str
    tradingsymbol: str
    product: str
    quantity: int
    average_price: TickPrice
    last_price: TickPrice
    close_price: TickPrice | None = None
    realised: Paise | None = None
    unrealised: Paise | None = None
    pnl: Paise | None = None


class AgentMarginsOut(BaseModel):
    """Synced funds of the broker account."""

    available_cash: Paise | None = None
    used: Decimal | None = None
    net: Paise | None = None


class HoldingsSnapshotOut(BaseModel):
    """The latest holdings the agent synced from one broker."""

    broker: str
    as_of: UtcDateTime
    received_at: UtcDateTime
    obfuscated: bool = Field(description="quantities and amounts scaled by the agent's factor")
    holdings: list[AgentHoldingOut]


class PositionsSnapshotOut(BaseModel):
    """The latest positions and margins the agent synced from one broker."""

    broker: str
    as_of: UtcDateTime
    received_at: UtcDateTime
    obfuscated: bool
    positions: list[AgentPositionOut]
    margins: AgentMarginsOut | None


# ---- token relay --------------------------------------------------------------------


class BrokerSessionOut(BaseModel):
    """One configured broker's session, as the agent shows it (SEBI-era daily tokens: each
    dies at its broker's daily cut-off the next day, `domain.brokers`)."""

    broker: str
    status: str = Field(description="connected | expired | logged_out | disconnected | …")
    connected: bool
    expires_at: UtcDateTime | None = Field(description="when the access token dies")
    action: str | None = Field(description='what to do, e.g. "…: log in again"; null: nothing')


class PendingTokenOut(BaseModel):
    """A login's request token (Kite) or code (Upstox) waiting for the agent (null when none
    is)."""

    broker: str
    request_token: str | None
    created_at: UtcDateTime | None
    redirect_uri: str | None = Field(
        default=None,
        description="Upstox: the redirect URL the login used (its code exchange repeats it)",
    )


class AccessTokenIn(AgentBody):
    """The access token the agent exchanged (with the secret only it holds)."""

    broker: BrokerName = BrokerName.KITE
    access_token: str = Field(min_length=1, max_length=512)
    broker_user_id: str | None = Field(default=None, max_length=64)


class AccessTokenOut(BaseModel):
    """The broker session the server now holds."""

    broker: str
    connected: bool
    expires_at: UtcDateTime | None
    broker_user_id: str | None


class RelayIn(BaseModel):
    """The web app hands a broker login's request token (Kite) or code (Upstox) to the agent."""

    model_config = ConfigDict(extra="forbid")

    request_token: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_-]+$")
    state: str = Field(min_length=1, max_length=128, description="the login's state")


class ObfuscationIn(BaseModel):
    """The account's upload obfuscation switch (Settings → Trading Agent)."""

    model_config = ConfigDict(extra="forbid")

    on: bool
    forget_factor: bool = Field(
        default=False,
        description="drop the kept factor fingerprint, so a new agent factor is accepted",
    )


class ObfuscationOut(BaseModel):
    """Whether the agent scales what it syncs and uploads, and whether a factor is known."""

    on: bool
    factor_known: bool = Field(
        description="the cloud keeps a factor's fingerprint: uploads scaled with another "
        "factor are refused"
    )


class RelayOut(BaseModel):
    """The token waits for the agent's next poll of ``pending-token``."""

    broker: str
    handed_at: UtcDateTime


# ---- the rest the key reaches -------------------------------------------------------


class ExpectedPositionOut(BaseModel):
    """Units the cloud expects the agent to find at a broker: open model positions plus
    the shares uploaded tradebooks leave held."""

    broker: str
    symbol: str
    exchange: str
    tradingsymbol: str
    quantity: int = Field(description="shares the cloud counts: model_quantity + imported_quantity")
    model_quantity: int = Field(description="open positions of your agent-run portfolios")
    imported_quantity: int = Field(
        description="held by your uploaded tradebooks (those not scaled), less the agent's own "
        "reported orders"
    )
    scaled_imported_quantity: Decimal | None = Field(
        description="held by tradebooks uploaded scaled (obfuscated), as stored: the agent "
        "divides it by its factor and adds it; null when none was"
    )
    portfolio_ids: list[int]


class AgentFundsOut(BaseModel):
    """Your mutual funds (from CAS uploads) for the agent's Mutual Funds page."""

    as_of: date
    total_value: Paise
    total_invested: Paise
    funds_xirr: Decimal | None = Field(description="a fraction a year, every fund together")
    funds: list[FundOut]
    warnings: list[str]


class AgentSignalStateOut(BaseModel):
    """A signal after the agent's approve or reject."""

    signal_id: int
    status: str
    approved_at: UtcDateTime | None
    error: str | None


class AgentStateOut(BaseModel):
    """One agent (one key) as the web app shows it."""

    key_id: int
    key_name: str
    key_active: bool
    last_poll_at: UtcDateTime
    seconds_since_poll: int
    version: str | None = Field(description="as the agent sent it in X-Agent-Version")
    health: str | None = Field(description="as the agent sent it in X-Agent-Health")
    poll_interval: int
    stale: bool = Field(description="no poll for more than three intervals")
    warning: str | None
    outdated: bool = Field(description="its version is older than the one this release ships")


class AgentStatusOut(BaseModel):
    """The user's agents, and a warning when the latest has gone quiet."""

    agents: list[AgentStateOut]
    warning: str | None
    latest_version: str | None = Field(
        description="the agent this release ships (CHANGELOG.md's newest release)"
    )


class ReleaseSectionOut(BaseModel):
    title: str
    items: list[str]


class ReleaseOut(BaseModel):
    """One release's notes."""

    version: str
    date: date | None
    sections: list[ReleaseSectionOut]


class ReleaseNotesOut(BaseModel):
    """What's new: CHANGELOG.md, newest release first."""

    latest_version: str | None
    releases: list[ReleaseOut]
