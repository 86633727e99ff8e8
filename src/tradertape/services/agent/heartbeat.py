"""The agent's heartbeat: each poll records when, which version and how it felt, and the
web app warns when an agent has not polled for three of its intervals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models import AgentHeartbeat, AgentKey
from tradertape.ports.clock import Clock

DEFAULT_INTERVAL = 30  # seconds, seed 000's poll_interval
MISSED = 3  # intervals without a poll before the web app warns


def beat(
    db: Session,
    *,
    key: AgentKey,
    clock: Clock,
    version: str | None,
    health: str | None,
    poll_interval: int | None,
) -> None:
    """Record a poll by the agent holding `key` (commits)."""
    row = db.scalar(
        select(AgentHeartbeat).where(
            AgentHeartbeat.user_id == key.user_id, AgentHeartbeat.key_id == key.id
        )
    )
    if row is None:
        row = AgentHeartbeat(user_id=key.user_id, key_id=key.id)
        db.add(row)
    row.last_poll_at = clock.now()
    row.version = version[:40] if version else row.version
    row.health = health[:200] if health else None
    row.poll_interval = poll_interval or DEFAULT_INTERVAL
    db.commit()


@dataclass(frozen=True, slots=True)
class AgentState:
    """One agent (one key) as the web app shows it."""

    key_id: int
    key_name: str
    key_active: bool
    last_poll_at: datetime
    seconds_since_poll: int
    version: str | None
    health: str | None
    poll_interval: int
    stale: bool
    warning: str | None


def states(db: Session, *, user_id: int, clock: Clock) -> list[AgentState]:
    """The user's agents, the most recent poll first."""
    now = clock.now()
    rows = db.execute(
        select(AgentHeartbeat, AgentKey)
        .join(AgentKey, AgentKey.id == AgentHeartbeat.key_id)
        .where(AgentHeartbeat.user_id == user_id, AgentKey.user_id == user_id)
        .order_by(AgentHeartbeat.last_poll_at.desc(), AgentHeartbeat.id.desc())
    ).all()
    out = []
    for beat_row, key in rows:
        since = max(0, int((now - beat_row.last_poll_at).total_seconds()))
        stale = since > MISSED * beat_row.poll_interval
        warning = (
            f"the agent has not polled for {since} s (over {MISSED} intervals of "
            f"{beat_row.poll_interval} s): is it running?"
            if stale
            else None
        )
        out.append(
            AgentState(
                key_id=key.id,
                key_name=key.name,
                key_active=key.revoked_at is None,
                last_poll_at=beat_row.last_poll_at,
                seconds_since_poll=since,
                version=beat_row.version,
                health=beat_row.health,
                poll_interval=beat_row.poll_interval,
                stale=stale,
                warning=warning,
            )
        )
    return out
