"""The OMS's events on the bus: a committed order's events reach a subscriber (in another
process too, through Redis) in order, as JSON that reads back into the same events; a
rolled-back order's never do. The relay takes them from the committing thread."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from tests.integration.conftest import PaperDesk
from tests.market import REDIS_URL, eventually, namespace, receive, redis_up
from tradertape.bus import InProcessBus, RedisBus
from tradertape.bus.relay import Relay
from tradertape.db.engine import Database
from tradertape.domain.instruments import Exchange
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.oms import OmsEvent, OrderEvents, from_message, to_bus
from tradertape.ports.bus import EventBus
from tradertape.testkit import make_tick

pytestmark = pytest.mark.anyio

BUY = OrderSpec(
    exchange=Exchange.NSE,
    tradingsymbol="INFY",
    transaction_type=TransactionType.BUY,
    quantity=5,
    product=Product.CNC,
    order_type=OrderType.MARKET,
)


@pytest.fixture(params=[pytest.param("memory", id="in-process"), pytest.param("redis", id="redis")])
async def buses(request: pytest.FixtureRequest) -> AsyncIterator[tuple[EventBus, EventBus]]:
    """The bus the server publishes on and the one a subscriber reads (another process's,
    on Redis)."""
    if request.param == "redis":
        if not redis_up():
            pytest.skip(f"no Redis at {REDIS_URL}")
        shared = namespace()
        server, reader = (
            RedisBus(REDIS_URL, namespace=shared),
            RedisBus(REDIS_URL, namespace=shared),
        )
        yield server, reader
        await server.close()
        await reader.close()
    else:
        bus = InProcessBus()
        yield bus, bus
        await bus.close()


async def test_committed_events_reach_the_bus_in_order_and_rolled_back_ones_never(
    paper: PaperDesk, database: Database, buses: tuple[EventBus, EventBus]
):
    server, reader = buses
    relay = Relay(server)
    events = OrderEvents()
    committed: list[OmsEvent] = []
    events.listen(committed.extend)
    events.listen(to_bus(relay))
    events.attach(database)
    subscription = await reader.subscribe("orders.*")
    publishing = asyncio.create_task(relay.run())
    await eventually(lambda: relay.running)
    tick = make_tick("NSE:INFY", "1500", ts=paper.clock.now())

    def rolled_back() -> None:
        with database.session() as db:
            paper.exchange.place(db, user_id=paper.user_id, spec=BUY, last=tick, commit=False)
            db.rollback()

    def placed() -> None:
        with database.session() as db:
            paper.exchange.place(db, user_id=paper.user_id, spec=BUY, last=tick)

    try:
        await asyncio.to_thread(rolled_back)
        await asyncio.to_thread(placed)
        received = [await receive(subscription), await receive(subscription)]
    finally:
        publishing.cancel()
        await asyncio.gather(publishing, return_exceptions=True)
        await subscription.close()
        events.detach(database)
    assert len(committed) == 2  # the placed order's accepted and filled, nothing else
    assert [topic for topic, _ in received] == [f"orders.{paper.user_id}"] * 2
    messages = [message for _, message in received]
    assert json.loads(json.dumps(messages)) == messages
    assert [from_message(m) for m in messages] == committed
    assert [m["type"] for m in messages] == ["order.accepted", "order.filled"]
    assert relay.dropped == 0


async def test_a_relay_not_running_drops_what_it_is_handed():
    bus = InProcessBus()
    relay = Relay(bus)
    relay.send([("orders.1", {"type": "order.accepted"})])
    assert (relay.running, relay.dropped) == (False, 1)
    await bus.close()


async def test_a_relay_makes_the_messages_it_is_handed_on_its_loop_and_only_when_running():
    bus = InProcessBus()
    relay = Relay(bus)
    made: list[str] = []

    def make() -> list[tuple[str, dict[str, str]]]:
        made.append("made")
        return [("orders.1", {"type": "order.accepted"}), ("orders.1", {"type": "order.filled"})]

    relay.send_made(2, make)  # not running: dropped, never made
    assert (made, relay.dropped) == ([], 2)
    subscription = await bus.subscribe("orders.*")
    publishing = asyncio.create_task(relay.run())
    await eventually(lambda: relay.running)

    def broken() -> list[tuple[str, dict[str, str]]]:
        raise ValueError("not JSON-able")

    try:
        await asyncio.to_thread(relay.send_made, 1, broken)  # lost, not the relay
        await asyncio.to_thread(relay.send_made, 2, make)
        received = [await receive(subscription), await receive(subscription)]
    finally:
        publishing.cancel()
        await asyncio.gather(publishing, return_exceptions=True)
        await subscription.close()
        await bus.close()
    assert made == ["made"]
    assert [m["type"] for _, m in received] == ["order.accepted", "order.filled"]
    assert relay.dropped == 3
