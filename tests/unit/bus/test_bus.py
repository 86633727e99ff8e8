"""One behavioural suite, run against both `EventBus` backends (in-process and Redis)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from tests.market import REDIS_URL, eventually, namespace, receive, redis_up
from tradertape.bus import InProcessBus, RedisBus, make_bus
from tradertape.ports.bus import EventBus
from tradertape.settings import Settings

pytestmark = pytest.mark.anyio

BusFactory = Callable[..., EventBus]


@pytest.fixture(params=[pytest.param("memory", id="in-process"), pytest.param("redis", id="redis")])
async def new_bus(request: pytest.FixtureRequest) -> AsyncIterator[BusFactory]:
    """Makes buses of one backend; buses of one test share a Redis namespace, like processes."""
    if request.param == "redis" and not redis_up():
        pytest.skip(f"no Redis at {REDIS_URL}")
    shared = namespace()
    made: list[EventBus] = []

    def factory(queue_size: int = 1000) -> EventBus:
        bus: EventBus
        if request.param == "redis":
            bus = RedisBus(REDIS_URL, namespace=shared, queue_size=queue_size)
        else:
            bus = made[0] if made else InProcessBus(queue_size=queue_size)
        made.append(bus)
        return bus

    yield factory
    for bus in made:
        await bus.close()


async def test_exact_topic_delivers_the_message(new_bus: BusFactory):
    bus = new_bus()
    sub = await bus.subscribe("orders.7")
    message = {"id": 1, "price": "101.25", "tags": ["a"], "nested": {"ok": True}}
    await bus.publish("orders.7", message)
    assert await receive(sub) == ("orders.7", message)


async def test_prefix_pattern_matches_its_topics_only(new_bus: BusFactory):
    bus = new_bus()
    sub = await bus.subscribe("ticks.*")
    for topic in ("ticksX.NSE:INFY", "ticks", "other.ticks.NSE:INFY"):
        await bus.publish(topic, {"skip": topic})
    await bus.publish("ticks.NSE:INFY", {"n": 1})
    await bus.publish("ticks.deep.er", {"n": 2})
    assert await receive(sub) == ("ticks.NSE:INFY", {"n": 1})
    assert await receive(sub) == ("ticks.deep.er", {"n": 2})


async def test_order_per_topic_is_publication_order(new_bus: BusFactory):
    bus = new_bus()
    sub = await bus.subscribe("runs.*")
    for n in range(200):
        await bus.publish(f"runs.{n % 3}", {"n": n})
    got = [(await receive(sub))[1]["n"] for _ in range(200)]
    for topic in range(3):
        mine = [n for n in got if n % 3 == topic]
        assert mine == sorted(mine)
    assert sorted(got) == list(range(200))


async def test_overlapping_patterns_deliver_once(new_bus: BusFactory):
    bus = new_bus()
    sub = await bus.subscribe("gtt.*", "gtt.7.*", "gtt.7.x", "gtt.8")
    await bus.publish("gtt.7.x", {"n": 1})
    await bus.publish("gtt.8", {"n": 2})
    assert await receive(sub) == ("gtt.7.x", {"n": 1})
    assert await receive(sub) == ("gtt.8", {"n": 2})  # not a second copy of n=1


async def test_every_subscriber_gets_every_message(new_bus: BusFactory):
    bus = new_bus()
    first = await bus.subscribe("orders.*")
    second = await bus.subscribe("orders.1")
    await bus.publish("orders.1", {"n": 1})
    assert await receive(first) == ("orders.1", {"n": 1})
    assert await receive(second) == ("orders.1", {"n": 1})


async def test_glob_characters_in_topics_are_literal(new_bus: BusFactory):
    bus = new_bus()
    sub = await bus.subscribe("odd[1]?.*", "ticks.NSE:M&M")
    await bus.publish("oddX?.a", {"n": 0})  # would match an unescaped glob
    await bus.publish("odd[1]?.a", {"n": 1})
    await bus.publish("ticks.NSE:M&M", {"n": 2})
    assert await receive(sub) == ("odd[1]?.a", {"n": 1})
    assert await receive(sub) == ("ticks.NSE:M&M", {"n": 2})


async def test_a_message_crosses_between_bus_instances(new_bus: BusFactory):
    publisher, listener = new_bus(), new_bus()
    sub = await listener.subscribe("ticks.*")
    await publisher.publish("ticks.NSE:INFY", {"last_price": "1520.50"})
    assert await receive(sub) == ("ticks.NSE:INFY", {"last_price": "1520.50"})


async def test_closing_a_subscription_ends_its_iteration(new_bus: BusFactory):
    bus = new_bus()
    sub = await bus.subscribe("a.*")
    other = await bus.subscribe("a.*")
    await sub.close()
    await bus.publish("a.b", {"n": 1})
    assert await receive(other) == ("a.b", {"n": 1})
    with pytest.raises(StopAsyncIteration):
        await receive(sub)


async def test_closing_the_bus_ends_subscriptions_and_refuses_use(new_bus: BusFactory):
    bus = new_bus()
    sub = await bus.subscribe("a")
    await bus.close()
    with pytest.raises(StopAsyncIteration):
        await receive(sub)
    with pytest.raises(RuntimeError, match="closed"):
        await bus.publish("a", {})
    with pytest.raises(RuntimeError, match="closed"):
        await bus.subscribe("a")


async def test_a_subscriber_that_falls_behind_loses_the_oldest(new_bus: BusFactory):
    bus = new_bus(queue_size=3)
    sub = await bus.subscribe("q")
    for n in range(10):
        await bus.publish("q", {"n": n})
    await eventually(lambda: sub.dropped == 7)  # type: ignore[attr-defined]
    assert [(await receive(sub))[1]["n"] for _ in range(3)] == [7, 8, 9]


@pytest.mark.parametrize(
    "patterns",
    [
        pytest.param((), id="none"),
        pytest.param(("",), id="empty"),
        pytest.param(("*",), id="star"),
        pytest.param((".*",), id="bare-wildcard"),
        pytest.param(("a.*.b",), id="inner-star"),
        pytest.param(("a*",), id="glob-suffix"),
    ],
)
async def test_bad_patterns_are_refused(new_bus: BusFactory, patterns: tuple[str, ...]):
    with pytest.raises(ValueError, match="pattern"):
        await new_bus().subscribe(*patterns)


async def test_the_in_process_bus_hands_over_the_published_object():
    bus = InProcessBus()
    sub = await bus.subscribe("x")
    message: dict[str, Any] = {"n": 1}
    await bus.publish("x", message)
    assert (await receive(sub))[1] is message  # no copy: subscribers must not mutate it
    await bus.close()


@pytest.mark.parametrize(
    ("redis_url", "kind"),
    [
        pytest.param(None, InProcessBus, id="no-url-in-process"),
        pytest.param("redis://127.0.0.1:6379/0", RedisBus, id="url-redis"),
    ],
)
async def test_the_factory_picks_redis_when_a_url_is_set(redis_url: str | None, kind: type):
    bus = make_bus(Settings(redis_url=redis_url, secret_key="k" * 40, _env_file=None))
    assert isinstance(bus, kind)
    await bus.close()
