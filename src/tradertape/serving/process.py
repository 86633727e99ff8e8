"""How a serving process settles its interpreter once start-up is done.

- Long-lived objects are kept out of the collector's view. A full collection walks every
  tracked object, so its pause grows with what the process holds: with 500 WebSocket
  clients connected (≈190k objects) it took 130–180 ms, and the tick stream's short-lived
  garbage set one off every 6–7 s (bench/ticks_fanout.py: p99 over 200 ms). `settle`
  freezes what start-up built; after that, a full collection that took long says the
  process now holds many long-lived objects (connections, caches), and `Refreezer` freezes
  them at once, so the next collections walk only recent objects. Cyclic garbage among
  frozen objects (a closed connection's tasks) waits for the periodic sweep (unfreeze,
  collect, freeze; every 30 minutes): one long pause in half an hour, not one every few
  seconds.
- A shorter GIL switch interval. Every SQL statement releases the GIL while SQLite or
  the socket works; getting it back waits until the thread holding it blocks or has run
  a whole interval. A request holding SQLite's write lock (every order) does this a dozen
  times per transaction, and at the default 5 ms the other writers queue behind a lock
  whose holder mostly waits for the GIL (bench/worker_orders.py, 8 workers).

- Freed memory is kept for the next request. A backtest allocates and frees tens of MB of
  arrays; glibc hands blocks above its mmap threshold back to the OS at once, and trims an
  arena's free top above its trim threshold, so the next request touched every page anew: a
  V1 run over NIFTY 100 (bench/backtest.py, section 5) took ~3,800 page faults per request
  and ~25 % more CPU than with the memory kept (164 faults; the process ~17 MB larger).
  `keep_freed_memory` raises both thresholds where the C library is glibc.

`UVICORN` holds the server options every serving path shares (``serve`` and the benches):
the sans-I/O WebSocket protocol, which costs less per frame sent than the default
(bench/ticks_fanout.py), and no permessage-deflate, which compresses every tick frame once
per client and more than doubled the tick stream's CPU and latency.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

SWITCH_INTERVAL_S = 0.001
SLOW_FULL_COLLECTION_S = 0.02  # a full collection this long freezes its survivors
SWEEP_EVERY_S = 1800.0
# glibc's `mallopt` parameters (malloc.h) and what a serving process keeps below them.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
MMAP_THRESHOLD_BYTES = 32 << 20  # blocks smaller than this come from (and return to) the heap
TRIM_THRESHOLD_BYTES = 128 << 20  # a heap's free top is given back above this
UVICORN: dict[str, Any] = {
    "ws": "websockets-sansio",
    "ws_per_message_deflate": False,
    # uvicorn believes X-Forwarded-For from 127.0.0.1 unless told otherwise: a sender on the
    # same machine (or a proxy passing the header through) would pick its own address
    "proxy_headers": False,
    # an idle keep-alive connection is closed after this long. uvicorn's 5 s is shorter than
    # the idle pools of browsers and of Node's and Playwright's request contexts: the server
    # closed a socket just as a client reused it for a POST (ECONNRESET, not retried). 75 s
    # (nginx's default) outlasts them; idle connections still count towards limit_concurrency
    "timeout_keep_alive": 75,
}


def trusted_proxies(networks: Sequence[object]) -> dict[str, Any]:
    """uvicorn's settings that believe forwarding headers only from `networks` (the
    operator's ``forwarded_allow_ips``), and from no one when there are none."""
    if not networks:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": [str(n) for n in networks]}


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """The event loop uvicorn gives ``serve`` (uvloop when installed), for the benches that
    run the app themselves, so they measure the loop users get."""
    import uvicorn

    # log_config=None: building a Config otherwise re-applies uvicorn's logging set-up, which
    # turned a bench server's access log back on (a line per request, on the measured CPU).
    factory: Callable[[], asyncio.AbstractEventLoop] | None = uvicorn.Config(
        "tradertape.api.app:create_app", log_config=None, **UVICORN
    ).get_loop_factory()
    return factory


class Refreezer:
    """Freezes the survivors of slow full collections; sweeps frozen garbage now and then.

    `on_gc` is a `gc.callbacks` hook: it only notes a slow full collection. The freezing
    happens in `step`, on the refreezer's own thread (`run`), outside the collector.
    """

    def __init__(
        self,
        *,
        slow_s: float = SLOW_FULL_COLLECTION_S,
        sweep_every_s: float = SWEEP_EVERY_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if sweep_every_s <= 0:
            raise ValueError("sweep_every_s must be positive")
        self.slow_s = slow_s
        self.sweep_every_s = sweep_every_s
        self._monotonic = monotonic
        self._started: float | None = None
        self._wake = threading.Event()
        self._stopping = False
        self.freeze_due = False
        self.next_sweep = monotonic() + sweep_every_s
        self.freezes = 0
        self.sweeps = 0

    def on_gc(self, phase: str, info: dict[str, Any]) -> None:
        """Time full collections; a slow one asks for a freeze."""
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._started = self._monotonic()
        elif self._started is not None:
            if self._monotonic() - self._started >= self.slow_s:
                self.freeze_due = True
                self._wake.set()
            self._started = None

    def step(self) -> None:
        """Sweep when due, else freeze if a slow collection asked for it."""
        now = self._monotonic()
        if now >= self.next_sweep:
            self.next_sweep = now + self.sweep_every_s
            self.freeze_due = False
            gc.unfreeze()
            gc.collect()
            gc.freeze()
            self.sweeps += 1
        elif self.freeze_due:
            self.freeze_due = False
            gc.freeze()  # the slow collection just walked them: they are long-lived
            self.freezes += 1

    def run(self) -> None:
        """Step whenever woken or a sweep is due, until `stop` (a daemon thread's body)."""
        while not self._stopping:
            self._wake.wait(max(0.0, self.next_sweep - self._monotonic()))
            self._wake.clear()
            if not self._stopping:
                self.step()

    def stop(self) -> None:
        """End `run` (it returns at its next wake-up, which this causes)."""
        self._stopping = True
        self._wake.set()


def keep_freed_memory() -> bool:
    """Keep freed blocks in the process instead of returning them to the OS (glibc only);
    whether it was done. A fixed threshold also ends glibc's own adjustment of both."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # absent from some C libraries (musl's stub: 0)
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(
        mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
        and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
    )


def settle(*, refreeze: bool = True) -> Refreezer | None:
    """Freeze start-up objects out of the GC, shorten the GIL switch interval, keep freed
    memory (`keep_freed_memory`) and (unless `refreeze` is false) start a `Refreezer` on a
    daemon thread, which is returned."""
    keep_freed_memory()
    gc.collect()
    gc.freeze()
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    if not refreeze:
        return None
    refreezer = Refreezer()
    gc.callbacks.append(refreezer.on_gc)
    threading.Thread(target=refreezer.run, name="gc-refreeze", daemon=True).start()
    return refreezer
