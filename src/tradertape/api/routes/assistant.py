"""Assistant keys, for AI assistants on the MCP server (``/mcp``, `tradertape mcp`): create
(shown once), list (masked, with their last use), revoke; and the live orders assistants
asked for, which wait here (or in a linked Telegram chat) for the user's confirmation. Only a
signed-in session makes or revokes a key, or confirms an order (a linked chat is the user's
too): an assistant's own key reaches the MCP server and nothing else."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from tradertape.api.deps import DbDep, PageDep, RuntimeDep, SessionUser
from tradertape.api.schemas.assistant import (
    AssistantKeyCreate,
    AssistantKeyIssued,
    AssistantKeyOut,
    ConfirmationOut,
)
from tradertape.api.schemas.errors import ORDER_RATE_RESPONSES
from tradertape.api.schemas.numbers import RowId
from tradertape.db.models import AssistantConfirmation, AssistantKey
from tradertape.runtime import Runtime
from tradertape.services.accounts import assistant_keys
from tradertape.services.accounts.bearer import masked
from tradertape.services.assistant import confirmations

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


def _confirmation(row: AssistantConfirmation) -> ConfirmationOut:
    return ConfirmationOut.model_validate(row, from_attributes=True)


@router.get("/confirmations", response_model=list[ConfirmationOut])
def list_confirmations(
    user: SessionUser,
    db: DbDep,
    page: PageDep,
    pending: Annotated[bool, Query(description="only those still waiting for you")] = True,
) -> list[ConfirmationOut]:
    """Live orders your assistants asked for, newest first."""
    rows = confirmations.listed(
        db, user_id=user.id, pending_only=pending, limit=page.limit, offset=page.offset
    )
    return [_confirmation(row) for row in rows]


@router.post(
    "/confirmations/{confirmation_id}/confirm",
    response_model=ConfirmationOut,
    responses=ORDER_RATE_RESPONSES,
)
def confirm(
    confirmation_id: RowId, user: SessionUser, runtime: RuntimeDep, db: DbDep
) -> ConfirmationOut:
    """Place the order as asked, through the order ticket's gate (your risk rules, the kill
    switch, SEBI's ceiling, both live-trading switches). Refused there (403, 409, 429), it
    stays pending; placed, it is final, and the assistant sees its order id."""
    # the one path: a linked Telegram chat's Confirm button calls the same desk
    decided = _desk(runtime).confirm(db, user_id=user.id, row_id=confirmation_id)
    return _confirmation(decided)


@router.post("/confirmations/{confirmation_id}/decline", response_model=ConfirmationOut)
def decline(
    confirmation_id: RowId, user: SessionUser, runtime: RuntimeDep, db: DbDep
) -> ConfirmationOut:
    """Decline the order: nothing is placed, and the assistant is told so."""
    decided = _desk(runtime).decline(db, user_id=user.id, row_id=confirmation_id)
    return _confirmation(decided)


def _desk(runtime: Runtime) -> confirmations.ConfirmationDesk:
    return confirmations.ConfirmationDesk(runtime.orders, runtime.account_views, runtime.clock)
