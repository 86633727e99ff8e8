"""Each user's journal version (`models.journal.JournalVersion`): bumped in the
transaction of every change to what the journal's FIFO book is computed from, other than a
new fill (a new fill raises the user's newest trade id, which is read with it)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tradertape.db.models.journal import JournalVersion
from tradertape.db.models.trading import Trade


def bump(db: Session, user_ids: Iterable[int]) -> None:
    """Move the users' journal versions on, in the session's transaction."""
    for user_id in sorted(set(user_ids)):
        moved = db.execute(
            update(JournalVersion)
            .where(JournalVersion.user_id == user_id)
            .values(version=JournalVersion.version + 1)
        )
        if getattr(moved, "rowcount", 1):
            continue
        try:
            with db.begin_nested():
                db.execute(insert(JournalVersion).values(user_id=user_id, version=1))
        except IntegrityError:  # another transaction made the row first: move it on
            db.execute(
                update(JournalVersion)
                .where(JournalVersion.user_id == user_id)
                .values(version=JournalVersion.version + 1)
            )


def current(db: Session, user_id: int) -> tuple[int, int]:
    """The user's journal version and newest trade id (0 for none): two index reads."""
    version = db.scalar(select(JournalVersion.version).where(JournalVersion.user_id == user_id))
    newest = db.scalar(select(func.max(Trade.id)).where(Trade.user_id == user_id))
    return version or 0, newest or 0
