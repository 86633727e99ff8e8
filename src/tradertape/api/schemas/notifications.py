"""Notification and Telegram link shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from tradertape.api.schemas.auth import Strict

ChatId = Annotated[int, Field(ge=-(2**52), le=2**52, description="the chat id /start replies")]


class NotificationOut(BaseModel):
    """One event of the notification outbox."""

    id: int
    kind: str
    portfolio_id: int | None
    text: str
    payload: dict[str, Any]
    created_at: datetime
    delivered_at: datetime | None


class TelegramLinkIn(Strict):
    """The chat to link (the bot's ``/start`` replies with it)."""

    chat_id: ChatId


class TelegramStatusOut(BaseModel):
    """Whether the bot runs on this server and which chat is linked."""

    bot_configured: bool
    linked: bool
    chat_id: int | None
    linked_at: datetime | None
