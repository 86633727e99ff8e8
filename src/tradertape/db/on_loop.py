"""Work run on the event loop must not wait there: what would wait refuses, and the caller
runs the work again in a worker thread.

On SQLite a desk read (`api.deps.Desk`) is CPU work that holds the GIL from start to end.
Handed to a worker thread it costs two wake-ups and a GIL hand-over besides: in
``bench/load.py --mode reads`` that was about half of the server's CPU per answer. So the
desk runs it on the loop, inside `on_loop`. Anything that could wait calls
`refuse_on_loop` first: a SQLite write (it queues behind the process's other writers,
`db.sqlite`) and a live broker's API (`services.brokers.account`). Inside `on_loop` that
raises `NeedsThread` before anything is done; the desk then drops the session (nothing
was written) and runs the same work in a worker thread, where it may wait.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_ON_LOOP: ContextVar[bool] = ContextVar("tradertape_on_loop", default=False)


class NeedsThread(Exception):  # noqa: N818 - a signal to move the work, not a failure
    """Work on the event loop reached something that may wait: run it in a thread."""


@contextmanager
def on_loop() -> Iterator[None]:
    """Mark the block as running on the event loop (see the module's docstring)."""
    token = _ON_LOOP.set(True)
    try:
        yield
    finally:
        _ON_LOOP.reset(token)


def refuse_on_loop(what: str) -> None:
    """Raise `NeedsThread` inside `on_loop`; nothing elsewhere. `what` names the wait."""
    if _ON_LOOP.get():
        raise NeedsThread(what)
