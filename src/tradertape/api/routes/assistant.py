"""Assistant keys, for AI assistants on the MCP server (``/mcp``, `tradertape mcp`): create
(shown once), list (masked, with their last use), revoke. Only a signed-in session makes
or revokes them: an assistant's own key reaches the MCP server and nothing else."""

from __future__ import annotations

from fastapi import APIRouter, status

from tradertape.api.deps import DbDep, PageDep, RuntimeDep, SessionUser
from tradertape.api.schemas.assistant import (
    AssistantKeyCreate,
    AssistantKeyIssued,
    AssistantKeyOut,
)
from tradertape.api.schemas.numbers import RowId
from tradertape.db.models import AssistantKey
from tradertape.services.accounts import assistant_keys
from tradertape.services.accounts.bearer import masked

router = APIRouter(prefix="/assistant", tags=["assistant"])


def _out(row: AssistantKey) -> AssistantKeyOut:
    return AssistantKeyOut(
        id=row.id,
        name=row.name,
        masked_key=masked(row),
        scope=row.scope,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
        active=row.revoked_at is None,
    )


@router.get("/keys", response_model=list[AssistantKeyOut])
def list_keys(user: SessionUser, db: DbDep, page: PageDep) -> list[AssistantKeyOut]:
    """Your assistant keys, masked, newest first, revoked ones included."""
    rows = assistant_keys.keys.list_for(db, user_id=user.id, limit=page.limit, offset=page.offset)
    return [_out(row) for row in rows]


@router.post("/keys", response_model=AssistantKeyIssued, status_code=status.HTTP_201_CREATED)
def create_key(
    body: AssistantKeyCreate, user: SessionUser, runtime: RuntimeDep, db: DbDep
) -> AssistantKeyIssued:
    """Create a key with its scope; the full key is in this response only."""
    issued = assistant_keys.create(
        db, clock=runtime.clock, user_id=user.id, name=body.name, scope=body.scope
    )
    return AssistantKeyIssued(**_out(issued.row).model_dump(), api_key=issued.secret)


@router.post("/keys/{key_id}/revoke", response_model=AssistantKeyOut)
def revoke_key(key_id: RowId, user: SessionUser, runtime: RuntimeDep, db: DbDep) -> AssistantKeyOut:
    """Revoke a key; the assistant using it is refused from its next call."""
    row = assistant_keys.keys.revoke(db, clock=runtime.clock, user_id=user.id, row_id=key_id)
    return _out(row)
