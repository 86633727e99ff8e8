"""Publishing from any thread: messages handed over in order, published from the event loop.

The bus belongs to the event loop that uses it, while much of the server writes from worker
threads (requests' sessions, the trading loop's batches). A `Relay` takes messages from any
thread without waiting (`send`) and publishes them, one by one and in the order handed, from
a task on the loop (`run`). Like the bus it feeds, it never blocks the sender: past
`queue_size` waiting messages the oldest give way, and while it is not running what it is
handed is dropped; `dropped` counts both.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import Any

from tradertape.bus.inbox import Inbox, Message
from tradertape.bus.subscriptions import DEFAULT_QUEUE_SIZE
from tradertape.ports.bus import EventBus

log = logging.getLogger("tradertape.bus")


class Relay:
    """Hands messages from any thread to `bus`, published in order by `run`."""

    def __init__(self, bus: EventBus, *, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        self._bus = bus
        self._queue_size = queue_size
        self._loop: asyncio.AbstractEventLoop | None = None
        self._inbox: Inbox | None = None
        self._dropped_unrun = 0

    @property
    def running(self) -> bool:
        """Whether `run` is publishing (what `send` hands over is queued, not dropped)."""
        return self._inbox is not None

    @property
    def dropped(self) -> int:
        """Messages never published: handed while not running, or pushed out when full."""
        inbox = self._inbox
        return self._dropped_unrun + (inbox.dropped if inbox is not None else 0)

    def send(self, messages: Iterable[Message]) -> None:
        """Queue `messages` (topic, JSON-able dict) for publication; never waits."""
        batch = list(messages)
        loop, inbox = self._loop, self._inbox
        if not batch:
            return
        if loop is None or inbox is None or loop.is_closed():
            self._dropped_unrun += len(batch)
            return
        try:
            loop.call_soon_threadsafe(_put, inbox, batch)
        except RuntimeError:  # the loop closed between the check and the call
            self._dropped_unrun += len(batch)

    def send_made(self, count: int, make: Callable[[], Iterable[Message]]) -> None:
        """Queue the `count` messages `make` returns, made on the loop when their turn
        comes, not in the sender's thread: the OMS's committing thread hands over its
        events (`oms.emitter.to_bus`) and goes on with the next order (turning a paper
        order's two events into dicts cost it ~30 µs, bench/paper_orders.py), and nothing
        is made at all while the relay is not running. `make` must not depend on what the
        sender changes afterwards. Never waits; a `make` that raises loses its messages
        (logged, counted as dropped), not the relay."""
        loop, inbox = self._loop, self._inbox
        if count <= 0:
            return
        if loop is None or inbox is None or loop.is_closed():
            self._dropped_unrun += count
            return
        try:
            loop.call_soon_threadsafe(self._put_made, inbox, count, make)
        except RuntimeError:  # the loop closed between the check and the call
            self._dropped_unrun += count

    def _put_made(self, inbox: Inbox, count: int, make: Callable[[], Iterable[Message]]) -> None:
        try:
            batch = list(make())
        except Exception:  # a message that cannot be made is lost, the relay goes on
            log.exception("relay: making %d messages failed; dropped", count)
            self._dropped_unrun += count
            return
        _put(inbox, batch)

    async def run(self) -> None:
        """Publish what `send` hands over until cancelled (one relay, one running task)."""
        if self._inbox is not None:
            raise RuntimeError("this relay is running already")
        inbox = self._inbox = Inbox(self._queue_size)
        self._loop = asyncio.get_running_loop()
        try:
            while True:
                topic, message = await inbox.get()
                await self._publish(topic, message)
        finally:
            self._loop = None
            self._inbox = None
            self._dropped_unrun += inbox.dropped
            inbox.close()

    async def _publish(self, topic: str, message: dict[str, Any]) -> None:
        try:
            await self._bus.publish(topic, message)
        except Exception:  # a bus that is down loses this message, not the relay
            log.exception("relay: publishing on %s failed; message dropped", topic)
            self._dropped_unrun += 1


def _put(inbox: Inbox, batch: list[Message]) -> None:
    for item in batch:
        inbox.put(item)
