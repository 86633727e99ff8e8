"""A subscription's mailbox: bounded, drops the oldest message when full, iterable until closed.

A bus must never block its publisher on a slow subscriber (one stuck consumer would stall the
feed for everyone), so delivery is a non-blocking append and the oldest message gives way;
`dropped` counts what was lost.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

Message = tuple[str, dict[str, Any]]


class Inbox:
    """Messages waiting for one subscriber; use from a single event loop."""

    def __init__(self, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self._items: deque[Message] = deque(maxlen=maxsize)
        self._ready = asyncio.Event()
        self._closed = False
        self.dropped = 0

    @property
    def closed(self) -> bool:
        """Whether the inbox accepts and yields no more messages."""
        return self._closed

    def put(self, item: Message) -> None:
        """Append without waiting; the oldest message is dropped (and counted) when full."""
        if self._closed:
            return
        if len(self._items) == self._items.maxlen:
            self.dropped += 1
        self._items.append(item)
        self._ready.set()

    def close(self) -> None:
        """End iteration now; undelivered messages are discarded."""
        self._closed = True
        self._items.clear()
        self._ready.set()

    async def get(self) -> Message:
        """The next message, waiting if there is none.

        Raises
        ------
        StopAsyncIteration
            The inbox is closed.
        """
        while not self._items:
            if self._closed:
                raise StopAsyncIteration
            self._ready.clear()
            await self._ready.wait()
        return self._items.popleft()
