"""Admission control: requests wait for a database slot on the event loop, briefly, in order.

A request that needs the database first takes a slot of the process's `AdmissionGate`,
whose capacity is the request pool's size (less the credential lane's share), so an admitted
request never waits on the pool, and no worker thread is held while waiting: the wait is an
awaited future, not a blocked thread. Waiting is bounded twice: at most `max_waiting`
requests queue (the next is answered at once) and none waits longer than `wait_s`; both
answers are a 503 with ``Retry-After`` (`Overloaded`).

Without this, a burst of requests took every worker thread, each thread waited up to the
pool's 30 s for a connection, and the connections were held by requests whose clean-up
needed a thread: the server froze until the timeouts, then answered 500s.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from tradertape.db.engine import Database
from tradertape.errors import Overloaded

RETRY_AFTER_S = 1


class AdmissionGate:
    """At most `capacity` holders; up to `max_waiting` others queue (first come, first served)
    for at most `wait_s` each. Event-loop only; holds no loop, so any loop may use it."""

    def __init__(self, *, name: str, capacity: int, max_waiting: int, wait_s: float) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.name = name
        self.capacity = capacity
        self.max_waiting = max_waiting
        self.wait_s = wait_s
        self._held = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self.refused = 0  # answered 503, for the logs and the bench

    @property
    def held(self) -> int:
        """Slots in use."""
        return self._held

    @property
    def waiting(self) -> int:
        """Requests queued for a slot."""
        return len(self._waiters)  # whoever takes a waiter off the queue removes it

    def _refuse(self, why: str) -> Overloaded:
        self.refused += 1
        return Overloaded(f"the server is busy ({why}); retry shortly", RETRY_AFTER_S)

    async def acquire(self) -> None:
        """Take a slot, waiting at most `wait_s`; raise `Overloaded` when none comes."""
        if self._held < self.capacity and not self._waiters:
            self._held += 1
            return
        if len(self._waiters) >= self.max_waiting:
            raise self._refuse(f"{self.name} queue full")
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(self.wait_s):
                await waiter
        except TimeoutError:
            if waiter.done() and not waiter.cancelled():
                return  # handed a slot as the wait ran out: keep it
            raise self._refuse(f"no {self.name} slot within {self.wait_s:g} s") from None
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed a slot, then cancelled: pass it on
            raise
        finally:
            if not waiter.done():
                waiter.cancel()
            with contextlib.suppress(ValueError):  # release() took it off the queue
                self._waiters.remove(waiter)

    def release(self) -> None:
        """Give a slot back: to the first live waiter, else to the gate."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the slot passes on; `held` is unchanged
                return
        self._held -= 1

    @asynccontextmanager
    async def admit(self) -> AsyncIterator[None]:
        """Hold a slot for the block."""
        await self.acquire()
        try:
            yield
        finally:
            self.release()


@dataclass(frozen=True, slots=True)
class Gates:
    """The process's two gates: admitted requests, and checks of unknown credentials."""

    requests: AdmissionGate
    strangers: AdmissionGate

    @classmethod
    def for_database(
        cls, db: Database, *, stranger_slots: int, max_waiting: int, wait_s: float
    ) -> Gates:
        """Split the request pool: `stranger_slots` for credentials never seen, the rest for
        requests; with no bounded pool (an in-memory SQLite) the split is nominal."""
        total = db.capacity or 64
        strangers = max(1, min(stranger_slots, total // 2))
        return cls(
            requests=AdmissionGate(
                name="database", capacity=total - strangers, max_waiting=max_waiting, wait_s=wait_s
            ),
            strangers=AdmissionGate(
                name="sign-in check",
                capacity=strangers,
                max_waiting=max_waiting,
                wait_s=wait_s,
            ),
        )
