"""Holdings and positions the agent syncs, one latest snapshot per broker and kind."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models import AgentSnapshot
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
) -> AgentSnapshot:
    """Replace the broker's snapshot of `kind` (commits)."""
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
