"""Market time as the feed plays it, for everything that trades on the feed's prices.

In demo mode the feed replays the last session at night; the paper exchange, the GTT
book and the session jobs must then believe the market is open at the replayed instant,
or a night-time visitor could watch prices move but not trade. Injecting this clock
instead of the wall clock does that without any demo flag in the trading code.
"""

from __future__ import annotations

from datetime import datetime

from tradertape.feed.simulated import SimulatedFeed
from tradertape.ports.clock import Clock


class FeedClock:
    """`Clock` whose now is the instant the feed is printing (a replayed one in demo mode)."""

    def __init__(self, wall: Clock, feed: SimulatedFeed) -> None:
        self._wall = wall
        self._feed = feed

    def now(self) -> datetime:
        """The feed's current market instant."""
        return self._feed.session_time(self._wall.now())
