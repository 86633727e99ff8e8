"""Worker tokens: ``kwa_`` bearer secrets with the worker contract's scope, modes and actions."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from tradertape.db.models import WorkerToken
from tradertape.domain.worker_access import (
    DEFAULT_ACTIONS,
    DEFAULT_MODES,
    DEFAULT_SCOPE,
    KNOWN_ACTIONS,
    ExecutionMode,
    ScopeError,
    is_paper_scope,
    parse_scope,
)
from tradertape.errors import Forbidden, InvalidField, Unauthenticated
from tradertape.ports.clock import Clock
from tradertape.security.tokens import REPLAY_TOKEN_PREFIX, WORKER_TOKEN_PREFIX
from tradertape.services.accounts.bearer import BearerRegistry, Issued

tokens: BearerRegistry[WorkerToken] = BearerRegistry(
    WorkerToken,
    kind_prefix=WORKER_TOKEN_PREFIX,
    label="worker token",
    newest_first=WorkerToken.created_at,
)

# A replay's tokens: a worker token whose requests play in its replay (the API's door
# recognises the prefix before any lookup).
replay_tokens: BearerRegistry[WorkerToken] = BearerRegistry(
    WorkerToken,
    kind_prefix=REPLAY_TOKEN_PREFIX,
    label="worker token",
    newest_first=WorkerToken.created_at,
)


@dataclass(frozen=True, slots=True)
class TokenSpec:
    """What a new token may do; defaults are the contract's (paper + dry-run, default actions)."""

    name: str
    account_scope: str = DEFAULT_SCOPE
    allowed_modes: Sequence[str] = tuple(DEFAULT_MODES)
    allowed_actions: Sequence[str] = DEFAULT_ACTIONS
    allowed_templates: Sequence[str] = ()
    expires_at: datetime | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


def _validated(spec: TokenSpec, *, now: datetime) -> TokenSpec:
    try:
        parse_scope(spec.account_scope)
    except ScopeError as exc:
        raise InvalidField("account_scope", str(exc)) from exc
    modes = {mode.value for mode in ExecutionMode}
    if bad := sorted(set(spec.allowed_modes) - modes):
        raise InvalidField("allowed_modes", f"unknown mode(s) {bad}; allowed: {sorted(modes)}")
    if not spec.allowed_modes:
        raise InvalidField("allowed_modes", "at least one mode is required")
    # The contract's validation: a token allowed live names a live scope.
    if ExecutionMode.LIVE in spec.allowed_modes and is_paper_scope(spec.account_scope):
        raise InvalidField("allowed_modes", "'live' needs a live account scope, not a paper one")
    if bad := sorted(set(spec.allowed_actions) - KNOWN_ACTIONS):
        raise InvalidField("allowed_actions", f"unknown action(s) {bad}")
    if spec.expires_at is not None and spec.expires_at <= now:
        raise InvalidField("expires_at", "must be in the future")
    return spec


def create_replay(
    db: Session, *, clock: Clock, user_id: int, spec: TokenSpec
) -> Issued[WorkerToken]:
    """Issue a replay's token (``kwa_rp_…``, `services.workers.replays`; commits)."""
    return create(db, clock=clock, user_id=user_id, spec=spec, registry=replay_tokens)


def create(
    db: Session,
    *,
    clock: Clock,
    user_id: int,
    spec: TokenSpec,
    registry: BearerRegistry[WorkerToken] = tokens,
) -> Issued[WorkerToken]:
    """Issue a token (commits); the id is ``worker_<16 hex>``."""
    now = clock.now()
    spec = _validated(spec, now=now)
    row = WorkerToken(
        id=f"worker_{secrets.token_hex(8)}",
        user_id=user_id,
        name=spec.name,
        account_scope=spec.account_scope,
        allowed_modes=sorted(set(spec.allowed_modes)),
        allowed_actions=sorted(set(spec.allowed_actions)),
        allowed_templates=sorted(set(spec.allowed_templates)),
        metadata_=dict(spec.metadata),
        expires_at=spec.expires_at,
        created_at=now,
    )
    return registry.issue(db, row)


def authenticate(db: Session, *, clock: Clock, secret: str) -> WorkerToken:
    """The live, unexpired token of an active account for a presented secret, or 401."""
    row, owner_active = tokens.authenticate_with_owner(db, clock=clock, secret=secret)
    if row.expires_at is not None and row.expires_at <= clock.now():
        raise Unauthenticated("worker token has expired")
    if not owner_active:
        raise Unauthenticated("the token's account is disabled")
    return row


def heartbeat(db: Session, row: WorkerToken, *, now: datetime) -> None:
    """The token's own heartbeat: the worker behind it is alive (commits)."""
    row.last_heartbeat_at = now
    db.commit()


def require_action(row: WorkerToken, action: str) -> None:
    """403 unless the token holds `action`."""
    if action not in row.allowed_actions:
        raise Forbidden(f"worker token lacks the '{action}' action")
