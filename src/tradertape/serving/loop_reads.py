"""The desk's SQLite reads, run on the event loop in arrival order, a time slice at a time.

A SQLite desk read is CPU work that holds the GIL from start to end, so a worker thread
buys it no parallelism; it only adds two wake-ups and GIL hand-overs, which were about half
of the server's CPU per answer (`bench/load.py --mode reads`). `LoopReads` runs the reads
on the loop instead, on a connection of their own (`Database.loop_reads`: one read at a
time, so it never waits for the request pool).

Reads queue here, not in the loop's ready list: one drain task runs them back to back and
yields to the loop after `slice_s` of work, so the loop's other work (health probes, other
requests, WebSockets) waits at most a slice, never behind every queued read. Overload is
answered as the admission gate answers it: a 503 when `max_waiting` reads queue already,
or when a read waited `wait_s` before its turn.

Work that could wait on the loop refuses there (`db.on_loop.NeedsThread`: a write, a live
broker's API); the caller then runs it in a thread as before.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar

from tradertape.db.on_loop import on_loop
from tradertape.errors import Overloaded

T = TypeVar("T")
log = logging.getLogger("tradertape.api")

SLICE_S = 0.01  # the longest the loop's other work waits for queued reads
RETRY_AFTER_S = 1


class LoopReads:
    """A FIFO of synchronous reads drained on the running loop, `slice_s` at a time."""

    def __init__(
        self,
        *,
        max_waiting: int,
        wait_s: float,
        slice_s: float = SLICE_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_waiting = max_waiting
        self.wait_s = wait_s
        self.slice_s = slice_s
        self._monotonic = monotonic
        self._queue: deque[tuple[Callable[[], Any], asyncio.Future[Any], float]] = deque()
        self._drain: asyncio.Task[None] | None = None
        self._writes: set[asyncio.Task[object]] = set()
        self.refused = 0  # answered 503, for the logs and the bench
        self.slices = 0  # times the drain gave the loop back (for tests)

    def spawn(self, write: Callable[..., object], *args: object) -> None:
        """Run `write(*args)` in a worker thread, unawaited: what a read on the loop left to
        write (a session's slide). A failure is logged; nothing waits for it."""
        task = asyncio.get_running_loop().create_task(asyncio.to_thread(write, *args))
        self._writes.add(task)
        task.add_done_callback(self._written)

    async def written(self) -> None:
        """Wait for the writes `spawn` started (their failures are logged, not raised)."""
        await asyncio.gather(*self._writes, return_exceptions=True)

    def _written(self, task: asyncio.Task[object]) -> None:
        self._writes.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("a write left by a desk read failed", exc_info=task.exception())

    @property
    def waiting(self) -> int:
        """Reads queued for their turn."""
        return len(self._queue)

    async def run(self, read: Callable[[], T]) -> T:
        """`read()`'s answer (or exception), run on this loop inside `on_loop` in its turn."""
        if len(self._queue) >= self.max_waiting:
            self.refused += 1
            raise Overloaded("the server is busy (desk read queue full); retry shortly")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.append((read, future, self._monotonic() + self.wait_s))
        if self._drain is None:
            self._drain = asyncio.create_task(self._run_queue(), name="desk-reads")
        return await future

    async def _run_queue(self) -> None:
        try:
            while self._queue:
                ends = self._monotonic() + self.slice_s
                while self._queue and self._monotonic() < ends:
                    self._one(*self._queue.popleft())
                if self._queue:
                    self.slices += 1
                    await asyncio.sleep(0)  # the loop's other ready work runs now
        finally:
            self._drain = None

    def _one(self, read: Callable[[], Any], future: asyncio.Future[Any], due: float) -> None:
        if future.done():  # its request went away (the client hung up)
            return
        if self._monotonic() > due:
            self.refused += 1
            future.set_exception(
                Overloaded(
                    f"the server is busy (no desk read turn within {self.wait_s:g} s); "
                    "retry shortly",
                    RETRY_AFTER_S,
                )
            )
            return
        try:
            with on_loop():
                answer = read()
        except Exception as exc:  # noqa: BLE001 - handed to the request that asked
            future.set_exception(exc)
        else:
            future.set_result(answer)
