"""The simulated feed, driven by a manual clock: whole days, restarts, demo replays, the runner."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tests.market import KEYS, OPEN, make_feed, receive
from tradertape.bus import InProcessBus
from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.instruments_data import reference_catalog
from tradertape.domain.market import Tick
from tradertape.domain.ticks import is_on_tick, tick_size
from tradertape.feed.codec import tick_from_message
from tradertape.feed.plan import SyntheticDayPlan
from tradertape.feed.simulated import FeedConfig, SimulatedFeed
from tradertape.ports.broker import DailyBar
from tradertape.ports.bus import Subscription
from tradertape.ports.clock import IST, ManualClock

pytestmark = pytest.mark.anyio

FRI = date(2026, 11, 20)
MINUTE = timedelta(minutes=1)
PLAN = SyntheticDayPlan(reference_catalog(), nse_calendar(), seed=FeedConfig().seed)


def snapped(value: float, step: Decimal) -> Decimal:
    return round(Decimal(value) / step) * step


async def drain(sub: Subscription, count: int) -> list[Tick]:
    return [tick_from_message((await receive(sub))[1]) for _ in range(count)]


async def run_day(clock: ManualClock, **config: Any) -> tuple[SimulatedFeed, list[Tick]]:
    bus = InProcessBus(queue_size=100_000)
    sub = await bus.subscribe("ticks.*")
    feed = make_feed(bus, clock, **config)
    count = await feed.advance_to(clock.now())
    while clock.now() < datetime(2026, 11, 20, 15, 30, tzinfo=IST):
        clock.advance(MINUTE)
        count += await feed.advance_to(clock.now())
    return feed, await drain(sub, count)


async def test_a_day_opens_touches_its_range_and_closes_on_the_bar():
    feed, ticks = await run_day(ManualClock(OPEN))
    for key in ("NSE:RELIANCE", "NSE:INFY"):
        bar = PLAN(key, FRI)
        previous = PLAN(key, date(2026, 11, 19))
        assert bar is not None
        assert previous is not None
        step = tick_size(Decimal(previous.close), as_of=FRI)
        mine = [t for t in ticks if t.key == key]
        prices = [t.last_price for t in mine]
        assert len(mine) == 376  # 09:15 .. 15:30, one a minute
        assert prices[0] == snapped(bar.open, step)
        assert prices[-1] == snapped(bar.close, step)
        assert max(prices) == snapped(bar.high, step) == mine[-1].high
        assert min(prices) == snapped(bar.low, step) == mine[-1].low
        assert mine[-1].volume == bar.volume
        assert mine[-1].ts == datetime(2026, 11, 20, 15, 30, tzinfo=IST)
        assert all(t.prev_close == snapped(previous.close, step) for t in mine)
        assert all(is_on_tick(p, step) for p in prices)
        assert [t.volume for t in mine] == sorted(t.volume for t in mine)
        for tick in mine:
            assert tick.bid is not None
            assert tick.ask is not None
            assert tick.bid <= tick.last_price <= tick.ask
            assert tick.bid < tick.ask
            assert [lv.price for lv in tick.bids] == sorted(
                (lv.price for lv in tick.bids), reverse=True
            )
            assert [lv.price for lv in tick.asks] == sorted(lv.price for lv in tick.asks)
        assert feed.last(key) == mine[-1]


async def test_an_index_ticks_without_volume_or_depth():
    _, ticks = await run_day(ManualClock(datetime(2026, 11, 20, 15, 0, tzinfo=IST)))
    nifty = [t for t in ticks if t.key == "NSE:NIFTY 50"]
    assert nifty
    assert all(t.volume == 0 and t.bid is None and t.bids == () for t in nifty)


async def test_a_late_start_prints_the_current_state_once():
    _, full_day = await run_day(ManualClock(OPEN))
    bus = InProcessBus()
    sub = await bus.subscribe("ticks.*")
    feed = make_feed(bus, ManualClock(OPEN))
    late = datetime(2026, 11, 20, 12, 0, 20, tzinfo=IST)
    assert await feed.advance_to(late) == len(KEYS)
    snapshot = await drain(sub, len(KEYS))
    same_minute = {t.key: t for t in full_day if t.ts == datetime(2026, 11, 20, 12, 0, tzinfo=IST)}
    assert {t.key: t for t in snapshot} == same_minute  # high/low so far included


async def test_a_stall_prints_at_most_the_catchup_steps():
    clock = ManualClock(OPEN)
    bus = InProcessBus()
    sub = await bus.subscribe("ticks.NSE:TCS")
    feed = make_feed(bus, clock, max_catchup_steps=3)
    await feed.advance_to(clock.now())
    await feed.advance_to(clock.advance(10 * MINUTE))
    ticks = await drain(sub, 4)
    assert [t.ts.astimezone(IST).strftime("%H:%M") for t in ticks] == [
        "09:15",
        "09:23",
        "09:24",
        "09:25",
    ]


async def test_outside_hours_the_market_rests_at_the_close():
    clock = ManualClock(datetime(2026, 11, 21, 20, 0, tzinfo=IST))  # Saturday evening
    bus = InProcessBus()
    sub = await bus.subscribe("ticks.NSE:INFY")
    feed = make_feed(bus, clock)
    assert await feed.advance_to(clock.now()) == len(KEYS)
    close = (await drain(sub, 1))[0]
    assert close.ts == datetime(2026, 11, 20, 15, 30, tzinfo=IST)
    assert await feed.advance_to(clock.advance(timedelta(hours=5))) == 0
    assert feed.seconds_until_next(clock.now()) == 30  # idle: re-read the clock now and then
    clock.set(datetime(2026, 11, 23, 9, 15, tzinfo=IST))
    assert await feed.advance_to(clock.now()) == len(KEYS)
    monday = (await drain(sub, 1))[0]
    assert monday.ts == datetime(2026, 11, 23, 9, 15, tzinfo=IST)
    assert monday.prev_close == close.last_price


async def test_demo_mode_prints_the_close_then_replays_the_session_at_night():
    clock = ManualClock(datetime(2026, 11, 20, 15, 25, tzinfo=IST))
    bus = InProcessBus()
    sub = await bus.subscribe("ticks.NSE:INFY")
    feed = make_feed(bus, clock, demo=True)
    await feed.advance_to(clock.now())
    clock.set(datetime(2026, 11, 20, 22, 0, tzinfo=IST))
    await feed.advance_to(clock.now())
    _, close, *replay = await drain(sub, 1 + 1 + 5)
    assert close.ts == datetime(2026, 11, 20, 15, 30, tzinfo=IST)  # the live close is never lost
    for tick in replay:  # instants of the replayed session: the ticks say they are simulated
        assert tick.ts.date() == FRI
        assert datetime(2026, 11, 20, 9, 15, tzinfo=IST) <= tick.ts <= close.ts
    clock.advance(MINUTE)
    assert await feed.advance_to(clock.now()) == len(KEYS)  # it keeps ticking at night
    assert feed.seconds_until_next(clock.now()) == 30  # the next step is 60 s off; idle cap


async def test_speed_plays_a_session_in_minutes():
    wall = ManualClock(datetime(2026, 11, 20, 21, 0, tzinfo=IST))
    bus = InProcessBus(queue_size=100_000)
    sub = await bus.subscribe("ticks.NSE:TCS")
    feed = make_feed(bus, wall, interval_secs=1.0, speed=60.0, start_at=OPEN)
    for _ in range(375):
        await feed.advance_to(wall.now())
        assert feed.seconds_until_next(wall.now()) == pytest.approx(1.0)
        wall.advance(timedelta(seconds=1))
    await feed.advance_to(wall.now())
    assert feed.seconds_until_next(wall.now()) == 30  # closed until Monday
    ticks = await drain(sub, 376)
    assert ticks[-1].ts == datetime(2026, 11, 20, 15, 30, tzinfo=IST)
    assert feed.wall_time(ticks[-1].ts) == datetime(2026, 11, 20, 21, 6, 15, tzinfo=IST)


class _Stop(Exception):
    pass


async def test_the_runner_ticks_on_the_clock_and_survives_a_failing_step():
    clock = ManualClock(OPEN)
    delays: list[float] = []

    class FlakyBus(InProcessBus):
        fail = True

        async def publish(self, topic: str, message: dict[str, Any]) -> None:
            if self.fail:
                self.fail = False
                raise ConnectionError("redis restarting")
            await super().publish(topic, message)

    async def sleep(seconds: float) -> None:
        delays.append(seconds)
        if len(delays) == 7:
            raise _Stop
        clock.advance(timedelta(seconds=seconds))

    bus = FlakyBus()
    sub = await bus.subscribe("ticks.NSE:TCS")
    feed = make_feed(bus, clock, interval_secs=10.0)
    with pytest.raises(_Stop):
        await feed.run(sleep=sleep)
    # the failed step is retried an interval later; then half a step, prepare, the other half
    assert delays == [10.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0]
    ticks = await drain(sub, 3)
    stamps = [t.ts.astimezone(IST).strftime("%H:%M:%S") for t in ticks]
    assert stamps == ["09:15:10", "09:15:20", "09:15:30"]
    assert feed.last("NSE:TCS") == ticks[-1]


async def test_the_runner_prepares_the_next_step_off_the_event_loop():
    clock = ManualClock(OPEN)
    feed = make_feed(InProcessBus(), clock, interval_secs=10.0)
    loop_thread = threading.get_ident()
    prepared_on: list[int] = []
    prepare = feed.prepare

    def recording(wall: datetime) -> None:
        prepared_on.append(threading.get_ident())
        prepare(wall)

    async def sleep(seconds: float) -> None:
        if prepared_on:
            raise _Stop
        clock.advance(timedelta(seconds=seconds))

    feed.prepare = recording  # type: ignore[method-assign]
    with pytest.raises(_Stop):
        await feed.run(sleep=sleep)
    assert len(prepared_on) == 1
    assert prepared_on[0] != loop_thread


async def test_prepared_ticks_are_the_ticks_printed():
    clock = ManualClock(OPEN)
    ahead, plain = InProcessBus(), InProcessBus()
    subs = [await ahead.subscribe("ticks.*"), await plain.subscribe("ticks.*")]
    feeds = [make_feed(ahead, clock), make_feed(plain, ManualClock(OPEN))]
    for feed in feeds:
        await feed.advance_to(OPEN)
    feeds[0].prepare(OPEN + MINUTE)
    feeds[0].prepare(datetime(2041, 1, 7, 10, 0, tzinfo=IST))  # beyond the calendar: ignored
    for feed in feeds:
        await feed.advance_to(OPEN + MINUTE)
    assert await drain(subs[0], 2 * len(KEYS)) == await drain(subs[1], 2 * len(KEYS))


async def test_beyond_the_calendar_the_feed_idles():
    clock = ManualClock(datetime(2041, 1, 7, 10, 0, tzinfo=IST))
    feed = make_feed(InProcessBus(), clock)
    assert await feed.advance_to(clock.now()) == 0
    assert await feed.advance_to(clock.now()) == 0
    assert feed.seconds_until_next(clock.now()) == 30


async def test_keys_without_a_bar_do_not_tick_and_a_bad_bar_is_named():
    def plan(key: str, day: date) -> DailyBar | None:
        if key == "NSE:TCS":
            return None
        if key == "NSE:INFY":
            return DailyBar(day=day, open=100, high=90, low=80, close=85, volume=1)
        return DailyBar(day=day, open=100, high=110, low=90, close=105, volume=1000)

    catalog = reference_catalog()
    clock = ManualClock(OPEN)

    def feed_of(*keys: str) -> SimulatedFeed:
        return SimulatedFeed(
            bus=InProcessBus(),
            clock=clock,
            calendar=nse_calendar(),
            instruments=[catalog.get(k) for k in keys],
            plan=plan,
        )

    quiet = feed_of("NSE:TCS", "NSE:RELIANCE")
    assert await quiet.advance_to(clock.now()) == 1
    assert quiet.last("NSE:TCS") is None
    assert quiet.keys == ("NSE:TCS", "NSE:RELIANCE")
    with pytest.raises(ValueError, match=r"NSE:INFY on 2026-11-20: inconsistent"):
        await feed_of("NSE:INFY").advance_to(clock.now())


@pytest.mark.parametrize(
    "config",
    [
        pytest.param({"interval_secs": 0}, id="zero-interval"),
        pytest.param({"speed": -1}, id="negative-speed"),
        pytest.param({"interval_secs": 61, "speed": 60}, id="over-an-hour-per-tick"),
        pytest.param({"max_catchup_steps": 0}, id="no-catchup"),
        pytest.param({"start_at": datetime(2026, 11, 20, 9, 15)}, id="naive-start"),  # noqa: DTZ001
    ],
)
def test_bad_configs_are_refused(config: dict[str, Any]):
    with pytest.raises(ValueError, match="must|hour"):
        FeedConfig(**config)


def test_wall_time_before_the_first_advance_is_market_time():
    feed = make_feed(InProcessBus(), ManualClock(OPEN))
    assert feed.wall_time(OPEN) == OPEN


async def test_a_wall_clock_stepping_back_prints_nothing_twice():
    feed = make_feed(InProcessBus(), ManualClock(OPEN))
    assert await feed.advance_to(OPEN + 5 * MINUTE) == len(KEYS)
    assert await feed.advance_to(OPEN + 3 * MINUTE) == 0
    assert await feed.advance_to(OPEN + 6 * MINUTE) == len(KEYS)
