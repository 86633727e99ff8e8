"""Pure rules of a worker run: statuses, session and health classes, live metadata, caps.

The numbers follow the published worker contract (reference §3.1–3.2), so a worker
written against it sees the same session conflicts and the same health labels here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from tradertape.domain.decimal_input import parse_decimal


class RunStatus(StrEnum):
    """Where a run stands; only ``open`` runs accept intents."""

    OPEN = "open"
    EXITING = "exiting"  # exit orders submitted, waiting to be flat
    CLOSED = "closed"
    PAUSED = "paused"  # set by the operator
    FAILED = "failed"


FINISHED = frozenset({RunStatus.CLOSED, RunStatus.FAILED})

STATE_MAX_BYTES = 512 * 1024
"""A run's ``runtime_state`` as compact UTF-8 JSON, however it was built (sent whole at
creation or merged from risk patches): every read of the run carries it."""


def state_size(state: dict[str, Any]) -> int:
    """Bytes of `state` as compact UTF-8 JSON, the measure of `STATE_MAX_BYTES`."""
    return len(json.dumps(state, ensure_ascii=False, separators=(",", ":")).encode())


RUN_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")
LIVE_FAMILIES = frozenset(
    {"options_strategy", "indicator_strategy", "investment_strategy", "discretionary_strategy"}
)

HEALTHY_WITHIN = timedelta(seconds=45)
STALE_WITHIN = timedelta(seconds=180)


def nonce_presented(header: str | None) -> str | None:
    """The nonce a request carries; empty and the literal ``None`` (0.7.4 sends it) are none."""
    if header is None:
        return None
    value = header.strip()
    return None if value in ("", "None", "null") else value


@dataclass(frozen=True, slots=True)
class SessionWindows:
    """How long a session stays the holder's: since its heartbeat, or since an unbeaten claim."""

    freshness: timedelta = timedelta(seconds=60)
    claim_without_heartbeat: timedelta = timedelta(seconds=120)

    def claimable(
        self,
        nonce: str | None,
        claimed_at: datetime | None,
        last_heartbeat_at: datetime | None,
        now: datetime,
    ) -> bool:
        """Whether a new worker may take the session over now."""
        if nonce is None:
            return True
        if last_heartbeat_at is not None:
            return now - last_heartbeat_at > self.freshness
        return claimed_at is None or now - claimed_at > self.claim_without_heartbeat


def heartbeat_age(last_heartbeat_at: datetime | None, now: datetime) -> int | None:
    """Whole seconds since the last heartbeat, if there was one."""
    if last_heartbeat_at is None:
        return None
    return max(0, int((now - last_heartbeat_at).total_seconds()))


def health_status(
    last_heartbeat_at: datetime | None, now: datetime, status: str = RunStatus.OPEN
) -> str:
    """``stopped`` once the run is closed or failed (its worker is gone, whatever its last
    heartbeat said); else by the heartbeat: ``healthy`` (≤45 s), ``stale`` (≤180 s),
    ``disconnected``, or ``unknown`` (never beat)."""
    if status in FINISHED:
        return "stopped"
    if last_heartbeat_at is None:
        return "unknown"
    age = now - last_heartbeat_at
    if age <= HEALTHY_WITHIN:
        return "healthy"
    return "stale" if age <= STALE_WITHIN else "disconnected"


def session_status(
    windows: SessionWindows,
    nonce: str | None,
    claimed_at: datetime | None,
    last_heartbeat_at: datetime | None,
    now: datetime,
) -> str:
    """``missing``, ``claimed``, ``stale`` (late but still held) or ``takeover_required``."""
    if nonce is None:
        return "missing"
    if windows.claimable(nonce, claimed_at, last_heartbeat_at, now):
        return "takeover_required"
    if last_heartbeat_at is not None and now - last_heartbeat_at > HEALTHY_WITHIN:
        return "stale"
    return "claimed"


def live_metadata_problem(metadata: dict[str, Any]) -> str | None:
    """Why a live run's metadata is not enough to attribute its orders, or None."""
    family = metadata.get("strategy_family")
    if family not in LIVE_FAMILIES:
        return f"live runs need metadata.strategy_family, one of {sorted(LIVE_FAMILIES)}"
    name = metadata.get("strategy_name")
    if not isinstance(name, str) or not name.strip():
        return "live runs need metadata.strategy_name"
    return None


def _money(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = parse_decimal(value)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and amount >= 0 else None


def allocation_cap(metadata: dict[str, Any], runtime_state: dict[str, Any]) -> Decimal | None:
    """The run's capital cap, from the first of the four places the contract allows."""
    allocation = runtime_state.get("allocation")
    nested = allocation.get("cap") if isinstance(allocation, dict) else None
    for candidate in (
        metadata.get("allocation_cap"),
        metadata.get("allocation_cap_inr"),
        nested,
        runtime_state.get("allocation_cap"),
    ):
        cap = _money(candidate)
        if cap is not None:
            return cap
    return None
