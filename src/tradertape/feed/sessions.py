"""The loop both live broker feeds (Kite's, Upstox's) run: wait for a session, then use it.

A feed needs a live session and something to subscribe; until it has both it says why once
and looks again every ``wait_secs``. A session the broker refused is skipped (the same token
cannot succeed) until the store holds another.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, NoReturn, TypeVar

log = logging.getLogger("tradertape.feed")

Login = TypeVar("Login")
Wanted = TypeVar("Wanted", bound=Mapping[Any, Any])


async def serve_sessions(
    *,
    name: str,
    login: Callable[[], Login | None],
    instruments: Callable[[], Wanted],
    refused: Callable[[Login], bool],
    session: Callable[[Login, Wanted], Awaitable[None]],
    sleep: Callable[[float], Awaitable[None]],
    wait_secs: float,
    no_session: str,
    no_instruments: str,
) -> NoReturn:
    """Run `session` with each usable login and its instruments, waiting while there is none.

    `login` and `instruments` read the database, so they run in a worker thread; `session`
    returns when its connection is over for good (cancelled, or the login refused).
    """
    waiting_said: str | None = None
    while True:
        found = await asyncio.to_thread(login)
        if found is not None and refused(found):
            found = None
        wanted = await asyncio.to_thread(instruments) if found is not None else None
        if found is None or not wanted:
            reason = no_session if found is None else no_instruments
            if reason != waiting_said:
                log.warning("%s feed waiting: %s", name, reason)
                waiting_said = reason
            await sleep(wait_secs)
            continue
        waiting_said = None
        await session(found, wanted)
