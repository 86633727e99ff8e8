"""Agent API keys: ``zt_`` + 32 URL-safe characters, scoped to one user."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from tradertape.db.models import AgentKey
from tradertape.errors import InvalidField
from tradertape.ports.clock import Clock
from tradertape.security.tokens import AGENT_KEY_PREFIX
from tradertape.services.accounts.bearer import BearerRegistry, Issued

#: agent: the local-agent endpoints, the only API a key reaches. Keys issued before that
#: rule may still list ``read``/``write``; they grant nothing, and new keys cannot ask for them.
AGENT_KEY_SCOPES: tuple[str, ...] = ("agent",)

keys: BearerRegistry[AgentKey] = BearerRegistry(
    AgentKey, kind_prefix=AGENT_KEY_PREFIX, label="API key", newest_first=AgentKey.id
)


def _check_scopes(scopes: Sequence[str]) -> list[str]:
    unknown = sorted(set(scopes) - set(AGENT_KEY_SCOPES))
    if {"read", "write"} & set(unknown):
        raise InvalidField(
            "scopes",
            "agent keys reach only the agent API (scope 'agent'); the operator API takes a "
            "signed-in session",
        )
    if unknown:
        raise InvalidField("scopes", f"unknown scope(s) {unknown}; allowed: {AGENT_KEY_SCOPES}")
    if not scopes:
        raise InvalidField("scopes", "at least one scope is required")
    return sorted(set(scopes), key=AGENT_KEY_SCOPES.index)


def create(
    db: Session, *, clock: Clock, user_id: int, name: str, scopes: Sequence[str] = AGENT_KEY_SCOPES
) -> Issued[AgentKey]:
    """Issue a new key (commits)."""
    row = AgentKey(user_id=user_id, name=name, scopes=_check_scopes(scopes), created_at=clock.now())
    return keys.issue(db, row)
