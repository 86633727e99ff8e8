"""The in-process bus: one event loop, messages handed over by reference.

Subscribers receive the very dict that was published (no copy, no JSON round trip), so they
must treat it as read-only; publishers must send JSON-able dicts all the same, so that code
written against this bus runs unchanged on `RedisBus`.
"""

from __future__ import annotations

from typing import Any

from tradertape.bus.patterns import TopicFilter
from tradertape.bus.subscriptions import DEFAULT_QUEUE_SIZE, InboxSubscription, SubscribingBus

#: Messages of one `InProcessBus.subscribe` call.
InProcessSubscription = InboxSubscription


class InProcessBus(SubscribingBus[InProcessSubscription]):
    """`EventBus` for a single process."""

    def __init__(self, *, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        super().__init__(queue_size=queue_size)
        self._exact: dict[str, set[InProcessSubscription]] = {}
        self._prefixed: set[InProcessSubscription] = set()

    async def publish(self, topic: str, message: dict[str, Any]) -> None:
        """Deliver `message` to every current subscriber of `topic` (never waits)."""
        self._check_open()
        item = (topic, message)
        for subscription in self._exact.get(topic, ()):
            subscription.inbox.put(item)
        for subscription in self._prefixed:
            if topic.startswith(subscription.topics.prefixes):
                subscription.inbox.put(item)

    async def _open(self, topics: TopicFilter) -> InProcessSubscription:
        subscription = InProcessSubscription(
            topics, maxsize=self._queue_size, on_close=self._forget
        )
        for topic in topics.exact:
            self._exact.setdefault(topic, set()).add(subscription)
        if topics.prefixes:
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
        super()._forget(subscription)
