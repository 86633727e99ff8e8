"""The backtest kernels readied beside the server's first requests, and whether they are.

A fresh process has no kernel in memory: each loads from numba's disk cache (about a second
for all of them; `make install` and `tradertape warm-up` fill the cache) or, when the cache
lacks it, compiles (minutes of CPU for all, on the first start after a plain wheel install,
or after a kernel's code changed). The server readies the builds it needs before
it serves (several symbols' kernels: `warm_up_first`) in a thread of their own at start-up;
until they are, `/api/health` answers 503 ``starting``, so whatever waits for health (a load
balancer, Playwright, a person) never sends a backtest that would wait on them. The rest (a
one-stock run's builds, the options scan: `warm_up_later`) follow once it is green: loaded
in that thread when the cache has them, else compiled by a process of its own, at a lower
priority, started at once beside the first half (the other CPU), which fills the cache; a
run that needs one of them before then compiles it itself.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Literal

log = logging.getLogger("tradertape.jobs")

KernelState = Literal["loading", "ready", "lazy", "failed"]


def _warm_up() -> None:
    from tradertape.backtest.warmup import warm_up_first
    from tradertape.jit import cache_report

    warm_up_first()
    report = cache_report()
    if report.compiled:  # the cache lacked them (cached now: the next start loads them)
        log.warning(
            "compiled %d backtest kernel builds missing from numba's cache: `tradertape "
            "warm-up` after an install compiles them before the first start",
            report.compiled,
        )


class LaterKernels:
    """The builds readied after health turns green (`warm_up_later`): `begin` (before the
    first half) starts a process that compiles them when the cache lacks them; else
    `finish` (once green) loads them here."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None

    def begin(self) -> None:
        from tradertape.backtest.options import kernel
        from tradertape.jit import cached_builds

        # only this half builds the options scan: cached, it was readied with the rest
        # (`tradertape warm-up`); else (a plain wheel install's first start, a changed
        # kernel) the rest are compiled too
        if cached_builds(kernel.scan):
            return
        self.process = subprocess.Popen(  # noqa: S603 - this interpreter and our own module
            [sys.executable, "-P", "-m", "tradertape.backtest.warmup", "later"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        log.info("compiling the rarer backtest kernel builds in process %d", self.process.pid)

    def finish(self) -> None:
        if self.process is None:
            from tradertape.backtest.warmup import warm_up_later

            warm_up_later()


class KernelWarmUp:
    """Readies the kernels once, in a thread of its own; `state` says how far it got.

    ``loading`` from creation until the first half returns (health is not green meanwhile),
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
        later: LaterKernels | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._warm = warm
        # the real builds' second half goes with the real first; a test's own `warm` alone
        self._later = later if later is not None or warm is not _warm_up else LaterKernels()
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
            if self._later is not None:
                self._later.begin()
            self._warm()
        except Exception:
            log.exception("readying the backtest kernels failed: each is readied on first use")
            state = "failed"
        self.took_s = self._monotonic() - started
        self.state = state
        self._done.set()
        if state != "ready":
            return
        log.info("backtest kernels ready in %.1f s", self.took_s)
        if self._later is not None:
            try:
                self._later.finish()
            except Exception:
                log.exception("readying the rarer backtest kernels failed: each on first use")

    def wait(self) -> KernelState:
        """The state once the warm-up has finished (at once when it is not loading)."""
        self._done.wait()
        return self.state
