"""Worker tokens (operator routes) and the token-level worker endpoints: health, heartbeat."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from tradertape.api.deps import (
    DbDep,
    PageDep,
    RuntimeDep,
    SessionUser,
    WorkerTokenDep,
    worker_action,
)
from tradertape.api.schemas.keys import (
    WorkerHealth,
    WorkerHeartbeatIn,
    WorkerHeartbeatOut,
    WorkerTokenCreate,
    WorkerTokenIssued,
    WorkerTokenOut,
)
from tradertape.db.models import WorkerToken
from tradertape.services.accounts import worker_tokens
from tradertape.services.accounts.bearer import Issued, masked

router = APIRouter(prefix="/algo-workers", tags=["algo-workers"])


def _out(row: WorkerToken) -> WorkerTokenOut:
    return WorkerTokenOut(
        token_id=row.id,
        name=row.name,
        masked_token=masked(row),
        account_scope=row.account_scope,
        allowed_modes=row.allowed_modes,
        allowed_actions=row.allowed_actions,
        allowed_templates=row.allowed_templates,
        metadata=row.metadata_,
        expires_at=row.expires_at,
        created_at=row.created_at,
        rotated_at=row.rotated_at,
        last_used_at=row.last_used_at,
        last_heartbeat_at=row.last_heartbeat_at,
        revoked_at=row.revoked_at,
        active=row.revoked_at is None,
    )


def _issued(issued: Issued[WorkerToken]) -> WorkerTokenIssued:
    return WorkerTokenIssued(**_out(issued.row).model_dump(), token=issued.secret)


@router.post("/tokens", response_model=WorkerTokenIssued, status_code=status.HTTP_201_CREATED)
def create_token(
    body: WorkerTokenCreate, user: SessionUser, runtime: RuntimeDep, db: DbDep
) -> WorkerTokenIssued:
    """Create a worker token; the raw `kwa_…` token is in this response only."""
    spec = worker_tokens.TokenSpec(
        name=body.name,
        account_scope=body.account_scope,
        allowed_modes=body.allowed_modes,
        allowed_actions=body.allowed_actions,
        allowed_templates=body.allowed_templates,
        expires_at=body.expires_at,
        metadata=body.metadata,
    )
    return _issued(worker_tokens.create(db, clock=runtime.clock, user_id=user.id, spec=spec))


@router.get("/tokens", response_model=list[WorkerTokenOut])
def list_tokens(user: SessionUser, db: DbDep, page: PageDep) -> list[WorkerTokenOut]:
    """Your worker tokens, masked, newest first."""
    rows = worker_tokens.tokens.list_for(db, user_id=user.id, limit=page.limit, offset=page.offset)
    return [_out(row) for row in rows]


@router.post("/tokens/{token_id}/revoke", response_model=WorkerTokenOut)
def revoke_token(
    token_id: str, user: SessionUser, runtime: RuntimeDep, db: DbDep
) -> WorkerTokenOut:
    """Revoke a token; workers using it get 401 from now on."""
    return _out(
        worker_tokens.tokens.revoke(db, clock=runtime.clock, user_id=user.id, row_id=token_id)
    )


@router.post("/tokens/{token_id}/regenerate", response_model=WorkerTokenIssued)
def regenerate_token(
    token_id: str, user: SessionUser, runtime: RuntimeDep, db: DbDep
) -> WorkerTokenIssued:
    """New secret, same id and grants; the old secret stops working."""
    issued = worker_tokens.tokens.regenerate(
        db, clock=runtime.clock, user_id=user.id, row_id=token_id
    )
    return _issued(issued)


@router.get("/worker/health", response_model=WorkerHealth)
def worker_health(token: WorkerTokenDep) -> WorkerHealth:
    """What the presented token may do (the SDK's connection check)."""
    return WorkerHealth(
        status="ok",
        token_id=token.id,
        account_scope=token.account_scope,
        allowed_modes=token.allowed_modes,
        allowed_actions=token.allowed_actions,
        allowed_templates=token.allowed_templates,
    )


@router.post("/worker/heartbeat", response_model=WorkerHeartbeatOut)
def worker_heartbeat(
    token: Annotated[WorkerToken, Depends(worker_action("heartbeat"))],
    runtime: RuntimeDep,
    db: DbDep,
    body: WorkerHeartbeatIn | None = None,
) -> WorkerHeartbeatOut:
    """Token-level heartbeat; needs the `heartbeat` action."""
    now = runtime.clock.now()
    worker_tokens.heartbeat(db, token, now=now)
    return WorkerHeartbeatOut(status="ok", token_id=token.id, received_at=now)
