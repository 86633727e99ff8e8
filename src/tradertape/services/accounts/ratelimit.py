"""Sliding-window attempt limits kept in the database, so all server processes share them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from tradertape.db.locks import lock_names
from tradertape.db.models import AuthAttempt
from tradertape.db.rate_window import SlotAsk, bucket_lock, take_slot
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

        Count and insert happen in one transaction that holds the buckets' locks
        (`db.rate_window`), so concurrent attempts (from any process) are decided one at a
        time: exactly the first `limit` in a window get through.
        """
        session.commit()  # start from a fresh transaction (SQLite: no stale read snapshot)
        lock_names(session, (bucket_lock(bucket) for bucket in buckets))  # sorted: no deadlock
        now = self._clock.now()
        # Every bucket's attempts older than this window are spent (the order-rate ceiling's
        # window is shorter, so its expired slots may go too).
        session.execute(delete(AuthAttempt).where(AuthAttempt.at <= now - self._window))
        for bucket in buckets:
            ask = SlotAsk(bucket=bucket, now=now, limit=self._limit, window=self._window)
            wait = take_slot(session, ask)
            if wait is not None:
                session.rollback()
                raise RateLimited(
                    "too many attempts; try again in a minute",
                    retry_after_s=max(1, math.ceil(wait.total_seconds())),
                )
        session.commit()
