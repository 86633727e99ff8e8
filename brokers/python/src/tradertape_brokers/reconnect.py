"""Reconnect pacing shared by the brokers' streaming clients (Kite's ticker, Upstox's feed)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Backoff:
    """Waits between reconnect attempts: ``initial × factor^(n−1)``, at most ``max_secs``."""

    initial_secs: float = 1.0
    factor: float = 2.0
    max_secs: float = 60.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait before reconnect attempt `attempt` (1 for the first)."""
        return min(self.max_secs, self.initial_secs * self.factor ** max(0, attempt - 1))
