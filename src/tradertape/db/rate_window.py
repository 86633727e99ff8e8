"""Sliding-window counts kept in the database, so every server process shares them.

One mechanism for every limit: sign-in attempts (`services.accounts.ratelimit`) and the OMS's
per-client order-rate ceiling (`oms.order_rate`). A bucket's slots are rows of
``auth_attempts`` (bucket, at; indexed on both); a slot is taken under the bucket's named
lock in the caller's transaction, so concurrent takers (from any process) are decided one
at a time and a slot lands, or vanishes, with whatever the caller commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tradertape.db.locks import lock_names
from tradertape.db.models import AuthAttempt


def bucket_lock(bucket: str) -> str:
    """The named lock (`db.locks`) a bucket's slots are counted under."""
    return f"ratelimit:{bucket}"


def take_slot(
    session: Session,
    *,
    bucket: str,
    now: datetime,
    limit: int,
    window: timedelta,
    force: bool = False,
) -> timedelta | None:
    """Take one of `bucket`'s `limit` slots in any `window` (no commit).

    Returns None when a slot was taken, else how long until the oldest one in the window
    frees (nothing is taken). ``force`` takes the slot even when the window is full (it
    still counts against later takers) and returns None. Costs the lock and three short
    statements on the ``(bucket, at)`` index; the bucket's expired slots are pruned.
    """
    lock_names(session, [bucket_lock(bucket)])
    since = now - window
    session.execute(
        delete(AuthAttempt)
        .where(AuthAttempt.bucket == bucket, AuthAttempt.at <= since)
        .execution_options(synchronize_session=False)
    )
    count, oldest = session.execute(
        select(func.count(), func.min(AuthAttempt.at)).where(
            AuthAttempt.bucket == bucket, AuthAttempt.at > since
        )
    ).one()
    if count >= limit and not force:
        return (oldest or now) + window - now
    session.add(AuthAttempt(bucket=bucket, at=now))
    return None
