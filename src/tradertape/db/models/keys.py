"""Agent API keys (``zt_…``), worker tokens (``kwa_…``) and assistant keys (``zta_…``); only
SHA-256 hashes are stored."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
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


class AssistantKey(BearerSecret, Base):
    """An AI assistant's key (``Authorization: Bearer zta_…``), for the MCP server only.

    Its scope is fixed when the user creates it: ``read``, ``paper`` (read, and paper
    orders) or ``live`` (read, paper orders, and live orders that wait for the user's
    confirmation). Nothing the assistant calls can change it.
    """

    __tablename__ = "assistant_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    scope: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime]


class AssistantConfirmation(Owned, Base):
    """A live order an assistant asked for, waiting for the user's click in the web app.

    ``status``: pending, placed (confirmed and sent through the order pipeline; ``order_id``
    names the order), declined.
    """

    __tablename__ = "assistant_confirmations"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("assistant_keys.id", ondelete="CASCADE"))
    key_name: Mapped[str] = mapped_column(String(100))
    order: Mapped[dict[str, Any]]  # the order as the assistant asked for it (`OrderIn`'s fields)
    status: Mapped[str] = mapped_column(String(12))
    order_id: Mapped[str | None] = mapped_column(String(40))
    message: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
