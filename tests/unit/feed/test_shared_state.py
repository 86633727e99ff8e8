"""The feed's state in every process (`feed.shared_state`): the leader publishes its
watchdog's verdict each beat on the bus, in memory and through Redis; a process that does not
run the feed answers the last report, aged by the time since, and ``down`` once reports stop.

Two `FeedState`s stand for two processes: the leader's watches a Kite feed that went silent
in market hours; the follower's watches nothing (a process without the feed). With Redis each
has its own connection, as two processes would. Time is the injected clock; the leader's
beat sleeps through a sleeper that steps it, and nothing waits on wall time but the bus.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.market import REDIS_URL, eventually, namespace, redis_up
from tradertape.bus import InProcessBus, RedisBus
from tradertape.domain.calendar_data import nse_calendar
from tradertape.feed.shared_state import (
    FEED_STATE_TOPIC,
    REPORT_TTL_SECS,
    FeedState,
    status_message,
)
from tradertape.feed.watchdog import FeedHealth, FeedWatch
from tradertape.ports.bus import EventBus
from tradertape.ports.clock import IST, ManualClock
from tradertape.testkit import make_tick

pytestmark = pytest.mark.anyio

OPEN = datetime(2026, 11, 20, 10, 0, tzinfo=IST)  # a Friday, in the normal session


async def _no_reconnect() -> None:
    """The silent socket's reconnect (nothing to reopen here)."""


def _kite_watch(clock: ManualClock) -> FeedWatch:
    return FeedWatch(
        source="kite",
        clock=clock,
        calendar=nse_calendar(),
        subscriptions=lambda: 3,
        reconnect=_no_reconnect,
    )


def _no_feed(clock: ManualClock) -> FeedWatch:
    """A process with no feed of its own (``feed = "none"``): its watch is down."""
    return FeedWatch(source="kite", clock=clock, calendar=nse_calendar(), connected=lambda: False)


def _in_process() -> tuple[EventBus, EventBus]:
    bus = InProcessBus()
    return bus, bus


def _redis() -> tuple[EventBus, EventBus]:
    if not redis_up():
        pytest.skip(f"no Redis at {REDIS_URL}")
    shared = namespace()
    return RedisBus(REDIS_URL, namespace=shared), RedisBus(REDIS_URL, namespace=shared)


BUSES = [pytest.param(_in_process, id="in-process"), pytest.param(_redis, id="redis")]


class Beat:
    """The leader's injected sleep: each beat moves the clock and parks until `step`."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.beats = 0
        self._go = asyncio.Event()

    async def __call__(self, seconds: float) -> None:
        self.beats += 1
        await self._go.wait()
        self._go.clear()
        self.clock.advance(timedelta(seconds=seconds))

    def step(self) -> None:
        self._go.set()


async def _tasks(*tasks: asyncio.Task[None]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


@pytest.fixture
async def buses(request: pytest.FixtureRequest) -> AsyncIterator[tuple[EventBus, EventBus]]:
    make: Callable[[], tuple[EventBus, EventBus]] = request.param
    leader_bus, follower_bus = make()
    yield leader_bus, follower_bus
    await leader_bus.close()
    if follower_bus is not leader_bus:
        await follower_bus.close()


async def _subscribed(bus: EventBus, state: FeedState, clock: ManualClock) -> None:
    """Wait until `state` follows `bus` (a probe report reaches it), then forget the probe."""
    probe = status_message(_no_feed(clock).status(), clock.now() - timedelta(days=1))
    heard: list[dict[str, Any]] = []
    original = state.hear

    def spy(message: dict[str, Any]) -> None:
        heard.append(message)
        original(message)

    state.hear = spy  # type: ignore[method-assign]
    for _ in range(200):  # a Redis subscription takes a moment to be registered
        await bus.publish(FEED_STATE_TOPIC, probe)
        try:
            await eventually(lambda: bool(heard), limit_s=0.05)
            break
        except AssertionError:
            continue
    state.hear = original  # type: ignore[method-assign]
    assert heard, "the follower never subscribed"


@pytest.mark.parametrize("buses", BUSES, indirect=True)
async def test_a_process_without_the_feed_answers_the_leaders_state(
    buses: tuple[EventBus, EventBus],
):
    leader_bus, follower_bus = buses
    clock = ManualClock(OPEN)
    watch = _kite_watch(clock)
    watch.update(make_tick("NSE:INFY", "1500", ts=clock.now()))
    leader, follower = FeedState(watch, clock=clock), FeedState(_no_feed(clock), clock=clock)
    following = asyncio.create_task(follower.follow(follower_bus))
    try:
        await _subscribed(leader_bus, follower, clock)
        # Nothing reported yet (the probe is a day old): nobody known to run the feed.
        assert follower.shared().report_age_secs is None
        assert (follower.status().state, follower.quiet()) == (FeedHealth.DOWN, False)

        beat = Beat(clock)
        leading = asyncio.create_task(leader.run(leader_bus, beat))
        try:
            await eventually(lambda: beat.beats == 1)  # judged and published once: live
            assert leader.leading
            await eventually(lambda: follower.shared().report_age_secs == 0.0)
            assert follower.status() == leader.status()
            assert (follower.status().state, follower.quiet()) == (FeedHealth.LIVE, False)

            # Silent past 10 s in market hours: the leader judges it stale, reconnecting.
            clock.advance(timedelta(seconds=10))
            beat.step()  # the clock moves a second more, then the next beat judges
            await eventually(lambda: beat.beats == 2)
            await eventually(lambda: follower.status().state is FeedHealth.RECONNECTING)
            assert follower.quiet()
            status = follower.status()
            assert (status.source, status.last_tick_age_secs, status.subscriptions) == (
                "kite",
                11.0,
                3,
            )

            # Two seconds on without a new report: the follower ages the ages.
            clock.advance(timedelta(seconds=2))
            shared = follower.shared()
            assert (shared.report_age_secs, shared.status.last_tick_age_secs) == (2.0, 13.0)
            assert leader.shared().status.last_tick_age_secs == 13.0  # the leader's own: equal
        finally:
            await _tasks(leading)
        assert not leader.leading  # a stopped leader answers as any other process

        # No report for longer than the TTL: the leader is gone, nobody runs the feed.
        clock.advance(timedelta(seconds=REPORT_TTL_SECS))
        shared = follower.shared()
        assert (shared.status.state, shared.report_age_secs, follower.quiet()) == (
            FeedHealth.DOWN,
            None,
            False,
        )
    finally:
        await _tasks(following)


def test_a_late_or_malformed_report_is_not_taken():
    clock = ManualClock(OPEN)
    state = FeedState(_no_feed(clock), clock=clock)
    leader = _kite_watch(clock)
    state.hear(status_message(leader.status(), clock.now()))
    assert state.status().state is FeedHealth.LIVE

    stale = status_message(leader.status(), clock.now() - timedelta(seconds=1))
    stale["state"] = "stale"
    state.hear(stale)  # an older report, delivered late
    assert state.status().state is FeedHealth.LIVE
    for broken in ({"at": "yesterday"}, {**stale, "state": "lost"}, {}):
        state.hear(broken)
    assert state.status().state is FeedHealth.LIVE
    naive = {**status_message(leader.status(), clock.now()), "at": "2026-11-20T10:00:01"}
    state.hear(naive)
    assert state.shared().report_age_secs == 0.0
