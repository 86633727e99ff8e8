"""Notifications (the outbox of events), the Telegram chat link and the morning briefing."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy.orm import Session

from tradertape.api.deps import CurrentUser, DbDep, DeskDep, PageDep, RuntimeDep
from tradertape.api.schemas.notifications import (
    BriefingIn,
    BriefingOut,
    MarkReadIn,
    NotificationOut,
    TelegramLinkConfirmIn,
    TelegramLinkIn,
    TelegramPendingOut,
    TelegramStatusOut,
    UnreadOut,
)
from tradertape.errors import Conflict
from tradertape.runtime import Runtime
from tradertape.services.accounts.sessions import SignedIn
from tradertape.services.notifications import briefing
from tradertape.services.notifications import chats as telegram_links
from tradertape.services.notifications import events as notifications
from tradertape.services.notifications import reads as notification_reads
from tradertape.services.notifications.briefing import BriefingSettings

router = APIRouter(tags=["notifications"])


@router.get("/notifications", response_model=list[NotificationOut])
async def list_notifications(
    desk: DeskDep, page: PageDep, unread: bool = False
) -> list[NotificationOut]:
    """Your notifications, newest first (``unread=true``: only those not marked read)."""

    def read(db: Session, user: SignedIn) -> list[NotificationOut]:
        rows = notifications.listing(
            db, user_id=user.id, limit=page.limit, offset=page.offset, unread_only=unread
        )
        return [NotificationOut.model_validate(row, from_attributes=True) for row in rows]

    return await desk.read(read)


def _unread(db: Session, user_id: int) -> UnreadOut:
    unread, latest = notification_reads.bell(db, user_id=user_id)
    return UnreadOut(unread=unread, latest_id=latest)


@router.get("/notifications/unread", response_model=UnreadOut)
async def unread_notifications(desk: DeskDep) -> UnreadOut:
    """How many of your notifications are unread (the bell's count; cheap to poll)."""
    return await desk.read(lambda db, user: _unread(db, user.id))


@router.post("/notifications/read", response_model=UnreadOut)
def mark_notifications_read(
    body: MarkReadIn, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> UnreadOut:
    """Mark read your notifications up to ``up_to_id`` (all when omitted); answers the
    count left (those that arrived after what you saw)."""
    now = runtime.clock.now()
    notification_reads.mark_read(db, user_id=user.id, up_to_id=body.up_to_id, now=now)
    return _unread(db, user.id)


def _status(runtime: Runtime, db: DbDep, user_id: int) -> TelegramStatusOut:
    bot = runtime.settings.telegram_bot_token is not None
    link = telegram_links.get(db, user_id=user_id)
    ask = telegram_links.pending(db, user_id=user_id, now=runtime.clock.now())
    pending = None
    if ask is not None:
        pending = TelegramPendingOut(
            chat_id=ask.chat_id,
            requested_at=ask.created_at,
            expires_at=ask.expires_at,
            code_sent=ask.sent_at is not None,
            error=ask.error if bot else telegram_links.NO_BOT,
        )
    return TelegramStatusOut(
        bot_configured=bot,
        status="linked" if link else "pending" if pending else "unlinked",
        linked=link is not None,
        chat_id=link.chat_id if link else None,
        linked_at=link.linked_at if link else None,
        pending=pending,
    )


@router.get("/telegram/link", response_model=TelegramStatusOut)
def telegram_status(user: CurrentUser, runtime: RuntimeDep, db: DbDep) -> TelegramStatusOut:
    """Your linked chat, and a link waiting for its code."""
    return _status(runtime, db, user.id)


@router.post("/telegram/link", response_model=TelegramStatusOut)
def link_telegram(
    body: TelegramLinkIn, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> TelegramStatusOut:
    """Ask to link a chat: the bot sends it a one-time code, which you enter within 10
    minutes (``POST /api/telegram/link/confirm``); that proves you can read the chat. The
    chat then gets your notifications and its commands act as you. Asking again replaces
    the code. A chat another account holds is a 409, and so is any request while this
    server has no bot configured (nothing could send the code)."""
    if runtime.settings.telegram_bot_token is None:
        raise Conflict(telegram_links.NO_BOT)
    runtime.limiter.hit(db, [f"telegram-link:user:{user.id}"])
    telegram_links.request(db, user_id=user.id, chat_id=body.chat_id, clock=runtime.clock)
    return _status(runtime, db, user.id)


@router.post("/telegram/link/confirm", response_model=TelegramStatusOut)
def confirm_telegram_link(
    body: TelegramLinkConfirmIn, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> TelegramStatusOut:
    """Link the chat of your pending request with the code the bot sent it; the chat is
    then told it is linked. Only your own request is checked, once per code. A wrong,
    expired, replaced or used code is a 422 on ``code``; tries are rate limited (429)."""
    runtime.limiter.hit(db, [f"telegram-link-confirm:user:{user.id}"])
    telegram_links.confirm(
        db,
        user_id=user.id,
        code=body.code,
        secret=runtime.settings.secret,
        clock=runtime.clock,
    )
    return _status(runtime, db, user.id)


@router.delete("/telegram/link", status_code=status.HTTP_204_NO_CONTENT)
def unlink_telegram(user: CurrentUser, db: DbDep) -> None:
    """Unlink your chat and drop a pending link."""
    telegram_links.unlink(db, user_id=user.id)


def _briefing(choice: BriefingSettings) -> BriefingOut:
    return BriefingOut(enabled=choice.enabled, time=f"{choice.at:%H:%M}")


@router.get("/telegram/briefing", response_model=BriefingOut)
def get_briefing(user: CurrentUser, db: DbDep) -> BriefingOut:
    """Whether you get the daily morning briefing (off unless you opt in), and when."""
    return _briefing(briefing.settings_of(db, user_id=user.id))


@router.put("/telegram/briefing", response_model=BriefingOut)
def set_briefing(
    body: BriefingIn, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> BriefingOut:
    """Opt in or out of the morning briefing (portfolio status and risk warnings), sent to
    your linked chat on NSE trading days at ``time`` IST (default 08:45, before the open)."""
    choice = briefing.update(
        db, user_id=user.id, clock=runtime.clock, enabled=body.enabled, at=body.time
    )
    return _briefing(choice)
