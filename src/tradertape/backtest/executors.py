"""Where a sweep's chunks of variants run: this process, a local process pool, or Ray.

Each place receives the market and the spec once (a pool's initializer; Ray's object
store) and keeps one `IndicatorBook` per process for the whole sweep, so a chunk pays only
for its simulations. `submit` answers a `concurrent.futures.Future` in every case, so the
service waits on all three alike; `close(cancel=True)` drops what has not started.

Ray is an optional extra (``pip install 'tradertape[ray]'``), imported only when a sweep
runs with ``TRADERTAPE_RAY_ADDRESS`` set; the cluster's workers need ``tradertape``
installed (the same version) to import the chunk function.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Protocol

from tradertape.backtest.sweep import SweepMarket, SweepSpec, run_chunk
from tradertape.indicators import IndicatorBook

Rows = list[dict[str, Any]]


class ChunkExecutor(Protocol):
    """Runs chunks of one sweep's variants."""

    name: str  # serial | pool | ray
    workers: int

    def submit(self, indices: list[int]) -> Future[Rows]:
        """Start the variants ``indices``; their rows when done."""
        ...

    def close(self, *, cancel: bool) -> None:
        """Release the workers; with ``cancel``, chunks not yet started never run."""
        ...


class SerialExecutor:
    """Runs each chunk at once in the calling thread (one core; tests; the 1-core bench)."""

    name = "serial"
    workers = 1

    def __init__(self, market: SweepMarket, spec: SweepSpec) -> None:
        self._market = market
        self._spec = spec
        self._book = IndicatorBook.from_panel(market.panel)

    def submit(self, indices: list[int]) -> Future[Rows]:
        """Run the chunk now; the future is already done."""
        future: Future[Rows] = Future()
        try:
            future.set_result(run_chunk(self._market, self._book, self._spec, indices))
        except Exception as exc:  # noqa: BLE001 - handed to the waiter, as a pool would
            future.set_exception(exc)
        return future

    def close(self, *, cancel: bool) -> None:
        """Nothing to release."""


# One sweep's state in each pool process (set by the initializer).
_PROCESS_STATE: tuple[SweepMarket, SweepSpec, IndicatorBook] | None = None


def _init_process(market: SweepMarket, spec: SweepSpec) -> None:
    global _PROCESS_STATE  # noqa: PLW0603 - a pool process serves one sweep
    _PROCESS_STATE = (market, spec, IndicatorBook.from_panel(market.panel))


def _pool_chunk(indices: list[int]) -> Rows:
    assert _PROCESS_STATE is not None, "the pool's initializer sets the sweep"
    market, spec, book = _PROCESS_STATE
    return run_chunk(market, book, spec, indices)


def default_workers() -> int:
    """The cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class PoolExecutor:
    """A local process pool (``forkserver``: no fork of a threaded server)."""

    name = "pool"

    def __init__(self, market: SweepMarket, spec: SweepSpec, *, workers: int) -> None:
        self.workers = workers
        context = multiprocessing.get_context("forkserver")
        self._pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_init_process,
            initargs=(market, spec),
        )

    def submit(self, indices: list[int]) -> Future[Rows]:
        """Queue the chunk in the pool."""
        return self._pool.submit(_pool_chunk, indices)

    def close(self, *, cancel: bool) -> None:
        """Stop the pool (without waiting when cancelled)."""
        self._pool.shutdown(wait=not cancel, cancel_futures=cancel)


# Ray workers keep the book of the sweep they last served (keyed by the sweep's token).
_RAY_BOOKS: dict[str, IndicatorBook] = {}


def _ray_chunk(market: SweepMarket, spec: SweepSpec, token: str, indices: list[int]) -> Rows:
    book = _RAY_BOOKS.get(token)
    if book is None:
        _RAY_BOOKS.clear()
        book = _RAY_BOOKS[token] = IndicatorBook.from_panel(market.panel)
    return run_chunk(market, book, spec, indices)


class RayUnavailable(RuntimeError):
    """Ray is not installed, or the cluster does not answer."""


class RayExecutor:
    """Chunks as Ray tasks on the cluster at ``address`` (one CPU each)."""

    name = "ray"

    def __init__(self, market: SweepMarket, spec: SweepSpec, *, address: str, token: str) -> None:
        try:
            import ray  # noqa: PLC0415 - the optional extra, imported only when used
        except ImportError as exc:
            raise RayUnavailable(
                "TRADERTAPE_RAY_ADDRESS is set but Ray is not installed: "
                "pip install 'tradertape[ray]'"
            ) from exc
        self._ray: Any = ray
        try:
            if not ray.is_initialized():
                ray.init(address=address, ignore_reinit_error=True, log_to_driver=False)
        except Exception as exc:  # noqa: BLE001 - any failure to connect says the same
            raise RayUnavailable(f"cannot reach the Ray cluster at {address}: {exc}") from exc
        self.workers = max(1, int(self._ray.cluster_resources().get("CPU", 1)))
        self._market = ray.put(market)
        self._spec = ray.put(spec)
        self._token = token
        self._remote = ray.remote(num_cpus=1)(_ray_chunk)
        self._refs: list[Any] = []

    def submit(self, indices: list[int]) -> Future[Rows]:
        """Start the chunk as a task; its object ref's future."""
        ref = self._remote.remote(self._market, self._spec, self._token, indices)
        self._refs.append(ref)
        future: Future[Rows] = ref.future()
        return future

    def close(self, *, cancel: bool) -> None:
        """Cancel unfinished tasks when asked; the cluster stays up (it is not ours)."""
        if cancel:
            for ref in self._refs:
                self._ray.cancel(ref, force=False)
        self._refs.clear()
