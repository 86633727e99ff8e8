"""The backtest kernels readied beside the server's first requests, and whether they are.

A fresh process has no kernel in memory: each loads from numba's disk cache (about a second
for all of them; `make install` and `tradertape warm-up` fill the cache) or, when the cache
lacks it, compiles (about a minute for all, on the first start after a plain wheel install).
The server readies them all in a thread of their own at start-up; until they are, `/api/health`
answers 503 ``starting``, so whatever waits for health (a load balancer, Playwright, a
person) never sends a backtest that would wait on them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Literal

log = logging.getLogger("tradertape.jobs")

KernelState = Literal["loading", "ready", "lazy", "failed"]


def _warm_up() -> None:
    from tradertape.backtest.warmup import warm_up
    from tradertape.jit import cache_report

    warm_up()
    report = cache_report()
    if report.compiled:  # the cache lacked them (cached now: the next start loads them)
        log.warning(
            "compiled %d backtest kernel builds missing from numba's cache: `tradertape "
            "warm-up` after an install compiles them before the first start",
            report.compiled,
        )


class KernelWarmUp:
    """Readies the kernels once, in a thread of its own; `state` says how far it got.

    ``loading`` from creation until the warm-up returns (health is not green meanwhile),
    then ``ready``; ``failed`` when it raised (logged; each kernel is then readied by the
    first run that calls it, as with ``lazy``: ``TRADERTAPE_WARM_KERNELS=false``). `serve`
    starts it as soon as the app is built, so the kernels load while the database is
    migrated and the server starts; the app's start-up starts it otherwise.
    """

    def __init__(
        self,
        *,
        enabled: bool,
        warm: Callable[[], object] = _warm_up,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._warm = warm
        self._monotonic = monotonic
        self.state: KernelState = "loading" if enabled else "lazy"
        self.took_s: float | None = None  # how long readying took, once it has run
        self._done = threading.Event()
        self._started = False
        self._starting = threading.Lock()
        if not enabled:
            self._done.set()

    @property
    def loading(self) -> bool:
        """Whether requests should still wait (health is not green)."""
        return self.state == "loading"

    def start(self) -> None:
        """Start readying the kernels in a daemon thread: once, and only when enabled."""
        with self._starting:
            if self._started or self._done.is_set():
                return
            self._started = True
        threading.Thread(target=self._run, name="warm-kernels", daemon=True).start()

    def _run(self) -> None:
        started = self._monotonic()
        state: KernelState = "ready"
        try:
            self._warm()
        except Exception:
            log.exception("readying the backtest kernels failed: each is readied on first use")
            state = "failed"
        self.took_s = self._monotonic() - started
        self.state = state
        self._done.set()
        if state == "ready":
            log.info("backtest kernels ready in %.1f s", self.took_s)

    def wait(self) -> KernelState:
        """The state once the warm-up has finished (at once when it is not loading)."""
        self._done.wait()
        return self.state
