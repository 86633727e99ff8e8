"""The feed's state across processes, as the server wires it (`jobs.trading.market`): the
process that leads runs the feed's watchdog and publishes its verdict every beat; a process
beside it on the same database and Redis answers `GET /api/market/feed` with that verdict,
not its own view of a feed it does not run; in one process the leader answers its own."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.test_ws_ticks import quick_session
from tests.market import REDIS_URL, eventually, make_feed, namespace, redis_up
from tradertape.api.app import create_app
from tradertape.bus import InProcessBus, RedisBus
from tradertape.db.engine import Database
from tradertape.ports.bus import EventBus
from tradertape.ports.clock import ManualClock
from tradertape.ports.mailer import LogTransport
from tradertape.runtime import Runtime
from tradertape.settings import Settings


def _app(settings: Settings, clock: ManualClock, database: Database, bus: EventBus, feed: bool):
    runtime = Runtime.build(
        settings,
        clock=clock,
        db=database,
        transport=LogTransport(),
        bus=bus,
        feed=make_feed(bus, clock) if feed else None,
    )
    return TestClient(create_app(runtime), base_url="http://testserver")


def _when(client: TestClient, predicate: Callable[[Runtime], bool]) -> dict[str, Any]:
    """`GET /api/market/feed` once `predicate` holds of the process's runtime (polled on
    its own event loop, where the bus delivers)."""
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    assert client.portal is not None
    client.portal.call(eventually, partial(predicate, runtime))
    answer = client.get("/api/market/feed")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _leads(runtime: Runtime) -> bool:
    return runtime.feed_state.leading


def _heard(runtime: Runtime) -> bool:
    return runtime.feed_state.shared().report_age_secs is not None


@pytest.fixture
def leader_and_follower(
    settings: Settings, clock: ManualClock, database: Database
) -> Iterator[tuple[TestClient, TestClient]]:
    """Two processes on one Redis and one database: the first runs the simulated feed."""
    if not redis_up():
        pytest.skip(f"no Redis at {REDIS_URL}")
    shared = namespace()
    leader = _app(settings, clock, database, RedisBus(REDIS_URL, namespace=shared), True)
    follower = _app(settings, clock, database, RedisBus(REDIS_URL, namespace=shared), False)
    with leader as one, follower as other:
        yield one, other


def test_a_process_beside_the_leader_answers_the_leaders_feed_state(
    leader_and_follower: tuple[TestClient, TestClient],
):
    leader, follower = leader_and_follower
    quick_session(leader, leader.app.state.runtime)  # type: ignore[attr-defined]
    follower.cookies.update(leader.cookies)  # one database: the session holds in both
    own = _when(leader, _leads)
    assert (own["source"], own["state"], own["report_age_secs"]) == ("simulated", "live", 0.0)

    heard = _when(follower, _heard)

    # The follower runs no feed (its own watch is down): it answers the leader's verdict.
    assert follower.app.state.runtime.feed is None  # type: ignore[attr-defined]
    assert (heard["source"], heard["state"]) == ("simulated", "live")
    assert {k: heard[k] for k in ("subscriptions", "stale_after_secs")} == {
        k: own[k] for k in ("subscriptions", "stale_after_secs")
    }


def test_in_one_process_the_leader_answers_its_own_watch(
    settings: Settings, clock: ManualClock, database: Database
):
    with _app(settings, clock, database, InProcessBus(), True) as client:
        quick_session(client, client.app.state.runtime)
        body = _when(client, _leads)
    assert (body["source"], body["state"], body["report_age_secs"]) == ("simulated", "live", 0.0)
