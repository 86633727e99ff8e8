"""The replay a request is in: its clock and prices, injected under the server's own.

A replay's requests go through the same paper exchange, risk gate, margins and worker
services as a paper run's; what differs is the market clock and the last prices they read.
The runtime hands those services a `ScopedClock` and a `scoped_quotes` reader: outside a
replay they are the market's, and inside one (the request of a replay's token, entered by
the API's replay door) they are that replay's, for that request alone. Another request,
another replay, the trading loop and the feed never see them: the scope is a context
variable, copied into the request's worker thread and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from tradertape.domain.market import Tick
from tradertape.oms import LastTick
from tradertape.ports.clock import Clock


@dataclass(frozen=True, slots=True)
class FixedClock:
    """The replay's instant for one request (a request reads one time throughout)."""

    instant: datetime

    def now(self) -> datetime:
        """The instant."""
        return self.instant


@dataclass(frozen=True, slots=True)
class ReplayScope:
    """What a replay's request reads instead of the market: its time and its prices."""

    replay_id: int
    clock: Clock
    last_tick: LastTick


_ACTIVE: ContextVar[ReplayScope | None] = ContextVar("tradertape_replay", default=None)


def active() -> ReplayScope | None:
    """The replay this request is in, if any."""
    return _ACTIVE.get()


@contextmanager
def entered(scope: ReplayScope) -> Iterator[ReplayScope]:
    """Be in `scope` for the block (and whatever it awaits or hands to a thread)."""
    mark = _ACTIVE.set(scope)
    try:
        yield scope
    finally:
        _ACTIVE.reset(mark)


class ScopedClock:
    """The market clock, or the replay's inside one."""

    def __init__(self, base: Clock) -> None:
        self.base = base

    def now(self) -> datetime:
        """The replay's instant inside a replay, else the market's."""
        scope = _ACTIVE.get()
        return self.base.now() if scope is None else scope.clock.now()


def scoped_quotes(base: LastTick) -> LastTick:
    """The market's last ticks, or the replay's inside one."""

    def last_tick(key: str) -> Tick | None:
        scope = _ACTIVE.get()
        return base(key) if scope is None else scope.last_tick(key)

    return last_tick
