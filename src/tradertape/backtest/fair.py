"""Every user's research work on one bounded set of slots, handed out in turn.

A slot is a core's worth of work: a sweep's chunk on the shared process pool (or Ray), or a
backtest in its request's thread. `FairQueue` starts work only while a slot is free, so
nothing queues where it cannot be overtaken (a process pool's own queue is first come, first
served); among the users with work waiting, the one served least recently goes next. A user
with one backtest therefore waits at most for one chunk of another user's eight sweeps, and
no user holds more than ``per_user`` slots: with ``slots = per_user + 1`` a user arriving at
a busy server finds a slot free at once.

`FairChunks` puts a sweep's executor (`tradertape.backtest.executors`) behind the queue.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tradertape.backtest.executors import ChunkExecutor, Rows


@dataclass(eq=False)
class Ticket:
    """One piece of work: ``start(ticket)`` is called (outside the queue's lock) when its
    turn comes; whoever ran it then calls `FairQueue.done` with the ticket."""

    user: int
    start: Callable[[Ticket], None]
    state: str = "waiting"  # waiting | running | done | cancelled


@dataclass
class FairQueue:
    """``slots`` shared by all users, at most ``per_user`` of them a user's at once."""

    slots: int
    per_user: int
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _waiting: dict[int, deque[Ticket]] = field(default_factory=dict)
    _running: dict[int, int] = field(default_factory=dict)
    _served: dict[int, int] = field(default_factory=dict)  # user -> turn last served
    _turns: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def submit(self, user: int, start: Callable[[Ticket], None]) -> Ticket:
        """Queue ``start`` for ``user``; it is called at once if a slot is free and it is
        the user's turn."""
        ticket = Ticket(user, start)
        with self._lock:
            self._waiting.setdefault(user, deque()).append(ticket)
            ready = self._dispatch()
        _start(ready)
        return ticket

    def done(self, ticket: Ticket) -> None:
        """``ticket`` has finished (or failed): free its slot for the next in turn."""
        with self._lock:
            if ticket.state != "running":
                return
            ticket.state = "done"
            left = self._running[ticket.user] - 1
            if left:
                self._running[ticket.user] = left
            else:
                del self._running[ticket.user]
            ready = self._dispatch()
        _start(ready)

    def cancel(self, ticket: Ticket) -> bool:
        """Drop a ticket still waiting; whether it was (a running one runs on)."""
        with self._lock:
            if ticket.state != "waiting":
                return False
            ticket.state = "cancelled"
            queue = self._waiting[ticket.user]
            queue.remove(ticket)
            if not queue:
                del self._waiting[ticket.user]
            return True

    def waiting(self, user: int) -> int:
        """How many of ``user``'s tickets wait for a slot."""
        with self._lock:
            return len(self._waiting.get(user, ()))

    @contextmanager
    def turn(self, user: int) -> Iterator[None]:
        """Hold a slot for the body, run in this thread, waiting for ``user``'s turn first."""
        started = threading.Event()
        ticket = self.submit(user, lambda _: started.set())
        try:
            started.wait()
            yield
        finally:
            self.done(ticket)

    def _dispatch(self) -> list[Ticket]:
        """The tickets to start now (with the lock held): while a slot is free, the waiting
        user served least recently (one never served, or idle since, first) goes next."""
        ready: list[Ticket] = []
        while sum(self._running.values()) < self.slots:
            eligible = [u for u in self._waiting if self._running.get(u, 0) < self.per_user]
            if not eligible:
                break
            user = min(eligible, key=lambda u: self._served.get(u, 0))
            queue = self._waiting[user]
            ticket = queue.popleft()
            if not queue:
                del self._waiting[user]
            ticket.state = "running"
            self._running[user] = self._running.get(user, 0) + 1
            self._served[user] = next(self._turns)
            ready.append(ticket)
        for user in [u for u in self._served if u not in self._waiting and u not in self._running]:
            del self._served[user]  # an idle user's next work goes first
        return ready


def _start(ready: list[Ticket]) -> None:
    for ticket in ready:
        ticket.start(ticket)


class FairChunks:
    """A sweep's chunks through the queue: each starts on ``inner`` when its turn comes
    (in the sweep's own thread when ``inner`` runs chunks in the caller's thread)."""

    def __init__(self, inner: ChunkExecutor, queue: FairQueue, *, user: int) -> None:
        self.name = inner.name
        self.workers = inner.workers
        self._inner = inner
        self._queue = queue
        self._user = user
        self._tickets: list[tuple[Ticket, Future[Rows]]] = []

    def submit(self, indices: list[int]) -> Future[Rows]:
        """The chunk's rows when done; it starts when a slot is the user's."""
        if self.name == "serial":
            with self._queue.turn(self._user):
                return self._inner.submit(indices)
        outer: Future[Rows] = Future()

        def start(ticket: Ticket) -> None:
            try:
                inner = self._inner.submit(indices)
            except Exception as exc:  # noqa: BLE001 - handed to the waiter
                self._queue.done(ticket)
                outer.set_exception(exc)
                return
            inner.add_done_callback(lambda done: self._finished(ticket, done, outer))

        self._tickets.append((self._queue.submit(self._user, start), outer))
        return outer

    def _finished(self, ticket: Ticket, inner: Future[Rows], outer: Future[Rows]) -> None:
        self._queue.done(ticket)
        _copy(inner, outer)

    def close(self, *, cancel: bool) -> None:
        """With ``cancel``, chunks still waiting for a slot never start."""
        if cancel:
            for ticket, outer in self._tickets:
                if self._queue.cancel(ticket):
                    outer.cancel()
        self._tickets.clear()
        self._inner.close(cancel=cancel)


def _copy(inner: Future[Any], outer: Future[Any]) -> None:
    if inner.cancelled():
        outer.cancel()
    elif (exc := inner.exception()) is not None:
        outer.set_exception(exc)
    else:
        outer.set_result(inner.result())
