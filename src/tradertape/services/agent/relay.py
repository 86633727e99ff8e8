"""The broker-login relay: the web app hands a login's request token (Kite) or code
(Upstox) to the agent, which exchanges it with the API secret only it holds and pushes the
access token back. The secret never reaches the server; a token waits at most `FRESH`
(Kite's expire in minutes). A broker whose login flow is `LoginFlow.API_KEY`
(`domain.brokers`) needs no relay: it has no redirect, and the agent mints its own token
from its key and TOTP seed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models import AgentTokenRelay, BrokerCredential, User
from tradertape.domain.brokers import BrokerName
from tradertape.errors import Conflict
from tradertape.ports.clock import Clock
from tradertape.services.brokers.credentials import BrokerCredentials, CredentialUpdate

FRESH = timedelta(minutes=10)


def _row(db: Session, *, user_id: int, broker: BrokerName) -> AgentTokenRelay | None:
    return db.scalar(
        select(AgentTokenRelay).where(
            AgentTokenRelay.user_id == user_id, AgentTokenRelay.broker == broker.value
        )
    )


def hand(
    db: Session, *, user_id: int, broker: BrokerName, request_token: str, clock: Clock
) -> AgentTokenRelay:
    """Leave a login's request token for the agent (replaces an older one; commits)."""
    row = _row(db, user_id=user_id, broker=broker)
    if row is None:
        row = AgentTokenRelay(user_id=user_id, broker=broker.value)
        db.add(row)
    row.request_token = request_token
    row.created_at = clock.now()
    row.consumed_at = None
    db.commit()
    return row


def waiting(
    db: Session, *, user_id: int, broker: BrokerName, clock: Clock
) -> AgentTokenRelay | None:
    """The request token waiting for the agent, if one is fresh and not yet used."""
    row = _row(db, user_id=user_id, broker=broker)
    if row is None or row.consumed_at is not None or clock.now() - row.created_at > FRESH:
        return None
    return row


def push(
    db: Session,
    *,
    user_id: int,
    broker: BrokerName,
    access_token: str,
    broker_user_id: str | None,
    credentials: BrokerCredentials,
    clock: Clock,
    check: Callable[[str], None],
) -> BrokerCredential:
    """Store the access token the agent exchanged (encrypted, until the broker's expiry)
    once `check` (the broker, asked with the stored API key) took it; the waiting request
    token is used up (commits). A token the broker refuses stores nothing."""
    user = db.get(User, user_id)
    assert user is not None  # the key's owner (keys of disabled accounts are refused)
    stored = credentials.get(db, user_id=user.id, broker=broker)
    if stored is None:
        raise Conflict(f"save your {broker.value} API key first (Settings → Brokers)")
    check(stored.api_key)
    row = _row(db, user_id=user.id, broker=broker)
    if row is not None and row.consumed_at is None:
        row.consumed_at = clock.now()
    update = CredentialUpdate(
        api_key=stored.api_key, access_token=access_token, broker_user_id=broker_user_id
    )
    return credentials.save(db, user=user, broker=broker, update=update)
