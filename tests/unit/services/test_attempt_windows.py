"""A webhook's rate kept off the database (`ratelimit.MemoryWindows`, `RedisWindows`): exactly
the first `limit` attempts in any window pass, a refusal counts nothing and says how long
to wait, and a window's attempts are spent once it has passed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.market import REDIS_URL, namespace, redis_up
from tradertape.errors import RateLimited
from tradertape.ports.clock import ManualClock
from tradertape.services.accounts.ratelimit import AttemptWindows, MemoryWindows, RedisWindows

MINUTE = timedelta(minutes=1)
START = datetime(2026, 11, 20, 4, 30, tzinfo=UTC)


def _memory(clock: ManualClock) -> AttemptWindows:
    return MemoryWindows(clock)


def _redis(clock: ManualClock) -> AttemptWindows:
    if not redis_up():
        pytest.skip(f"no Redis at {REDIS_URL}")
    return RedisWindows(REDIS_URL, clock=clock, namespace=namespace())


@pytest.mark.parametrize("kept", [_memory, _redis], ids=["memory", "redis"])
def test_the_limit_passes_then_refuses_with_the_wait_to_the_oldest_attempts_end(
    kept: Callable[[ManualClock], AttemptWindows],
) -> None:
    clock = ManualClock(START)
    windows = kept(clock)
    windows.hit("hook:1", limit=2, window=MINUTE)
    clock.advance(timedelta(seconds=20))
    windows.hit("hook:1", limit=2, window=MINUTE)
    clock.advance(timedelta(seconds=10))

    with pytest.raises(RateLimited) as refused:
        windows.hit("hook:1", limit=2, window=MINUTE)

    assert refused.value.retry_after_s == 30  # the first attempt leaves the window at 60 s
    windows.hit("hook:2", limit=2, window=MINUTE)  # another bucket is its own
    clock.advance(timedelta(seconds=30))  # the first attempt is spent: one place again
    windows.hit("hook:1", limit=2, window=MINUTE)
    with pytest.raises(RateLimited):
        windows.hit("hook:1", limit=2, window=MINUTE)


@given(
    limit=st.integers(1, 5),
    gaps=st.lists(st.integers(0, 40), min_size=1, max_size=40),
)
def test_no_window_ever_holds_more_than_the_limit(limit: int, gaps: list[int]) -> None:
    clock = ManualClock(START)
    windows = MemoryWindows(clock)
    passed: list[datetime] = []
    for gap in gaps:
        clock.advance(timedelta(seconds=gap))
        now = clock.now()
        recent = [t for t in passed if t > now - MINUTE]
        try:
            windows.hit("b", limit=limit, window=MINUTE)
        except RateLimited:
            assert len(recent) == limit  # refused only when the window is full
            continue
        assert len(recent) < limit
        passed.append(now)
