"""A broker socket that goes silent, drops or is refused (403), end to end: the fake Kite's
and the fake Upstox's socket controls drive the server's broker feed, and the feed watchdog
(`runtime.watch_feed`, as the server wires it) reads each state on the injected clock.

- silent: the socket stays open (Kite still heartbeats) with no tick → stale after 10 s in
  market hours → the watchdog's reconnect opens a new socket, which ticks → live;
- drop: the broker's client reopens the socket by itself, backing off → reconnecting → live;
- 403: the handshake is refused → down, tried again with back-off (a handful of handshakes
  in twenty minutes, not one every wait) → live once the broker takes sockets again.

While the socket is quiet in market hours the feed's prices are filled from the fake's REST
quote through the broker adapter (`feed.rest_fill`), paced, until ticks return; a failing
quote call is logged and tried again later, never raised into the feed.

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
from decimal import Decimal
from functools import partial
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
from tradertape.fakebrokers.kite.faults import Fault
from tradertape.fakebrokers.upstox import create_app as create_upstox
from tradertape.feed.broker_feed import BrokerFeed, FeedLink
from tradertape.feed.codec import tick_from_message
from tradertape.feed.kite import KiteFeed, KiteFeedConfig, KiteLogin, kite_quotes
from tradertape.feed.rest_fill import FILL_EVERY_SECS, QuoteReader, RestFill
from tradertape.feed.upstox import (
    FeedInstrument,
    UpstoxFeed,
    UpstoxFeedConfig,
    UpstoxFeedLogin,
    upstox_quotes,
)
from tradertape.feed.watchdog import FeedHealth, FeedStatus, FeedWatch
from tradertape.ports.clock import IST, ManualClock
from tradertape.wiring.market import watch_feed
from tradertape_brokers.kite.adapter import KiteBroker
from tradertape_brokers.kite.limits import KITE_LIMITS, Backoff, RateLimiter

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
    price: Callable[[Decimal], Awaitable[None]]  # move NSE:INFY's price at the fake
    break_quotes: Callable[[int], Awaitable[None]]  # the next n REST quote calls answer 500


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


def _kite_quotes(root: str, clock: ManualClock) -> Callable[[KiteLogin, Any], QuoteReader]:
    """The Kite adapter against the fake, its quote pacing on the injected clock (the fill's
    own pacing keeps its calls seconds apart there; wall time would make it wait)."""

    def reader(login: KiteLogin, wanted: Any) -> QuoteReader:
        limiter = RateLimiter(KITE_LIMITS, monotonic=lambda: clock.now().timestamp())
        return KiteBroker(
            api_key=login.api_key,
            access_token=login.access_token,
            root=root,
            limiter=limiter,
            backoff=Backoff(attempts=1),
        )

    return reader


@contextlib.asynccontextmanager
async def _kite(
    clock: ManualClock, sleep: Sleeper, bus: InProcessBus, fill: bool = False
) -> AsyncIterator[Rig]:
    app = create_kite(clock=clock.now, ticker_interval_secs=0.01)
    kite: FakeKite = app.state.kite
    login = KiteLogin(user_id=1, api_key=DEFAULT_API_KEY, access_token=_kite_token(kite))
    source = Source(login, {KITE_INFY: "NSE:INFY"})
    async with (
        serving(app) as root,
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://fake") as http,
    ):
        config = KiteFeedConfig(url=f"{root}/ws", wait_secs=WAIT_SECS)
        rest = root.replace("ws://", "http://")
        quotes = _kite_quotes(rest, clock) if fill else None
        feed = KiteFeed(
            bus=bus, clock=clock, source=source, config=config, sleep=sleep, quotes=quotes
        )

        async def control(fault: str) -> dict[str, Any]:
            answer = await http.post("/_fake/ticker", json={"fault": fault})
            assert answer.status_code == 200, answer.text
            body: dict[str, Any] = answer.json()
            return body

        async def state() -> dict[str, Any]:
            body: dict[str, Any] = (await http.get("/_fake/ticker")).json()
            return body

        async def price(to: Decimal) -> None:
            kite.set_price("NSE:INFY", to)

        async def break_quotes(count: int) -> None:
            kite.faults.arm(Fault("500", count=count, method="GET", path_prefix="/quote"))

        yield Rig(feed, control, state, lambda: app.state.ticker.packets_sent, price, break_quotes)


@contextlib.asynccontextmanager
async def _upstox(
    clock: ManualClock, sleep: Sleeper, bus: InProcessBus, fill: bool = False
) -> AsyncIterator[Rig]:
    app = create_upstox(now=clock.now, feed_interval_secs=0.01)
    login = UpstoxFeedLogin(user_id=1, access_token=mint_token(app))
    source = Source(login, {UPSTOX_INFY: FeedInstrument("NSE:INFY", 7457281)})
    async with (
        serving(app) as root,
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://fake") as http,
    ):
        rest = root.replace("ws://", "http://")
        config = UpstoxFeedConfig(root=rest, wait_secs=WAIT_SECS)
        quotes = upstox_quotes(rest, timeout_secs=5.0) if fill else None
        feed = UpstoxFeed(
            bus=bus, clock=clock, source=source, config=config, sleep=sleep, quotes=quotes
        )

        async def control(fault: str) -> dict[str, Any]:
            answer = await http.post(f"/_control/feed/{fault}")
            assert answer.status_code == 200, answer.text
            body: dict[str, Any] = answer.json()
            return body

        async def state() -> dict[str, Any]:
            body: dict[str, Any] = (await http.get("/_control/feed")).json()
            return body

        async def price(to: Decimal) -> None:
            answer = await http.post("/_control/prices", json={UPSTOX_INFY: str(to)})
            assert answer.status_code == 200, answer.text

        async def break_quotes(count: int) -> None:
            fault = {"kind": "500", "count": count, "path": "/v2/market-quote"}
            assert (await http.post("/_control/faults", json=fault)).status_code == 200

        yield Rig(feed, control, state, lambda: app.state.feed.feeds_sent, price, break_quotes)


RIGS = [pytest.param(_kite, id="kite"), pytest.param(_upstox, id="upstox")]


def _heard_since(rig: Rig, heard: datetime | None) -> bool:
    """Whether the feed's socket ticked since `heard` (a filled price does not count)."""
    return rig.feed.heard_at != heard


def _link(rig: Rig) -> FeedLink:
    """The feed's link now (a call, so a type checker does not hold an earlier read)."""
    return rig.feed.link


@dataclass
class Running:
    rig: Rig
    watch: FeedWatch
    told: list[FeedStatus]
    seen: list[int]  # ticks the watchdog saw
    prices: list[Decimal]  # NSE:INFY's price of each tick on the bus
    sources: list[str | None]  # and where it came from ("rest": the REST quote's fill)
    bus: InProcessBus


@contextlib.asynccontextmanager
async def _running(
    make: Any, clock: ManualClock, sleep: Sleeper, fill: bool = False
) -> AsyncIterator[Running]:
    """The feed running, its ticks reaching the watchdog (as the trading loop's sink does),
    every tick on the bus kept in `Running.prices` (the quote book's view)."""
    bus = InProcessBus()
    told: list[FeedStatus] = []
    seen = [0]
    prices: list[Decimal] = []
    sources: list[str | None] = []
    async with make(clock, sleep, bus, fill) as rig:
        watch = watch_feed(
            rig.feed, rig.feed.name, clock=clock, calendar=nse_calendar(), on_stale=told.append
        )
        ticks = await bus.subscribe("ticks.*")

        async def sink() -> None:
            async for _topic, message in ticks:
                tick = tick_from_message(message)
                watch.update(tick)
                prices.append(tick.last_price)
                sources.append(tick.source)
                seen[0] += 1

        tasks = [asyncio.create_task(rig.feed.run()), asyncio.create_task(sink())]
        try:
            await eventually(lambda: seen[0] > 0 and rig.feed.link is FeedLink.OPEN, limit_s=10)
            assert await watch.check() is FeedHealth.LIVE
            yield Running(rig, watch, told, seen, prices, sources, bus)
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


@pytest.mark.parametrize("make", RIGS)
async def test_a_quiet_socket_has_its_prices_filled_from_the_rest_quote_until_ticks_return(
    make: Any,
):
    clock = ManualClock(OPEN)
    sleep = Sleeper(clock)
    async with _running(make, clock, sleep, fill=True) as run:
        rig, watch = run.rig, run.watch
        fill = watch.fill
        assert isinstance(fill, RestFill)
        sleep.hold()  # the dropped socket's client waits out its back-off here: quiet
        await rig.control("drop")
        await eventually(lambda: sleep.parked == 1)
        assert await watch.check() is FeedHealth.RECONNECTING
        assert fill.calls == 0  # quiet for a second only: the last prices are fresh

        clock.advance(timedelta(seconds=11))  # silent past 10 s in market hours
        await rig.price(Decimal("1600.05"))
        seen = run.seen[0]
        assert await watch.check() is FeedHealth.RECONNECTING  # still not live
        assert fill.calls == 1
        await eventually(lambda: run.seen[0] > seen)
        assert run.prices[-1] == Decimal("1600.05")  # the fake's REST quote, on the bus
        assert run.sources[-1] == "rest"  # and marked so: quotes say where it came from
        status = watch.status()
        assert (status.filling_from, status.last_fill_age_secs) == ("rest", 0.0)
        assert (status.last_tick_age_secs or 0.0) >= 11  # the socket's: still silent

        # Paced: a check every second for six seconds makes two calls, not six; the prices
        # follow the fake's.
        await rig.price(Decimal("1610.5"))
        for _ in range(6):
            clock.advance(timedelta(seconds=1))
            await watch.check()
        assert fill.calls == 1 + 6 // int(FILL_EVERY_SECS)
        await eventually(lambda: run.prices[-1] == Decimal("1610.5"))

        # A failing REST quote is logged, not raised: the next call waits twice as long.
        await rig.break_quotes(1)
        clock.advance(timedelta(seconds=FILL_EVERY_SECS))
        assert await watch.check() is FeedHealth.RECONNECTING
        assert (fill.failures, watch.status().filling_from) == (1, None)
        calls = fill.calls
        clock.advance(timedelta(seconds=FILL_EVERY_SECS))
        await watch.check()
        assert fill.calls == calls  # backing off
        clock.advance(timedelta(seconds=FILL_EVERY_SECS))
        await watch.check()
        assert (fill.calls, fill.failures, watch.status().filling_from) == (calls + 1, 0, "rest")

        # Ticks return (the socket's, which the feed hears): live, and the fill stops.
        heard, calls = rig.feed.heard_at, fill.calls
        sleep.release()
        await eventually(lambda: rig.feed.heard_at != heard, limit_s=10)
        assert await watch.check() is FeedHealth.LIVE
        for _ in range(2):
            clock.advance(timedelta(seconds=FILL_EVERY_SECS))
            await eventually(partial(_heard_since, rig, rig.feed.heard_at))
            assert await watch.check() is FeedHealth.LIVE
        assert (fill.calls, watch.status().filling_from) == (calls, None)
        assert run.sources[-1] is None  # the socket's own tick


def _unheard(_status: FeedStatus) -> None:
    """Nobody to tell of a quiet spell (the wiring alone is under test)."""


async def test_the_server_fills_through_the_kite_adapter_and_wires_the_fill_to_the_watchdog():
    clock = ManualClock(OPEN)
    app = create_kite(clock=clock.now)
    kite: FakeKite = app.state.kite
    login = KiteLogin(user_id=1, api_key=DEFAULT_API_KEY, access_token=_kite_token(kite))
    kite.set_price("NSE:INFY", Decimal("1620.35"))
    async with serving(app) as root:
        reader = kite_quotes(root.replace("ws://", "http://"), timeout_secs=5.0)(login, {})
        answer = await asyncio.to_thread(reader.quote, ["NSE:INFY"])
    assert answer["NSE:INFY"]["last_price"] == 1620.35
    assert answer["NSE:INFY"]["instrument_token"] == KITE_INFY

    source = Source(login, {KITE_INFY: "NSE:INFY"})
    filled = KiteFeed(
        bus=InProcessBus(), clock=clock, source=source, quotes=kite_quotes("x", timeout_secs=1)
    )
    plain = KiteFeed(bus=InProcessBus(), clock=clock, source=source)
    calendar = nse_calendar()
    assert isinstance(
        watch_feed(filled, "kite", clock=clock, calendar=calendar, on_stale=_unheard).fill, RestFill
    )
    assert watch_feed(plain, "kite", clock=clock, calendar=calendar, on_stale=_unheard).fill is None
