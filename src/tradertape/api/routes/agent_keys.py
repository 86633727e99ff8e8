"""Agent API keys: create (shown once), list (masked), revoke, regenerate."""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import BaseModel

from tradertape.api.deps import AgentKeyDep, DbDep, PageDep, RuntimeDep, SessionUser
from tradertape.api.schemas.keys import AgentKeyCreate, AgentKeyIssued, AgentKeyOut
from tradertape.api.schemas.numbers import RowId
from tradertape.db.models import AgentKey
from tradertape.services.accounts import agent_keys
from tradertape.services.accounts.bearer import Issued, masked

router = APIRouter(prefix="/agent", tags=["agent"])


def _out(row: AgentKey) -> AgentKeyOut:
    return AgentKeyOut(
        id=row.id,
        name=row.name,
        masked_key=masked(row),
        scopes=row.scopes,
        created_at=row.created_at,
        rotated_at=row.rotated_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
        active=row.revoked_at is None,
    )


def _issued(issued: Issued[AgentKey]) -> AgentKeyIssued:
    return AgentKeyIssued(**_out(issued.row).model_dump(), api_key=issued.secret)


@router.get("/keys", response_model=list[AgentKeyOut])
def list_keys(user: SessionUser, db: DbDep, page: PageDep) -> list[AgentKeyOut]:
    """Your agent keys, masked, newest first."""
    rows = agent_keys.keys.list_for(db, user_id=user.id, limit=page.limit, offset=page.offset)
    return [_out(row) for row in rows]


@router.post("/keys", response_model=AgentKeyIssued, status_code=status.HTTP_201_CREATED)
def create_key(
    body: AgentKeyCreate, user: SessionUser, runtime: RuntimeDep, db: DbDep
) -> AgentKeyIssued:
    """Create a key; the full key is in this response only."""
    issued = agent_keys.create(
        db, clock=runtime.clock, user_id=user.id, name=body.name, scopes=body.scopes
    )
    return _issued(issued)


@router.post("/keys/{key_id}/revoke", response_model=AgentKeyOut)
def revoke_key(key_id: RowId, user: SessionUser, runtime: RuntimeDep, db: DbDep) -> AgentKeyOut:
    """Revoke a key; it stops working at once."""
    return _out(agent_keys.keys.revoke(db, clock=runtime.clock, user_id=user.id, row_id=key_id))


@router.post("/keys/{key_id}/regenerate", response_model=AgentKeyIssued)
def regenerate_key(
    key_id: RowId, user: SessionUser, runtime: RuntimeDep, db: DbDep
) -> AgentKeyIssued:
    """Replace a key's secret; the old secret stops working, the new one is shown once."""
    return _issued(
        agent_keys.keys.regenerate(db, clock=runtime.clock, user_id=user.id, row_id=key_id)
    )


class AgentWhoAmI(BaseModel):
    """Who an agent key acts for."""

    user_id: int
    key_id: int
    key_name: str
    scopes: list[str]


@router.get("/whoami", response_model=AgentWhoAmI)
def whoami(key: AgentKeyDep) -> AgentWhoAmI:
    """Check an agent key (the agent calls this at start-up)."""
    return AgentWhoAmI(user_id=key.user_id, key_id=key.id, key_name=key.name, scopes=key.scopes)
