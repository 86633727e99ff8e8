"""Test kit for the bus and the market: Redis availability, polling, a hand-driven feed."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import anyio

from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.instruments_data import reference_catalog
from tradertape.feed.simulated import FeedConfig, SimulatedFeed
from tradertape.ports.bus import EventBus, Subscription
from tradertape.ports.clock import IST, ManualClock

REDIS_URL = "redis://127.0.0.1:6379/0"
OPEN = datetime(2026, 11, 20, 9, 15, tzinfo=IST)  # a Friday session
KEYS = ("NSE:RELIANCE", "NSE:INFY", "NSE:TCS", "NSE:NIFTY 50")


def redis_up(url: str = REDIS_URL) -> bool:
    """Whether a Redis answers at `url` (the Redis tests skip, and say so, when not)."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "", parts.port or 6379), timeout=0.5):
            return True
    except OSError:
        return False


def namespace() -> str:
    """A Redis channel namespace of its own, so parallel runs never hear each other."""
    return f"tt-test-{uuid.uuid4().hex[:10]}"


async def eventually(predicate: Callable[[], bool], limit_s: float = 5.0) -> None:
    """Poll `predicate` until it holds (yielding to the loop), failing after `limit_s` s."""
    deadline = time.monotonic() + limit_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await anyio.sleep(0.005)


async def receive(subscription: Subscription, limit_s: float = 5.0) -> tuple[str, dict[str, Any]]:
    """The next message of a subscription, failing after `limit_s` s."""
    iterator: AsyncIterator[tuple[str, dict[str, Any]]] = aiter(subscription)
    with anyio.fail_after(limit_s):
        return await anext(iterator)


def make_feed(
    bus: EventBus,
    clock: ManualClock,
    *,
    keys: tuple[str, ...] = KEYS,
    **config: Any,
) -> SimulatedFeed:
    """A synthetic feed over a few instruments, one tick per instrument per market minute."""
    settings = {"interval_secs": 60.0, **config}
    return SimulatedFeed.synthetic(
        bus=bus,
        clock=clock,
        calendar=nse_calendar(),
        catalog=reference_catalog(),
        config=FeedConfig(**settings),
        keys=keys,
    )
