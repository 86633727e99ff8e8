"""A burst's frames as bytes: clients of one watchlist share one joined body, a client's own
list is picked in its order, and a writer that takes bytes gets the frame in pieces."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from tests.market import KEYS, OPEN, eventually, make_feed
from tradertape.bus import InProcessBus
from tradertape.feed.codec import TickMode
from tradertape.feed.fanout import HEAD, TAIL, TickHub, picker
from tradertape.ports.clock import ManualClock

pytestmark = pytest.mark.anyio


class Pieces:
    """A `DirectBytesWriter` recording the pieces of each frame it is given."""

    def __init__(self) -> None:
        self.frames: list[tuple[bytes, ...]] = []

    def writable(self) -> bool:
        return True

    def write_text(self, text: str) -> None:
        raise AssertionError("a bytes writer is given bytes")

    def write_utf8(self, chunks: tuple[bytes, ...]) -> None:
        self.frames.append(chunks)

    def data(self, n: int) -> dict[str, Any]:
        frame = json.loads(b"".join(self.frames[n]))
        assert frame["type"] == "ticks"
        return dict(frame["data"])


@pytest.fixture
async def hub() -> AsyncIterator[TickHub]:
    bus = InProcessBus()
    tick_hub = TickHub(bus)
    await tick_hub.start()
    yield tick_hub
    await tick_hub.close()
    await bus.close()


async def test_clients_of_one_list_share_the_joined_body_and_others_get_their_own(hub: TickHub):
    clock = ManualClock(OPEN)
    feed = make_feed(hub._bus, clock)  # noqa: SLF001
    a, b, c = Pieces(), Pieces(), Pieces()
    for socket, keys in ((a, KEYS), (b, tuple(reversed(KEYS))), (c, KEYS[:2])):
        hub.subscribe(hub.connect(socket), keys, TickMode.QUOTE)
    await feed.advance_to(clock.now())
    await eventually(lambda: all(len(s.frames) == 1 for s in (a, b, c)))
    head, body, tail = a.frames[0]
    assert (head, tail) == (HEAD, TAIL)
    assert b.frames[0][1] is body  # joined once for both
    assert a.data(0) == b.data(0)
    assert set(c.data(0)) == set(KEYS[:2])
    assert c.data(0) == {key: a.data(0)[key] for key in KEYS[:2]}


async def test_a_client_leaving_a_shared_list_gets_its_own_frames(hub: TickHub):
    clock = ManualClock(OPEN)
    feed = make_feed(hub._bus, clock)  # noqa: SLF001
    a, b = Pieces(), Pieces()
    channel_a = hub.connect(a)
    channel_b = hub.connect(b)
    hub.subscribe(channel_a, KEYS, TickMode.QUOTE)
    hub.subscribe(channel_b, KEYS, TickMode.QUOTE)
    await feed.advance_to(clock.now())
    await eventually(lambda: len(a.frames) == len(b.frames) == 1)
    hub.unsubscribe(channel_b, KEYS[:1])
    await feed.advance_to(clock.advance(timedelta(minutes=1)))
    await eventually(lambda: len(a.frames) == len(b.frames) == 2)
    assert set(a.data(1)) == set(KEYS)
    assert set(b.data(1)) == set(KEYS[1:])
    assert b.data(1) == {key: a.data(1)[key] for key in KEYS[1:]}
    hub.disconnect(channel_b)  # a is alone on its list: its body is no longer kept
    assert hub._groups[TickMode.QUOTE] == {frozenset(KEYS): 1}  # noqa: SLF001
    hub.subscribe(channel_a, KEYS[:1], TickMode.LTP)  # a key moves to another mode
    assert hub._groups[TickMode.QUOTE] == {frozenset(KEYS[1:]): 1}  # noqa: SLF001
    assert hub._groups[TickMode.LTP] == {frozenset(KEYS[:1]): 1}  # noqa: SLF001
    hub.disconnect(channel_a)
    assert not hub._groups[TickMode.QUOTE]  # noqa: SLF001
    assert not hub._groups[TickMode.LTP]  # noqa: SLF001


def test_a_picker_of_one_key_gives_a_tuple_too():
    fragments = {"a": b'"a":1', "b": b'"b":2'}
    assert picker(["a"])(fragments) == (b'"a":1',)
    assert picker(["b", "a"])(fragments) == (b'"b":2', b'"a":1')
