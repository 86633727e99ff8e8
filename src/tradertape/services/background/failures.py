"""A user's side of the job guard (`background.guard`): what of theirs the background jobs
failed on, and asking for a retry of a quarantined item."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models import JobFailure
from tradertape.errors import NotFound


def listing(db: Session, *, user_id: int, limit: int, offset: int) -> list[JobFailure]:
    """The user's failing items, the latest failure first."""
    query = (
        select(JobFailure)
        .where(JobFailure.user_id == user_id)
        .order_by(JobFailure.last_failed_at.desc(), JobFailure.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(db.scalars(query))


def retry(db: Session, *, user_id: int, failure_id: int) -> None:
    """Drop the record, so the item is tried again on the next pass (404 if not theirs)."""
    row = db.get(JobFailure, failure_id)
    if row is None or row.user_id != user_id:
        raise NotFound(f"job failure {failure_id} not found")
    db.delete(row)
    db.commit()
