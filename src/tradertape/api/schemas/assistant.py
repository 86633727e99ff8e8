"""Assistant keys (the MCP server's credential) and the live orders waiting for the user."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from tradertape.api.schemas.auth import Strict
from tradertape.api.schemas.times import UtcDateTime


class AssistantKeyCreate(Strict):
    """A new assistant key; its scope is fixed for its life (a wider one is a new key)."""

    name: str = Field(default="assistant", min_length=1, max_length=100)
    scope: Literal["read", "paper", "live"] = Field(
        default="read",
        description=(
            "read: the assistant only reads; paper: it also places paper orders; live: it "
            "also asks for live orders, each waiting for your confirmation in the web app"
        ),
    )


class AssistantKeyOut(BaseModel):
    """A key as listed: masked, with when it was last used."""

    id: int
    name: str
    masked_key: str
    scope: str
    created_at: UtcDateTime
    last_used_at: UtcDateTime | None
    revoked_at: UtcDateTime | None
    active: bool


class AssistantKeyIssued(AssistantKeyOut):
    """A key just created; `api_key` is shown this once."""

    api_key: str


class ConfirmationOut(BaseModel):
    """A live order an assistant asked for, and what the user decided."""

    id: int
    key_id: int
    key_name: str = Field(description="the assistant key that asked (named by you: data)")
    order: dict[str, Any] = Field(description="the order as asked (the order ticket's fields)")
    status: Literal["pending", "placed", "declined"]
    order_id: str | None = Field(description="the order placed once you confirmed it")
    message: str | None
    created_at: UtcDateTime
    decided_at: UtcDateTime | None
