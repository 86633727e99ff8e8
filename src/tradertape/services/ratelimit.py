"""Sliding-window attempt limits kept in the database, so all server processes share them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

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

        The attempt is recorded and committed first and then counted, so two racing
        requests cannot both slip under the limit (check-then-insert would let them).
        """
        now = self._clock.now()
        since = now - self._window
        session.execute(delete(AuthAttempt).where(AuthAttempt.at <= since))
        rows = [AuthAttempt(bucket=bucket, at=now) for bucket in buckets]
        session.add_all(rows)
        session.commit()
        for row in rows:
            earlier = select(AuthAttempt.at).where(
                AuthAttempt.bucket == row.bucket, AuthAttempt.at > since, AuthAttempt.id <= row.id
            )
            count = session.scalar(select(func.count()).select_from(earlier.subquery())) or 0
            if count > self._limit:
                oldest = session.scalar(select(func.min(earlier.subquery().c.at))) or now
                for own in rows:
                    session.delete(own)
                session.commit()
                wait = (oldest + self._window - now).total_seconds()
                raise RateLimited(
                    "too many attempts; try again in a minute",
                    retry_after_s=max(1, math.ceil(wait)),
                )
