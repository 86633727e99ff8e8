"""What both bus backends do alike; only how a message travels differs between them.

A subscription is its normalised patterns (`parse_patterns`) and an `Inbox` its backend fills
and its subscriber iterates. A bus refuses use once closed, keeps its live subscriptions and
ends them all when it closes. `InProcessBus` delivers into the inboxes itself; `RedisBus`
gives each subscription a pub/sub connection whose reader fills it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from typing import Generic, TypeVar

from tradertape.bus.inbox import Inbox, Message
from tradertape.bus.patterns import TopicFilter, parse_patterns

DEFAULT_QUEUE_SIZE = 10_000


class InboxSubscription:
    """Messages of one `subscribe` call, iterated until it is closed."""

    def __init__(
        self, topics: TopicFilter, *, maxsize: int, on_close: Callable[[InboxSubscription], None]
    ) -> None:
        self._on_close = on_close
        self.topics = topics
        self.inbox = Inbox(maxsize)

    def __aiter__(self) -> AsyncIterator[Message]:
        return self

    async def __anext__(self) -> Message:
        return await self.inbox.get()

    @property
    def dropped(self) -> int:
        """Messages lost because this subscriber fell behind by more than its queue."""
        return self.inbox.dropped

    async def close(self) -> None:
        """Stop receiving; the iterator ends."""
        self._on_close(self)
        self.inbox.close()
        await self._release()

    async def _release(self) -> None:
        """Let go of what carries the messages (nothing, in process)."""


Sub = TypeVar("Sub", bound=InboxSubscription)


class SubscribingBus(ABC, Generic[Sub]):
    """The subscriptions of a bus, and its closed state (a backend adds `publish`)."""

    def __init__(self, *, queue_size: int) -> None:
        self._queue_size = queue_size
        self._subscriptions: set[InboxSubscription] = set()
        self._closed = False

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("the bus is closed")

    async def subscribe(self, *patterns: str) -> Sub:
        """Start receiving messages whose topic matches any pattern.

        Raises
        ------
        ValueError
            A pattern is neither a topic nor ``prefix.*`` (`parse_patterns`).
        RuntimeError
            The bus is closed.
        """
        self._check_open()
        subscription = await self._open(parse_patterns(patterns))
        self._subscriptions.add(subscription)
        return subscription

    @abstractmethod
    async def _open(self, topics: TopicFilter) -> Sub:
        """A subscription to `topics` that receives every message published from now on."""

    def _forget(self, subscription: InboxSubscription) -> None:
        """Drop a closed subscription (its `on_close`)."""
        self._subscriptions.discard(subscription)

    async def close(self) -> None:
        """End every subscription and release the transport; further use raises."""
        self._closed = True
        for subscription in list(self._subscriptions):
            await subscription.close()
        self._subscriptions.clear()
        await self._release()

    async def _release(self) -> None:
        """Let go of the transport (nothing, in process)."""
