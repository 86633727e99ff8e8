"""Sliding-window attempt limits kept in the database, so all server processes share them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tradertape.db.locks import lock_names
from tradertape.db.models import AuthAttempt
from tradertape.errors import RateLimited
from tradertape.ports.clock import Clock


class RateLimiter:
    """At most `limit` attempts per bucket in any `window`."""

    def __init__(self, *, clock: Clock, limit: int, window: timedelta = timedelta(minutes=1)):
        self._clock = clock
        self._limit = limit
        self._window = window

    def hit(self, session: Session, buckets: Sequence[str]) -> None:
        """Count one attempt in every bucket, or raise `RateLimited` and count none.

        Insert, count and decide happen in one transaction that holds the buckets' locks,
        so concurrent attempts (from any process) are decided one at a time: exactly the
        first `limit` in a window get through.
        """
        session.commit()  # start from a fresh transaction (SQLite: no stale read snapshot)
        lock_names(session, (f"ratelimit:{bucket}" for bucket in buckets))
        now = self._clock.now()
        since = now - self._window
        session.execute(delete(AuthAttempt).where(AuthAttempt.at <= since))
        session.add_all(AuthAttempt(bucket=bucket, at=now) for bucket in buckets)
        session.flush()
        for bucket in buckets:
            in_window = select(AuthAttempt.at).where(
                AuthAttempt.bucket == bucket, AuthAttempt.at > since
            )
            count = session.scalar(select(func.count()).select_from(in_window.subquery())) or 0
            if count > self._limit:
                oldest = session.scalar(select(func.min(in_window.subquery().c.at))) or now
                session.rollback()
                wait = (oldest + self._window - now).total_seconds()
                raise RateLimited(
                    "too many attempts; try again in a minute",
                    retry_after_s=max(1, math.ceil(wait)),
                )
        session.commit()
