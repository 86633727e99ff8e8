"""Which Telegram chat belongs to which user: one chat per user, one user per chat.

A chat linked to a user receives their notifications, and its commands act as that user.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tradertape.db.models import TelegramLink
from tradertape.errors import Conflict, NotFound
from tradertape.ports.clock import Clock


def get(db: Session, *, user_id: int) -> TelegramLink | None:
    """The user's link, if any."""
    return db.scalar(select(TelegramLink).where(TelegramLink.user_id == user_id))


def user_of_chat(db: Session, chat_id: int) -> int | None:
    """The user a chat is linked to, if any."""
    return db.scalar(select(TelegramLink.user_id).where(TelegramLink.chat_id == chat_id))


def link(db: Session, *, user_id: int, chat_id: int, clock: Clock) -> TelegramLink:
    """Link (or re-link) the user to ``chat_id``; a chat another user holds is a 409."""
    owner = user_of_chat(db, chat_id)
    if owner is not None and owner != user_id:
        raise Conflict("this chat is linked to another account")
    row = get(db, user_id=user_id)
    if row is None:
        row = TelegramLink(user_id=user_id, chat_id=chat_id, linked_at=clock.now())
        db.add(row)
    elif row.chat_id != chat_id:
        row.chat_id = chat_id
        row.linked_at = clock.now()
    try:
        db.commit()
    except IntegrityError:  # a concurrent link of the same chat or user
        db.rollback()
        raise Conflict("this chat or account was linked concurrently") from None
    return row


def unlink(db: Session, *, user_id: int) -> None:
    """Remove the user's link (404 when there is none)."""
    row = get(db, user_id=user_id)
    if row is None:
        raise NotFound("no Telegram chat is linked")
    db.delete(row)
    db.commit()
