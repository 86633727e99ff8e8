"""Holdings and positions the agent syncs, one latest snapshot per broker and kind."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models import AgentSnapshot, User
from tradertape.errors import Conflict, InvalidField
from tradertape.ports.clock import Clock

HOLDINGS, POSITIONS = "holdings", "positions"


def store(
    db: Session,
    *,
    user_id: int,
    kind: str,
    broker: str,
    as_of: datetime,
    obfuscated: bool,
    rows: list[dict[str, Any]],
    margins: dict[str, Any] | None,
    clock: Clock,
    fingerprint: str | None = None,
) -> AgentSnapshot:
    """Replace the broker's snapshot of `kind` (commits). Obfuscated figures must carry
    the factor's fingerprint: the account keeps the first and refuses another."""
    if obfuscated:
        check_fingerprint(db, user_id=user_id, fingerprint=fingerprint)
    row = db.scalar(
        select(AgentSnapshot).where(
            AgentSnapshot.user_id == user_id,
            AgentSnapshot.kind == kind,
            AgentSnapshot.broker == broker,
        )
    )
    if row is None:
        row = AgentSnapshot(user_id=user_id, kind=kind, broker=broker)
        db.add(row)
    row.as_of = as_of
    row.received_at = clock.now()
    row.obfuscated = obfuscated
    row.rows = rows
    row.margins = margins
    db.commit()
    return row


def latest(db: Session, *, user_id: int, kind: str) -> list[AgentSnapshot]:
    """The user's latest snapshots of `kind`, by broker."""
    query = select(AgentSnapshot).where(
        AgentSnapshot.user_id == user_id, AgentSnapshot.kind == kind
    )
    return list(db.scalars(query.order_by(AgentSnapshot.broker)))


OTHER_FACTOR = (
    "factor_fingerprint: these figures were scaled with another obfuscation factor than "
    "the one this account's earlier uploads used, so they cannot be compared; import the "
    "original factor into the agent (tradertape-agent configure)"
)


def check_fingerprint(db: Session, *, user_id: int, fingerprint: str | None) -> None:
    """Keep the first obfuscated upload's factor fingerprint; refuse another (409)."""
    if not fingerprint:
        raise InvalidField("factor_fingerprint", "required when obfuscated is true")
    user = db.get(User, user_id)
    assert user is not None
    if user.agent_factor_fingerprint is None:
        user.agent_factor_fingerprint = fingerprint
    elif user.agent_factor_fingerprint != fingerprint:
        raise Conflict(OTHER_FACTOR)


def set_obfuscation(db: Session, *, user_id: int, on: bool, forget_factor: bool) -> User:
    """The account's upload obfuscation switch; `forget_factor` drops the kept fingerprint
    (a new factor's uploads are then accepted). Commits."""
    user = db.get(User, user_id)
    assert user is not None
    user.upload_obfuscation = on
    if forget_factor:
        user.agent_factor_fingerprint = None
    db.commit()
    return user


def obfuscation(db: Session, *, user_id: int) -> User:
    user = db.get(User, user_id)
    assert user is not None
    return user
