"""Open streams: what a long-lived answer holds while it is open, and how many one user keeps.

Every event stream (SSE) and every worker WebSocket goes through `OpenStreams`:

- It holds no database slot while it waits. Its route authenticates and checks ownership
  under the request's slot, which `get_db` gives back when the route returns (not when the
  answer ends), and each later read takes a slot for that read alone (`OpenStreams.read`,
  the streams' `Pacing.read`). Eight open progress pages used to hold the eight slots of the
  request gate, and every other user's request answered 503 after its 5 s wait.
- It holds one of its user's `streams_per_user` places (`StreamCap`) from its first byte to
  its end, whatever ends it: the client leaving (noticed at once, not at the next write),
  the job ending, the server stopping. One stream more is a 429 with ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar

import anyio
from fastapi import Depends, Request
from fastapi.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from tradertape.errors import Overloaded, RateLimited
from tradertape.services.pacing import Pacing, Sleep
from tradertape.serving.admission import AdmissionGate

log = logging.getLogger("tradertape.api")
T = TypeVar("T")
Event = tuple[str | None, Any]
RETRY_AFTER_S = 5  # a place frees when a tab closes; asking every second would only be refused
_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


class StreamCap:
    """At most `per_user` open streams per user. Event-loop only, as `AdmissionGate`."""

    def __init__(self, per_user: int) -> None:
        if per_user < 1:
            raise ValueError("per_user must be at least 1")
        self.per_user = per_user
        self._open: Counter[int] = Counter()

    def open(self, user_id: int) -> int:
        """How many streams `user_id` holds open."""
        return self._open[user_id]

    def take(self, user_id: int) -> None:
        """Take one of the user's places; `RateLimited` (429) when they hold them all."""
        if self._open[user_id] >= self.per_user:
            raise RateLimited(
                f"too many open streams: {self.per_user} at once per user (progress pages, "
                "P&L and timeline streams, worker WebSockets); close one and retry",
                RETRY_AFTER_S,
            )
        self._open[user_id] += 1

    def give_back(self, user_id: int) -> None:
        """Give a place back."""
        self._open[user_id] -= 1
        if self._open[user_id] <= 0:
            del self._open[user_id]

    @contextmanager
    def held(self, user_id: int) -> Iterator[None]:
        """Hold one of the user's places for the block."""
        self.take(user_id)
        try:
            yield
        finally:
            self.give_back(user_id)


def _data(payload: Any) -> str:
    return json.dumps(payload, separators=(",", ":"), default=str)


async def _frames(events: AsyncIterator[Event]) -> AsyncIterator[str]:
    """SSE frames of `events`: heartbeats become comments, a failure an ``error`` event."""
    yield ": connected\n\n"
    try:
        async for name, payload in events:
            if name == "heartbeat":
                yield ": heartbeat\n\n"
            elif name is None:
                yield f"data: {_data(payload)}\n\n"
            else:
                yield f"event: {name}\ndata: {_data(payload)}\n\n"
    except Exception:
        log.exception("stream failed")
        yield f"event: error\ndata: {_data({'detail': 'stream failed; reconnect'})}\n\n"


class EventStream(StreamingResponse):
    """A ``text/event-stream`` answer holding one of its user's places while it is sent.

    The place is taken when the answer starts (a 429, rendered by the error handlers, if
    none is free: nothing was sent yet) and given back when it ends. The answer ends as soon
    as the client leaves, whatever the ASGI server's spec version: a quiet stream writes
    only at its next heartbeat, and its place would be held until then.
    """

    def __init__(self, events: AsyncIterator[Event], *, cap: StreamCap, user_id: int) -> None:
        super().__init__(_frames(events), media_type="text/event-stream", headers=_HEADERS)
        self._cap = cap
        self._user_id = user_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        with self._cap.held(self._user_id):
            async with anyio.create_task_group() as group:

                async def stream() -> None:
                    await self.stream_response(send)
                    group.cancel_scope.cancel()

                group.start_soon(stream)
                await self.listen_for_disconnect(receive)
                group.cancel_scope.cancel()


class OpenStreams:
    """The server's streams: their per-user cap, and their pacing (`Pacing`), whose reads
    each take a slot of the request gate for the read alone."""

    def __init__(
        self,
        gate: AdmissionGate,
        *,
        per_user: int,
        poll_secs: float,
        heartbeat_secs: float,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.cap = StreamCap(per_user)
        self._gate = gate
        self._sleep = sleep
        self.pacing = Pacing(
            poll_secs=poll_secs, heartbeat_secs=heartbeat_secs, sleep=sleep, read=self.read
        )

    async def read(self, read: Callable[[], T], /) -> T:
        """`read`'s answer, run in a worker thread under a slot of the request gate taken
        for it alone. A busy gate's refusal is asked again after its Retry-After: a
        stream waits, it does not fail."""
        while True:
            try:
                await self._gate.acquire()
            except Overloaded as busy:
                await self._sleep(busy.retry_after_s)
                continue
            try:
                # A stream whose client left is cancelled here; its read finishes first, so
                # the slot comes back with the connection the read holds.
                with anyio.CancelScope(shield=True):
                    return await asyncio.to_thread(read)
            finally:
                self._gate.release()

    def sse(self, events: AsyncIterator[Event], *, user_id: int) -> EventStream:
        """`events` as server-sent events, counted among `user_id`'s open streams."""
        return EventStream(events, cap=self.cap, user_id=user_id)


async def open_streams(request: Request) -> OpenStreams:
    """The app's streams (async: no I/O, so no thread hop)."""
    streams: OpenStreams = request.app.state.streams
    return streams


StreamsDep = Annotated[OpenStreams, Depends(open_streams)]
