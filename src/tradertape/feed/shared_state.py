"""The feed's state as every process sees it, not only the one that runs the feed.

Only the leader (the process holding the database's lease, `jobs.trading.market`) runs the
feed and its watchdog (`feed.watchdog.FeedWatch`); every other process (more API processes,
the worker API's, whatever the agent asks) would answer `GET /api/market/feed` from a watch
of a feed it never runs: ``live`` for a simulated one whatever happens, ``down`` for a
broker's. So the leader publishes its watchdog's verdict on the bus on every beat
(``feed.state``; in memory in one process, through Redis between processes), and each other
process keeps the last report it heard and answers that, aged by the time since.

A report says when it was made (``at``, wall time): a follower adds the time since to the
tick and fill ages, so two processes asked at the same instant answer the same ages. A
report older than `REPORT_TTL_SECS` means the leader stopped publishing (it died, or its
loop is wedged): nobody runs the feed, and the state is ``down``; so is a process that has
heard nothing yet. Everything that marks a price as stale (the paper exchange's MARKET fill
note, the worker quotes' ``is_stale``) asks `FeedState.quiet`, so they agree too.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from tradertape.feed.watchdog import FeedHealth, FeedStatus, FeedWatch
from tradertape.ports.bus import EventBus
from tradertape.ports.clock import Clock

log = logging.getLogger("tradertape.feed")

FEED_STATE_TOPIC = "feed.state"
#: A report older than this (the leader publishes every second) means nobody runs the feed.
REPORT_TTL_SECS = 15.0


def status_message(status: FeedStatus, at: datetime) -> dict[str, Any]:
    """The bus message of the watchdog's verdict `status`, made at `at` (wall time)."""
    return {
        "at": at.isoformat(),
        "source": status.source,
        "state": status.state.value,
        "last_tick_age_secs": status.last_tick_age_secs,
        "subscriptions": status.subscriptions,
        "stale_after_secs": status.stale_after_secs,
        "reconnects": status.reconnects,
        "filling_from": status.filling_from,
        "last_fill_age_secs": status.last_fill_age_secs,
    }


def _age(value: Any) -> float | None:
    return None if value is None else float(value)


def status_of_message(message: dict[str, Any]) -> tuple[datetime, FeedStatus]:
    """When a report was made and what it says (inverse of `status_message`).

    Raises
    ------
    KeyError, ValueError, TypeError
        The message is not a feed report.
    """
    at = datetime.fromisoformat(message["at"])
    if at.tzinfo is None:
        raise ValueError("a feed report's time must be timezone-aware")
    filling = message.get("filling_from")
    return at, FeedStatus(
        source=str(message["source"]),
        state=FeedHealth(message["state"]),
        last_tick_age_secs=_age(message["last_tick_age_secs"]),
        subscriptions=int(message["subscriptions"]),
        stale_after_secs=float(message["stale_after_secs"]),
        reconnects=int(message["reconnects"]),
        filling_from=str(filling) if filling is not None else None,
        last_fill_age_secs=_age(message.get("last_fill_age_secs")),
    )


@dataclass(frozen=True, slots=True)
class SharedStatus:
    """The feed's state as this process answers it, and how old the report is (0: this
    process runs the feed; None: no report heard, or too old to trust)."""

    status: FeedStatus
    report_age_secs: float | None


class FeedState:
    """The feed's state in every process: the leader's own watch, elsewhere its last report."""

    def __init__(
        self,
        watch: FeedWatch,
        *,
        clock: Clock,
        ttl_secs: float = REPORT_TTL_SECS,
    ) -> None:
        self._watch = watch
        self._clock = clock
        self._ttl = ttl_secs
        self.leading = False  # this process runs the feed and its watch (`run`)
        self._report: tuple[datetime, FeedStatus] | None = None

    def hear(self, message: dict[str, Any]) -> None:
        """Keep the leader's report (a newer one than held; a malformed one is dropped)."""
        try:
            at, status = status_of_message(message)
        except (KeyError, ValueError, TypeError):
            log.warning("dropped a malformed feed report")
            return
        if self._report is None or at >= self._report[0]:
            self._report = (at, status)

    def shared(self) -> SharedStatus:
        """The state this process answers: its own watch's while it leads; else the last
        report, aged by the time since it was made; ``down`` without a fresh one."""
        if self.leading:
            return SharedStatus(self._watch.status(), 0.0)
        report = self._report
        if report is not None:
            at, status = report
            since = max(0.0, (self._clock.now() - at).total_seconds())
            if since <= self._ttl:
                return SharedStatus(_aged(status, since), since)
        own = self._watch.status()
        down = FeedStatus(
            source=own.source,
            state=FeedHealth.DOWN,
            last_tick_age_secs=None,
            subscriptions=0,
            stale_after_secs=own.stale_after_secs,
            reconnects=0,
        )
        return SharedStatus(down, None)

    def status(self) -> FeedStatus:
        """`shared`'s state alone."""
        return self.shared().status

    def quiet(self) -> bool:
        """Whether the feed is known to have gone quiet (stale, reconnecting, or a running
        feed that is down): its last prices are old. Nothing is known without a feed in the
        deployment's leader (no report), and a price's own age says the rest."""
        shared = self.shared()
        if shared.report_age_secs is None:
            return False
        return shared.status.state is not FeedHealth.LIVE

    async def publish(self, bus: EventBus) -> None:
        """Publish this process's watch verdict (a failed publish is logged: the next beat
        publishes again)."""
        message = status_message(self._watch.status(), self._clock.now())
        try:
            await bus.publish(FEED_STATE_TOPIC, message)
        except Exception:  # the bus unreachable (a Redis restart): the next beat is due soon
            log.exception("publishing the feed's state failed")

    async def run(
        self,
        bus: EventBus,
        sleep: Callable[[float], Awaitable[None]],
        every_secs: float = 1.0,
    ) -> None:
        """The leader's beat: judge the feed (`FeedWatch.check`) and publish the verdict,
        every `every_secs`, until cancelled."""
        self.leading = True
        try:
            while True:
                try:
                    await self._watch.check()
                except Exception:  # a failed reconnect or notice must not stop the watch
                    log.exception("%s feed watch: a check failed", self._watch.source)
                await self.publish(bus)
                await sleep(every_secs)
        finally:
            self.leading = False

    async def follow(self, bus: EventBus) -> None:
        """Keep the leader's reports, until cancelled (a process that does not lead)."""
        subscription = await bus.subscribe(FEED_STATE_TOPIC)
        try:
            async for _topic, message in subscription:
                self.hear(message)
        finally:
            await subscription.close()


def _aged(status: FeedStatus, since: float) -> FeedStatus:
    """`status` as it reads `since` seconds after it was reported."""
    return replace(
        status,
        last_tick_age_secs=_plus(status.last_tick_age_secs, since),
        last_fill_age_secs=_plus(status.last_fill_age_secs, since),
    )


def _plus(age: float | None, since: float) -> float | None:
    return None if age is None else age + since
