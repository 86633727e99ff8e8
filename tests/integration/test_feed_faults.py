"""A broker socket that goes silent, drops or is refused (403), end to end: the fake Kite's
and the fake Upstox's socket controls drive the server's broker feed, and the feed watchdog
(`runtime.watch_feed`, as the server wires it) reads each state on the injected clock.

- silent: the socket stays open (Kite still heartbeats) with no tick → stale after 10 s in
  market hours → the watchdog's reconnect opens a new socket, which ticks → live;
- drop: the broker's client reopens the socket by itself, backing off → reconnecting → live;
- 403: the handshake is refused → down, tried again with back-off (a handful of handshakes
  in twenty minutes, not one every wait) → live once the broker takes sockets again.

Every wait the feed and its client ask for goes through `Sleeper`, which moves the clock by
it: no test waits on wall time.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.kite_ticker_kit import serving
from tests.market import eventually
from tests.upstox_feed_kit import INFY as UPSTOX_INFY
from tests.upstox_feed_kit import mint_token
from tradertape.bus.memory import InProcessBus
from tradertape.domain.calendar_data import nse_calendar
from tradertape.fakebrokers.kite import DEFAULT_API_KEY, DEFAULT_API_SECRET, FakeKite
from tradertape.fakebrokers.kite import create_app as create_kite
from tradertape.fakebrokers.upstox import create_app as create_upstox
from tradertape.feed.broker_feed import BrokerFeed, FeedLink
from tradertape.feed.codec import tick_from_message
from tradertape.feed.kite import KiteFeed, KiteFeedConfig, KiteLogin
from tradertape.feed.upstox import FeedInstrument, UpstoxFeed, UpstoxFeedConfig, UpstoxFeedLogin
from tradertape.feed.watchdog import FeedHealth, FeedStatus, FeedWatch
from tradertape.ports.clock import IST, ManualClock
from tradertape.runtime import watch_feed

pytestmark = pytest.mark.anyio

OPEN = datetime(2026, 11, 20, 10, 0, tzinfo=IST)  # a Friday, in the normal session
KITE_INFY = 408065
WAIT_SECS = 30.0  # the feed's look for a session, as configured in the server


class Sleeper:
    """The injected sleep of the feed and its client: each wait moves the clock by its length
    and returns at once, unless held (then it parks until released)."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.waits: list[float] = []
        self.parked = 0
        self._open = asyncio.Event()
        self._open.set()
        self.until: datetime | None = None  # hold every wait from this instant on

    def hold(self) -> None:
        self._open.clear()

    def release(self) -> None:
        self.until = None
        self._open.set()

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.clock.advance(timedelta(seconds=seconds))
        if self.until is not None and self.clock.now() >= self.until:
            self._open.clear()
        if not self._open.is_set():
            self.parked += 1
            try:
                await self._open.wait()
            finally:
                self.parked -= 1
        await asyncio.sleep(0)  # a turn of the loop, as a real sleep gives


@dataclass
class Rig:
    """One broker's fake and the server's feed of it, with the fake's socket controls."""

    feed: BrokerFeed[Any, Any, Any, Any]
    control: Callable[[str], Awaitable[dict[str, Any]]]  # silent | drop | refuse | allow
    state: Callable[[], Awaitable[dict[str, Any]]]
    sent: Callable[[], int]  # ticks the fake has sent


class Source:
    """A hand-set feed source: one session, one instrument."""

    def __init__(self, login: object, instruments: Mapping[Any, Any]) -> None:
        self._login, self._instruments = login, instruments

    def login(self) -> Any:
        return self._login

    def instruments(self) -> Mapping[Any, Any]:
        return self._instruments


def _kite_token(kite: FakeKite) -> str:
    _app, request_token = kite.sessions.login(DEFAULT_API_KEY)
    checksum = hashlib.sha256(
        (DEFAULT_API_KEY + request_token + DEFAULT_API_SECRET).encode()
    ).hexdigest()
    session = kite.sessions.exchange(
        api_key=DEFAULT_API_KEY, request_token=request_token, checksum=checksum, now=kite.now()
    )
    token: str = session["access_token"]
    return token


@contextlib.asynccontextmanager
async def _kite(clock: ManualClock, sleep: Sleeper, bus: InProcessBus) -> AsyncIterator[Rig]:
    app = create_kite(clock=clock.now, ticker_interval_secs=0.01)
    login = KiteLogin(user_id=1, api_key=DEFAULT_API_KEY, access_token=_kite_token(app.state.kite))
    source = Source(login, {KITE_INFY: "NSE:INFY"})
    async with (
        serving(app) as root,
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://fake") as http,
    ):
        config = KiteFeedConfig(url=f"{root}/ws", wait_secs=WAIT_SECS)
        feed = KiteFeed(bus=bus, clock=clock, source=source, config=config, sleep=sleep)

        async def control(fault: str) -> dict[str, Any]:
            answer = await http.post("/_fake/ticker", json={"fault": fault})
            assert answer.status_code == 200, answer.text
            body: dict[str, Any] = answer.json()
            return body

        async def state() -> dict[str, Any]:
            body: dict[str, Any] = (await http.get("/_fake/ticker")).json()
            return body

        yield Rig(feed, control, state, lambda: app.state.ticker.packets_sent)


@contextlib.asynccontextmanager
async def _upstox(clock: ManualClock, sleep: Sleeper, bus: InProcessBus) -> AsyncIterator[Rig]:
    app = create_upstox(now=clock.now, feed_interval_secs=0.01)
    login = UpstoxFeedLogin(user_id=1, access_token=mint_token(app))
    source = Source(login, {UPSTOX_INFY: FeedInstrument("NSE:INFY", 7457281)})
    async with (
        serving(app) as root,
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://fake") as http,
    ):
        config = UpstoxFeedConfig(root=root.replace("ws://", "http://"), wait_secs=WAIT_SECS)
        feed = UpstoxFeed(bus=bus, clock=clock, source=source, config=config, sleep=sleep)

        async def control(fault: str) -> dict[str, Any]:
            answer = await http.post(f"/_control/feed/{fault}")
            assert answer.status_code == 200, answer.text
            body: dict[str, Any] = answer.json()
            return body

        async def state() -> dict[str, Any]:
            body: dict[str, Any] = (await http.get("/_control/feed")).json()
            return body

        yield Rig(feed, control, state, lambda: app.state.feed.feeds_sent)


RIGS = [pytest.param(_kite, id="kite"), pytest.param(_upstox, id="upstox")]


def _link(rig: Rig) -> FeedLink:
    """The feed's link now (a call, so a type checker does not hold an earlier read)."""
    return rig.feed.link


@dataclass
class Running:
    rig: Rig
    watch: FeedWatch
    told: list[FeedStatus]
    seen: list[int]  # ticks the watchdog saw


@contextlib.asynccontextmanager
async def _running(make: Any, clock: ManualClock, sleep: Sleeper) -> AsyncIterator[Running]:
    """The feed running, its ticks reaching the watchdog (as the trading loop's sink does)."""
    bus = InProcessBus()
    told: list[FeedStatus] = []
    seen = [0]
    async with make(clock, sleep, bus) as rig:
        watch = watch_feed(
            rig.feed, rig.feed.name, clock=clock, calendar=nse_calendar(), on_stale=told.append
        )
        ticks = await bus.subscribe("ticks.*")

        async def sink() -> None:
            async for _topic, message in ticks:
                watch.update(tick_from_message(message))
                seen[0] += 1

        tasks = [asyncio.create_task(rig.feed.run()), asyncio.create_task(sink())]
        try:
            await eventually(lambda: seen[0] > 0 and rig.feed.link is FeedLink.OPEN, limit_s=10)
            assert await watch.check() is FeedHealth.LIVE
            yield Running(rig, watch, told, seen)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await ticks.close()
            await bus.close()


@pytest.mark.parametrize("make", RIGS)
async def test_a_silent_socket_is_stale_then_reconnected_and_live_again(make: Any):
    clock = ManualClock(OPEN)
    sleep = Sleeper(clock)
    async with _running(make, clock, sleep) as run:
        rig, watch = run.rig, run.watch
        assert (await rig.control("silent"))["silent"] == 1
        # Every tick the fake sent before it went quiet has reached the watchdog.
        await eventually(lambda: run.seen[0] == rig.sent())
        assert rig.feed.link is FeedLink.OPEN  # connected: nothing but the ticks says it

        clock.advance(timedelta(seconds=9))
        assert await watch.check() is FeedHealth.LIVE
        clock.advance(timedelta(seconds=2))  # 11 s without a tick in market hours
        before = (await rig.state())["connections_opened"]
        assert await watch.check() is FeedHealth.RECONNECTING  # stale, a reconnect asked
        assert [s.state for s in run.told] == [FeedHealth.STALE]
        assert watch.reconnects == 1

        # The new socket (resubscribed) ticks: live again.
        seen = run.seen[0]
        await eventually(lambda: run.seen[0] > seen, limit_s=10)
        assert (await rig.state())["connections_opened"] == before + 1
        assert await watch.check() is FeedHealth.LIVE
        assert watch.status().last_tick_age_secs == 0.0
        assert len(run.told) == 1  # told once per quiet spell


@pytest.mark.parametrize("make", RIGS)
async def test_a_dropped_socket_is_reconnecting_until_the_client_reopens_it(make: Any):
    clock = ManualClock(OPEN)
    sleep = Sleeper(clock)
    async with _running(make, clock, sleep) as run:
        rig, watch = run.rig, run.watch
        sleep.hold()  # the client's back-off wait parks here
        assert (await rig.control("drop"))["connections"] == 1
        await eventually(lambda: sleep.parked == 1)
        assert rig.feed.link is FeedLink.CONNECTING
        assert await watch.check() is FeedHealth.RECONNECTING
        assert watch.status().state is FeedHealth.RECONNECTING
        assert watch.reconnects == 0  # the client backs off by itself: nothing asked of it
        assert sleep.waits == [1.0]  # its first back-off

        seen = run.seen[0]
        sleep.release()
        await eventually(lambda: run.seen[0] > seen, limit_s=10)
        assert await watch.check() is FeedHealth.LIVE
        assert run.told == []  # back within a second: never stale


@pytest.mark.parametrize("make", RIGS)
async def test_a_refused_socket_is_down_with_back_off_then_live_when_allowed(make: Any):
    clock = ManualClock(OPEN)
    sleep = Sleeper(clock)
    async with _running(make, clock, sleep) as run:
        rig, watch = run.rig, run.watch
        start = clock.now()
        sleep.until = start + timedelta(minutes=20)  # twenty minutes of maintenance, then hold
        assert (await rig.control("refuse"))["refusing"] is True
        await eventually(lambda: sleep.parked == 1, limit_s=20)
        assert rig.feed.link is FeedLink.REFUSED
        assert await watch.check() is FeedHealth.DOWN
        # Tried again after 30 s, 60 s, 120 s, 240 s, 480 s: not once a wait (40 times).
        refused = (await rig.state())["handshakes_refused"]
        assert refused == rig.feed.handshakes_refused
        assert 4 <= refused <= 6
        assert sleep.waits.count(WAIT_SECS) >= 30  # the feed looked every 30 s meanwhile

        await rig.control("allow")
        seen = run.seen[0]
        sleep.release()
        await eventually(lambda: run.seen[0] > seen, limit_s=20)
        assert _link(rig) is FeedLink.OPEN
        assert await watch.check() is FeedHealth.LIVE
        assert (await rig.state())["handshakes_refused"] == refused  # no more refusals


async def test_an_unknown_socket_fault_is_a_400_naming_the_field():
    app = create_kite()
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://fake") as http:
        answer = await http.post("/_fake/ticker", json={"fault": "flaky"})
        assert answer.status_code == 400
        assert answer.json()["detail"].startswith("fault: one of silent, drop, refuse, allow")
        state = (await http.get("/_fake/ticker")).json()
        assert (state["refusing"], state["connections"]) == (False, 0)
        assert (await http.post("/_fake/ticker", json={"fault": "refuse"})).json()["refusing"]
        assert (await http.post("/_fake/ticker", json={"fault": "allow"})).json()[
            "refusing"
        ] is False
