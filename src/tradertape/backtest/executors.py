"""Where a sweep's chunks of variants run: this process, the server's one process pool, or Ray.

Each place receives the market and the spec once (a file the pool's processes read; Ray's
object store) and keeps what its chunks share (`ChunkMarket.shared`: an equity panel's
`IndicatorBook`, an options run's chains) per process for the whole sweep, so a chunk pays
only for its simulations. `submit` answers a `concurrent.futures.Future` in every case, so
the service waits on all three alike; which chunk starts when, and dropping those not
started at a cancel, is the fair queue's (`tradertape.backtest.fair`).

Ray is an optional extra (``pip install 'tradertape[ray]'``), imported only when a sweep
runs with ``TRADERTAPE_RAY_ADDRESS`` set; the cluster's workers need ``tradertape``
installed (the same version) to import the chunk function.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import pickle
import select
import signal
import sys
import tempfile
import threading
import uuid
from collections import OrderedDict
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any, Protocol

from tradertape.backtest.sweep import ChunkMarket, ChunkWork

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

    def __init__(self, market: ChunkMarket, spec: ChunkWork) -> None:
        self._market = market
        self._spec = spec
        self._book = market.shared()

    def submit(self, indices: list[int]) -> Future[Rows]:
        """Run the chunk now; the future is already done."""
        future: Future[Rows] = Future()
        try:
            future.set_result(self._spec.run_chunk(self._market, self._book, indices))
        except Exception as exc:  # noqa: BLE001 - handed to the waiter, as a pool would
            future.set_exception(exc)
        return future

    def close(self, *, cancel: bool) -> None:
        """Nothing to release."""


# The sweeps each pool process has served lately, newest last (a process serves every sweep
# of the server, in turn): their market, spec and book, read once from the sweep's file.
_PROCESS_JOBS: OrderedDict[str, tuple[ChunkMarket, ChunkWork, Any]] = OrderedDict()
JOBS_KEPT = 6  # sweeps a process keeps ready (a user's four and two others')
NICENESS = 10  # the pool's processes yield to the server's own (reads, orders, backtests)


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _init_process(server_pid: int) -> None:
    """A pool process yields to the server's own work and ends with the server, a
    ``kill -9`` included: its parent (the forkserver) dying sends it SIGKILL (Linux's
    parent-death signal), and a thread watches the server itself. The forkserver then ends
    too, once no process that shared it is left (its "alive" pipe reads EOF)."""
    os.nice(NICENESS)
    _die_with_parent()
    threading.Thread(
        target=_watch_server, args=(server_pid,), daemon=True, name="server-watch"
    ).start()


def _die_with_parent() -> None:
    """Ask the kernel for SIGKILL when this process's parent ends (Linux only)."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _watch_server(server_pid: int, *, every_s: float = 1.0) -> None:
    """Return once the server process has ended, then end this process."""
    try:
        fd = os.pidfd_open(server_pid)  # readable when the process ends (Linux 5.3+)
    except ProcessLookupError:
        os._exit(0)  # gone already
    except (AttributeError, OSError):  # no pidfd here: ask every `every_s`
        stop = threading.Event()
        while _alive(server_pid):
            stop.wait(every_s)
    else:
        watch = select.poll()  # (select() refuses an fd past 1024)
        watch.register(fd, select.POLLIN)
        watch.poll()
    os._exit(0)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's: the pid was taken again, ours is gone
        return False
    return True


def _pool_chunk(token: str, path: str, indices: list[int]) -> Rows:
    state = _PROCESS_JOBS.get(token)
    if state is None:
        with open(path, "rb") as file:
            market, spec = pickle.load(file)  # noqa: S301 - written by this server
        state = _PROCESS_JOBS[token] = (market, spec, market.shared())
        while len(_PROCESS_JOBS) > JOBS_KEPT:
            _PROCESS_JOBS.popitem(last=False)
    else:
        _PROCESS_JOBS.move_to_end(token)
    market, spec, book = state
    return spec.run_chunk(market, book, indices)


def default_workers() -> int:
    """The cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class SharedPool:
    """The server's one local process pool (``forkserver``: no fork of a threaded server),
    started at its first sweep and shared by every sweep since. A sweep's market and spec
    go to a file once; each process reads it at its first chunk of the sweep."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._folder: tempfile.TemporaryDirectory[str] | None = None

    def _executor(self) -> tuple[ProcessPoolExecutor, Path]:
        with self._lock:
            if self._pool is None or getattr(self._pool, "_broken", False):
                self._pool = ProcessPoolExecutor(
                    max_workers=self.processes,
                    mp_context=multiprocessing.get_context("forkserver"),
                    initializer=_init_process,
                    initargs=(os.getpid(),),
                )
            if self._folder is None:
                self._folder = tempfile.TemporaryDirectory(prefix="tradertape-sweeps-")
            return self._pool, Path(self._folder.name)

    def job(self, market: ChunkMarket, spec: ChunkWork, *, workers: int) -> PoolJob:
        """One sweep's chunks on the pool (``workers``: its share, for the chunks' size)."""
        pool, folder = self._executor()
        path = folder / f"{uuid.uuid4().hex}.pickle"
        with path.open("wb") as file:
            pickle.dump((market, spec), file, protocol=pickle.HIGHEST_PROTOCOL)
        return PoolJob(pool, path, workers=workers)

    def shutdown(self) -> None:
        """Stop the processes (the next sweep starts them again)."""
        with self._lock:
            pool, self._pool = self._pool, None
            folder, self._folder = self._folder, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        if folder is not None:
            folder.cleanup()


class PoolJob:
    """A sweep's chunks on the shared pool; the queue in front of it (`backtest.fair`)
    decides when each starts, so closing only forgets the sweep's file."""

    name = "pool"

    def __init__(self, pool: ProcessPoolExecutor, path: Path, *, workers: int) -> None:
        self.workers = workers
        self._pool = pool
        self._path = path

    def submit(self, indices: list[int]) -> Future[Rows]:
        """Start the chunk on a free process."""
        return self._pool.submit(_pool_chunk, self._path.stem, str(self._path), indices)

    def close(self, *, cancel: bool) -> None:
        """Forget the sweep's file (a chunk under way has read it already)."""
        self._path.unlink(missing_ok=True)


# Ray workers keep the book of the sweep they last served (keyed by the sweep's token).
_RAY_BOOKS: dict[str, Any] = {}


def _ray_chunk(market: ChunkMarket, spec: ChunkWork, token: str, indices: list[int]) -> Rows:
    book = _RAY_BOOKS.get(token)
    if book is None:
        _RAY_BOOKS.clear()
        book = _RAY_BOOKS[token] = market.shared()
    return spec.run_chunk(market, book, indices)


class RayUnavailable(RuntimeError):
    """Ray is not installed, or the cluster does not answer."""


class RayExecutor:
    """Chunks as Ray tasks on the cluster at ``address`` (one CPU each)."""

    name = "ray"

    def __init__(self, market: ChunkMarket, spec: ChunkWork, *, address: str, token: str) -> None:
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
