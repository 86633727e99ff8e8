"""Sliding-window attempt limits: kept in the database, so all server processes share them
(`RateLimiter`: sign-in, Telegram link requests), or off it where a request must not pay a
transaction for its count (`AttemptWindows`: a webhook's rate, in memory or in Redis)."""

from __future__ import annotations

import math
import threading
import uuid
from collections import deque
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import delete
from sqlalchemy.orm import Session

from tradertape.bus.namespace import installation_namespace
from tradertape.db.locks import lock_names
from tradertape.db.models import AuthAttempt
from tradertape.db.rate_window import SlotAsk, bucket_lock, take_slot
from tradertape.errors import RateLimited
from tradertape.ports.clock import Clock
from tradertape.settings import Settings


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


class AttemptWindows(Protocol):
    """Sliding windows of attempts kept off the database: `hit` counts one attempt in
    `bucket`, or raises `RateLimited` (counting none) when `limit` were made in the last
    `window`."""

    def hit(self, bucket: str, *, limit: int, window: timedelta) -> None: ...


#: Buckets a process keeps before it drops the ones whose window has passed.
MAX_BUCKETS = 10_000


class MemoryWindows:
    """`AttemptWindows` in this process's memory: for one server process (several share
    theirs through Redis, `RedisWindows`). Times are read off `clock`."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._hits: dict[str, deque[datetime]] = {}
        self._guard = threading.Lock()  # request threads share the windows

    def hit(self, bucket: str, *, limit: int, window: timedelta) -> None:
        """Count one attempt in `bucket`, or raise `RateLimited` and count none."""
        now = self._clock.now()
        spent = now - window  # attempts at or before this are out of the window
        with self._guard:
            times = self._hits.get(bucket)
            if times is None:
                if len(self._hits) >= MAX_BUCKETS:
                    self._forget(spent)
                times = self._hits[bucket] = deque()
            while times and times[0] <= spent:
                times.popleft()
            if len(times) >= limit:
                raise _limited(times[0] + window - now)
            times.append(now)

    def _forget(self, spent: datetime) -> None:
        """Drop every bucket with no attempt after `spent` (under the guard)."""
        for bucket in [b for b, times in self._hits.items() if not times or times[-1] <= spent]:
            del self._hits[bucket]


# Atomic in Redis: drop the window's spent attempts, then count one or answer the wait (ms).
_REDIS_HIT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1] - ARGV[2])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return tonumber(oldest[2]) + tonumber(ARGV[2]) - tonumber(ARGV[1])
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return -1
"""


class RedisWindows:
    """`AttemptWindows` in Redis, shared by every server process of the installation: a
    sorted set per bucket (its attempts by time), counted and added to in one script."""

    def __init__(self, url: str, *, clock: Clock, namespace: str) -> None:
        import redis

        self._clock = clock
        self._prefix = f"{namespace}:limits:"
        self._redis = redis.Redis.from_url(url)
        self._script = self._redis.register_script(_REDIS_HIT)

    def hit(self, bucket: str, *, limit: int, window: timedelta) -> None:
        """Count one attempt in `bucket`, or raise `RateLimited` and count none."""
        now_ms = int(self._clock.now().timestamp() * 1000)
        window_ms = int(window.total_seconds() * 1000)
        wait_ms = int(
            self._script(
                keys=[self._prefix + bucket],
                args=[now_ms, window_ms, limit, f"{now_ms}:{uuid.uuid4().hex}"],
            )
        )
        if wait_ms >= 0:
            raise _limited(timedelta(milliseconds=wait_ms))


def attempt_windows(settings: Settings, clock: Clock) -> AttemptWindows:
    """`RedisWindows` when ``TRADERTAPE_REDIS_URL`` is set (processes share them, as they
    share the bus), else `MemoryWindows`."""
    if settings.redis_url:
        namespace = settings.redis_namespace or installation_namespace(
            settings.resolved_database_url
        )
        return RedisWindows(settings.redis_url, clock=clock, namespace=namespace)
    return MemoryWindows(clock)


def _limited(wait: timedelta) -> RateLimited:
    return RateLimited(
        "too many attempts; try again in a minute",
        retry_after_s=max(1, math.ceil(wait.total_seconds())),
    )
