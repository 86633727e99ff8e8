"""Agent API keys (``zt_…``) and worker tokens (``kwa_…``); only SHA-256 hashes are stored."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from tradertape.db.base import Base, Owned


class BearerSecret(Owned):
    """Columns of an owned table whose rows are presented as bearer secrets."""

    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # First characters of the secret, so a masked list can tell rows apart.
    prefix: Mapped[str] = mapped_column(String(16))
    rotated_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class AgentKey(BearerSecret, Base):
    """A key the local agent or a script presents as ``Authorization: Bearer zt_…``."""

    __tablename__ = "agent_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    scopes: Mapped[list[str]]
    created_at: Mapped[datetime]


class WorkerToken(BearerSecret, Base):
    """A worker's bearer token with its account scope, modes, actions and templates."""

    __tablename__ = "worker_tokens"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # worker_<16 hex>
    name: Mapped[str] = mapped_column(String(100))
    account_scope: Mapped[str] = mapped_column(String(100))
    allowed_modes: Mapped[list[str]]
    allowed_actions: Mapped[list[str]]
    allowed_templates: Mapped[list[str]]
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata")
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    last_heartbeat_at: Mapped[datetime | None]
