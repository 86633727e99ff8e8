"""How many heavy jobs one user may have under way at once: backtests, sweeps, statement
uploads and exports (docs/limits.md, "Heavy jobs").

A job takes its place before anything is read or stored and gives it back when it ends
(a sweep or a backtest with progress when its thread ends, the others with their request);
past the cap the request is refused with a 429 and ``Retry-After``, and nothing is stored.
The count is this server process's: each process of a deployment keeps its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from tradertape.errors import RateLimited


@dataclass(frozen=True, slots=True)
class JobKind:
    """A kind of heavy job: its words and how soon another is worth asking for."""

    plural: str
    retry_after_s: int
    setting: str  # the environment variable of its cap


BACKTEST = "backtest"
SWEEP = "sweep"
UPLOAD = "upload"
EXPORT = "export"
KINDS = {
    BACKTEST: JobKind("backtests", 2, "TRADERTAPE_MAX_BACKTESTS_PER_USER"),
    SWEEP: JobKind("sweeps", 30, "TRADERTAPE_MAX_SWEEPS_PER_USER"),
    UPLOAD: JobKind("uploads", 5, "TRADERTAPE_MAX_UPLOADS_PER_USER"),
    EXPORT: JobKind("exports", 5, "TRADERTAPE_MAX_EXPORTS_PER_USER"),
}

Release = Callable[[], None]


class JobCaps:
    """Each user's jobs under way, by kind, against the caps."""

    def __init__(self, caps: Mapping[str, int]) -> None:
        self._caps = dict(caps)
        self._lock = threading.Lock()
        self._running: dict[tuple[int, str], int] = {}

    def take(self, user_id: int, kind: str) -> Release:
        """A place for one more of the user's jobs of ``kind`` (`RateLimited` past the cap);
        call the answer once the job has ended (calling it again does nothing)."""
        key, cap = (user_id, kind), self._caps[kind]
        with self._lock:
            running = self._running.get(key, 0)
            if running >= cap:
                words = KINDS[kind]
                raise RateLimited(
                    f"{running} of your {words.plural} already under way: the most one user "
                    f"may run at once on this server is {cap}; try again when one has ended",
                    retry_after_s=words.retry_after_s,
                )
            self._running[key] = running + 1
        given_back = threading.Event()

        def release() -> None:
            with self._lock:
                if given_back.is_set():
                    return
                given_back.set()
                left = self._running[key] - 1
                if left:
                    self._running[key] = left
                else:
                    del self._running[key]

        return release

    @contextmanager
    def hold(self, user_id: int, kind: str) -> Iterator[None]:
        """A place for the body (a job that ends with its request)."""
        release = self.take(user_id, kind)
        try:
            yield
        finally:
            release()
