"""The injected clock: every time-dependent rule asks a `Clock`, never `datetime.now()`.

A test or a simulation swaps in `ManualClock` and plays a whole day without sleeping.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

IST = ZoneInfo("Asia/Kolkata")


class Clock(Protocol):
    """Source of the current time (always timezone-aware UTC)."""

    def now(self) -> datetime:
        """Return the current instant as an aware UTC datetime."""
        ...


class SystemClock:
    """Wall-clock time."""

    def now(self) -> datetime:
        """Return the wall-clock instant in UTC."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to; for tests and simulations."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """Return the clock's current instant."""
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by `delta` and return the new instant."""
        if delta < timedelta(0):
            raise ValueError("a clock does not go backwards")
        self._now += delta
        return self._now

    def set(self, instant: datetime) -> None:
        """Jump to `instant` (aware, not before the current time)."""
        instant = instant.astimezone(UTC)
        if instant < self._now:
            raise ValueError("a clock does not go backwards")
        self._now = instant


class StartedClock:
    """Wall-clock speed from a chosen start: the demo's and the end-to-end tests' pinned day.

    ``now`` is `start` plus the time `wall` has moved since this clock was made, so a server
    started at a given instant replays the same market whatever the wall time is.
    """

    def __init__(self, start: datetime, wall: Clock | None = None) -> None:
        if start.tzinfo is None:
            raise ValueError("StartedClock needs an aware datetime")
        self._wall = wall or SystemClock()
        self._start = start.astimezone(UTC)
        self._wall_at_start = self._wall.now()

    def now(self) -> datetime:
        """Return the start plus the wall time elapsed since the clock was made."""
        return self._start + (self._wall.now() - self._wall_at_start)


def ist_now(clock: Clock) -> datetime:
    """Return the clock's instant in Indian Standard Time."""
    return clock.now().astimezone(IST)
