"""Client-side request limits, so Groww's own limiter never has to refuse us.

Groww publishes per-second and per-minute ceilings for three request families (orders;
live data; everything else that reads the account). Each family gets a sliding window
per ceiling; a request waits until every window has room. Time comes from an injected
monotonic clock and sleep, so tests run without waiting.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

Monotonic = Callable[[], float]
Sleep = Callable[[float], None]


class Family(StrEnum):
    """Which of Groww's published limits a request counts against."""

    ORDERS = "orders"  # create, modify, cancel (smart orders too)
    LIVE_DATA = "live_data"  # quote, ltp, ohlc, candles
    NON_TRADING = "non_trading"  # order status and lists, positions, holdings, margins


@dataclass(frozen=True, slots=True)
class Ceiling:
    """At most `requests` in any `window_secs`."""

    requests: int
    window_secs: float


#: Groww's published ceilings (Trade API docs, "rate limits"; not in our reference file).
GROWW_LIMITS: dict[Family, tuple[Ceiling, ...]] = {
    Family.ORDERS: (Ceiling(10, 1.0), Ceiling(250, 60.0)),
    Family.LIVE_DATA: (Ceiling(10, 1.0), Ceiling(300, 60.0)),
    Family.NON_TRADING: (Ceiling(20, 1.0), Ceiling(500, 60.0)),
}


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
    """Blocks a caller until its request fits every ceiling of its family."""

    def __init__(
        self,
        limits: Mapping[Family, tuple[Ceiling, ...]] | None = None,
        *,
        monotonic: Monotonic = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        chosen = GROWW_LIMITS if limits is None else limits
        self._windows = {f: [_Window(c) for c in cs] for f, cs in chosen.items()}
        self._monotonic = monotonic
        self._sleep = sleep
        self._lock = threading.Lock()

    def acquire(self, family: Family) -> float:
        """Take a slot for one request; returns how long it waited (seconds)."""
        waited = 0.0
        windows = self._windows.get(family, [])
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
