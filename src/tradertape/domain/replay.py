"""Pure rules of a worker replay: what may be asked for, and where its clock stands.

A replay plays the trading sessions of a past period; its clock moves through session time
only (09:15–15:30 IST of each trading day, one after another), so a replay at 1× of two
days takes two sessions' worth of wall time, not 48 hours. At a finite speed the clock is
the wall time since the start times the speed; at ``max`` it moves one bar (a minute, or a
day) each time the worker asks the server something, so a worker is never outrun.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from tradertape.domain.calendar import IST
from tradertape.errors import InvalidField

SESSION_OPEN = time(9, 15)
SESSION_CLOSE = time(15, 30)
SESSION = timedelta(hours=6, minutes=15)  # 375 minutes
MAX_DAYS = 31  # a month of sessions, as the "last month's minutes"
SPEEDS = ("1", "10", "60", "max")


class Resolution(StrEnum):
    """How often the replay's prices change: each minute's candle, or each day's."""

    MINUTE = "minute"
    DAY = "day"

    @property
    def bar(self) -> timedelta:
        """One bar of session time."""
        return timedelta(minutes=1) if self is Resolution.MINUTE else SESSION


@dataclass(frozen=True, slots=True)
class ReplaySpec:
    """What a start-a-run request's ``replay`` block asks for."""

    start: date
    end: date
    resolution: Resolution = Resolution.MINUTE
    speed: int = 0  # 0: as fast as the worker asks (``max``)

    @classmethod
    def parse(cls, start: date, end: date, resolution: str, speed: str) -> ReplaySpec:
        """Checked fields; a 422 naming ``replay.<field>`` otherwise."""
        try:
            chosen = Resolution(resolution)
        except ValueError:
            raise InvalidField("replay.resolution", "must be 'minute' or 'day'") from None
        if speed not in SPEEDS:
            raise InvalidField("replay.speed", f"must be one of {list(SPEEDS)}")
        if end < start:
            raise InvalidField("replay.to", "must not be before replay.from")
        if (end - start).days >= MAX_DAYS:
            raise InvalidField("replay.to", f"a replay covers at most {MAX_DAYS} days")
        return cls(start, end, chosen, 0 if speed == "max" else int(speed))

    @property
    def speed_label(self) -> str:
        """``1``, ``10``, ``60`` or ``max``."""
        return "max" if self.speed == 0 else str(self.speed)


@dataclass(frozen=True, slots=True)
class Timeline:
    """The replay's sessions, end to end: session seconds elapsed ↔ the replay's instant."""

    days: tuple[date, ...]

    @property
    def length(self) -> timedelta:
        """All the session time the replay plays."""
        return SESSION * len(self.days)

    def at(self, elapsed: timedelta) -> datetime:
        """The replay's instant once `elapsed` session time has played (held at the end)."""
        if not self.days:
            raise ValueError("a replay needs at least one trading day")
        played = min(max(elapsed, timedelta(0)), self.length)
        index = min(int(played / SESSION), len(self.days) - 1)
        return open_of(self.days[index]) + (played - SESSION * index)

    def finished(self, elapsed: timedelta) -> bool:
        """Whether the last session has played out."""
        return elapsed >= self.length


def open_of(day: date) -> datetime:
    """The UTC instant the equity session of `day` opens (09:15 IST)."""
    return datetime.combine(day, SESSION_OPEN, IST).astimezone(UTC)


def elapsed(speed: int, steps: int, resolution: Resolution, since: timedelta) -> timedelta:
    """Session time played: `steps` bars at ``max`` (speed 0), else `since` × speed."""
    return resolution.bar * steps if speed == 0 else since * speed
