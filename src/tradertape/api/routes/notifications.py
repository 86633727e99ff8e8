"""Notifications (the outbox of events) and the Telegram chat link."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, status

from tradertape.api.deps import CurrentUser, DbDep, PageDep, RuntimeDep
from tradertape.api.schemas.notifications import (
    NotificationOut,
    TelegramLinkIn,
    TelegramStatusOut,
)
from tradertape.runtime import Runtime
from tradertape.services import notifications, telegram_links

router = APIRouter(tags=["notifications"])


@router.get("/notifications", response_model=list[NotificationOut])
def list_notifications(user: CurrentUser, db: DbDep, page: PageDep) -> list[NotificationOut]:
    """Your notifications, newest first."""
    rows = notifications.listing(db, user_id=user.id, limit=page.limit, offset=page.offset)
    return [NotificationOut.model_validate(row, from_attributes=True) for row in rows]


def _status(runtime: Runtime, chat_id: int | None, linked_at: datetime | None) -> TelegramStatusOut:
    return TelegramStatusOut(
        bot_configured=runtime.settings.telegram_bot_token is not None,
        linked=chat_id is not None,
        chat_id=chat_id,
        linked_at=linked_at,
    )


@router.get("/telegram/link", response_model=TelegramStatusOut)
def telegram_status(user: CurrentUser, runtime: RuntimeDep, db: DbDep) -> TelegramStatusOut:
    """Whether a Telegram chat is linked to your account."""
    row = telegram_links.get(db, user_id=user.id)
    return _status(runtime, row.chat_id if row else None, row.linked_at if row else None)


@router.post("/telegram/link", response_model=TelegramStatusOut)
def link_telegram(
    body: TelegramLinkIn, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> TelegramStatusOut:
    """Link a chat: it receives your notifications and its commands act as you."""
    row = telegram_links.link(db, user_id=user.id, chat_id=body.chat_id, clock=runtime.clock)
    return _status(runtime, row.chat_id, row.linked_at)


@router.delete("/telegram/link", status_code=status.HTTP_204_NO_CONTENT)
def unlink_telegram(user: CurrentUser, db: DbDep) -> None:
    """Unlink your chat."""
    telegram_links.unlink(db, user_id=user.id)
