"""Creating (or recovering) runs, reading one, and listing a token's runs by signed cursor.

``POST /runs`` with a known ``strategy_run_id`` recovers the run when template, scope
and mode agree (a restarted worker re-creates its run), and is a 409 when they do not.
Two workers creating the same id at once get one run: the unique (token, id) pair
decides, and the loser reads the winner.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models import WorkerRun, WorkerToken
from tradertape.db.rows import insert_new, table_of
from tradertape.domain.worker_access import (
    ExecutionMode,
    ScopeError,
    is_paper_scope,
    parse_scope,
    scope_allows,
)
from tradertape.domain.worker_protection import BackendProtection, initial_state
from tradertape.domain.worker_runs import RUN_KEY, RunStatus, live_metadata_problem
from tradertape.errors import BadRequest, InvalidField, Rejected
from tradertape.oms import open_paper_account
from tradertape.security.tokens import digests_equal
from tradertape.services.workers import live
from tradertape.services.workers.access import find_run
from tradertape.services.workers.context import WorkerContext
from tradertape.services.workers.views import list_item, run_view

_RUNS = table_of(WorkerRun)
MAX_LIST = 100


@dataclass(frozen=True, slots=True)
class RunSpec:
    """What ``POST /runs`` asks for."""

    template_id: str
    account_scope: str
    execution_mode: str = "paper"
    strategy_run_id: str | None = None
    summary_fields: list[dict[str, Any]] = field(default_factory=list)
    risk_schema: list[dict[str, Any]] = field(default_factory=list)
    allowed_actions: list[str] = field(default_factory=lambda: ["edit_risk", "exit_strategy"])
    runtime_state: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)


def check_mode(workers: WorkerContext, token: WorkerToken, mode: str, scope: str) -> ExecutionMode:
    """The execution mode, if this token, this scope and this server allow it."""
    try:
        chosen = ExecutionMode(mode)
    except ValueError:
        raise Rejected(
            403, "EXECUTION_MODE_NOT_ALLOWED", f"unknown execution mode '{mode}'"
        ) from None
    if chosen not in token.allowed_modes:
        raise Rejected(
            403,
            "EXECUTION_MODE_NOT_ALLOWED",
            f"this worker token may not use '{mode}' mode; allowed: {token.allowed_modes}",
        )
    paper_scope = is_paper_scope(scope)
    # The contract's validation: a mode needs its kind of scope (and live, its switches).
    if chosen is ExecutionMode.PAPER and not paper_scope:
        raise Rejected(
            400, "PAPER_SCOPE_REQUIRED", f"paper mode needs a paper account scope, not {scope}"
        )
    if chosen is ExecutionMode.LIVE:
        if paper_scope:
            raise Rejected(400, "LIVE_SCOPE_REQUIRED", "live mode needs a live 'kite:<id>' scope")
        if not workers.live_trading_enabled:
            raise Rejected(
                403,
                "LIVE_TRADING_DISABLED",
                "live trading is switched off on this server (TRADERTAPE_LIVE_TRADING_ENABLED)",
            )
    return chosen


def check_spec(workers: WorkerContext, token: WorkerToken, spec: RunSpec) -> None:
    """What the token may create: its scope, template and mode (a 4xx otherwise)."""
    try:
        parse_scope(spec.account_scope)
    except ScopeError as exc:
        raise Rejected(400, "INVALID_ACCOUNT_SCOPE", str(exc)) from exc
    if not scope_allows(token.account_scope, spec.account_scope):
        raise Rejected(
            403,
            "ACCOUNT_SCOPE_NOT_ALLOWED",
            f"this worker token may not use {spec.account_scope}",
        )
    if token.allowed_templates and spec.template_id not in token.allowed_templates:
        raise Rejected(
            403, "TEMPLATE_NOT_ALLOWED", f"this worker token may not run '{spec.template_id}'"
        )
    mode = check_mode(workers, token, spec.execution_mode, spec.account_scope)
    # The contract: a live run declares what it risks.
    if mode is ExecutionMode.LIVE and (problem := live_metadata_problem(spec.metadata)):
        raise Rejected(400, "LIVE_METADATA_REQUIRED", problem)
    if spec.strategy_run_id is not None and not RUN_KEY.match(spec.strategy_run_id):
        raise InvalidField(
            "strategy_run_id", "1–128 letters, digits and _ . : -, starting with a letter or digit"
        )


def _runtime_state(spec: RunSpec) -> dict[str, Any]:
    state = dict(spec.runtime_state)
    raw = state.get("backend_protection")
    config = None
    if raw is not None:
        try:
            config = BackendProtection.model_validate(raw)
        except ValueError as exc:
            raise InvalidField("runtime_state.backend_protection", str(exc)) from exc
        state["backend_protection"] = config.model_dump(exclude_none=True)
    state["backend_protection_state"] = initial_state(config)
    return state


def _same_config(run: WorkerRun, spec: RunSpec) -> bool:
    return (run.template_id, run.account_scope, run.execution_mode) == (
        spec.template_id,
        spec.account_scope,
        spec.execution_mode,
    )


def fund_paper_account(workers: WorkerContext, db: Session, user_id: int, now: datetime) -> None:
    """Give a never-funded paper account the contract's opening balance (no commit)."""
    if workers.paper_opening_balance <= 0:
        return
    open_paper_account(
        db,
        user_id=user_id,
        amount=workers.paper_opening_balance,
        at=now,
        note="opening paper balance for algo workers",
    )


def create(
    workers: WorkerContext, db: Session, token: WorkerToken, spec: RunSpec
) -> tuple[dict[str, Any], bool]:
    """Create the run, or recover the token's run of that id; returns (view, created).

    A live run needs both switches now, and a scope naming the connected Kite account if
    one is connected (without a session it is created, and its orders wait for one).
    """
    check_spec(workers, token, spec)
    # Validation, not a fork: a live run's switches and account, before its row.
    if spec.execution_mode == ExecutionMode.LIVE:
        live.require_switches(workers, db, token.user_id)
        live.require_account(workers, db, token.user_id, spec.account_scope, session=False)
    now = workers.clock.now()
    key = spec.strategy_run_id or f"run_{secrets.token_hex(16)}"
    if spec.strategy_run_id is not None:
        existing = db.scalar(
            select(WorkerRun).where(WorkerRun.token_id == token.id, WorkerRun.run_key == key)
        )
        if existing is not None:
            return _recovered(workers, existing, spec, now), False
    state = _runtime_state(spec)
    name = spec.metadata.get("strategy_name")
    values = {
        "user_id": token.user_id,
        "token_id": token.id,
        "run_key": key,
        "name": name if isinstance(name, str) and name.strip() else spec.template_id,
        "template_id": spec.template_id,
        "account_scope": spec.account_scope,
        "execution_mode": spec.execution_mode,
        "status": RunStatus.OPEN.value,
        "summary_fields": spec.summary_fields,
        "risk_schema": spec.risk_schema,
        "allowed_actions": spec.allowed_actions,
        "runtime_state": state,
        "metadata_": spec.metadata,
        "session_nonce": None,
        "session_claimed_at": None,
        "last_heartbeat_at": None,
        "heartbeat": {},
        "last_progress_at": None,
        "progress_note": None,
        "created_at": now,
        "updated_at": now,
        "closed_at": None,
        "protection_generation": 1,
        "protection_claim": None,
        "protection_armed": state["backend_protection_state"]["status"] == "active",
    }
    attrs = WorkerRun.__mapper__.column_attrs
    columns = {attrs[key].columns[0].key: value for key, value in values.items()}
    pk = db.execute(insert_new(_RUNS, db.get_bind().dialect.name), columns).scalar()
    if pk is None:  # a concurrent create of the same id won
        db.rollback()
        return _recovered(workers, find_run(db, token, key), spec, now), False
    # mode fork: a paper run's account opens funded (the paper money is ours to give)
    if spec.execution_mode == ExecutionMode.PAPER:
        fund_paper_account(workers, db, token.user_id, now)
    db.commit()
    return run_view(find_run(db, token, key), workers.windows, now), True


def _recovered(
    workers: WorkerContext, run: WorkerRun, spec: RunSpec, now: datetime
) -> dict[str, Any]:
    if not _same_config(run, spec):
        raise Rejected(
            409,
            "RUN_CONFIG_MISMATCH",
            "a run with this strategy_run_id exists with another template, scope or mode",
            strategy_run_id=run.run_key,
        )
    return run_view(run, workers.windows, now)


def get(workers: WorkerContext, db: Session, token: WorkerToken, run_key: str) -> dict[str, Any]:
    """The run with its health snapshot (404 unless it is this token's)."""
    return run_view(find_run(db, token, run_key), workers.windows, workers.clock.now())


def _cursor_sig(workers: WorkerContext, token: WorkerToken, last_pk: int) -> str:
    message = f"{token.id}:{last_pk}".encode()
    return hmac.new(workers.cursor_key, message, hashlib.sha256).hexdigest()[:32]


def _encode_cursor(workers: WorkerContext, token: WorkerToken, last_pk: int) -> str:
    raw = f"{last_pk}.{_cursor_sig(workers, token, last_pk)}"
    return base64.urlsafe_b64encode(raw.encode()).rstrip(b"=").decode()


def _decode_cursor(workers: WorkerContext, token: WorkerToken, cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        pk_text, sig = raw.split(".")
        last_pk = int(pk_text)
    except (ValueError, UnicodeDecodeError):
        last_pk, sig = -1, ""
    if last_pk < 0 or not digests_equal(sig, _cursor_sig(workers, token, last_pk)):
        raise BadRequest("invalid cursor: pass back a next_cursor this token was given")
    return last_pk


def list_runs(
    workers: WorkerContext, db: Session, token: WorkerToken, *, limit: int, cursor: str | None
) -> dict[str, Any]:
    """The token's runs, newest first; ``next_cursor`` is signed and bound to the token."""
    query = select(WorkerRun).where(WorkerRun.token_id == token.id)
    if cursor is not None:
        query = query.where(WorkerRun.id < _decode_cursor(workers, token, cursor))
    rows = list(db.scalars(query.order_by(WorkerRun.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": [list_item(run) for run in rows],
        "next_cursor": _encode_cursor(workers, token, rows[-1].id) if more else None,
    }
