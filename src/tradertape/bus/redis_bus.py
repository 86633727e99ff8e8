"""The Redis bus: the same topics carried between processes by Redis pub/sub.

Messages travel as compact JSON on the channel ``<namespace>:<topic>``; exact topics use
SUBSCRIBE and ``prefix.*`` patterns PSUBSCRIBE (the prefix glob-escaped, so a symbol such as
``M&M`` or one with brackets is never read as a pattern). Each subscription owns one pub/sub
connection and a reader task; delivery order per topic is Redis's, which is publication order.
Like the in-process bus, a subscriber that falls behind loses its oldest messages, never
blocks the reader. A bus instance belongs to the event loop that first uses it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from tradertape.bus.patterns import TopicFilter
from tradertape.bus.subscriptions import DEFAULT_QUEUE_SIZE, InboxSubscription, SubscribingBus

log = logging.getLogger("tradertape.bus")

_CONFIRM_TIMEOUT_S = 5.0
_RETRY_DELAYS_S = (0.1, 0.5, 1.0, 2.0, 5.0)
_GLOB_SPECIALS = str.maketrans({c: "\\" + c for c in "*?[]\\"})


def glob_escape(text: str) -> str:
    """Escape Redis glob metacharacters so `text` matches only itself."""
    return text.translate(_GLOB_SPECIALS)


class RedisSubscription(InboxSubscription):
    """Messages of one `RedisBus.subscribe` call, read by a background task."""

    def __init__(
        self,
        pubsub: PubSub,
        topics: TopicFilter,
        *,
        namespace: str,
        maxsize: int,
        on_close: Callable[[InboxSubscription], None],
    ) -> None:
        super().__init__(topics, maxsize=maxsize, on_close=on_close)
        self._pubsub = pubsub
        self._strip = len(namespace) + 1
        self._reader: asyncio.Task[None] | None = None

    async def start(self, confirmations: int) -> None:
        """Wait until Redis has confirmed every (p)subscribe, then start reading.

        Returning only after the confirmations means a message published after `subscribe`
        returns is guaranteed to arrive, which callers and tests rely on.
        """
        seen = 0
        async with asyncio.timeout(_CONFIRM_TIMEOUT_S):
            while seen < confirmations:
                reply = await self._pubsub.get_message(timeout=_CONFIRM_TIMEOUT_S)
                if reply is not None and reply["type"] in ("subscribe", "psubscribe"):
                    seen += 1
        self._reader = asyncio.create_task(self._read(), name="redis-bus-reader")

    async def _read(self) -> None:
        failures = 0
        while not self.inbox.closed:
            try:
                async for reply in self._pubsub.listen():
                    failures = 0
                    if reply["type"] in ("message", "pmessage"):
                        topic = reply["channel"].decode()[self._strip :]
                        self.inbox.put((topic, json.loads(reply["data"])))
            except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
                # redis-py reconnects and re-subscribes on the next read; back off meanwhile.
                delay = _RETRY_DELAYS_S[min(failures, len(_RETRY_DELAYS_S) - 1)]
                failures += 1
                log.warning("redis bus: subscription lost (%s); retrying in %.1fs", exc, delay)
                await asyncio.sleep(delay)

    async def _release(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        with contextlib.suppress(RedisConnectionError, OSError):
            await self._pubsub.aclose()  # type: ignore[no-untyped-call]  # untyped in redis-py


class RedisBus(SubscribingBus[RedisSubscription]):
    """`EventBus` over Redis pub/sub, shared by every process that uses the same namespace."""

    def __init__(
        self,
        url: str,
        *,
        namespace: str,  # the installation's (bus.namespace): never a shared default
        queue_size: int = DEFAULT_QUEUE_SIZE,
    ) -> None:
        super().__init__(queue_size=queue_size)
        self._redis: Redis = Redis.from_url(url)
        self._namespace = namespace

    def _channel(self, topic: str) -> str:
        return f"{self._namespace}:{topic}"

    async def publish(self, topic: str, message: dict[str, Any]) -> None:
        """Deliver `message` (JSON-encoded) to every subscriber of `topic` in any process."""
        self._check_open()
        payload = json.dumps(message, separators=(",", ":"))
        await self._redis.publish(self._channel(topic), payload)

    async def _open(self, topics: TopicFilter) -> RedisSubscription:
        """A subscription with its own pub/sub connection, once Redis has confirmed it."""
        pubsub = self._redis.pubsub()
        subscription = RedisSubscription(
            pubsub,
            topics,
            namespace=self._namespace,
            maxsize=self._queue_size,
            on_close=self._forget,
        )
        try:
            if topics.exact:
                await pubsub.subscribe(*(self._channel(t) for t in sorted(topics.exact)))
            if topics.prefixes:
                globs = (glob_escape(self._channel(p)) + "*" for p in topics.prefixes)
                await pubsub.psubscribe(*globs)
            await subscription.start(len(topics.exact) + len(topics.prefixes))
        except BaseException:
            await subscription.close()
            raise
        return subscription

    async def _release(self) -> None:
        await self._redis.aclose()
