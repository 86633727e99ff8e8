"""The feed watchdog: how long since the feed's last tick, and what to do when it goes quiet.

Broker sockets can stay connected yet silent (after the daily token rollover, users of other
platforms report), or be refused after the broker's nightly maintenance. The price shown then
keeps its last value with nothing to say it is old. `FeedWatch` sits among the trading loop's
tick sinks (it sees every feed tick the leader handles) and, on its own beat, judges the feed:

- ``live``: a tick within `stale_after_secs` (10 s), or the market is not in its normal
  session (a quiet feed outside hours is expected);
- ``stale``: silent past the threshold in market hours; told once per quiet spell
  (`on_stale`: the runtime writes a notification), and a reconnect is asked for;
- ``reconnecting``: a reconnect was asked for and no tick has come since; asked again with
  back-off (2, 4, 8 … 60 s); or the connection dropped and the broker's client is reopening
  it by itself, with its own back-off (then nothing more is asked of it);
- ``down``: the feed has no connection (no session to connect with, the broker refused the
  handshake and the feed waits its back-off, or no feed in this process).

A broker feed tells the watchdog when its socket last ticked (`heard`): the ticks the sink
sees then include prices filled from the broker's REST quote, which must not make a silent
socket look alive. While the feed is not live in market hours and its socket has been silent
past the threshold, each beat also steps the feed's REST fill (`fill`, `feed.rest_fill`),
which paces itself; once ticks return (or the market closes) the fill stops.

Time is the injected clock; the beat (`run`) sleeps with an injected sleep, so tests step it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from tradertape.domain.calendar import Session, TradingCalendar
from tradertape.domain.market import Tick
from tradertape.ports.clock import Clock

log = logging.getLogger("tradertape.feed")

STALE_AFTER_SECS = 10.0
MAX_BACKOFF_SECS = 60.0


class FeedHealth(StrEnum):
    """A feed's state, as `GET /api/market/feed` answers it."""

    LIVE = "live"
    STALE = "stale"
    RECONNECTING = "reconnecting"
    DOWN = "down"


@dataclass(frozen=True, slots=True)
class FeedStatus:
    """One source's state, the age of its last tick and how many instruments it follows."""

    source: str
    state: FeedHealth
    last_tick_age_secs: float | None  # None: no tick since start-up
    subscriptions: int
    stale_after_secs: float
    reconnects: int
    filling_from: str | None = None  # "rest": prices filled from the broker's REST quote
    last_fill_age_secs: float | None = None  # since the last filled price (None: none yet)


class Filler(Protocol):
    """A quiet feed's price fill (`feed.rest_fill.RestFill`)."""

    filling_from: str | None
    last_fill_at: datetime | None

    async def step(self) -> int: ...

    def stop(self) -> None: ...


async def _no_reconnect() -> None:
    """A feed that cannot be reconnected (the simulated one ticks in process)."""


def _nobody(_status: FeedStatus) -> None:
    """Nobody to tell (tests of the states alone)."""


class FeedWatch:
    """Watches one feed's tick age; a `TickSink` of the trading loop."""

    def __init__(
        self,
        *,
        source: str,
        clock: Clock,
        calendar: TradingCalendar,
        stale_after_secs: float = STALE_AFTER_SECS,
        subscriptions: Callable[[], int] = lambda: 0,
        connected: Callable[[], bool] = lambda: True,
        reopening: Callable[[], bool] = lambda: False,
        reconnect: Callable[[], Awaitable[None]] = _no_reconnect,
        on_stale: Callable[[FeedStatus], None] = _nobody,
        heard: Callable[[], datetime | None] | None = None,
        fill: Filler | None = None,
    ) -> None:
        self.source = source
        self._clock = clock
        self._calendar = calendar
        self._stale_after = timedelta(seconds=stale_after_secs)
        self._subscriptions = subscriptions
        self._connected = connected
        self._reopening = reopening
        self._reconnect = reconnect
        self._on_stale = on_stale
        self._heard = heard  # the feed's last socket tick (None: every tick the sink sees)
        self.fill = fill  # a broker feed's REST fill (None: nothing to fill from)
        self._started = clock.now()
        self._last_at: datetime | None = None
        self._quiet = False  # in a quiet spell (told once)
        self._asked = 0  # reconnects asked for in this spell
        self._next_ask: datetime | None = None
        self.reconnects = 0  # since start-up

    def update(self, tick: Tick) -> None:
        """A tick arrived (its own time may lag; arrival is what tells the feed is alive).

        With `heard` the feed says when its socket ticked, and the sink's ticks (filled
        prices among them) are not counted."""
        del tick
        if self._heard is None:
            self._arrived(self._clock.now())

    def _arrived(self, at: datetime) -> None:
        self._last_at = at
        if self._quiet:
            log.info("%s feed: ticks are back", self.source)
        self._quiet, self._asked, self._next_ask = False, 0, None

    def _listen(self) -> None:
        """Take the feed's last socket tick (with `heard`) as an arrival if it is new."""
        at = self._heard() if self._heard is not None else None
        if at is not None and (self._last_at is None or at > self._last_at):
            self._arrived(at)

    def _in_hours(self, now: datetime) -> bool:
        try:
            return self._calendar.session_at(now) is Session.NORMAL
        except (KeyError, ValueError):  # past the holiday list: judge by nothing
            return False

    def _age(self, now: datetime) -> timedelta:
        return now - (self._last_at or self._started)

    def status(self) -> FeedStatus:
        """The feed's state now (read-only: `check` acts)."""
        now = self._clock.now()
        if not self._connected():
            state = FeedHealth.DOWN
        elif self._reopening() or (self._quiet and self._asked):
            state = FeedHealth.RECONNECTING
        else:
            state = FeedHealth.STALE if self._quiet else FeedHealth.LIVE
        last = self._heard() if self._heard is not None else self._last_at
        age = (now - last).total_seconds() if last else None
        fill = self.fill
        filled_at = fill.last_fill_at if fill is not None else None
        return FeedStatus(
            source=self.source,
            state=state,
            last_tick_age_secs=age,
            subscriptions=self._subscriptions(),
            stale_after_secs=self._stale_after.total_seconds(),
            reconnects=self.reconnects,
            filling_from=fill.filling_from if fill is not None else None,
            last_fill_age_secs=(now - filled_at).total_seconds() if filled_at else None,
        )

    async def check(self) -> FeedHealth:
        """Judge the feed: mark a quiet spell (telling once), ask for reconnects, and fill
        its prices from the REST quote while its socket is silent in market hours."""
        self._listen()
        state = await self._judge()
        fill = self.fill
        if fill is not None:
            now = self._clock.now()
            silent = self._in_hours(now) and self._age(now) >= self._stale_after
            if state is not FeedHealth.LIVE and silent:
                await fill.step()  # paced by itself; a failed call is logged there
            else:
                fill.stop()
        return state

    async def _judge(self) -> FeedHealth:
        now = self._clock.now()
        if not self._connected():
            return FeedHealth.DOWN
        if not self._in_hours(now) or self._age(now) < self._stale_after:
            if self._quiet and self._age(now) < self._stale_after:
                self._quiet = False
            return self.status().state
        if not self._quiet:
            self._quiet = True
            log.warning(
                "%s feed: no tick for %.0f s in market hours: stale, reconnecting",
                self.source,
                self._age(now).total_seconds(),
            )
            await asyncio.to_thread(self._on_stale, self.status())  # it writes the database
        if self._reopening():  # the client reconnects by itself, backing off: let it
            return FeedHealth.RECONNECTING
        if self._next_ask is None or now >= self._next_ask:
            self._asked += 1
            self.reconnects += 1
            wait = min(MAX_BACKOFF_SECS, 2.0**self._asked)
            self._next_ask = now + timedelta(seconds=wait)
            await self._reconnect()
        return self.status().state

    async def run(self, sleep: Callable[[float], Awaitable[None]], every_secs: float = 1.0) -> None:
        """Check on every beat until cancelled."""
        while True:
            try:
                await self.check()
            except Exception:  # a failed reconnect or notice must not stop the watch
                log.exception("%s feed watch: a check failed", self.source)
            await sleep(every_secs)
