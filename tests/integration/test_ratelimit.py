"""The shared attempt limiter: a property over any timing, and real concurrent requests."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradertape.db.engine import Database
from tradertape.errors import RateLimited
from tradertape.ports.clock import ManualClock
from tradertape.services.accounts.ratelimit import RateLimiter

LIMIT = 5
WINDOW = timedelta(minutes=1)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(gaps=st.lists(st.integers(min_value=0, max_value=30_000), min_size=1, max_size=25))
def test_never_more_than_limit_accepted_in_any_window(database: Database, gaps: list[int]):
    clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC))
    limiter = RateLimiter(clock=clock, limit=LIMIT, window=WINDOW)
    bucket = f"prop:{uuid.uuid4().hex}"
    accepted: list[datetime] = []
    with database.session() as db:
        for gap_ms in gaps:
            clock.advance(timedelta(milliseconds=gap_ms))
            try:
                limiter.hit(db, [bucket])
            except RateLimited as exc:
                wait = exc.retry_after_s
                in_window = [t for t in accepted if t > clock.now() - WINDOW]
                assert len(in_window) == LIMIT  # refused only when really full
                assert 1 <= wait <= 60
            else:
                accepted.append(clock.now())
    for t in accepted:
        assert sum(1 for u in accepted if t - WINDOW < u <= t) <= LIMIT


def test_concurrent_attempts_never_exceed_the_limit(database: Database):
    clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC))
    limiter = RateLimiter(clock=clock, limit=LIMIT, window=WINDOW)
    results: list[bool] = []
    lock = threading.Lock()
    start = threading.Barrier(12)

    def attempt() -> None:
        start.wait()  # release all twelve at once
        with database.session() as db:
            try:
                limiter.hit(db, ["race"])
                ok = True
            except RateLimited:
                ok = False
        with lock:
            results.append(ok)

    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 12
    assert sum(results) == LIMIT  # decided one at a time: exactly the first five
