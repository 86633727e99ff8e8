"""A run as the worker contract shows it: the document plus its health snapshot."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tradertape.db.models import WorkerRun
from tradertape.domain.utc_times import utc_iso
from tradertape.domain.worker_access import parse_scope
from tradertape.domain.worker_runs import (
    SessionWindows,
    health_status,
    heartbeat_age,
    session_status,
)


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with ``Z`` (`utc_iso`), or None."""
    return utc_iso(value) if value is not None else None


def account_id(run: WorkerRun) -> str:
    """The account of the run's scope (``paper-a`` of ``kite:paper-a``), as events carry it."""
    return parse_scope(run.account_scope)


def desk_health(run: WorkerRun, now: datetime) -> str:
    """The health the owner's desk shows: a closed or failed run is ``stopped`` (its worker
    is gone). The worker contract keeps the heartbeat's word alone (`health_fields`), as the
    published SDKs read it."""
    return health_status(run.last_heartbeat_at, now, run.status)


def health_fields(run: WorkerRun, windows: SessionWindows, now: datetime) -> dict[str, Any]:
    """The run's operational health, as `get_run_health_snapshot` reads it."""
    recovery = run.runtime_state.get("runtime_recovery") or {}
    return {
        "heartbeat_age_sec": heartbeat_age(run.last_heartbeat_at, now),
        "health_status": health_status(run.last_heartbeat_at, now),
        "session_status": session_status(
            windows, run.session_nonce, run.session_claimed_at, run.last_heartbeat_at, now
        ),
        "recovery_status": recovery.get("recovery_status", "none"),
        "recovery_action_required": bool(recovery.get("action_required", False)),
    }


def run_view(run: WorkerRun, windows: SessionWindows, now: datetime) -> dict[str, Any]:
    """The full run: identity, document, session and health."""
    return {
        "strategy_run_id": run.run_key,
        "name": run.name,
        "token_id": run.token_id,
        "template_id": run.template_id,
        "account_scope": run.account_scope,
        "execution_mode": run.execution_mode,
        "status": run.status,
        "summary_fields": run.summary_fields,
        "risk_schema": run.risk_schema,
        "allowed_actions": run.allowed_actions,
        "runtime_state": run.runtime_state,
        "metadata": run.metadata_,
        "worker_session_nonce": run.session_nonce,
        "worker_session_claimed_at": iso(run.session_claimed_at),
        "last_heartbeat_at": iso(run.last_heartbeat_at),
        "created_at": iso(run.created_at),
        "updated_at": iso(run.updated_at),
        "closed_at": iso(run.closed_at),
        **health_fields(run, windows, now),
    }


def list_item(run: WorkerRun) -> dict[str, Any]:
    """A run in the run list."""
    return {
        "strategy_run_id": run.run_key,
        "name": run.name,
        "template_id": run.template_id,
        "account_scope": run.account_scope,
        "execution_mode": run.execution_mode,
        "status": run.status,
        "created_at": iso(run.created_at),
        "updated_at": iso(run.updated_at),
        "closed_at": iso(run.closed_at),
    }
