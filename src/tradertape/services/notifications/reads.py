"""Which notifications the user has seen in the app: the bell's unread count.

Reading is the app's business, delivery (Telegram) the outbox's: a notification can be
delivered and unread, or read before the bot sends it. Marking read goes by id, up to the
newest the user saw, so one arriving while the list was open stays unread.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, case, func, select, update
from sqlalchemy.orm import Session

from tradertape.db.models import Notification
from tradertape.db.rows import table_of

_NOTIFICATIONS = table_of(Notification)
_BELL = select(
    func.coalesce(func.sum(case((_NOTIFICATIONS.c.read_at.is_(None), 1), else_=0)), 0),
    func.max(_NOTIFICATIONS.c.id),
).where(_NOTIFICATIONS.c.user_id == bindparam("user_id"))


def bell(db: Session, *, user_id: int) -> tuple[int, int | None]:
    """`unread_count` and `latest_id` in one statement (the bell polls both)."""
    unread, latest = db.execute(_BELL, {"user_id": user_id}).one()
    return int(unread), latest


def unread_count(db: Session, *, user_id: int) -> int:
    """How many of the user's notifications are unread."""
    query = select(func.count()).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    return db.scalar(query) or 0


def latest_id(db: Session, *, user_id: int) -> int | None:
    """The id of the user's newest notification (None: none yet)."""
    return db.scalar(select(func.max(Notification.id)).where(Notification.user_id == user_id))


def mark_read(db: Session, *, user_id: int, up_to_id: int | None, now: datetime) -> int:
    """Mark the user's unread notifications read, those up to `up_to_id` (None: all);
    returns how many changed (commits)."""
    query = update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    if up_to_id is not None:
        query = query.where(Notification.id <= up_to_id)
    changed = db.execute(query.values(read_at=now).execution_options(synchronize_session=False))
    db.commit()
    return int(getattr(changed, "rowcount", 0) or 0)
