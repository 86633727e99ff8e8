"""Tick fan-out: one payload per mode, bounded per-client queues, a stuck client stalls nobody."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from tests.market import KEYS, OPEN, eventually, make_feed, receive
from tradertape.bus import InProcessBus
from tradertape.feed.codec import TickMode
from tradertape.feed.fanout import ClientChannel, Part, TickHub
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


def _batch(n: int, keys: str = "abc") -> Part:
    return Part(TickMode.QUOTE, fragments={k: f'"{k}":{n}' for k in keys})


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
        channel.deliver(_batch(n), {"a", "b", "c"})
    assert channel.dropped == 9  # three batches of three gave way
    assert hub.metrics()["ticks_dropped"] == 9
    big = Part(TickMode.QUOTE, fragments={str(k): f'"{k}":0' for k in range(20)})
    # larger than the bound on its own: kept, the rest dropped
    channel.deliver(big, set(big.messages))
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


class Socket:
    """A `DirectWriter` whose writability the test sets; records what it was given."""

    def __init__(self, log: list[tuple[str, dict[str, Any]]]) -> None:
        self.log = log
        self.open = True

    def writable(self) -> bool:
        return self.open

    def write_text(self, text: str) -> None:
        assert self.open, "written while not writable"
        self.log.append(("direct", json.loads(text)))


class Pumped(Recorder):
    """The ASGI path, recording into the same log as the direct writer."""

    def __init__(self, log: list[tuple[str, dict[str, Any]]]) -> None:
        super().__init__()
        self.log = log

    async def __call__(self, text: str) -> None:
        self.log.append(("pump", json.loads(text)))


async def test_a_client_keeping_up_is_written_in_the_hubs_own_pass(hub: TickHub):
    log: list[tuple[str, dict[str, Any]]] = []
    channel = hub.connect(Socket(log))
    hub.subscribe(channel, KEYS, TickMode.QUOTE)
    clock = ManualClock(OPEN)
    feed = make_feed(hub._bus, clock)  # noqa: SLF001
    await feed.advance_to(clock.now())
    # no writer task runs: the frame was written when the burst ended
    await eventually(lambda: len(log) == 1)
    assert log[0][0] == "direct"
    assert set(log[0][1]["data"]) == set(KEYS)
    assert channel.frames_sent == 1
    hub.disconnect(channel)


async def test_a_client_behind_gets_the_latest_per_symbol_in_one_frame_then_direct_again(
    hub: TickHub,
):
    log: list[tuple[str, dict[str, Any]]] = []
    socket = Socket(log)
    channel = hub.connect(socket)  # queue_size=8 (the fixture's)
    socket.open = False  # its buffer is full: batches queue and coalesce
    channel.deliver(_batch(1), {"a", "b", "c"})
    channel.deliver(_batch(2, "ab"), {"a", "b"})
    socket.open = True
    channel.deliver(_batch(3, "a"), {"a"})  # writable again, but older ticks wait: queued too
    assert log == []
    pump = asyncio.create_task(channel.pump(Pumped(log)))
    await eventually(lambda: len(log) == 1)
    # latest value wins: one frame, every symbol at its newest, none lost
    assert log[0] == ("pump", {"type": "ticks", "data": {"a": 3, "b": 2, "c": 1}})
    await eventually(lambda: not channel._busy)  # noqa: SLF001 - the writer is parked again
    channel.deliver(_batch(4), {"a", "b", "c"})  # caught up: straight to the socket
    assert log[1] == ("direct", {"type": "ticks", "data": {"a": 4, "b": 4, "c": 4}})
    assert channel.dropped == 0
    assert channel.frames_sent == 2
    pump.cancel()
    await asyncio.gather(pump, return_exceptions=True)


async def test_replies_and_a_drop_notice_go_out_before_the_ticks_that_follow(hub: TickHub):
    log: list[tuple[str, dict[str, Any]]] = []
    socket = Socket(log)
    channel = hub.connect(socket)  # queue_size=8
    channel.push({"type": "subscribed", "symbols": ["a"]})
    channel.deliver(_batch(1), {"a", "b", "c"})  # a reply is waiting: this queues behind it
    socket.open = False
    for n in range(2, 6):  # 15 ticks pending against a bound of 8: the oldest give way
        channel.deliver(_batch(n), {"a", "b", "c"})
    socket.open = True
    pump = asyncio.create_task(channel.pump(Pumped(log)))
    await eventually(lambda: len(log) == 3)
    assert [entry[1]["type"] for entry in log] == ["subscribed", "status", "ticks"]
    assert all(way == "pump" for way, _ in log)
    assert log[1][1] == {"type": "status", "connected": True, "dropped": 9}
    assert log[2][1]["data"] == {"a": 5, "b": 5, "c": 5}
    await eventually(lambda: not channel._busy)  # noqa: SLF001
    channel.deliver(_batch(6), {"a", "b", "c"})
    assert log[3] == ("direct", {"type": "ticks", "data": {"a": 6, "b": 6, "c": 6}})
    pump.cancel()
    await asyncio.gather(pump, return_exceptions=True)


async def test_a_subscribe_snapshot_follows_its_reply(hub: TickHub):
    clock = ManualClock(OPEN)
    feed = make_feed(hub._bus, clock)  # noqa: SLF001
    first = hub.connect()
    hub.subscribe(first, KEYS, TickMode.QUOTE)  # the hub now holds a last tick per key
    await feed.advance_to(clock.now())
    await eventually(lambda: hub.metrics()["ticks_received"] == len(KEYS))
    log: list[tuple[str, dict[str, Any]]] = []
    channel = hub.connect(Socket(log))
    hub.subscribe(channel, ["NSE:INFY"], TickMode.LTP)
    channel.push({"type": "subscribed", "symbols": ["NSE:INFY"]})
    assert log == []  # the snapshot did not jump the reply
    pump = asyncio.create_task(channel.pump(Pumped(log)))
    await eventually(lambda: len(log) == 2)
    assert [entry[1]["type"] for entry in log] == ["subscribed", "ticks"]
    pump.cancel()
    await asyncio.gather(pump, return_exceptions=True)
    hub.disconnect(first)
    hub.disconnect(channel)


async def test_each_client_gets_only_its_keys_whether_a_burst_carries_all_or_some(hub: TickHub):
    clock = ManualClock(OPEN)
    log_a: list[tuple[str, dict[str, Any]]] = []
    log_b: list[tuple[str, dict[str, Any]]] = []
    a = hub.connect(Socket(log_a))
    b = hub.connect(Socket(log_b))
    hub.subscribe(a, ["NSE:INFY", "NSE:TCS"], TickMode.QUOTE)
    hub.subscribe(b, ["NSE:TCS"], TickMode.QUOTE)
    hub.subscribe(b, ["NSE:RELIANCE"], TickMode.LTP)
    some = make_feed(hub._bus, clock, keys=("NSE:INFY", "NSE:RELIANCE"))  # noqa: SLF001
    await some.advance_to(clock.now())
    await eventually(lambda: len(log_a) == 1 and len(log_b) == 1)
    assert set(log_a[0][1]["data"]) == {"NSE:INFY"}
    assert set(log_b[0][1]["data"]) == {"NSE:RELIANCE"}
    assert set(log_b[0][1]["data"]["NSE:RELIANCE"]) == {"ltp", "instrument_token", "last_price"}
    every = make_feed(hub._bus, clock)  # noqa: SLF001 - all of KEYS, more than anyone wants
    await every.advance_to(clock.advance(timedelta(minutes=1)))
    await eventually(lambda: len(log_a) == 2 and len(log_b) == 3)
    assert set(log_a[1][1]["data"]) == {"NSE:INFY", "NSE:TCS"}
    assert {key for _, frame in log_b[1:] for key in frame["data"]} == {
        "NSE:TCS",
        "NSE:RELIANCE",
    }
    hub.unsubscribe(a, ["NSE:TCS"])  # TCS is still b's: a's frames leave it out
    await every.advance_to(clock.advance(timedelta(minutes=1)))
    await eventually(lambda: len(log_a) == 3)
    assert set(log_a[2][1]["data"]) == {"NSE:INFY"}
    hub.disconnect(a)
    hub.disconnect(b)


async def test_a_mode_only_stalled_clients_want_is_never_rendered_until_one_reads(hub: TickHub):
    clock = ManualClock(OPEN)
    feed = make_feed(hub._bus, clock)  # noqa: SLF001
    log: list[tuple[str, dict[str, Any]]] = []
    live = hub.connect(Socket(log))
    hub.subscribe(live, KEYS, TickMode.QUOTE)
    full = Socket([])
    full.open = False  # stopped reading: its socket's buffer is full
    stalled = hub.connect(full)
    hub.subscribe(stalled, KEYS, TickMode.FULL)
    await feed.advance_to(clock.now())
    await eventually(lambda: len(log) == 1)
    ((part, keys),) = stalled._batches  # noqa: SLF001 - what waits for it
    assert part.mode is TickMode.FULL
    assert not part.rendered
    full.open = True
    sink = Recorder()
    pump = asyncio.create_task(stalled.pump(sink))
    await eventually(lambda: len(sink.ticks()) == len(KEYS))
    assert part.rendered
    assert len(sink.ticks()["NSE:INFY"]["depth"]["buy"]) == 5
    pump.cancel()
    await asyncio.gather(pump, return_exceptions=True)


async def test_a_malformed_tick_is_left_out_of_the_frame_it_was_batched_with(hub: TickHub):
    clock = ManualClock(OPEN)
    feed = make_feed(hub._bus, clock, keys=("NSE:TCS",))  # noqa: SLF001
    listener = await hub._bus.subscribe("ticks.*")  # noqa: SLF001
    log: list[tuple[str, dict[str, Any]]] = []
    channel = hub.connect(Socket(log))
    hub.subscribe(channel, ["NSE:INFY", "NSE:TCS"], TickMode.QUOTE)
    await feed.advance_to(clock.now())
    _, good = await receive(listener)
    await eventually(lambda: len(log) == 1)
    hub.dispatch({"key": "NSE:INFY", "last_price": "x"})  # one burst: a bad tick, a good one
    hub.dispatch(good)
    hub.flush()
    tcs = log[0][1]["data"]["NSE:TCS"]  # the same tick again
    assert log[1] == ("direct", {"type": "ticks", "data": {"NSE:TCS": tcs}})
    hub.dispatch({"key": "NSE:INFY", "last_price": "x"})  # alone: no frame at all, not an empty one
    hub.flush()
    assert len(log) == 2
    await listener.close()
