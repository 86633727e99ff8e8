"""Only one process (lease) per database runs the singletons; a released lease passes on."""

from __future__ import annotations

import pytest

from tradertape.db.engine import Database
from tradertape.db.leader import LeaderLease


def test_one_holder_at_a_time_and_takeover_after_release(database: Database):
    first = LeaderLease(database, name="test:leader")
    second = LeaderLease(database, name="test:leader")
    other = LeaderLease(database, name="test:other")
    try:
        assert first.try_acquire() is True
        assert first.try_acquire() is True  # idempotent for the holder
        assert second.try_acquire() is False
        first.release()
        assert first.held is False
        assert second.try_acquire() is True
        assert other.try_acquire() is True  # a different name is a different lease
    finally:
        for lease in (first, second, other):
            lease.release()


def test_private_in_memory_database_is_always_led():
    memory = Database.from_url("sqlite://")
    assert LeaderLease(memory).try_acquire() is True
    memory.dispose()


@pytest.mark.anyio
async def test_a_waiting_process_takes_over_the_feed_when_the_leader_goes(
    settings, clock, database: Database
):
    import asyncio

    from tradertape.bus.memory import InProcessBus
    from tradertape.domain.calendar_data import nse_calendar
    from tradertape.domain.instruments_data import reference_catalog
    from tradertape.feed.simulated import SimulatedFeed
    from tradertape.jobs.trading import market as _market
    from tradertape.ports.mailer import LogTransport
    from tradertape.runtime import Runtime

    bus = InProcessBus()
    feed = SimulatedFeed.synthetic(
        bus=bus,
        clock=clock,
        calendar=nse_calendar(),
        catalog=reference_catalog(),
        keys=["NSE:INFY"],
    )
    runtime = Runtime.build(
        settings, clock=clock, db=database, transport=LogTransport(), bus=bus, feed=feed
    )
    leader, follower = LeaderLease(database), LeaderLease(database)
    assert leader.try_acquire()
    task = asyncio.create_task(_market(runtime, follower, retry_s=0.01))
    try:
        for _ in range(20):  # the follower keeps asking while the leader lives
            await asyncio.sleep(0.01)
        assert feed.published == 0
        assert not follower.held
        leader.release()
        for _ in range(500):  # bounded wait on state
            if feed.published:
                break
            await asyncio.sleep(0.01)
        assert follower.held
        assert feed.published > 0
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        follower.release()
        await bus.close()
