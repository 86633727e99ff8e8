"""Tick fan-out: one payload per mode, bounded per-client queues, a stuck client stalls nobody."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from tests.market import KEYS, OPEN, eventually, make_feed
from tradertape.bus import InProcessBus
from tradertape.feed.codec import TickMode
from tradertape.feed.fanout import ClientChannel, TickHub
from tradertape.ports.clock import IST, ManualClock

pytestmark = pytest.mark.anyio


class Recorder:
    """A client that reads everything."""

    def __init__(self) -> None:
        self.frames: list[dict[str, Any]] = []

    async def __call__(self, text: str) -> None:
        self.frames.append(json.loads(text))

    def ticks(self) -> dict[str, dict[str, Any]]:
        latest: dict[str, dict[str, Any]] = {}
        for frame in self.frames:
            if frame["type"] == "ticks":
                latest.update(frame["data"])
        return latest


class Stuck(Recorder):
    """A client that stops reading: its sends block until `release` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()

    async def __call__(self, text: str) -> None:
        await self.release.wait()
        await super().__call__(text)


@pytest.fixture
async def hub() -> AsyncIterator[TickHub]:
    bus = InProcessBus()
    tick_hub = TickHub(bus, queue_size=8)
    await tick_hub.start()
    await tick_hub.start()  # idempotent
    yield tick_hub
    await tick_hub.close()
    await bus.close()


async def attach(hub: TickHub, sink: Recorder, mode: TickMode = TickMode.QUOTE) -> ClientChannel:
    channel = hub.connect()
    hub.subscribe(channel, KEYS, mode)
    channel.pump_task = asyncio.create_task(channel.pump(sink))  # type: ignore[attr-defined]
    return channel


async def detach(hub: TickHub, channel: ClientChannel) -> None:
    hub.disconnect(channel)
    channel.pump_task.cancel()  # type: ignore[attr-defined]
    await asyncio.gather(channel.pump_task, return_exceptions=True)  # type: ignore[attr-defined]


async def test_a_client_that_never_reads_stalls_nobody(hub: TickHub):
    clock = ManualClock(OPEN)
    feed = make_feed(hub._bus, clock)  # noqa: SLF001 - the hub's own bus
    stuck, good = Stuck(), Recorder()
    stuck_channel = await attach(hub, stuck)
    good_channel = await attach(hub, good)
    for _ in range(30):
        await feed.advance_to(clock.now())
        stamp = clock.now().astimezone(IST).strftime("T%H:%M")

        def caught_up(stamp: str = stamp) -> bool:
            latest = good.ticks()
            return len(latest) == len(KEYS) and all(
                stamp in t["timestamp"] for t in latest.values()
            )

        await eventually(caught_up)  # the good client sees every minute while the other is stuck
        clock.advance(timedelta(minutes=1))
    assert stuck.frames == []
    assert stuck_channel.dropped > 0
    assert good_channel.dropped == 0
    assert hub.metrics()["ticks_dropped"] == stuck_channel.dropped
    assert hub.metrics()["clients"] == 2
    # once it reads again it is told how many ticks it missed, then gets the latest
    stuck.release.set()
    await eventually(lambda: any(f["type"] == "ticks" for f in stuck.frames))
    status = next(f for f in stuck.frames if f["type"] == "status")
    assert status == {"type": "status", "connected": True, "dropped": stuck_channel.dropped}
    await detach(hub, stuck_channel)
    await detach(hub, good_channel)
    assert hub.metrics()["clients"] == 0
    assert hub.metrics()["subscribed_keys"] == 0


async def test_modes_shape_each_clients_payload_and_subscribing_again_switches(hub: TickHub):
    clock = ManualClock(OPEN)
    feed = make_feed(hub._bus, clock)  # noqa: SLF001
    ltp, full = Recorder(), Recorder()
    ltp_channel = await attach(hub, ltp, TickMode.LTP)
    full_channel = await attach(hub, full, TickMode.FULL)
    await feed.advance_to(clock.now())
    await eventually(lambda: len(ltp.ticks()) == len(full.ticks()) == len(KEYS))
    assert set(ltp.ticks()["NSE:INFY"]) == {"ltp", "instrument_token", "last_price"}
    assert len(full.ticks()["NSE:INFY"]["depth"]["buy"]) == 5
    hub.subscribe(ltp_channel, ["NSE:INFY"], TickMode.FULL)  # mode change: snapshot in full
    await eventually(lambda: "depth" in ltp.ticks()["NSE:INFY"])
    hub.unsubscribe(full_channel, list(KEYS))
    frames = len(full.frames)
    await feed.advance_to(clock.advance(timedelta(minutes=1)))
    await eventually(lambda: ltp.frames[-1]["data"].get("NSE:INFY", {}).get("volume", 0) > 0)
    assert len(full.frames) == frames  # unsubscribed: nothing more
    await detach(hub, ltp_channel)
    await detach(hub, full_channel)


async def test_a_burst_of_ticks_becomes_one_frame_per_client(hub: TickHub):
    clock = ManualClock(OPEN)
    feed = make_feed(hub._bus, clock)  # noqa: SLF001
    sink = Recorder()
    channel = await attach(hub, sink)
    await feed.advance_to(clock.now())
    await eventually(lambda: len(sink.ticks()) == len(KEYS))
    assert [f["type"] for f in sink.frames] == ["ticks"]
    assert channel.frames_sent == 1
    await detach(hub, channel)


async def test_malformed_bus_messages_are_skipped(hub: TickHub):
    sink = Recorder()
    channel = await attach(hub, sink)
    await hub._bus.publish("ticks.NSE:INFY", {"key": "NSE:INFY", "last_price": "x"})  # noqa: SLF001
    await hub._bus.publish("ticks.NSE:INFY", {"no": "key"})  # noqa: SLF001
    feed = make_feed(hub._bus, ManualClock(OPEN), keys=("NSE:INFY",))  # noqa: SLF001
    await feed.advance_to(OPEN)
    await eventually(lambda: "NSE:INFY" in sink.ticks())
    assert hub.metrics()["ticks_received"] == 2  # the well-formed one, and the bad-price one
    await detach(hub, channel)


async def test_the_queue_is_bounded_in_ticks_and_keeps_the_newest_batch(hub: TickHub):
    channel = hub.connect()  # queue_size=8 (the fixture's)
    for n in range(5):
        channel.deliver({k: f'"{k}":{n}' for k in "abc"}, {"a", "b", "c"})
    assert channel.dropped == 9  # three batches of three gave way
    assert hub.metrics()["ticks_dropped"] == 9
    big = {str(k): f'"{k}":0' for k in range(20)}
    channel.deliver(big, set(big))  # larger than the bound on its own: kept, the rest dropped
    assert channel.dropped == 15
    sink = Recorder()
    pump = asyncio.create_task(channel.pump(sink))
    await eventually(lambda: any(f["type"] == "ticks" for f in sink.frames))
    pump.cancel()
    await asyncio.gather(pump, return_exceptions=True)
    assert sink.frames[0] == {"type": "status", "connected": True, "dropped": 15}
    assert sink.frames[1]["data"] == {str(k): 0 for k in range(20)}


async def test_a_hub_announces_what_its_clients_want() -> None:
    bus = InProcessBus()
    listener = await bus.subscribe("interest.ticks")
    hub = TickHub(bus, interest_every_s=3600)
    channel = hub.connect()
    hub.subscribe(channel, ["NFO:NIFTY26D0125000CE"], TickMode.LTP)  # not started: no message
    await hub.start()
    hub.subscribe(channel, ["NSE:INFY"], TickMode.QUOTE)
    _, first = await asyncio.wait_for(listener.__anext__(), timeout=5)
    assert first == {"hub": hub.hub_id, "keys": ["NFO:NIFTY26D0125000CE", "NSE:INFY"]}
    hub.disconnect(channel)
    _, last = await asyncio.wait_for(listener.__anext__(), timeout=5)
    assert last == {"hub": hub.hub_id, "keys": []}
    await hub.close()
    await listener.close()
    await bus.close()
