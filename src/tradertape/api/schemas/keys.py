"""Agent key and worker token bodies; secrets appear only in the `*Issued` responses."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from tradertape.api.schemas.auth import Strict
from tradertape.api.schemas.times import UtcDateTime
from tradertape.domain.worker_access import DEFAULT_ACTIONS, DEFAULT_MODES, DEFAULT_SCOPE
from tradertape.services.accounts.agent_keys import AGENT_KEY_SCOPES
from tradertape.serving.free_json import JsonObject

_NAME = Field(min_length=1, max_length=100)


class AgentKeyCreate(Strict):
    """A new agent key."""

    name: str = Field(default="agent", min_length=1, max_length=100)
    scopes: list[Annotated[str, Field(max_length=40)]] = Field(
        default_factory=lambda: list(AGENT_KEY_SCOPES), max_length=10
    )


class AgentKeyOut(BaseModel):
    """A key as listed: masked."""

    id: int
    name: str
    masked_key: str
    scopes: list[str]
    created_at: UtcDateTime
    rotated_at: UtcDateTime | None
    last_used_at: UtcDateTime | None
    revoked_at: UtcDateTime | None
    active: bool


class AgentKeyIssued(AgentKeyOut):
    """A key just created or regenerated; `api_key` is shown this once."""

    api_key: str


class WorkerTokenCreate(Strict):
    """A new worker token; the fields of the worker contract."""

    name: str = _NAME
    account_scope: str = Field(default=DEFAULT_SCOPE, max_length=100)
    allowed_modes: list[Annotated[str, Field(max_length=20)]] = Field(
        default_factory=lambda: [m.value for m in DEFAULT_MODES], max_length=10
    )
    allowed_actions: list[Annotated[str, Field(max_length=40)]] = Field(
        default_factory=lambda: list(DEFAULT_ACTIONS), max_length=50
    )
    allowed_templates: list[Annotated[str, Field(max_length=100)]] = Field(
        default_factory=list, max_length=100
    )
    expires_at: UtcDateTime | None = None
    metadata: JsonObject = Field(default_factory=dict)


class WorkerTokenOut(BaseModel):
    """A token as listed: masked."""

    token_id: str
    name: str
    masked_token: str
    account_scope: str
    allowed_modes: list[str]
    allowed_actions: list[str]
    allowed_templates: list[str]
    metadata: dict[str, Any]
    expires_at: UtcDateTime | None
    created_at: UtcDateTime
    rotated_at: UtcDateTime | None
    last_used_at: UtcDateTime | None
    last_heartbeat_at: UtcDateTime | None
    revoked_at: UtcDateTime | None
    active: bool


class WorkerTokenIssued(WorkerTokenOut):
    """A token just created or regenerated; `token` is shown this once."""

    token: str


class WorkerHealth(BaseModel):
    """`GET /worker/health`."""

    status: str
    token_id: str
    account_scope: str
    allowed_modes: list[str]
    allowed_actions: list[str]
    allowed_templates: list[str]


class WorkerHeartbeatIn(BaseModel):
    """`POST /worker/heartbeat` body (extra fields tolerated: SDKs add their own)."""

    status: str = Field(default="healthy", max_length=40)
    metrics: JsonObject = Field(default_factory=dict)
    worker_id: str | None = Field(default=None, max_length=100)


class WorkerHeartbeatOut(BaseModel):
    """Acknowledgement of a token-level heartbeat."""

    status: str
    token_id: str
    received_at: UtcDateTime
