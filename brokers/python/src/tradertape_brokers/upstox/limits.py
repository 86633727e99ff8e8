"""Client-side rate limits: sliding windows, waited out on an injectable clock.

Upstox allows about 50 requests/s, 500/min and 2000 per 30 min per user, and regulation
caps orders at 10/s without exchange algo registration (reference §2.7, unverified figures).
Waiting here is cheaper than a 429 and never risks a duplicate order.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence

#: (requests, window in seconds) for ordinary calls and for order placement/changes.
STANDARD_LIMITS: tuple[tuple[int, float], ...] = ((50, 1.0), (500, 60.0), (2000, 1800.0))
ORDER_LIMITS: tuple[tuple[int, float], ...] = ((10, 1.0),)


class RateLimiter:
    """Admits a call once every window has room; `acquire` sleeps until then."""

    def __init__(
        self,
        limits: Sequence[tuple[int, float]],
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._limits = tuple(limits)
        self._monotonic = monotonic
        self._sleep = sleep
        self._stamps: deque[float] = deque()
        self._longest = max((w for _, w in self._limits), default=0.0)
        self._lock = threading.Lock()

    def wait_needed(self, now: float) -> float:
        """Seconds until a call made at `now` would fit every window."""
        while self._stamps and self._stamps[0] <= now - self._longest:
            self._stamps.popleft()
        wait = 0.0
        for count, window in self._limits:
            inside = [t for t in self._stamps if t > now - window]
            if len(inside) >= count:
                wait = max(wait, inside[-count] + window - now)
        return wait

    def acquire(self) -> None:
        """Block (on the injected sleep) until a call is allowed, then record it."""
        with self._lock:
            now = self._monotonic()
            wait = self.wait_needed(now)
            if wait > 0:
                self._sleep(wait)
                now = max(self._monotonic(), now + wait)
            self._stamps.append(now)
