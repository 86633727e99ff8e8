"""A broker feed stops when its task is cancelled, whatever state its socket is in (issue 54).

The server cancels the feed's task at shutdown and tests cancel it at teardown; a feed that
swallowed the cancel kept a dead process (or a test run) waiting. Each state the fakes can
drive is cancelled here and the task must end within a few seconds of wall time (asyncio
timeouts, nothing slept): connecting, live, silent, reconnecting with back-off, down after a
403, and while a REST fill of its prices is in flight.

The live case is also pinned exactly: a frame that arrives in the same turn of the loop as
the cancel. Python 3.11's `asyncio.wait_for` returned such a frame and dropped the cancel,
so the Kite ticker client read on for ever; a fake connection makes that turn happen every
time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import anyio
import pytest

from tests.integration.test_feed_faults import OPEN, RIGS, Rig, Sleeper
from tests.market import eventually
from tradertape.bus.memory import InProcessBus
from tradertape.domain.calendar_data import nse_calendar
from tradertape.feed.broker_feed import FeedLink
from tradertape.feed.kite import KiteFeed
from tradertape.feed.rest_fill import RestFill
from tradertape.feed.upstox import UpstoxFeed
from tradertape.ports.clock import ManualClock
from tradertape.wiring.market import watch_feed
from tradertape_brokers.kite_ticker.client import KiteTickerClient

pytestmark = pytest.mark.anyio

#: Wall seconds a cancelled feed may take to end (it needs a few turns of the loop).
PROMPT_S = 3.0


async def _ends_promptly(task: asyncio.Task[Any]) -> None:
    """Cancel `task` and assert it ends within `PROMPT_S` (a swallowed cancel fails here;
    the task is then cancelled again so the test's teardown is not held by it)."""
    task.cancel()
    try:
        with anyio.fail_after(PROMPT_S):
            await asyncio.gather(task, return_exceptions=True)
    except TimeoutError:
        for _ in range(50):  # best effort, then report what hung
            if task.done():
                break
            task.cancel()
            await asyncio.sleep(0.01)
        pytest.fail(f"the cancelled feed is still running: {task.get_stack()!r}")
    assert task.cancelled(), task


@contextlib.asynccontextmanager
async def _feed(make: Any, fill: bool = False) -> AsyncIterator[tuple[Rig, Sleeper]]:
    clock = ManualClock(OPEN)
    sleep = Sleeper(clock)
    async with make(clock, sleep, InProcessBus(), fill) as rig:
        yield rig, sleep


def _start(rig: Rig) -> asyncio.Task[None]:
    return asyncio.create_task(rig.feed.run())


async def _live(rig: Rig) -> None:
    await eventually(lambda: rig.feed.link is FeedLink.OPEN and rig.feed.published > 0, 10)


@pytest.mark.parametrize("make", RIGS)
async def test_a_connecting_feed_stops(make: Any) -> None:
    async with _feed(make) as (rig, _sleep):
        for turns in (0, 1, 3, 10, 30):  # cancelled at successive points of its opening
            task = _start(rig)
            for _ in range(turns):
                await asyncio.sleep(0)
            await _ends_promptly(task)
            assert rig.feed.client is None


@pytest.mark.parametrize("make", RIGS)
async def test_a_live_feed_stops(make: Any) -> None:
    async with _feed(make) as (rig, _sleep):
        for _ in range(5):  # ticking every 10 ms: cancels land among frames
            task = _start(rig)
            await _live(rig)
            await _ends_promptly(task)
            assert rig.feed.link is not FeedLink.OPEN


@pytest.mark.parametrize("make", RIGS)
async def test_a_silent_feed_stops(make: Any) -> None:
    async with _feed(make) as (rig, _sleep):
        task = _start(rig)
        await _live(rig)
        assert (await rig.control("silent"))["silent"] == 1
        await _ends_promptly(task)


@pytest.mark.parametrize("make", RIGS)
async def test_a_feed_backing_off_between_reconnects_stops(make: Any) -> None:
    async with _feed(make) as (rig, sleep):
        task = _start(rig)
        await _live(rig)
        sleep.hold()  # the client's back-off wait parks
        await rig.control("refuse")  # dropped, and the next handshake...
        await rig.control("allow")  # ...taken, once the back-off is over
        await eventually(lambda: sleep.parked > 0)
        assert rig.feed.link is FeedLink.CONNECTING
        await _ends_promptly(task)
        sleep.release()


@pytest.mark.parametrize("make", RIGS)
async def test_a_feed_down_after_a_403_stops(make: Any) -> None:
    async with _feed(make) as (rig, sleep):
        task = _start(rig)
        await _live(rig)
        await rig.control("refuse")
        await eventually(lambda: rig.feed.link is FeedLink.REFUSED, 10)
        sleep.hold()  # the feed waits its refusal back-off
        await eventually(lambda: sleep.parked > 0)
        await _ends_promptly(task)
        sleep.release()


@pytest.mark.parametrize("make", RIGS)
async def test_a_feed_stops_while_its_prices_are_filled_from_rest(make: Any) -> None:
    async with _feed(make, fill=True) as (rig, sleep):
        clock, feed = sleep.clock, rig.feed
        assert isinstance(feed, KiteFeed | UpstoxFeed)
        watch = watch_feed(
            feed, feed.name, clock=clock, calendar=nse_calendar(), on_stale=lambda _: None
        )
        task = _start(rig)
        await _live(rig)
        await rig.control("silent")
        await watch.check()
        clock.advance(timedelta(seconds=11))
        fill = watch.fill
        assert isinstance(fill, RestFill)
        # Stale: a reconnect asked, then the quote call, which runs in a thread.
        check = asyncio.create_task(watch.check())
        await eventually(lambda: fill.calls > 0)
        await _ends_promptly(task)
        with anyio.fail_after(PROMPT_S * 2):
            await check  # the fill in flight finishes (or fails) by itself, never raised


class _Connection:
    """A websockets connection whose every frame arrives in the turn its reader is cancelled."""

    def __init__(self, cancel: Callable[[], None]) -> None:
        self._cancel = cancel
        self.reads = 0

    async def send(self, _message: str) -> None:
        return None

    async def recv(self) -> bytes:
        self.reads += 1
        if self.reads > 1:
            await asyncio.Event().wait()  # nothing more comes: only the cancel ends this
        self._cancel()  # the cancel lands while this frame completes the read
        return b"\x00"  # a heartbeat

    async def close(self) -> None:
        return None


async def test_a_frame_arriving_with_the_cancel_does_not_keep_the_ticker_reading(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import websockets.asyncio.client as ws_client

    task: asyncio.Task[None] | None = None

    def cancel() -> None:
        assert task is not None
        task.cancel()

    connection = _Connection(cancel)

    @contextlib.asynccontextmanager
    async def connect(*_args: Any, **_kwargs: Any) -> AsyncIterator[_Connection]:
        yield connection

    monkeypatch.setattr(ws_client, "connect", connect)

    async def packets(_packets: Any) -> None:
        return None

    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        await asyncio.sleep(0)

    client = KiteTickerClient(api_key="k", access_token="t", on_packets=packets, sleep=sleep)
    task = asyncio.create_task(client.run())
    try:
        with anyio.fail_after(PROMPT_S):
            await asyncio.gather(task, return_exceptions=True)
    finally:
        task.cancel()
    assert task.cancelled()
