"""Which Telegram chat belongs to which user: one chat per user, one user per chat.

A chat linked to a user receives their notifications, and its commands act as that user,
so linking must prove that the person signed in can read the chat. Settings → Link
(`request`) leaves a pending request; the bot sends that chat a one-time code
(`issue_code`), and the signed-in user types it back on the web (`confirm`). A
confirmation from the chat would only prove the chat's holder agrees, and a pasted
stranger's chat id would let the stranger say yes. Codes are bound to the requesting user
and their chat, expire with the request, work once, and are stored as an HMAC keyed by the
server secret (like login OTPs). A new link is announced to its chat through the outbox.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tradertape.db.models import TelegramLink, TelegramLinkRequest, User
from tradertape.errors import Conflict, InvalidField, NotFound
from tradertape.ports.clock import Clock
from tradertape.security.tokens import digests_equal, keyed_digest, new_code
from tradertape.services.notifications import events as notifications

REQUEST_TTL = timedelta(minutes=10)
SEND_ATTEMPTS = 3  # a request whose message Telegram refused this often is not retried
WRONG_CODE = "wrong or expired code; use the newest code the bot sent, or ask for a new one"
TAKEN = "this chat is linked to another account"
NO_BOT = (
    "no Telegram bot is configured on this server (TRADERTAPE_TELEGRAM_BOT_TOKEN is unset), "
    "so no code can reach the chat; ask whoever runs TraderTape to set it (docs/telegram.md)"
)
LINKED = (
    "✅ This chat is now linked to TraderTape ({email}): notifications arrive here and "
    "commands act on that account. /help lists them, /unlink undoes it."
)


def masked_email(email: str) -> str:
    """``a•••@x.in``: enough for the owner to recognise, little for a stranger."""
    name, _, domain = email.partition("@")
    return f"{name[:1]}•••@{domain}"


def get(db: Session, *, user_id: int) -> TelegramLink | None:
    """The user's link, if any."""
    return db.scalar(select(TelegramLink).where(TelegramLink.user_id == user_id))


def user_of_chat(db: Session, chat_id: int) -> int | None:
    """The user a chat is linked to, if any (pending requests link nothing)."""
    return db.scalar(select(TelegramLink.user_id).where(TelegramLink.chat_id == chat_id))


def pending(db: Session, *, user_id: int, now: datetime) -> TelegramLinkRequest | None:
    """The user's unexpired link request, if any."""
    row = db.scalar(select(TelegramLinkRequest).where(TelegramLinkRequest.user_id == user_id))
    return row if row is not None and row.expires_at > now else None


def request(
    db: Session, *, user_id: int, chat_id: int, clock: Clock, ttl: timedelta = REQUEST_TTL
) -> TelegramLinkRequest | None:
    """Ask to link ``chat_id``; the bot will send that chat a code to enter on the web.
    Replaces the user's earlier request (its code stops working). ``None``: this chat is
    already the user's link, nothing to confirm. A chat another account holds is a 409."""
    owner = user_of_chat(db, chat_id)
    if owner is not None and owner != user_id:
        raise Conflict(TAKEN)
    row = db.scalar(select(TelegramLinkRequest).where(TelegramLinkRequest.user_id == user_id))
    if owner == user_id:
        if row is not None:
            db.delete(row)
        db.commit()
        return None
    now = clock.now()
    if row is None:
        row = TelegramLinkRequest(user_id=user_id)
        db.add(row)
    row.chat_id = chat_id
    row.created_at, row.expires_at = now, now + ttl
    row.code_hash = row.sent_at = row.error = None
    row.attempts = 0
    try:
        db.commit()
    except IntegrityError:  # a concurrent request of the same user
        db.rollback()
        raise Conflict("a link was requested concurrently; try again") from None
    return row


def code_digest(secret: str, chat_id: int, code: str) -> str:
    """What is stored for a code: bound to its chat, keyed so it cannot be brute-forced."""
    return keyed_digest(secret, f"telegram-link:{chat_id}:{code.strip().upper()}")


def to_announce(db: Session, *, now: datetime, limit: int = 20) -> list[TelegramLinkRequest]:
    """Requests whose chat has not been sent its code yet (unexpired, not given up on)."""
    query = (
        select(TelegramLinkRequest)
        .where(
            TelegramLinkRequest.sent_at.is_(None),
            TelegramLinkRequest.expires_at > now,
            TelegramLinkRequest.attempts < SEND_ATTEMPTS,
        )
        .order_by(TelegramLinkRequest.id)
        .limit(limit)
    )
    return list(db.scalars(query))


def issue_code(row: TelegramLinkRequest, *, secret: str) -> str:
    """A fresh code for the request (any earlier one stops working); the caller commits
    and sends it. Only its digest is kept."""
    code = new_code()
    row.code_hash = code_digest(secret, row.chat_id, code)
    return code


def announced(db: Session, request_id: int, *, now: datetime, error: str | None) -> None:
    """Record one send of a request's code: sent, or Telegram's refusal."""
    row = db.get(TelegramLinkRequest, request_id)
    if row is None or row.code_hash is None:  # gone, or asked again since: not this code's
        return
    if error is None:
        row.sent_at = now
    else:
        row.attempts += 1
        row.error = error[:400]
    db.commit()


def confirm(db: Session, *, user_id: int, code: str, secret: str, clock: Clock) -> TelegramLink:
    """Link the chat of the user's own pending request, given the code the bot sent it.

    Only ``user_id``'s request is looked at, so a code is no use to anyone but the user who
    asked. Single use: the request is deleted with a compare-and-set on its code, so a replay
    or a racing second try finds nothing. A wrong or expired code changes nothing (422 on
    ``code``). The chat is told it is linked by a notification in the same transaction.
    """
    now = clock.now()
    row = pending(db, user_id=user_id, now=now)
    digest = code_digest(secret, row.chat_id, code) if row is not None else ""
    if row is None or row.code_hash is None or not digests_equal(digest, row.code_hash):
        raise InvalidField("code", WRONG_CODE)
    chat_id = row.chat_id
    owner = user_of_chat(db, chat_id)
    if owner is not None and owner != user_id:
        raise Conflict(TAKEN)
    db.expunge(row)
    claimed = db.execute(
        delete(TelegramLinkRequest)
        .where(TelegramLinkRequest.id == row.id, TelegramLinkRequest.code_hash == digest)
        .execution_options(synchronize_session=False)
    )
    if int(getattr(claimed, "rowcount", 0) or 0) != 1:
        db.rollback()
        raise InvalidField("code", WRONG_CODE)
    link = get(db, user_id=user_id)
    if link is None:
        link = TelegramLink(user_id=user_id, chat_id=chat_id, linked_at=now)
        db.add(link)
    else:  # moving to another chat: notifications from now on go there
        link.chat_id, link.linked_at = chat_id, now
    user = db.get(User, user_id)
    email = masked_email(user.email) if user is not None else "your account"
    notifications.add(
        db,
        user_id=user_id,
        kind=notifications.Kind.LINKED,
        text=LINKED.format(email=email),
        at=now,
        payload={"chat_id": chat_id},
    )
    try:
        db.commit()
    except IntegrityError:  # the chat was linked to someone else meanwhile
        db.rollback()
        raise Conflict(TAKEN) from None
    return link


def unlink(db: Session, *, user_id: int) -> None:
    """Remove the user's link and pending request (404 when there is neither)."""
    removed = 0
    for model in (TelegramLink, TelegramLinkRequest):
        result = db.execute(delete(model).where(model.user_id == user_id))
        removed += int(getattr(result, "rowcount", 0) or 0)
    if not removed:
        db.rollback()
        raise NotFound("no Telegram chat is linked or pending")
    db.commit()


def unlink_chat(db: Session, *, chat_id: int) -> int | None:
    """Unlink a chat from its user (``/unlink`` in the chat); returns that user, if any."""
    user_id = user_of_chat(db, chat_id)
    if user_id is not None:
        db.execute(delete(TelegramLink).where(TelegramLink.chat_id == chat_id))
        db.commit()
    return user_id
