"""Sliding-window counts kept in the database, so every server process shares them.

One mechanism for every limit: sign-in attempts (`services.accounts.ratelimit`) and the OMS's
per-client order-rate ceiling (`oms.order_rate`). A bucket's slots are rows of
``auth_attempts`` (bucket, at; indexed on both); a slot is taken under the bucket's named
lock in the caller's transaction, so concurrent takers (from any process) are decided one
at a time and a slot lands, or vanishes, with whatever the caller commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Boolean, Integer, bindparam, delete, func, insert, or_, select
from sqlalchemy.orm import Session

from tradertape.db.locks import lock_names
from tradertape.db.models import AuthAttempt
from tradertape.db.prepared import Prepared
from tradertape.db.rows import table_of
from tradertape.db.types import UTCDateTime

_ATTEMPTS = table_of(AuthAttempt)
_IN_WINDOW = (
    _ATTEMPTS.c.bucket == bindparam("bucket"),
    _ATTEMPTS.c.at > bindparam("since", type_=UTCDateTime()),
)
# The slot is taken only if it fits: one statement counts and inserts.
_TAKE = Prepared(
    insert(_ATTEMPTS)
    .from_select(
        ["bucket", "at"],
        select(bindparam("bucket"), bindparam("now", type_=UTCDateTime())).where(
            or_(
                bindparam("force", type_=Boolean()),
                select(func.count()).where(*_IN_WINDOW).scalar_subquery()
                < bindparam("limit", type_=Integer()),
            )
        ),
    )
    .returning(_ATTEMPTS.c.id)
)
_OLDEST = Prepared(select(func.min(_ATTEMPTS.c.at)).where(*_IN_WINDOW))
_PRUNE = Prepared(
    delete(_ATTEMPTS).where(
        _ATTEMPTS.c.bucket == bindparam("bucket"),
        _ATTEMPTS.c.at <= bindparam("since", type_=UTCDateTime()),
    )
)
PRUNE_EVERY = 16  # a bucket's spent slots go when a slot whose id is a multiple of this is taken


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
    still counts against later takers) and returns None. Costs the lock and one statement
    on the ``(bucket, at)`` index (the count and the insert together); a refusal reads
    when the oldest slot frees. Spent slots count for nothing and are pruned now and then
    (every `PRUNE_EVERY`-th slot taken).
    """
    lock_names(session, [bucket_lock(bucket)])
    since = now - window
    params = {"bucket": bucket, "now": now, "since": since, "force": force, "limit": limit}
    taken = _TAKE.scalar(session, params)
    if taken is None:
        oldest = _OLDEST.scalar(session, {"bucket": bucket, "since": since})
        return (oldest or now) + window - now
    if taken % PRUNE_EVERY == 0:
        _PRUNE.execute(session, {"bucket": bucket, "since": since})
    return None
