"""Profile: where a worker-API order's server CPU goes, by module and by function.

The server is `worker_orders.py`'s (the real app under uvicorn in this process, a fresh
SQLite file, the simulated feed ticking, one paper worker token) and so is the client (the
SDK in a spawned process of its own, warm-up, then ``--orders`` MARKET orders). This
process's CPU per order is measured twice over the timed orders, each on a server of its
own: first plain (no profile hook installed anywhere), then under cProfile in every thread
(the event loop's and each worker thread's, `_ThreadProfiles`: a
profile hook set before the server starts enables one `cProfile.Profile` per thread once
the timed orders begin), so the intents' threads are counted, not only start-up. Each
profiler's clock is its thread's CPU time (`time.thread_time`), not the wall's: a thread
waiting on a queue, a lock or the network costs nothing, as in the bench's figure.

It prints the profiled run's self time per order grouped by area (our modules by package,
the libraries by top-level name), then the top functions by self and by cumulative time.
cProfile's own overhead inflates the profiled figures (about 2x, more in code of many small
calls), so each area's figure is also shown scaled to the plain run's CPU per order: its
share of the profiled total times the plain figure, an estimate of what it costs unprofiled.

Measured 2026-11-28 (2-core VM under other load; plain 4.1-4.6 ms per order, the profiled
run about 2.6x that): the intents' worker threads ~2.2 ms an order (the OMS's placement
~1.2 ms, the token lookup ~0.23 ms, the rest of `services/workers` ~0.75 ms), the event
loop 1.3 ms (FastAPI's dependencies ~0.5 ms of it, the session's generator dependency
~0.19 ms), the feed's thread the rest (per second, not per order: its share falls as the
rate rises). Opening the intent's session in its worker thread (`WorkerCredential.run`)
took the loop to ~1.04 ms.

    .venv/bin/python bench/profile_worker_order.py [--orders 300] [--warmup 10] [--top 40]
        [--save profile.pstats]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import worker_orders
from machine import host_line, load, row
from worker_orders import (
    SYMBOLS,
    _build_runtime,
    _database,
    _driver_floor,
    _issue_tokens,
    _phase,
    _until,
)


def _thread_clock() -> Callable[[], float]:
    """The calling thread's CPU time, read only there: a profiler snapshot taken from another
    thread (`_ThreadProfiles.stop`) closes the owner's open calls at its last reading, not
    at the other thread's clock."""
    owner = threading.get_ident()
    last = time.thread_time()

    def clock() -> float:
        nonlocal last
        if threading.get_ident() == owner:
            last = time.thread_time()
        return last

    return clock


class _ThreadProfiles:
    """One cProfile per thread, enabled in each thread from `start` to `stop`.

    `threading.setprofile` puts `_hook` on every thread started afterwards; once `start` is
    called, a thread's next call through the hook enables that thread's own profiler
    (which replaces the hook). The calling thread (the event loop's) is enabled at once.
    """

    def __init__(self) -> None:
        self.active = False
        self.lock = threading.Lock()
        self.profiles: list[cProfile.Profile] = []
        self.names: list[str] = []  # each profile's thread

    def _hook(self, frame: Any, event: str, arg: Any) -> None:
        if not self.active:
            return
        profile = cProfile.Profile(_thread_clock())
        with self.lock:
            if not self.active:
                return
            self.profiles.append(profile)
            self.names.append(threading.current_thread().name)
        profile.enable()

    def install(self) -> None:
        threading.setprofile(self._hook)

    def start(self) -> None:
        loop = cProfile.Profile(_thread_clock())
        with self.lock:
            self.profiles.append(loop)
            self.names.append("event loop")
            self.active = True
        loop.enable()

    def stop(self) -> tuple[pstats.Stats, dict[str, float]]:
        """Every thread's figures so far, merged, and the CPU seconds of each kind of thread
        (named as `_kind` names them). The other threads' profilers are read, not disabled:
        disabling one from another thread crashes the interpreter."""
        with self.lock:
            self.active = False
        self.profiles[0].disable()  # the loop's (this thread's)
        threading.setprofile(None)
        tables: list[dict[Any, Any]] = []
        for profile in self.profiles:
            profile.snapshot_stats()  # under the GIL: the owner is not mid-call in C
            tables.append(dict(profile.stats))
        # A thread that made no call while profiled has an empty table, which `pstats`
        # refuses to take ("Cannot create or construct"): it adds nothing, so it is left out.
        stats = pstats.Stats(cast(Any, _Snapshot(tables[0])))
        for table in tables[1:]:
            if table:
                stats.add(cast(Any, _Snapshot(table)))
        threads: dict[str, float] = defaultdict(float)
        for name, table in zip(self.names, tables, strict=True):
            threads[_kind(name)] += sum(row[2] for row in table.values())
        return stats, threads


class _Snapshot:
    """Stats already taken, for `pstats.Stats.add` (which calls `create_stats`)."""

    def __init__(self, stats: dict[Any, Any]) -> None:
        self.stats = dict(stats)

    def create_stats(self) -> None:
        pass


def _kind(name: str) -> str:
    """A thread's kind: its name less a trailing number (``AnyIO worker thread``)."""
    return name.rstrip("0123456789-_ ").removesuffix(" (worker") or name


def _area(filename: str) -> str:
    """A file's area: ``tradertape.api.deps`` → ``tradertape.api``, a library's top name."""
    path = filename.replace("\\", "/")
    for marker in ("/src/tradertape/", "/site-packages/"):
        if marker in path:
            rest = path.split(marker, 1)[1].split("/")
            if marker == "/src/tradertape/":
                parts = ["tradertape", *rest[:-1]][:3] if len(rest) > 1 else ["tradertape"]
                if parts[:2] == ["tradertape", "services"] or parts[:2] == ["tradertape", "oms"]:
                    return ".".join(parts)
                return ".".join(parts[:2])
            return rest[0].removesuffix(".py")
    if "/src/tradertape_worker" in path or "/sdk/" in path:
        return "sdk"
    if filename.startswith("<") or filename == "~":
        return "builtins (C)"
    if "/lib/python3" in path:
        return "stdlib:" + path.rsplit("/lib/python3", 1)[1].split("/", 2)[1].removesuffix(".py")
    return path


def _where(func: tuple[str, int, str]) -> str:
    filename, line, name = func
    if filename == "~":
        return name
    short = filename.split("/src/", 1)[-1].split("site-packages/", 1)[-1]
    return f"{short}:{line}({name})"


def _print(
    found: tuple[pstats.Stats, dict[str, float]],
    orders: int,
    plain_ms: float,
    profiled_ms: float,
    top: int,
) -> None:
    stats, threads = found
    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    scale = plain_ms / profiled_ms if profiled_ms else 1.0
    print("\nCPU per order by thread (profiled; 'plain' as below)")
    for name, seconds in sorted(threads.items(), key=lambda kv: -kv[1]):
        per = seconds * 1e6 / orders
        print(f"  {per:8.1f} µs  plain ~{per * scale:7.1f} µs  {name}")
    areas: dict[str, float] = defaultdict(float)
    total = 0.0
    for func, (_cc, _nc, tt, _ct, _callers) in table.items():
        area = "builtins (C)" if func[0] == "~" else _area(func[0])
        areas[area] += tt
        total += tt
    print(
        f"\nself time per order by area (profiled total {total * 1e6 / orders:.0f} µs; "
        f"'plain' = share x the unprofiled {plain_ms * 1000:.0f} µs)"
    )
    for area, tt in sorted(areas.items(), key=lambda kv: -kv[1])[:top]:
        per = tt * 1e6 / orders
        print(f"  {per:8.1f} µs  plain ~{per * scale:7.1f} µs  {tt / total:5.1%}  {area}")

    print(f"\ntop {top} functions by self time (µs per order, calls per order)")
    rows = sorted(table.items(), key=lambda kv: -kv[1][2])[:top]
    for func, (_cc, nc, tt, _ct, _callers) in rows:
        print(f"  {tt * 1e6 / orders:8.1f} µs {nc / orders:7.1f}  {_where(func)}")

    print(f"\ntop {top} of our functions by cumulative time (µs per order, calls per order)")
    ours = [kv for kv in table.items() if "/tradertape/" in kv[0][0] or "/fastapi/" in kv[0][0]]
    for func, (_cc, nc, _tt, ct, _callers) in sorted(ours, key=lambda kv: -kv[1][3])[:top]:
        print(f"  {ct * 1e6 / orders:8.1f} µs {nc / orders:7.1f}  {_where(func)}")


async def _serve(
    args: argparse.Namespace, phase: Callable[[str, list[Any]], Any], *, floor: bool = False
) -> None:
    """A fresh server (its own database and runtime, as `worker_orders.py` builds it) for
    the time `phase(base_url, tokens)` takes; with `floor`, the driver's floor measured
    first on its database (`worker_orders._driver_floor`)."""
    import uvicorn

    from tradertape.api.app import create_app
    from tradertape.serving.listen import listen
    from tradertape.serving.process import UVICORN, settle

    with tempfile.TemporaryDirectory() as tmp, _database(None) as db:
        runtime = _build_runtime(db, Path(tmp), args.universe)
        tokens = _issue_tokens(runtime, 1)
        if floor:
            _driver_floor(runtime)
        app = create_app(runtime)
        settle()
        sockets = listen("127.0.0.1", 0)
        base_url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}"
        server = uvicorn.Server(
            uvicorn.Config(app, log_level="warning", access_log=False, **UVICORN)
        )
        serving = asyncio.create_task(server.serve(sockets=sockets))
        await _until(
            lambda: server.started and all(runtime.quotes(f"NSE:{s}") is not None for s in SYMBOLS),
            timeout_s=60,
            why="no prices after 60 s",
        )
        await phase(base_url, tokens)
        server.should_exit = True
        await serving


async def _measure(args: argparse.Namespace) -> None:
    """The plain run on a server of its own with no profile hook anywhere (issue 69: a hook
    left installed in the server's threads cost the "plain" figure a third more), then the
    profiled run on a second server whose threads all start under the hook."""
    orders = args.orders
    print(host_line(), flush=True)
    started_load = load()
    plain = _Span(time.process_time, orders)
    await _serve(
        args,
        lambda url, tokens: _phase([url], tokens, args, "plain, 1 worker", plain.read),
        floor=True,
    )
    profiles = _ThreadProfiles()
    stats: list[tuple[pstats.Stats, dict[str, float]]] = []

    def profiled_cpu() -> float:
        if not profiles.active and not profiled.marks:
            profiles.start()
        elif profiles.active:
            stats.append(profiles.stop())
        return time.process_time()

    profiled = _Span(profiled_cpu, orders)
    profiles.install()  # before the second server starts any thread
    await _serve(
        args,
        lambda url, tokens: _phase([url], tokens, args, "profiled, 1 worker", profiled.read),
    )
    if args.save:
        stats[0][0].dump_stats(args.save)
    _print(stats[0], orders, plain.per_order_ms(), profiled.per_order_ms(), args.top)
    floor_ms = worker_orders._floor_ms[-1]
    print(
        f"plain {plain.per_order_ms():.2f} ms, profiled {profiled.per_order_ms():.2f} ms per "
        f"order (the feed's share included); load {started_load:.1f} → {load():.1f}"
    )
    print(
        row(
            "worker-API order, plain (server, feed included)",
            f"{plain.per_order_ms():.2f} ms CPU",
            f"driver floor {floor_ms:.3f} ms",
            plain.per_order_ms() / floor_ms,
        )
    )
    print(host_line())


class _Span:
    """A CPU clock for `_phase` that remembers its two readings (start and finish)."""

    def __init__(self, clock: Any, orders: int) -> None:
        self.clock, self.orders = clock, orders
        self.marks: list[float] = []

    def read(self) -> float:
        now = float(self.clock())
        self.marks.append(now)
        return now

    def per_order_ms(self) -> float:
        return (self.marks[-1] - self.marks[0]) * 1000 / self.orders


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=300, help="timed orders")
    parser.add_argument("--warmup", type=int, default=10, help="untimed orders first")
    parser.add_argument("--universe", default=None, help="feed only this universe (nifty_50)")
    parser.add_argument("--top", type=int, default=40, help="rows in each table")
    parser.add_argument("--short", action="store_true", help="20 orders (CI)")
    parser.add_argument("--save", default=None, help="also write the pstats file here")
    args = parser.parse_args()
    if args.short:
        args.orders, args.warmup, args.top = 20, 3, 10
        args.universe = args.universe or "nifty_50"
    from tradertape.serving.process import loop_factory

    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        runner.run(_measure(args))


if __name__ == "__main__":
    main()
