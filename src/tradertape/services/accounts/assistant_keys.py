"""Assistant keys: what an AI assistant presents to the MCP server (``zta_`` + 32 characters).

One scope per key, chosen when the user creates it and never changed afterwards (a wider
scope is a new key): ``read`` reads; ``paper`` also places paper orders; ``live`` also asks
for live orders, each of which waits for the user's confirmation in the web app. The life
cycle (hashing, revoking, last use) is the agent keys' and worker tokens' (`BearerRegistry`).
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.orm import Session

from tradertape.db.models import AssistantKey
from tradertape.errors import InvalidField
from tradertape.ports.clock import Clock
from tradertape.security.tokens import ASSISTANT_KEY_PREFIX
from tradertape.services.accounts.bearer import BearerRegistry, Issued


class AssistantScope(StrEnum):
    """What an assistant key allows, each scope including the ones before it."""

    READ = "read"
    PAPER = "paper"
    LIVE = "live"

    def allows(self, needed: AssistantScope) -> bool:
        """Whether this scope includes `needed`."""
        order = list(AssistantScope)
        return order.index(self) >= order.index(needed)


keys: BearerRegistry[AssistantKey] = BearerRegistry(
    AssistantKey,
    kind_prefix=ASSISTANT_KEY_PREFIX,
    label="assistant key",
    newest_first=AssistantKey.id,
)


def create(
    db: Session, *, clock: Clock, user_id: int, name: str, scope: str
) -> Issued[AssistantKey]:
    """Issue a new key with its fixed scope (commits)."""
    try:
        chosen = AssistantScope(scope)
    except ValueError:
        allowed = [s.value for s in AssistantScope]
        raise InvalidField("scope", f"unknown scope {scope!r}; allowed: {allowed}") from None
    row = AssistantKey(user_id=user_id, name=name, scope=chosen.value, created_at=clock.now())
    return keys.issue(db, row)
