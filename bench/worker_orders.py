"""Benchmark: algo-worker MARKET orders over HTTP, place → fill, through the SDK.

The server (this process) runs the real app under uvicorn on 127.0.0.1 (a random port) as
``tradertape serve`` does (uvicorn's event loop, `tradertape.api.process.settle`), on a
fresh, migrated database (a SQLite file, or a new schema of ``--db-url``), with the simulated
market ticking the whole catalog once a second and its market time pinned inside an NSE
session, so orders fill whatever the hour. A user gets one paper worker token per worker.

Each worker is its own process (spawned, so it shares nothing with the server's interpreter:
the figures are the server's, not the clients' GIL) with its own `KiteAlgoWorkerClient` on
loopback. It creates and claims its own paper run, places a few warm-up orders, waits for the
others, then places ``--orders`` MARKET orders one after another, each with its own
idempotency key, and checks that the answer says filled (a paper MARKET order in session fills
at once, so the intent's answer is the fill); it heartbeats its run as a real worker must.
Latency is one ``place_order`` call as the worker sees it; orders/s is all workers' orders over
the span from the first start to the last finish; CPU per order is this process's CPU time
(the feed's share included), the figure least moved by other load on the machine, and each
worker's own over its timed orders (the SDK's share: 300 orders/s on two cores needs both). It
runs with 1 worker, then with ``--workers`` at once, and prints both against the targets
(1 worker: p99 under 25 ms; 8 workers: 300 orders/s on SQLite).

    .venv/bin/python bench/worker_orders.py [--orders 1000] [--workers 8] [--warmup 20]
        [--db-url postgresql+psycopg://postgres@127.0.0.1:5432/bench] [--universe nifty_50]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import queue
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from machine import host_line
from scratch_db import open_scratch, scratch_database

TARGET_P99_MS = 25.0  # one worker
TARGET_PER_S = 300.0  # eight workers, SQLite
HEARTBEAT_S = 15.0
SESSION = datetime.fromisoformat("2026-11-20T10:00:00+05:30")  # a Friday's session
SYMBOLS = ("INFY", "TCS", "RELIANCE", "HDFCBANK", "ICICIBANK", "SBIN", "ITC", "LT")


@dataclass(frozen=True)
class WorkerPlan:
    base_url: str
    token: str
    run_id: str
    symbol: str
    orders: int
    warmup: int


@dataclass(frozen=True)
class WorkerResult:
    started: float  # time.perf_counter() is system-wide on Linux (CLOCK_MONOTONIC)
    finished: float
    latencies: list[float]
    cpu_s: float  # the worker's own CPU time over its timed orders


def _order(symbol: str, n: int) -> dict[str, Any]:
    from tradertape_worker import equity_market_order

    # Buys and sells alternate, intraday: the account's margin never runs out.
    side = "BUY" if n % 2 == 0 else "SELL"
    order: dict[str, Any] = equity_market_order(symbol, side, 1)
    order["product"] = "MIS"
    return order


def _worker(plan: WorkerPlan, start: Any, results: Any) -> None:
    """One worker process: run, session, warm-up, then the timed orders."""
    from tradertape_worker import AlgoWorkerConfig, KiteAlgoWorkerClient

    with KiteAlgoWorkerClient(AlgoWorkerConfig(base_url=plan.base_url, token=plan.token)) as client:
        client.create_run(
            template_id="bench",
            account_scope="kite:paper",
            execution_mode="paper",
            strategy_run_id=plan.run_id,
        )
        nonce = client.claim_session(plan.run_id)["worker_session_nonce"]

        def place(n: int) -> None:
            answer = client.place_order(
                plan.run_id,
                _order(plan.symbol, n),
                idempotency_key=f"{plan.run_id}:order:{n:07d}",
                session_nonce=nonce,
            )
            result = answer["result"]
            if answer["status"] != "accepted" or result["status"] != "filled":
                raise SystemExit(f"{plan.run_id} order {n}: {answer}")

        for n in range(plan.warmup):
            place(n)
        start.wait()
        latencies = []
        cpu0 = time.process_time()
        started = beat = time.perf_counter()
        for n in range(plan.warmup, plan.warmup + plan.orders):
            t0 = time.perf_counter()
            place(n)
            latencies.append(time.perf_counter() - t0)
            if t0 - beat > HEARTBEAT_S:  # a worker that stays quiet is exited by recovery
                client.run_heartbeat(plan.run_id, session_nonce=nonce)
                beat = t0
        finished = time.perf_counter()
        results.put(WorkerResult(started, finished, latencies, time.process_time() - cpu0))


@contextmanager
def _database(url: str | None) -> Iterator[Any]:
    """A fresh, migrated database (`scratch_db`), open, disposed after."""
    with tempfile.TemporaryDirectory() as tmp, scratch_database(url, Path(tmp)) as found:
        db = open_scratch(*found)
        try:
            yield db
        finally:
            db.dispose()


def _build_runtime(db: Any, tmp: Path, universe: str | None) -> Any:
    from tradertape.bus import InProcessBus
    from tradertape.domain.calendar_data import nse_calendar
    from tradertape.domain.instruments_data import reference_catalog
    from tradertape.feed.simulated import FeedConfig, SimulatedFeed
    from tradertape.ports.clock import SystemClock
    from tradertape.runtime import Runtime
    from tradertape.settings import Settings

    settings = Settings(
        data_dir=tmp,
        secret_key="b" * 48,
        feed="none",
        redis_url=None,
        warm_kernels=False,
        order_rate_per_sec=1000,  # SEBI's 10/s per client would measure the ceiling, not us
        _env_file=None,
    )
    catalog = reference_catalog()
    bus = InProcessBus()
    keys = None if universe is None else [i.key for i in catalog.universe(universe)]
    feed = SimulatedFeed.synthetic(
        bus=bus,
        clock=SystemClock(),
        calendar=nse_calendar(),
        catalog=catalog,
        config=FeedConfig(interval_secs=1.0, start_at=SESSION),
        keys=keys,
    )
    return Runtime.build(settings, bus=bus, feed=feed, db=db)


def _issue_tokens(runtime: Any, count: int) -> list[str]:
    """A user, its paper money, and one paper worker token per worker."""
    from tradertape.services.accounts import worker_tokens
    from tradertape.services.accounts.users import create_user

    with runtime.db.session() as db:
        user = create_user(db, clock=runtime.clock, email=f"bench-{time.time_ns()}@x.in")
        runtime.exchange.deposit(db, user_id=user.id, amount=Decimal(10) ** 9)
        spec = worker_tokens.TokenSpec(name="bench", allowed_modes=["paper"])
        return [
            worker_tokens.create(db, clock=runtime.clock, user_id=user.id, spec=spec).secret
            for _ in range(count)
        ]


async def _until(condition: Callable[[], bool], *, timeout_s: float, why: str) -> None:
    # uvicorn and the quote book expose flags, not events: poll them.
    deadline = time.monotonic() + timeout_s
    while not condition():  # noqa: ASYNC110 - nothing to wait on but a flag
        if time.monotonic() > deadline:
            sys.exit(why)
        await asyncio.sleep(0.05)


def _collect(processes: list[Any], results: Any) -> list[WorkerResult]:
    """Every worker's result; exits if a worker died instead."""
    done: list[WorkerResult] = []
    while len(done) < len(processes):
        try:
            done.append(results.get(timeout=1.0))
        except queue.Empty:
            if any(p.exitcode not in (0, None) for p in processes):
                sys.exit("a worker process failed (its error is above)")
    for process in processes:
        process.join(30)
    return done


async def _phase(base_url: str, tokens: list[str], args: argparse.Namespace, label: str) -> None:
    context = multiprocessing.get_context("spawn")
    # Each worker warms up, then all start together: the warm-up is not measured.
    start, results = context.Barrier(len(tokens)), context.Queue()
    stamp = time.time_ns()
    plans = [
        WorkerPlan(
            base_url=base_url,
            token=token,
            run_id=f"bench_{stamp}_{n}",
            symbol=SYMBOLS[n % len(SYMBOLS)],
            orders=args.orders,
            warmup=args.warmup,
        )
        for n, token in enumerate(tokens)
    ]
    processes = [context.Process(target=_worker, args=(p, start, results)) for p in plans]
    cpu0 = time.process_time()
    for process in processes:
        process.start()
    done = await asyncio.to_thread(_collect, processes, results)
    cpu_ms = (time.process_time() - cpu0) * 1000 / (len(plans) * (args.orders + args.warmup))
    client_ms = sum(r.cpu_s for r in done) * 1000 / sum(len(r.latencies) for r in done)
    _report(label, done, cpu_ms, client_ms, single=len(tokens) == 1)


def _report(
    label: str, done: list[WorkerResult], cpu_ms: float, client_ms: float, *, single: bool
) -> None:
    latencies = sorted(x for r in done for x in r.latencies)
    span = max(r.finished for r in done) - min(r.started for r in done)
    rate = len(latencies) / span
    cuts = statistics.quantiles(latencies, n=100)
    p50, p99 = cuts[49] * 1000, cuts[98] * 1000
    line = (
        f"{label:<20} {len(latencies):>6} orders {rate:6.0f} orders/s  "
        f"p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  max {latencies[-1] * 1000:6.1f} ms  "
        f"CPU per order: server {cpu_ms:5.2f} ms, workers {client_ms:5.2f} ms"
    )
    if single:
        line += f"  (p99 target {TARGET_P99_MS:.0f} ms: {p99 / TARGET_P99_MS:.2f}x)"
    else:
        line += f"  (target {TARGET_PER_S:.0f} orders/s: {rate / TARGET_PER_S:.2f}x)"
    print(line, flush=True)


async def _serve_and_measure(args: argparse.Namespace) -> None:
    import uvicorn

    from tradertape.api.app import create_app
    from tradertape.api.process import UVICORN, settle

    with tempfile.TemporaryDirectory() as tmp, _database(args.db_url) as db:
        runtime = _build_runtime(db, Path(tmp), args.universe)
        tokens = _issue_tokens(runtime, 1 + args.workers)
        app = create_app(runtime)
        settle()  # as `tradertape serve` does (GC freeze, GIL switch interval)
        if args.switch_ms is not None:
            sys.setswitchinterval(args.switch_ms / 1000)
        # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say TCP, and
        # without it every answer waits out the client's delayed ACK (about 40 ms).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        server = uvicorn.Server(
            uvicorn.Config(app, log_level="warning", access_log=False, **UVICORN)
        )
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        await _until(
            lambda: server.started and all(runtime.quotes(f"NSE:{s}") is not None for s in SYMBOLS),
            timeout_s=60,
            why="no prices after 60 s: does another server hold this database's leader lease?",
        )
        backend = db.engine.dialect.name
        print(
            f"server on 127.0.0.1:{port}, {backend}; feed: {len(runtime.feed.keys)} symbols "
            f"a second; {args.orders} orders per worker after {args.warmup} warm-up",
            flush=True,
        )
        base_url = f"http://127.0.0.1:{port}"
        await _phase(base_url, tokens[:1], args, f"{backend}, 1 worker")
        await _phase(base_url, tokens[1:], args, f"{backend}, {args.workers} workers")
        server.should_exit = True
        await serving
    print(host_line())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=1000, help="timed orders per worker")
    parser.add_argument("--workers", type=int, default=8, help="workers in the second phase")
    parser.add_argument("--warmup", type=int, default=20, help="untimed orders per worker")
    parser.add_argument("--db-url", default=None, help="PostgreSQL URL (default: SQLite file)")
    parser.add_argument(
        "--switch-ms", type=float, default=None, help="GIL switch interval (default: serve's)"
    )
    parser.add_argument("--universe", default=None, help="feed only this universe (nifty_50)")
    args = parser.parse_args()
    from tradertape.api.process import loop_factory

    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        runner.run(_serve_and_measure(args))


if __name__ == "__main__":
    main()
