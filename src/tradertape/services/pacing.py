"""How a long-lived stream paces itself, and where its reads run.

A stream (a job's progress, a worker run's P&L or timeline) looks for news every
`poll_secs`, says ``heartbeat`` after `heartbeat_secs` of quiet, waits with `sleep`, and hands
each database read to `read`. The server's `read` first takes a database slot for that read
alone (`serving.open_streams`), so a stream holds none while it waits; the default runs the read
in a worker thread, for callers with no admission to respect (tests, scripts).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


class Reads(Protocol):
    """Runs one blocking read off the event loop and answers its result."""

    async def __call__(self, read: Callable[[], T], /) -> T: ...


async def in_thread(read: Callable[[], T], /) -> T:
    """`read` in a worker thread, with no admission."""
    return await asyncio.to_thread(read)


@dataclass(frozen=True, slots=True)
class Pacing:
    """How often streams look for news, how long they stay quiet before a heartbeat, how
    they wait, and where their reads run."""

    poll_secs: float = 0.25
    heartbeat_secs: float = 15.0
    sleep: Sleep = asyncio.sleep
    read: Reads = in_thread
