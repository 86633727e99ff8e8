"""A blocking call (an HTTP request of a broker's REST API) run in a worker thread, which a
cancel waits out instead of leaving behind.

`asyncio.to_thread` ends its awaiter at once on a cancel, but the thread cannot be stopped:
it runs on, holding a thread of the loop's executor, whose shutdown joins it after the loop
has stopped serving anything it may wait on (an in-process fake broker in tests), and its
answer or error goes unread. The calls given here are bounded by their own HTTP timeout, so
waiting for one is bounded too; a second cancel leaves it at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

__all__ = ["in_thread"]

P = ParamSpec("P")
R = TypeVar("R")


async def in_thread(call: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """``call(*args, **kwargs)`` in a worker thread; cancelled, it ends once the call has."""
    running: asyncio.Future[R] = asyncio.ensure_future(asyncio.to_thread(call, *args, **kwargs))
    try:
        return await asyncio.shield(running)
    except asyncio.CancelledError:
        await _outlive(running)
        raise


async def _outlive(running: asyncio.Future[Any]) -> None:
    await asyncio.wait({running})
    if not running.cancelled():
        running.exception()  # read, so a failed call is not reported as never retrieved
