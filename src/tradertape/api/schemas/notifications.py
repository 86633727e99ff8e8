"""Notification and Telegram link shapes."""

from __future__ import annotations

from datetime import time as TimeOfDay
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from tradertape.api.schemas.auth import Strict
from tradertape.api.schemas.numbers import JsonRowId
from tradertape.api.schemas.times import UtcDateTime
from tradertape.domain.decimal_input import Count, Flag

ChatId = Annotated[Count, Field(ge=-(2**52), le=2**52, description="the chat id /start replies")]


class NotificationOut(BaseModel):
    """One event of the notification outbox."""

    id: int
    kind: str
    portfolio_id: int | None
    text: str
    payload: dict[str, Any]
    created_at: UtcDateTime
    delivered_at: UtcDateTime | None
    read_at: UtcDateTime | None = Field(description="when you marked it read; null: unread")


class UnreadOut(BaseModel):
    """The bell: how many notifications are unread, and the newest one's id (send it back
    to mark read what was shown)."""

    unread: int
    latest_id: int | None


class MarkReadIn(Strict):
    """Mark read your notifications up to ``up_to_id`` (the newest shown); omitted: all."""

    up_to_id: JsonRowId | None = None


class TelegramLinkIn(Strict):
    """The chat to link (the bot's ``/start`` replies with it); the bot sends it a code."""

    chat_id: ChatId


class TelegramLinkConfirmIn(Strict):
    """The code the bot sent the chat, entered by the user who asked to link it."""

    code: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, to_upper=True, max_length=64, pattern=r"^\s*[A-Za-z0-9]{8}\s*$"
        ),
        Field(description="the 8-character code from the bot's message", examples=["K7QF3MZA"]),
    ]


class TelegramPendingOut(BaseModel):
    """A link waiting for its code: sent to the chat, entered here (``/link/confirm``)."""

    chat_id: int
    requested_at: UtcDateTime
    expires_at: UtcDateTime
    code_sent: bool = Field(description="the bot has sent the chat its code")
    error: str | None = Field(description="why Telegram refused the message, if it did")


class TelegramStatusOut(BaseModel):
    """Whether the bot runs on this server, which chat is linked and which is pending."""

    bot_configured: bool
    status: Literal["unlinked", "pending", "linked"]
    linked: bool
    chat_id: int | None
    linked_at: UtcDateTime | None
    pending: TelegramPendingOut | None


class BriefingIn(Strict):
    """The daily morning briefing: on or off, and when (IST, before the 09:15 open)."""

    enabled: Flag
    time: Annotated[
        TimeOfDay | None, Field(description="HH:MM in IST, before 09:15; omitted: unchanged")
    ] = None


class BriefingOut(BaseModel):
    """The daily briefing choice (sent on NSE trading days to a linked chat)."""

    enabled: bool
    time: str = Field(description="HH:MM, IST")
    timezone: str = "Asia/Kolkata"
