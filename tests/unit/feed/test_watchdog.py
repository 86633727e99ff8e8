"""The feed watchdog on the injected clock: a feed silent past 10 s in market hours is stale
(told once), reconnected with back-off until ticks return; outside hours silence is normal;
a feed with no connection is down."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from tradertape.domain.calendar_data import nse_calendar
from tradertape.feed.watchdog import FeedHealth, FeedStatus, FeedWatch
from tradertape.ports.clock import IST, ManualClock
from tradertape.testkit import make_tick

OPEN = datetime(2026, 11, 20, 10, 0, tzinfo=IST)  # a Friday, in the normal session
EVENING = datetime(2026, 11, 20, 18, 0, tzinfo=IST)


class Spy:
    def __init__(self) -> None:
        self.reconnects: list[datetime] = []
        self.told: list[FeedStatus] = []


def _watch(clock: ManualClock, spy: Spy, connected: bool = True) -> FeedWatch:
    async def reconnect() -> None:
        spy.reconnects.append(clock.now())

    return FeedWatch(
        source="kite",
        clock=clock,
        calendar=nse_calendar(),
        subscriptions=lambda: 3,
        connected=lambda: connected,
        reconnect=reconnect,
        on_stale=spy.told.append,
    )


def _check(watch: FeedWatch) -> FeedHealth:
    return asyncio.run(watch.check())


def test_a_feed_silent_past_the_threshold_in_market_hours_is_stale_and_reconnected():
    clock, spy = ManualClock(OPEN), Spy()
    watch = _watch(clock, spy)
    watch.update(make_tick("NSE:INFY", "1500", ts=clock.now()))

    clock.advance(timedelta(seconds=9))
    assert _check(watch) is FeedHealth.LIVE
    clock.advance(timedelta(seconds=2))  # 11 s of silence
    assert _check(watch) is FeedHealth.RECONNECTING  # marked stale, a reconnect asked for
    assert [s.state for s in spy.told] == [FeedHealth.STALE]
    assert spy.reconnects == [clock.now()]
    status = watch.status()
    assert (status.last_tick_age_secs, status.subscriptions) == (11.0, 3)

    clock.advance(timedelta(seconds=1))
    _check(watch)  # within the back-off (2 s): not asked again
    clock.advance(timedelta(seconds=1))
    _check(watch)
    clock.advance(timedelta(seconds=4))
    _check(watch)
    assert len(spy.reconnects) == 3  # at 0, 2 and 6 s: 2, then 4 s apart
    assert len(spy.told) == 1  # one notice per quiet spell

    watch.update(make_tick("NSE:INFY", "1501", ts=clock.now()))  # ticks are back
    assert _check(watch) is FeedHealth.LIVE
    clock.advance(timedelta(seconds=11))
    _check(watch)
    assert len(spy.told) == 2  # a new spell is told again
    assert watch.reconnects == 4


def test_silence_outside_market_hours_is_normal():
    clock, spy = ManualClock(EVENING), Spy()
    watch = _watch(clock, spy)
    clock.advance(timedelta(minutes=30))

    assert _check(watch) is FeedHealth.LIVE
    assert (spy.told, spy.reconnects) == ([], [])


@pytest.mark.parametrize("at", [OPEN, EVENING], ids=["open", "closed"])
def test_a_feed_without_a_connection_is_down(at: datetime):
    clock, spy = ManualClock(at), Spy()
    watch = _watch(clock, spy, connected=False)
    clock.advance(timedelta(minutes=1))

    assert _check(watch) is FeedHealth.DOWN
    assert watch.status().state is FeedHealth.DOWN
    assert spy.reconnects == []
