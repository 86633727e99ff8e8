"""The owner's desk of worker runs (``/api/algo-workers/runs``): run cards, a run with its
row id, and its orders and trades. The worker API's shapes are reused as they are."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from tradertape.api.schemas.kite import KiteOrder, KiteTrade
from tradertape.api.schemas.money_out import PaiseFloat
from tradertape.api.schemas.worker_runs import RunListItem, RunOut


class DeskIdentity(BaseModel):
    """What the desk adds to a run: its row id, its token's name, whether it is an option
    run (then ``/option`` answers)."""

    id: int = Field(description="the run's id on the desk (a strategy_run_id is per token)")
    token_name: str
    is_option_run: bool


class RunCardOut(DeskIdentity, RunListItem):
    """A run at a glance: status, mode, health, heartbeat age and net P&L now."""

    heartbeat_age_sec: int | None
    health_status: str = Field(
        description="stopped (the run closed or failed), else by the heartbeat: healthy"
        " (within 45 s), stale (180 s), disconnected, or unknown (never beat)"
    )
    session_status: str
    recovery_status: Any
    recovery_action_required: bool
    last_heartbeat_at: str | None
    net_pnl: PaiseFloat = Field(description="₹, after charges (the run's P&L `totals.net_pnl`)")
    position_count: int


class DeskRunOut(DeskIdentity, RunOut):
    """The full run as the worker API shows it, with the desk's identity."""


class RunBookOut(BaseModel):
    """The run's orders and trades, oldest first."""

    strategy_run_id: str
    orders: list[KiteOrder]
    trades: list[KiteTrade]
