"""Ticks end to end: two app instances on one Redis, and the feed started by the lifespan."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.api.test_ws_ticks import URL, quick_session, subscribe
from tests.market import OPEN, REDIS_URL, eventually, make_feed, namespace, redis_up
from tradertape.api.app import create_app
from tradertape.bus import InProcessBus, RedisBus
from tradertape.db.engine import Database
from tradertape.db.models import User
from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.instruments_data import reference_catalog
from tradertape.feed.simulated import FeedConfig, SimulatedFeed
from tradertape.ports.clock import ManualClock, SystemClock
from tradertape.ports.mailer import LogTransport
from tradertape.runtime import Runtime
from tradertape.settings import Settings


@pytest.fixture
def two_processes(
    settings: Settings, clock: ManualClock, database: Database
) -> Iterator[tuple[TestClient, TestClient]]:
    """Two apps, each with its own runtime, event loop and Redis connection; one database."""
    if not redis_up():
        pytest.skip(f"no Redis at {REDIS_URL}")
    shared = namespace()
    clients = []
    for _ in range(2):
        runtime = Runtime.build(
            settings,
            clock=clock,
            db=database,
            transport=LogTransport(),
            bus=RedisBus(REDIS_URL, namespace=shared),
        )
        clients.append(TestClient(create_app(runtime), base_url="http://testserver"))
    with clients[0] as one, clients[1] as other:
        yield one, other


def test_a_tick_published_in_one_process_reaches_a_socket_of_the_other(
    two_processes: tuple[TestClient, TestClient], clock: ManualClock
):
    publisher, server = two_processes
    runtime: Runtime = server.app.state.runtime  # type: ignore[attr-defined]
    quick_session(server, runtime)
    feed = make_feed(publisher.app.state.runtime.bus, clock)  # type: ignore[attr-defined]
    with server.websocket_connect(URL) as ws:
        assert ws.receive_json() == {"type": "status", "connected": True}
        assert subscribe(ws, "NSE:INFY", mode="full")["symbols"] == ["NSE:INFY"]
        assert publisher.portal is not None
        publisher.portal.call(feed.advance_to, clock.advance(timedelta(minutes=1)))
        message = ws.receive_json()
    sent = feed.last("NSE:INFY")
    assert sent is not None
    assert message["type"] == "ticks"
    infy = message["data"]["NSE:INFY"]
    assert infy["ltp"] == float(sent.last_price)
    assert infy["depth"]["buy"][0]["price"] == float(sent.bids[0].price)


def test_the_lifespan_runs_the_feed_of_the_runtime(
    settings: Settings, database: Database, clock: ManualClock
):
    # The wall clock, with market time starting at a session's open whatever today is, and a
    # tick every 20 ms: the feed's own task must deliver. Nothing here sleeps.
    bus = InProcessBus()
    feed = SimulatedFeed.synthetic(
        bus=bus,
        clock=SystemClock(),
        calendar=nse_calendar(),
        catalog=reference_catalog(),
        config=FeedConfig(interval_secs=0.02, start_at=OPEN),
        keys=["NSE:TCS"],
    )
    runtime = Runtime.build(
        settings, clock=clock, db=database, transport=LogTransport(), bus=bus, feed=feed
    )
    with TestClient(create_app(runtime), base_url="http://testserver") as client:
        quick_session(client, runtime)
        with client.websocket_connect(URL) as ws:
            ws.receive_json()
            subscribe(ws, "NSE:TCS", mode="ltp")
            first = ws.receive_json()["data"]["NSE:TCS"]["ltp"]
            assert isinstance(first, float)
            ws.receive_json()  # and it keeps coming
    assert feed.published >= 2


@pytest.mark.parametrize(
    ("feed_setting", "has_feed"),
    [
        pytest.param("simulated", True, id="simulated"),
        pytest.param("kite", True, id="kite"),
        pytest.param("none", False, id="none"),
    ],
)
def test_the_feed_setting_decides_whether_the_runtime_has_a_feed(
    settings: Settings, feed_setting: str, has_feed: bool
):
    chosen = settings.model_copy(update={"feed": feed_setting, "demo_mode": True})
    runtime = Runtime.build(chosen, db=Database.from_url("sqlite://"))
    assert (runtime.feed is not None) is has_feed
    if isinstance(runtime.feed, SimulatedFeed):
        assert runtime.feed.config.demo is True
        assert len(runtime.feed.keys) == len(runtime.catalog)


def test_a_process_that_does_not_run_the_feed_places_a_market_order_at_its_price(
    two_processes: tuple[TestClient, TestClient], clock: ManualClock
):
    # The publisher stands for the leader; the other process never saw a tick but on the bus.
    publisher, server = two_processes
    runtime: Runtime = server.app.state.runtime  # type: ignore[attr-defined]
    quick_session(server, runtime)
    with runtime.db.session() as db:
        user = db.scalar(select(User).where(User.email == "trader@x.in"))
        assert user is not None
        runtime.exchange.deposit(db, user_id=user.id, amount=Decimal(1_000_000))
    feed = make_feed(publisher.app.state.runtime.bus, clock)  # type: ignore[attr-defined]
    assert publisher.portal is not None
    assert server.portal is not None
    publisher.portal.call(feed.advance_to, clock.advance(timedelta(minutes=1)))
    sent = feed.last("NSE:INFY")
    assert sent is not None

    def seen() -> bool:
        tick = runtime.quotes("NSE:INFY")
        return tick is not None and tick.ts == sent.ts

    server.portal.call(eventually, seen)
    order = {
        "exchange": "NSE",
        "tradingsymbol": "INFY",
        "transaction_type": "BUY",
        "quantity": 2,
        "product": "CNC",
        "order_type": "MARKET",
    }
    placed = server.post("/api/orders", json=order)

    assert placed.status_code == 201, placed.text
    history = server.get(f"/api/orders/{placed.json()['order_id']}/history").json()
    final = history[-1]
    assert final["status"] == "COMPLETE", final
    assert Decimal(str(final["average_price"])) == sent.ask


@pytest.mark.anyio
async def test_a_following_process_keeps_feed_ticks_and_leaves_derived_ones_out():
    import asyncio

    from tests.market import eventually as until
    from tradertape.feed.codec import tick_from_message, tick_to_message
    from tradertape.oms.quotes import QuoteBook, follow
    from tradertape.testkit import make_tick

    bus, quotes = InProcessBus(), QuoteBook()
    follower = asyncio.create_task(follow(bus, (quotes,), tick_from_message))
    try:
        for _ in range(3):  # the follower subscribes (the in-process bus never waits)
            await asyncio.sleep(0)
        derived = dict(tick_to_message(make_tick("NFO:NIFTY26DEC24000CE", "101", ts=OPEN)))
        derived["derived"] = True
        await bus.publish("ticks.NFO:NIFTY26DEC24000CE", derived)
        await bus.publish(
            "ticks.NSE:INFY", dict(tick_to_message(make_tick("NSE:INFY", "1500", ts=OPEN)))
        )
        await until(lambda: quotes("NSE:INFY") is not None)
    finally:
        follower.cancel()
        await asyncio.gather(follower, return_exceptions=True)
        await bus.close()
    tick = quotes("NSE:INFY")
    assert tick is not None
    assert tick.last_price == Decimal("1500")
    assert quotes("NFO:NIFTY26DEC24000CE") is None
