"""Client-side pacing shared by every adapter: sliding-window ceilings per bucket, and
exponential backoff between retries.

Brokers refuse requests past their published ceilings (Kite 10 orders/s, Upstox 50/s and
500/min, Groww per request family). Waiting our turn costs less than a 429 and can never
duplicate an order. Each bucket (Kite's ``orders``, Groww's ``Family.ORDERS``…) has one or
more ceilings and a request waits until every one of them has room. The clock and the
sleeper are injected so tests pace without sleeping.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

Monotonic = Callable[[], float]
Sleep = Callable[[float], None]


@dataclass(frozen=True, slots=True)
class Ceiling:
    """At most `requests` in any `window_secs`."""

    requests: int
    window_secs: float = 1.0


#: Ceilings per bucket; a bucket's request must fit all of them.
Limits = Mapping[str, Sequence[Ceiling]]


class _Window:
    def __init__(self, ceiling: Ceiling) -> None:
        self.ceiling = ceiling
        self.sent: deque[float] = deque()

    def wait_for(self, now: float) -> float:
        while self.sent and now - self.sent[0] >= self.ceiling.window_secs:
            self.sent.popleft()
        if len(self.sent) < self.ceiling.requests:
            return 0.0
        return self.sent[0] + self.ceiling.window_secs - now


class RateLimiter:
    """Blocks a caller until its request fits every ceiling of its bucket.

    Thread-safe: the adapters are shared by the server's worker threads. A bucket not in
    `limits` is a programming error (a KeyError), not an unlimited one. `total` ceilings
    hold over every bucket together (the local agent's pace, beneath the broker's own).
    """

    def __init__(
        self,
        limits: Limits,
        *,
        total: Sequence[Ceiling] = (),
        monotonic: Monotonic = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        self._windows = {
            str(bucket): [_Window(c) for c in ceilings] for bucket, ceilings in limits.items()
        }
        self._total = [_Window(c) for c in total]
        self._monotonic = monotonic
        self._sleep = sleep
        self._lock = threading.Lock()

    def acquire(self, bucket: str) -> float:
        """Take a slot in `bucket`; returns how long it waited (seconds)."""
        windows = self._windows[str(bucket)] + self._total
        waited = 0.0
        while True:
            with self._lock:
                now = self._monotonic()
                delay = max((w.wait_for(now) for w in windows), default=0.0)
                if delay <= 0:
                    for window in windows:
                        window.sent.append(now)
                    return waited
            self._sleep(delay)
            waited += delay


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff: `attempts` tries in all, waits `base_secs` · 2ⁿ capped at `max_secs`."""

    attempts: int = 4
    base_secs: float = 0.2
    max_secs: float = 2.0
    sleep: Sleep = field(default=time.sleep)

    def wait(self, attempt: int) -> None:
        """Sleep before retry number `attempt` (0 = the first retry)."""
        self.sleep(min(self.base_secs * 2**attempt, self.max_secs))
