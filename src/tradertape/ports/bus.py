"""The event bus port: topics carry JSON-able dicts between components and processes.

In one process the `InProcessBus` fans out in memory; with several processes a Redis
backend (same protocol) carries the same topics. Topic names: ``ticks.<EXCH>:<SYMBOL>``,
``orders.<user_id>``, ``gtt.<user_id>``, ``runs.<run_id>`` and so on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol


class Subscription(Protocol):
    """Messages of the subscribed topics, in publication order per topic."""

    def __aiter__(self) -> AsyncIterator[tuple[str, dict[str, Any]]]:
        """Iterate ``(topic, message)`` pairs until closed."""
        ...

    async def close(self) -> None:
        """Stop receiving; the iterator ends."""
        ...


class EventBus(Protocol):
    """Publish/subscribe by topic; a subscriber matches exact topics or ``prefix.*``."""

    async def publish(self, topic: str, message: dict[str, Any]) -> None:
        """Deliver `message` to every current subscriber of `topic`."""
        ...

    async def subscribe(self, *patterns: str) -> Subscription:
        """Start receiving messages whose topic matches any pattern."""
        ...

    async def close(self) -> None:
        """Release connections and end every subscription."""
        ...
