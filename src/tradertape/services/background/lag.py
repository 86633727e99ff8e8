"""How far the trading loop runs behind its feed, for `/api/health` and the log.

A batch's lag is the time from the arrival of its first tick to the end of its matching and
watchers, on the loop's clock: what a stop or an MTM exit waits beyond the batch interval.
Background work beside the loop (the alerts) reports how far behind it is too: the users
whose alerts went over their time share in its last pass, deferred to the next.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=1)  # the worst lag told is the worst of the last minute


@dataclass(frozen=True, slots=True)
class LagView:
    """What health tells of the loop."""

    lag: timedelta  # the last batch's
    worst: timedelta  # the worst batch's within `WINDOW`
    at: datetime  # when the last batch ended
    alerts_deferred: int  # users whose alerts waited for the next pass, in its last pass


class LoopLag:
    """The trading loop's lag per batch (written by the loop's thread, read by health)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._batches: deque[tuple[datetime, timedelta]] = deque()
        self._deferred = 0
        self.count = 0  # batches recorded since the start

    def batch(self, received: datetime, done: datetime) -> timedelta:
        """Record one batch: its first tick came in at `received`, it was done at `done`."""
        lag = max(done - received, timedelta(0))
        with self._lock:
            self.count += 1
            self._batches.append((done, lag))
            while self._batches and done - self._batches[0][0] > WINDOW:
                self._batches.popleft()
        return lag

    def deferred(self, users: int) -> None:
        """Record how many users' alerts the last alert pass deferred."""
        self._deferred = users

    def view(self) -> LagView | None:
        """The last batch's lag and the window's worst, or None before any batch (or in a
        process that does not run the loop)."""
        with self._lock:
            if not self._batches:
                return None
            at, lag = self._batches[-1]
            worst = max(b[1] for b in self._batches)
        return LagView(lag=lag, worst=worst, at=at, alerts_deferred=self._deferred)
