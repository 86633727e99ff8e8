"""A quiet broker feed's prices filled from the REST quote (`feed.rest_fill`) on the injected
clock: one call per period at most, at most a batch of instruments a call (rotating through
the rest), a failed call backed off and never raised, an answer the socket overtook dropped;
the watchdog steps it only while the socket is silent in market hours, and counts the
socket's ticks alone (a filled price never makes a silent socket look alive)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.market import Tick
from tradertape.feed.rest_fill import FILL_EVERY_SECS, MAX_FILL_BACKOFF_SECS, RestFill, quote_tick
from tradertape.feed.watchdog import FeedHealth, FeedWatch
from tradertape.ports.clock import IST, ManualClock
from tradertape.testkit import make_tick

OPEN = datetime(2026, 11, 20, 10, 0, tzinfo=IST)  # a Friday, in the normal session
EVENING = datetime(2026, 11, 20, 18, 0, tzinfo=IST)


class Broker:
    """A broker's REST quote: the price of every key asked for, or a failure."""

    def __init__(self) -> None:
        self.asked: list[list[str]] = []
        self.price = Decimal("1500.05")
        self.failing = False
        self.during: Any = None  # what happens while the call is in flight

    def quote(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        self.asked.append(list(keys))
        if self.during is not None:
            self.during()
        if self.failing:
            raise ConnectionError("503 from the broker")
        return {k: {"last_price": float(self.price), "ohlc": {"close": 1490.0}} for k in keys}


class Feed:
    """A broker feed's side of the fill: its subscribed keys, socket and published ticks."""

    name = "kite"

    def __init__(self, clock: ManualClock, keys: int, broker: Broker | None) -> None:
        self.clock = clock
        self.keys = tuple(f"NSE:S{i}" for i in range(keys))
        self.broker = broker
        self.heard_at: datetime | None = None
        self.filled: list[Tick] = []

    def quote_reader(self) -> Broker | None:
        return self.broker

    def rest_tick(self, key: str, quote: Mapping[str, Any], at: datetime) -> Tick | None:
        return quote_tick(key, 1, quote, at, None)

    async def fill(self, key: str, tick: Tick) -> None:
        self.filled.append(tick)

    def socket_ticks(self) -> None:
        self.heard_at = self.clock.now()


def _step(fill: RestFill) -> int:
    return asyncio.run(fill.step())


def test_one_call_per_period_each_of_one_batch_rotating_through_the_instruments():
    clock, broker = ManualClock(OPEN), Broker()
    feed = Feed(clock, keys=5, broker=broker)
    fill = RestFill(feed, clock=clock, quote_batch=2)

    filled = []
    for _ in range(10):  # a beat a second for ten seconds
        filled.append(_step(fill))
        clock.advance(timedelta(seconds=1))

    assert fill.calls == len(broker.asked) == 4  # at 0, 3, 6 and 9 s (FILL_EVERY_SECS)
    assert broker.asked == [
        ["NSE:S0", "NSE:S1"],
        ["NSE:S2", "NSE:S3"],
        ["NSE:S4"],
        ["NSE:S0", "NSE:S1"],
    ]
    assert sum(filled) == 7
    assert [t.key for t in feed.filled[:2]] == ["NSE:S0", "NSE:S1"]
    assert feed.filled[0].last_price == Decimal("1500.05")  # exact, not the float's binary
    assert feed.filled[0].ts == OPEN  # stamped when asked: fresh while the REST answers
    assert (fill.filling_from, fill.last_fill_at) == ("rest", OPEN + timedelta(seconds=9))


def test_a_failing_call_backs_off_doubling_and_never_raises():
    clock, broker = ManualClock(OPEN), Broker()
    broker.failing = True
    fill = RestFill(Feed(clock, keys=1, broker=broker), clock=clock)

    calls_at: list[int] = []
    for second in range(200):
        if _step(fill) == 0 and len(broker.asked) > len(calls_at):
            calls_at.append(second)
        clock.advance(timedelta(seconds=1))

    waits = [b - a for a, b in zip(calls_at, calls_at[1:], strict=False)]
    assert waits[:4] == [6, 12, 24, 48]  # FILL_EVERY_SECS doubled per failure in a row
    assert max(waits) == MAX_FILL_BACKOFF_SECS
    assert fill.filling_from is None

    broker.failing = False
    clock.advance(timedelta(seconds=MAX_FILL_BACKOFF_SECS))
    assert _step(fill) == 1
    assert fill.failures == 0
    assert str(fill.filling_from) == "rest"  # (mypy held the None above)


def test_an_answer_the_socket_overtook_is_dropped():
    clock, broker = ManualClock(OPEN), Broker()
    feed = Feed(clock, keys=1, broker=broker)
    broker.during = feed.socket_ticks  # the socket ticks while the call is in flight
    fill = RestFill(feed, clock=clock)

    assert _step(fill) == 0
    assert (feed.filled, fill.filling_from) == ([], None)


def test_nothing_is_asked_without_a_session():
    clock = ManualClock(OPEN)
    fill = RestFill(Feed(clock, keys=3, broker=None), clock=clock)
    assert (_step(fill), fill.calls) == (0, 0)


def test_a_quote_becomes_a_tick_with_the_day_and_the_real_depth_levels():
    quote = {
        "last_price": 1520.5,
        "last_quantity": 7,
        "volume": 1200,
        "ohlc": {"open": 1500.0, "high": 1530.0, "low": 1495.5, "close": 1490.0},
        "depth": {
            "buy": [{"price": 1520.45, "quantity": 10, "orders": 2}, {"price": 0, "quantity": 0}],
            "sell": [{"price": 1520.55, "quantity": 4, "orders": 1}],
        },
    }
    tick = quote_tick("NSE:INFY", 408065, quote, OPEN, None)
    assert tick is not None
    assert (tick.last_price, tick.open, tick.high, tick.low, tick.prev_close) == (
        Decimal("1520.5"),
        Decimal("1500.0"),
        Decimal("1530.0"),
        Decimal("1495.5"),
        Decimal("1490.0"),
    )
    assert (tick.bid, tick.ask, len(tick.bids), tick.volume) == (
        Decimal("1520.45"),
        Decimal("1520.55"),
        1,  # the padded empty level is not a level
        1200,
    )
    previous = make_tick("NSE:INFY", "1500", ts=OPEN)
    bare = quote_tick("NSE:INFY", 408065, {"last_price": 1600}, OPEN, previous)
    assert bare is not None
    assert (bare.prev_close, bare.high, bare.volume) == (
        previous.prev_close,
        Decimal("1600"),
        previous.volume,
    )
    assert quote_tick("NSE:INFY", 408065, {"last_price": None}, OPEN, None) is None


def _watched(clock: ManualClock, feed: Feed) -> tuple[FeedWatch, RestFill]:
    fill = RestFill(feed, clock=clock)
    watch = FeedWatch(
        source="kite",
        clock=clock,
        calendar=nse_calendar(),
        heard=lambda: feed.heard_at,
        fill=fill,
    )
    return watch, fill


def test_the_watchdog_fills_only_while_the_socket_is_silent_in_market_hours():
    clock, broker = ManualClock(OPEN), Broker()
    feed = Feed(clock, keys=1, broker=broker)
    watch, fill = _watched(clock, feed)
    feed.socket_ticks()

    clock.advance(timedelta(seconds=9))
    assert asyncio.run(watch.check()) is FeedHealth.LIVE
    assert fill.calls == 0
    clock.advance(timedelta(seconds=2))  # 11 s of silence
    assert asyncio.run(watch.check()) is FeedHealth.RECONNECTING
    assert fill.calls == 1
    # Filled prices reach the sink too; they do not make the socket look alive.
    for tick in feed.filled:
        watch.update(tick)
    clock.advance(timedelta(seconds=FILL_EVERY_SECS))
    assert asyncio.run(watch.check()) is FeedHealth.RECONNECTING
    assert fill.calls == 2
    assert watch.status().filling_from == "rest"

    feed.socket_ticks()  # ticks return
    assert asyncio.run(watch.check()) is FeedHealth.LIVE
    assert watch.status().filling_from is None
    clock.advance(timedelta(seconds=FILL_EVERY_SECS))
    feed.socket_ticks()
    asyncio.run(watch.check())
    assert fill.calls == 2


def test_out_of_hours_a_silent_socket_is_not_filled():
    clock = ManualClock(EVENING)
    feed = Feed(clock, keys=1, broker=Broker())
    watch, fill = _watched(clock, feed)
    clock.advance(timedelta(minutes=5))
    assert asyncio.run(watch.check()) is FeedHealth.LIVE
    assert fill.calls == 0


def test_a_cancelled_fill_ends_once_its_quote_call_has_finished():
    """A thread cannot be stopped: a call left running after the cancel would hold the loop's
    executor, whose shutdown joins it once the loop serves nothing it waits on."""
    clock, broker = ManualClock(OPEN), Broker()
    fill = RestFill(Feed(clock, keys=1, broker=broker), clock=clock)
    started, release = threading.Event(), threading.Event()
    finished: list[bool] = []

    def during() -> None:
        started.set()
        release.wait(5)
        finished.append(True)

    broker.during = during

    async def cancel_in_flight() -> tuple[bool, list[bool]]:
        step = asyncio.create_task(fill.step())
        await asyncio.to_thread(started.wait, 5)
        step.cancel()
        for _ in range(10):  # turns of the loop: the cancel waits for the call
            await asyncio.sleep(0)
        waited = not step.done()
        release.set()
        async with asyncio.timeout(5):
            await asyncio.gather(step, return_exceptions=True)
        assert step.cancelled()
        return waited, list(finished)

    assert asyncio.run(cancel_in_flight()) == (True, [True])
