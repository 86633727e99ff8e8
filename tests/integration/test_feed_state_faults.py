"""A broker socket the fake silences, seen from a process that does not run the feed: the
leader's watchdog judges the fake Kite's and Upstox's silent socket (`/_fake/ticker`,
`/_control/feed/silent`), publishes its verdict (`feed.shared_state`) on the in-process bus
or through Redis, and the other process answers the same state, ages and REST fill, and
marks the prices it holds by it (`FeedState.quiet`), until ticks return.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import anyio
import pytest

from tests.integration.test_feed_faults import OPEN, RIGS, Sleeper, _running
from tests.market import REDIS_URL, eventually, namespace, redis_up
from tradertape.bus import InProcessBus, RedisBus
from tradertape.domain.calendar_data import nse_calendar
from tradertape.feed.shared_state import FEED_STATE_TOPIC, FeedState, status_message
from tradertape.feed.watchdog import FeedHealth, FeedWatch
from tradertape.ports.bus import EventBus
from tradertape.ports.clock import ManualClock

pytestmark = pytest.mark.anyio


def _in_process() -> tuple[EventBus, EventBus]:
    bus = InProcessBus()
    return bus, bus


def _redis() -> tuple[EventBus, EventBus]:
    if not redis_up():
        pytest.skip(f"no Redis at {REDIS_URL}")
    shared = namespace()
    return RedisBus(REDIS_URL, namespace=shared), RedisBus(REDIS_URL, namespace=shared)


@pytest.fixture(
    params=[pytest.param(_in_process, id="in-process"), pytest.param(_redis, id="redis")]
)
async def buses(request: pytest.FixtureRequest) -> AsyncIterator[tuple[EventBus, EventBus]]:
    """The leader's bus and the other process's (one, in memory; two connections to Redis)."""
    make: Callable[[], tuple[EventBus, EventBus]] = request.param
    leader, other = make()
    yield leader, other
    await leader.close()
    if other is not leader:
        await other.close()


def _no_feed(clock: ManualClock) -> FeedWatch:
    """The watch of a process that runs no feed: down."""
    return FeedWatch(source="kite", clock=clock, calendar=nse_calendar(), connected=lambda: False)


async def _following(bus: EventBus, leader: EventBus, state: FeedState) -> asyncio.Task[None]:
    """The other process's follower, once its subscription hears (a probe a day old)."""
    task = asyncio.create_task(state.follow(bus))
    clock = ManualClock(OPEN - timedelta(days=1))
    none = _no_feed(clock)
    heard: list[bool] = []
    original = state.hear

    def hear(message: dict[str, Any]) -> None:
        heard.append(True)
        original(message)

    state.hear = hear  # type: ignore[method-assign]
    for _ in range(200):
        await leader.publish(FEED_STATE_TOPIC, status_message(none.status(), clock.now()))
        try:
            await eventually(lambda: bool(heard), limit_s=0.05)
            break
        except AssertionError:
            continue
    state.hear = original  # type: ignore[method-assign]
    assert heard, "the other process never subscribed"
    return task


@pytest.mark.parametrize("make", RIGS)
async def test_another_process_sees_the_silent_socket_as_the_leader_does(
    make: Any, buses: tuple[EventBus, EventBus]
):
    leader_bus, other_bus = buses
    clock = ManualClock(OPEN)
    sleep = Sleeper(clock)
    async with _running(make, clock, sleep) as run:
        rig, watch = run.rig, run.watch
        leader = FeedState(watch, clock=clock)
        leader.leading = True
        none = FeedWatch(
            source="kite", clock=clock, calendar=nse_calendar(), connected=lambda: False
        )
        other = FeedState(none, clock=clock)
        with anyio.fail_after(5):
            task = await _following(other_bus, leader_bus, other)
        try:
            await leader.publish(leader_bus)
            await eventually(lambda: other.shared().report_age_secs == 0.0)
            assert (other.status().state, other.quiet()) == (FeedHealth.LIVE, False)

            with anyio.fail_after(5):
                await rig.control("silent")
            await eventually(lambda: run.seen[0] == rig.sent())
            clock.advance(timedelta(seconds=11))  # silent in market hours past 10 s
            with anyio.fail_after(5):
                await watch.check()  # stale: a reconnect asked
            reported = watch.status()  # what the publish sends (nothing awaited between)
            await leader.publish(leader_bus)
            await eventually(lambda: other.status().state is FeedHealth.RECONNECTING)
            assert other.quiet()  # so its quotes of the socket's prices say stale
            assert other.status() == reported  # the same ages, source and REST fill
            assert reported.source == rig.feed.name

            # The new socket ticks: live again, and the other process hears so.
            seen = run.seen[0]
            await eventually(lambda: run.seen[0] > seen, limit_s=10)
            assert await watch.check() is FeedHealth.LIVE
            await leader.publish(leader_bus)
            await eventually(lambda: other.status().state is FeedHealth.LIVE)
            assert not other.quiet()
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
