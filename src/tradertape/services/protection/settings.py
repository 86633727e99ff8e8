"""Changing a run's backend protection and its risk settings.

Each protection document is a new generation of the run's exit fence
(`services.protection.fence`), so a worker's update can never slip in between a trigger
and the exit it submits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from tradertape.db.models import WorkerRun, WorkerToken
from tradertape.domain.worker_protection import BackendProtection
from tradertape.domain.worker_runs import FINISHED, STATE_MAX_BYTES, state_size
from tradertape.errors import InvalidField, Rejected
from tradertape.services.protection.fence import next_generation
from tradertape.services.workers import timeline
from tradertape.services.workers.access import check_nonce, locked_run
from tradertape.services.workers.context import WorkerContext
from tradertape.services.workers.safety import protection_state
from tradertape.services.workers.views import iso, run_view

SOURCE = "backend_protection"


def config_of(run: WorkerRun) -> BackendProtection | None:
    """The run's protection document, if it has one (stored documents were validated)."""
    raw = run.runtime_state.get("backend_protection")
    return BackendProtection.model_validate(raw) if isinstance(raw, dict) else None


def write_state(run: WorkerRun, **changes: Any) -> dict[str, Any]:
    """Merge `changes` into the run's protection state (no commit); the new state."""
    state = {**protection_state(run), **changes}
    run.runtime_state = {**run.runtime_state, "backend_protection_state": state}
    return state


def _changeable(run: WorkerRun) -> None:
    if run.status in FINISHED:
        raise Rejected(
            409,
            "RUN_NOT_ACTIVE",
            f"the run is {run.status}; its protection and risk can no longer change",
            strategy_run_id=run.run_key,
        )


def update_protection(
    workers: WorkerContext,
    db: Session,
    token: WorkerToken,
    run_key: str,
    *,
    nonce: str | None,
    config: BackendProtection,
    reason: str | None,
    reset_trailing: bool,
) -> dict[str, Any]:
    """Start a new protection generation with `config` (commits); the updated run.

    Refused once a protection exit has been submitted: that generation is spent. A claim
    whose exit could not be placed yet may be replaced, which is how a worker steps in.
    """
    run = locked_run(db, token, run_key)
    check_nonce(run, nonce)
    _changeable(run)
    previous = protection_state(run)
    if run.protection_claim is not None and previous.get("exit_submitted"):
        raise Rejected(
            409,
            "PROTECTION_EXIT_SUBMITTED",
            "backend protection already submitted this run's exit",
            strategy_run_id=run.run_key,
        )
    now = workers.clock.now()
    current = config_of(run)
    before = max(int(previous.get("version") or 0), current.version if current else 0)
    version = max(config.version, before + 1)
    document = config.model_copy(update={"version": version}).model_dump(exclude_none=True)
    armed = config.enabled and run.status == "open"
    conflict = Rejected(
        409,
        "PROTECTION_CONFLICT",
        "backend protection changed concurrently; reload the run and retry",
        strategy_run_id=run.run_key,
    )
    next_generation(db, run, conflict, protection_armed=armed)
    keep = {} if reset_trailing else previous
    run.runtime_state = {**run.runtime_state, "backend_protection": document}
    write_state(
        run,
        status="active" if config.enabled else "disabled",
        generation=run.protection_generation,
        version=version,
        triggered_rule=None,
        triggered_at=None,
        action=None,
        details={},
        exit_submitted=False,
        exit_submission_status=None,
        exit_claim_id=None,
        errors=[],
        position_states=keep.get("position_states", {}),
        best_basket_pnl_pct=keep.get("best_basket_pnl_pct"),
        current_basket_pnl_pct=None,
        reason=reason,
        reset_trailing=reset_trailing,
        updated_at=iso(now),
    )
    run.updated_at = now
    payload = {
        "generation": run.protection_generation,
        "version": version,
        "enabled": config.enabled,
        "reason": reason,
        "reset_trailing": reset_trailing,
    }
    if previous.get("status") in ("triggered", "error"):
        record_event(db, run, "protection.reset", now, "protection reset by the worker", payload)
    summary = f"protection generation {version}"
    record_event(db, run, "protection.state_changed", now, summary, payload)
    db.commit()
    return run_view(run, workers.windows, now)


def record_event(
    db: Session,
    run: WorkerRun,
    event_type: str,
    now: datetime,
    summary: str,
    payload: dict[str, Any],
    *,
    source: str = SOURCE,
) -> None:
    """A ``protection.*`` event on the run's timeline (not committed)."""
    timeline.record(
        db,
        run,
        kind="protection",
        source=source,
        event_type=event_type,
        now=now,
        summary=summary,
        payload=payload,
    )


def patch_risk(
    workers: WorkerContext,
    db: Session,
    token: WorkerToken,
    run_key: str,
    *,
    nonce: str | None,
    patch: dict[str, Any],
    reason: str | None,
) -> dict[str, Any]:
    """Merge `patch` into ``runtime_state.risk`` and the matching ``risk_schema`` values."""
    run = locked_run(db, token, run_key)
    check_nonce(run, nonce)
    _changeable(run)
    now = workers.clock.now()
    risk = run.runtime_state.get("risk")
    merged = {**(risk if isinstance(risk, dict) else {}), **patch}
    state = {**run.runtime_state, "risk": merged}
    if (size := state_size(state)) > STATE_MAX_BYTES:  # patches add up: bound the sum
        raise InvalidField(
            "patch", f"runtime_state would reach {size} bytes; at most {STATE_MAX_BYTES}"
        )
    run.runtime_state = state
    run.risk_schema = [
        {**entry, "value": patch[entry["key"]]}
        if isinstance(entry.get("key"), str) and entry["key"] in patch
        else entry
        for entry in run.risk_schema
    ]
    run.updated_at = now
    timeline.record(
        db,
        run,
        kind="decision",
        source="worker",
        event_type="risk.updated",
        now=now,
        summary=reason or f"risk updated: {', '.join(sorted(patch))}",
        payload={"patch": patch, "reason": reason},
    )
    db.commit()
    return run_view(run, workers.windows, now)
