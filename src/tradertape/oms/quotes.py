"""The last tick per instrument, as this process has seen it from the feed or the bus.

Order matching, GTT evaluation, square-off and mark-to-market read prices from here;
whoever consumes ticks (the feed runner, a bus subscriber) writes them in.
"""

from __future__ import annotations

import threading

from tradertape.domain.market import Tick


class QuoteBook:
    """Thread-safe map from ``EXCH:SYMBOL`` to its latest tick."""

    def __init__(self) -> None:
        self._ticks: dict[str, Tick] = {}
        self._lock = threading.Lock()

    def update(self, tick: Tick) -> None:
        """Keep `tick` unless a newer one for the same key is already held."""
        with self._lock:
            held = self._ticks.get(tick.key)
            if held is None or held.ts <= tick.ts:
                self._ticks[tick.key] = tick

    def __call__(self, key: str) -> Tick | None:
        """The latest tick of `key`, if any."""
        return self._ticks.get(key)

    def __len__(self) -> int:
        return len(self._ticks)
