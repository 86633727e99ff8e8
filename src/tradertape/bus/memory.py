"""The in-process bus: one event loop, messages handed over by reference.

Subscribers receive the very dict that was published (no copy, no JSON round trip), so they
must treat it as read-only; publishers must send JSON-able dicts all the same, so that code
written against this bus runs unchanged on `RedisBus`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from tradertape.bus.inbox import Inbox, Message
from tradertape.bus.patterns import TopicFilter, parse_patterns

DEFAULT_QUEUE_SIZE = 10_000


class InProcessSubscription:
    """Messages of one `InProcessBus.subscribe` call."""

    def __init__(self, bus: InProcessBus, topics: TopicFilter, maxsize: int) -> None:
        self._bus = bus
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
        self._bus._forget(self)
        self.inbox.close()


class InProcessBus:
    """`EventBus` for a single process."""

    def __init__(self, *, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        self._queue_size = queue_size
        self._exact: dict[str, set[InProcessSubscription]] = {}
        self._prefixed: set[InProcessSubscription] = set()
        self._closed = False

    async def publish(self, topic: str, message: dict[str, Any]) -> None:
        """Deliver `message` to every current subscriber of `topic` (never waits)."""
        if self._closed:
            raise RuntimeError("the bus is closed")
        item = (topic, message)
        for subscription in self._exact.get(topic, ()):
            subscription.inbox.put(item)
        for subscription in self._prefixed:
            if topic.startswith(subscription.topics.prefixes):
                subscription.inbox.put(item)

    async def subscribe(self, *patterns: str) -> InProcessSubscription:
        """Start receiving messages whose topic matches any pattern."""
        if self._closed:
            raise RuntimeError("the bus is closed")
        subscription = InProcessSubscription(self, parse_patterns(patterns), self._queue_size)
        for topic in subscription.topics.exact:
            self._exact.setdefault(topic, set()).add(subscription)
        if subscription.topics.prefixes:
            self._prefixed.add(subscription)
        return subscription

    def _forget(self, subscription: InProcessSubscription) -> None:
        for topic in subscription.topics.exact:
            members = self._exact.get(topic)
            if members is not None:
                members.discard(subscription)
                if not members:
                    del self._exact[topic]
        self._prefixed.discard(subscription)

    async def close(self) -> None:
        """End every subscription; further use raises."""
        self._closed = True
        subscriptions = set(self._prefixed).union(*self._exact.values())
        for subscription in subscriptions:
            await subscription.close()
