"""Agent API keys: ``zt_`` + 32 URL-safe characters, scoped to one user."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tradertape.db.models import AgentKey
from tradertape.errors import InvalidField, Unauthenticated
from tradertape.ports.clock import Clock
from tradertape.security.tokens import AGENT_KEY_PREFIX
from tradertape.services import bearer
from tradertape.services.ownership import get_owned, owned

#: agent: the local-agent endpoints; read: GET on the user API; write: other methods.
AGENT_KEY_SCOPES: tuple[str, ...] = ("agent", "read", "write")


@dataclass(frozen=True, slots=True)
class IssuedAgentKey:
    """A key row and its raw secret, which is shown once."""

    row: AgentKey
    secret: str


def _check_scopes(scopes: Sequence[str]) -> list[str]:
    unknown = sorted(set(scopes) - set(AGENT_KEY_SCOPES))
    if unknown:
        raise InvalidField("scopes", f"unknown scope(s) {unknown}; allowed: {AGENT_KEY_SCOPES}")
    if not scopes:
        raise InvalidField("scopes", "at least one scope is required")
    return sorted(set(scopes), key=AGENT_KEY_SCOPES.index)


def create(
    db: Session, *, clock: Clock, user_id: int, name: str, scopes: Sequence[str] = AGENT_KEY_SCOPES
) -> IssuedAgentKey:
    """Issue a new key (commits)."""
    row = AgentKey(user_id=user_id, name=name, scopes=_check_scopes(scopes), created_at=clock.now())
    secret = bearer.assign_secret(row, kind_prefix=AGENT_KEY_PREFIX)
    db.add(row)
    db.commit()
    return IssuedAgentKey(row=row, secret=secret)


def list_for(db: Session, *, user_id: int, limit: int, offset: int) -> list[AgentKey]:
    """The user's keys, newest first, revoked ones included (they show as revoked)."""
    query = owned(AgentKey, user_id=user_id).order_by(AgentKey.id.desc())
    return list(db.scalars(query.limit(limit).offset(offset)))


def get(db: Session, *, user_id: int, key_id: int) -> AgentKey:
    """One of the user's keys (404/403 otherwise)."""
    return get_owned(db, AgentKey, key_id, user_id=user_id, label="agent key")


def revoke(db: Session, *, clock: Clock, user_id: int, key_id: int) -> AgentKey:
    """Revoke one of the user's keys."""
    row = get(db, user_id=user_id, key_id=key_id)
    bearer.revoke(db, row, clock=clock)
    return row


def regenerate(db: Session, *, clock: Clock, user_id: int, key_id: int) -> IssuedAgentKey:
    """Give a live key a new secret; the old secret stops working."""
    row = get(db, user_id=user_id, key_id=key_id)
    if row.revoked_at is not None:
        raise InvalidField("key_id", "a revoked key cannot be regenerated; create a new one")
    secret = bearer.rotate(db, row, clock=clock, kind_prefix=AGENT_KEY_PREFIX)
    return IssuedAgentKey(row=row, secret=secret)


def authenticate(db: Session, *, clock: Clock, secret: str) -> AgentKey:
    """The live key for a presented secret, or 401."""
    row = bearer.find_live(db, AgentKey, secret, clock=clock)
    if row is None:
        raise Unauthenticated("invalid or revoked API key")
    return row
