"""Client-side pacing and retries for Kite: stay under the per-second caps, back off on trouble.

Kite answers 429 past its caps (reference §1.8: 10 orders/s, quotes 1/s, historical 3/s,
everything else 10/s per key), so the adapter waits its turn instead of spending a request
on a refusal. The clock and the sleeper are injected so tests pace without sleeping.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

#: Requests allowed per rolling second, by bucket.
KITE_LIMITS: Mapping[str, int] = {"orders": 10, "quote": 1, "historical": 3, "other": 10}


class RateLimiter:
    """A rolling one-second window per bucket; `acquire` sleeps until a slot is free."""

    def __init__(
        self,
        limits: Mapping[str, int] = KITE_LIMITS,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        window_secs: float = 1.0,
    ) -> None:
        self._limits = dict(limits)
        self._monotonic = monotonic
        self._sleep = sleep
        self._window = window_secs
        self._sent: dict[str, deque[float]] = {name: deque() for name in self._limits}
        self._lock = threading.Lock()

    def acquire(self, bucket: str) -> None:
        """Take a slot in `bucket`, waiting as long as the window is full."""
        while True:
            with self._lock:
                now = self._monotonic()
                sent = self._sent[bucket]
                while sent and sent[0] <= now - self._window:
                    sent.popleft()
                if len(sent) < self._limits[bucket]:
                    sent.append(now)
                    return
                wait = sent[0] + self._window - now
            self._sleep(max(wait, 0.0))


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff: `attempts` tries in all, waits `base_secs` · 2ⁿ capped at `max_secs`."""

    attempts: int = 4
    base_secs: float = 0.2
    max_secs: float = 2.0
    sleep: Callable[[float], None] = field(default=time.sleep)

    def wait(self, attempt: int) -> None:
        """Sleep before retry number `attempt` (0 = the first retry)."""
        self.sleep(min(self.base_secs * 2**attempt, self.max_secs))
