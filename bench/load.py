"""Benchmark: the server under many clients at once: reads, order writes, WebSocket ticks, a
heartbeating worker run and a health prober, for a fixed time.

Two set-ups, each on a fresh, migrated database:

- **SQLite**: one server process, the in-process bus;
- **PostgreSQL + Redis** (``--db-url``, ``--redis-url``): two server processes on the same
  database and bus; one leads (the feed and the trading loop), both serve, and the clients
  are split between them.

Each server is its own process, built as ``tradertape serve`` builds one (`Runtime.build`,
uvicorn with serve's options, `settle`), with the simulated market ticking ``--universe``
(NIFTY 50 and the indices) once a second, its market time pinned inside an NSE session, and
stale-worker recovery tightened (a run 30 s quiet is exited, checked every second) so a
worker starved of its heartbeats would be caught within the run. The clients run in
``--client-procs`` processes of their own (asyncio: a lean keep-alive HTTP/1.1 connection per
client, and websockets):

- ``--clients`` in all (default 1,000): 70 % readers (orders, positions, margins, the order
  book in turn), 20 % WebSocket subscribers (5 symbols each, ``quote`` mode), 10 % order
  writers (MIS MARKET orders, buys and sells in turn); each HTTP client waits
  ``--think-s`` (randomised ±50 %) between requests, as a person or a script would;
- a health prober (``GET /api/health`` every 100 ms on each server);
- a worker run, created, claimed and heartbeating every 5 s through the published SDK.

Reported: answers per kind with p50/p99, the count of 5xx (503s apart) and of transport
errors, ``/api/health`` p99, the trading loop's lag (how late each tick batch ran against
its 250 ms cadence, in the leading process) and whether the heartbeating run was exited as
stale. Targets: 0 5xx, health p99 < 100 ms, order p99 < 250 ms, no stale exit.

``--mode reads`` measures the desk's reads alone (issue 25, target 4): users with the demo's
kind of account (`desk_accounts`: two model portfolios, manual trades over past days and
today, open positions, a working order, risk rules), ``--clients`` signed-in readers each
asking without pause (``--think-s 0``) for what the web app's pages poll, in about the
proportions they poll it (`DESK_READS`): the order pages' books, positions, orders, trades,
holdings and margins (every 5 s), the top bar's risk state, notifications and broker status,
the dashboard's portfolios and a portfolio's board; and a few order writers (``--writers``,
an order a second each), so fills keep changing the books the reads show. Reported:
reads/s, p50/p99 per endpoint, errors, ``/api/health``'s worst answer, and the servers' CPU
per answer (what a server with a core of its own would answer: the VMs are shared); on
SQLite with one process, and on PostgreSQL + Redis with one process and then two (the ratio
says whether reads scale with processes). Targets: ≥ 1,000 reads/s on SQLite, 0 errors,
health under 1 s throughout.

Measured on the 2-core VM of 2026-11-23 (Python reference 3.6 ms, shared with other work),
1,000 clients for 60 s: SQLite 0 5xx in 27,000 answers, health p99 21 ms, order p99 297 ms,
read p99 281 ms, loop lag p99 33 ms, no stale exit (about 400 requests/s); PostgreSQL +
Redis, two processes, 0 5xx in 17,700, health p99 151 ms, order p99 3.5 s, read p99 3.4 s
(about 230 requests/s: the two servers, PostgreSQL, Redis and the clients share two cores,
and over Redis the tick hubs send a frame per tick, 4.6x the frames), no stale exit.

``--mode reads --only sqlite --seconds 30``, 2026-11-25 (idle VM, Python reference 4.6 ms):
the reads in four worker threads 313–368 reads/s, 241–317 answered 503, 3.0–3.4 ms of
server CPU per answer, 16,700 context switches a second; on the loop (`serving.loop_reads`)
585 reads/s, none refused, health at most 776 ms, 1.57 ms per answer. ``--only postgres``
(same day, Python reference 4.4 ms): one process 229 reads/s, 1,021 answered 503, 4.24 ms
per answer; two processes 376 reads/s (1.64× one), 240 answered 503, 3.58 ms per answer. On
PostgreSQL the reads keep their worker threads (they wait on the server's I/O).

``--mode reads --only sqlite``, 2026-11-26, after the risk state, notifications, portfolio
list, board and broker statuses moved to prepared statements (Python reference 6.0–6.4 ms):
721–746 reads/s, 1.36 ms of server CPU per answer (1.72–1.79 ms the same morning, before),
none refused; health p99 118–153 ms once measuring, but in the warm-up (1,000 clients
connecting at once) one probe waited 0.8–9.8 s, varying from run to run. The cause: uvloop
accepted one new connection per loop turn (~20 ms under load), ~50 a second, and the probe's
connection waited its turn in the kernel's queue (strace: one ``accept4`` per
``epoll_wait``; the loop never lagged over 0.12 s). Later that day the servers listen on a
group of sockets (`serving.listen`, as `serve` does) and ready their routes first (as `serve`
does): 1,000 connections accepted in 0.4 s, health at most 383–522 ms warm-up included,
651–733 reads/s at 1.39–1.56 ms per answer (Python reference 4.3–4.6 ms).

    .venv/bin/python bench/load.py [--mode mixed|reads] [--clients 1000] [--seconds 60]
        [--think-s 2] [--db-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
        [--redis-url redis://127.0.0.1:6379/0] [--only sqlite|postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import multiprocessing
import os
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from desk_accounts import Desk, seed
from machine import host_line
from scratch_db import scratch_database

SESSION = datetime.fromisoformat("2026-11-20T10:00:00+05:30")  # a Friday's session
SYMBOLS = ("INFY", "TCS", "RELIANCE", "HDFCBANK", "ICICIBANK", "SBIN", "ITC", "LT")
READS = ("/api/portfolio/orders", "/api/portfolio/positions", "/api/portfolio/margins")
USERS = 100
HEARTBEAT_S = 5.0
TARGET_HEALTH_P99_MS = 100.0
TARGET_ORDER_P99_MS = 250.0
TARGET_READS_PER_S = 1000.0
TARGET_HEALTH_MAX_MS = 1000.0
# What the web app polls (web/src), in about the proportions it polls them: every order
# page asks for the books and its own view every 5 s (the books four times here, each view
# once), the top bar for the risk state, notifications and broker status every 20-60 s,
# the dashboard for the portfolios and a portfolio's board every 30 s.
DESK_READS = (
    "/api/portfolio/books",
    "/api/portfolio/positions",
    "/api/portfolio/books",
    "/api/portfolio/orders",
    "/api/portfolio/trades",
    "/api/portfolio/books",
    "/api/portfolio/holdings",
    "/api/portfolio/books",
    "/api/portfolio/margins",
    "/api/risk/state",
    "/api/notifications?limit=20&offset=0",
    "/api/notifications/unread",
    "/api/auth/status",
    "/api/model/portfolios?status=active&limit=100",
    "/api/model/dashboard?portfolio_id={portfolio}",
)
BATCH_S = 0.25  # the trading loop's cadence


# -- the server processes --------------------------------------------------------------


@dataclass(frozen=True)
class ServerPlan:
    database_url: str
    schema: str | None
    redis_url: str | None
    namespace: str
    data_dir: str
    port: int
    universe: str


def _settings(plan: ServerPlan) -> Any:
    from tradertape.settings import Settings

    return Settings(
        data_dir=Path(plan.data_dir),
        database_url=plan.database_url,
        secret_key="b" * 48,
        feed="simulated",
        redis_url=plan.redis_url,
        warm_kernels=False,
        worker_run_stale_action_secs=30,
        worker_stale_recovery_secs=1,
        order_rate_per_sec=1000,  # SEBI's 10/s per client would measure the ceiling, not us
        _env_file=None,
    )


def _server(plan: ServerPlan, stop: Any, stats: Any) -> None:
    """One server process: serve until `stop`, then report the trading loop's lag."""
    import uvicorn

    from tradertape.api.app import create_app, ready_routes
    from tradertape.bus import InProcessBus, RedisBus
    from tradertape.db.engine import Database
    from tradertape.domain.calendar_data import nse_calendar
    from tradertape.domain.instruments_data import reference_catalog
    from tradertape.feed.simulated import FeedConfig, SimulatedFeed
    from tradertape.jobs.loop import TradingLoop
    from tradertape.ports.clock import SystemClock
    from tradertape.runtime import Runtime
    from tradertape.serving.listen import listen
    from tradertape.serving.process import UVICORN, loop_factory, settle

    # The loop calls run_jobs once per cycle, after the cycle's batch: the gap between two
    # calls, less the cadence, is how late the loop ran (its work included).
    cycles: list[float] = []
    jobs = TradingLoop.run_jobs

    def timed(self: TradingLoop, *, force: bool = False) -> bool:
        cycles.append(time.perf_counter())
        return jobs(self, force=force)

    TradingLoop.run_jobs = timed  # type: ignore[method-assign]
    logging.getLogger("uvicorn.access").disabled = True
    settings = _settings(plan)
    connect = {"options": f"-csearch_path={plan.schema}"} if plan.schema else {}
    db = Database.from_url(
        plan.database_url,
        pool_size=settings.db_pool_size,
        pool_timeout_s=settings.db_pool_timeout_secs,
        connect_args=connect,
    )
    bus = RedisBus(plan.redis_url, namespace=plan.namespace) if plan.redis_url else InProcessBus()
    catalog = reference_catalog()
    keys = [i.key for i in catalog.universe(plan.universe)] + [
        i.key for i in catalog if i.key.startswith("NSE:NIFTY")
    ]
    feed = SimulatedFeed.synthetic(
        bus=bus,
        clock=SystemClock(),
        calendar=nse_calendar(),
        catalog=catalog,
        config=FeedConfig(interval_secs=1.0, start_at=SESSION),
        keys=sorted(set(keys)),
    )
    runtime = Runtime.build(settings, bus=bus, feed=feed, db=db)
    app = create_app(runtime)
    settle()
    sockets = listen("127.0.0.1", plan.port)  # as `serve` listens
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=False, backlog=4096, **UVICORN)
    )

    async def run() -> None:
        await ready_routes(app)  # as `serve` does (its kernels' warm-up is off here)
        serving = asyncio.create_task(server.serve(sockets=sockets))
        while not stop.is_set():  # noqa: ASYNC110 - a process-shared flag, not an event here
            await asyncio.sleep(0.2)
        server.should_exit = True
        await serving

    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        runner.run(run())
    gaps = [(b, b - a - BATCH_S) for a, b in zip(cycles, cycles[1:], strict=False)]
    gates = app.state.gates
    stats.put(
        {
            "port": plan.port,
            "led": bool(cycles),
            "lag": gaps,
            "refused": gates.requests.refused + gates.strangers.refused,
        }
    )
    db.dispose()


# -- the clients ------------------------------------------------------------------------


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[int, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    ws_frames: int = 0
    measure_from: float = 0.0  # perf_counter (system-wide): earlier samples are warm-up
    warmup: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def note(self, kind: str, started: float, status: int) -> None:
        """One answer: its latency (apart during the warm-up), its status always."""
        took = time.perf_counter() - started
        if started < self.measure_from and kind != "ws connect":
            self.warmup[kind].append(took)
        else:
            self.latencies[kind].append(took)
        self.statuses[kind][status] += 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "latencies": dict(self.latencies),
            "statuses": {k: dict(v) for k, v in self.statuses.items()},
            "errors": dict(self.errors),
            "ws_frames": self.ws_frames,
            "warmup": dict(self.warmup),
        }


@dataclass(frozen=True)
class ClientPlan:
    bases: list[str]
    cookies: list[str]
    clients: int
    offset: int
    seconds: float
    think_s: float
    measure_from: float
    mode: str = "mixed"
    portfolios: dict[str, int] = field(default_factory=dict)  # a cookie's first portfolio
    writers: int = 0


class Connection:
    """One keep-alive HTTP/1.1 connection, one request at a time, at little CPU per request:
    the clients share the server's two cores, and httpx spent more per request than the
    server did, so its clients measured their own queue."""

    def __init__(self, base: str) -> None:
        host, _, port = base.removeprefix("http://").partition(":")
        self._host, self._port = host, int(port)
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def request(self, method: str, path: str, headers: str, body: bytes = b"") -> int:
        """Send one request and read its answer; its status."""
        if self._streams is None:
            self._streams = await asyncio.open_connection(self._host, self._port)
        reader, writer = self._streams
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self._host}:{self._port}\r\n{headers}"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        try:
            writer.write(head.encode() + body)
            answer = (await reader.readuntil(b"\r\n\r\n")).lower()
            at = answer.find(b"content-length:")
            length = int(answer[at + 15 : answer.find(b"\r\n", at)]) if at >= 0 else 0
            await reader.readexactly(length)
            if b"connection: close" in answer:
                self.close()
            return int(answer[9:12])
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Drop the connection (the next request opens another)."""
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None


async def _reader(base: str, cookie: str, until: float, think: float, tally: Tally) -> None:
    n = random.randrange(len(READS))
    connection = Connection(base)
    headers = f"Cookie: kite_session={cookie}\r\n"
    while time.perf_counter() < until:
        await asyncio.sleep(think * random.uniform(0.5, 1.5))
        path = READS[n % len(READS)]
        n += 1
        started = time.perf_counter()
        try:
            status = await connection.request("GET", path, headers)
        except Exception:  # noqa: BLE001 - a transport failure is a figure, not a crash
            tally.errors["read"] += 1
            continue
        tally.note("read", started, status)
    connection.close()


async def _writer(
    base: str, cookie: str, symbol: str, until: float, think: float, tally: Tally
) -> None:
    connection = Connection(base)
    headers = f"Cookie: kite_session={cookie}\r\nContent-Type: application/json\r\n"
    n = 0
    while time.perf_counter() < until:
        await asyncio.sleep(think * random.uniform(0.5, 1.5))
        side = "BUY" if n % 2 == 0 else "SELL"
        n += 1
        order = {
            "exchange": "NSE",
            "tradingsymbol": symbol,
            "transaction_type": side,
            "quantity": 1,
            "product": "MIS",
            "order_type": "MARKET",
            "idempotency_key": f"{cookie[:12]}-{symbol}-{n}-{time.time_ns()}",
        }
        started = time.perf_counter()
        try:
            status = await connection.request(
                "POST", "/api/orders", headers, json.dumps(order).encode()
            )
        except Exception:  # noqa: BLE001
            tally.errors["order"] += 1
            continue
        tally.note("order", started, status)
    connection.close()


async def _subscriber(base: str, cookie: str, until: float, tally: Tally) -> None:
    import websockets

    url = base.replace("http://", "ws://") + "/api/ws/ticks"
    symbols = [f"NSE:{s}" for s in random.sample(SYMBOLS, 5)]
    started = time.perf_counter()
    try:
        async with websockets.connect(
            url, additional_headers={"Cookie": f"kite_session={cookie}"}, open_timeout=30
        ) as ws:
            hello = json.loads(await ws.recv())
            if hello.get("type") != "status":
                tally.note("ws connect", started, 401)
                return
            await ws.send(json.dumps({"action": "subscribe", "symbols": symbols, "mode": "quote"}))
            tally.note("ws connect", started, 101)
            while time.perf_counter() < until:
                try:
                    await asyncio.wait_for(ws.recv(), timeout=max(0.1, until - time.perf_counter()))
                except TimeoutError:
                    break
                tally.ws_frames += 1
    except Exception:  # noqa: BLE001
        tally.errors["ws connect"] += 1


def _endpoint(path: str) -> str:
    """The endpoint a desk read is counted under (its path, without the query)."""
    return path.partition("?")[0].removeprefix("/api/")


async def _desk_reader(
    base: str, cookie: str, paths: list[str], until: float, think: float, tally: Tally
) -> None:
    """A signed-in page's polls, one after another (without pause when `think` is 0)."""
    n = random.randrange(len(paths))
    connection = Connection(base)
    headers = f"Cookie: kite_session={cookie}\r\n"
    while time.perf_counter() < until:
        if think:
            await asyncio.sleep(think * random.uniform(0.5, 1.5))
        path = paths[n % len(paths)]
        n += 1
        started = time.perf_counter()
        try:
            status = await connection.request("GET", path, headers)
        except Exception:  # noqa: BLE001 - a transport failure is a figure, not a crash
            tally.errors[_endpoint(path)] += 1
            continue
        tally.note(_endpoint(path), started, status)
    connection.close()


async def _drive_reads(plan: ClientPlan) -> Tally:
    tally = Tally(measure_from=plan.measure_from)
    until = plan.measure_from + plan.seconds
    tasks = []
    for i in range(plan.clients):
        n = plan.offset + i
        base, cookie = plan.bases[n % len(plan.bases)], plan.cookies[n % len(plan.cookies)]
        paths = [p.format(portfolio=plan.portfolios[cookie]) for p in DESK_READS]
        tasks.append(_desk_reader(base, cookie, paths, until, plan.think_s, tally))
    for i in range(plan.writers):  # an order a second each, on users the readers read
        n = plan.offset + i
        base, cookie = plan.bases[n % len(plan.bases)], plan.cookies[n % len(plan.cookies)]
        symbol = SYMBOLS[n % len(SYMBOLS)]
        tasks.append(_writer(base, cookie, symbol, until, 1.0, tally))
    await asyncio.gather(*tasks)
    return tally


async def _drive(plan: ClientPlan) -> Tally:
    if plan.mode == "reads":
        return await _drive_reads(plan)
    tally = Tally(measure_from=plan.measure_from)
    until = plan.measure_from + plan.seconds
    tasks = []
    for i in range(plan.clients):
        n = plan.offset + i
        base, cookie = plan.bases[n % len(plan.bases)], plan.cookies[n % len(plan.cookies)]
        slot = n % 10
        if slot < 7:
            tasks.append(_reader(base, cookie, until, plan.think_s, tally))
        elif slot < 9:
            tasks.append(_subscriber(base, cookie, until, tally))
        else:
            symbol = SYMBOLS[n % len(SYMBOLS)]
            tasks.append(_writer(base, cookie, symbol, until, plan.think_s, tally))
    await asyncio.gather(*tasks)
    return tally


def _client_proc(plan: ClientPlan, start: Any, results: Any) -> None:
    start.wait()
    results.put(asyncio.run(_drive(plan)).as_dict())


async def _prober(bases: list[str], until: float, tally: Tally) -> None:
    import httpx

    async with httpx.AsyncClient(timeout=30.0) as client:
        while time.perf_counter() < until:
            for base in bases:
                started = time.perf_counter()
                try:
                    answer = await client.get(f"{base}/api/health")
                except Exception:  # noqa: BLE001
                    tally.errors["health"] += 1
                    continue
                tally.note("health", started, answer.status_code)
            await asyncio.sleep(0.1)


def _worker_run(base: str, token: str, until: float, tally: Tally, out: dict[str, Any]) -> None:
    """A worker that does its part: a paper run, claimed, heartbeating every 5 s."""
    from tradertape_worker import AlgoWorkerConfig, KiteAlgoWorkerClient

    run_id = f"load_{time.time_ns()}"
    with KiteAlgoWorkerClient(AlgoWorkerConfig(base_url=base, token=token)) as client:
        client.create_run(
            template_id="load",
            account_scope="kite:paper",
            execution_mode="paper",
            strategy_run_id=run_id,
        )
        nonce = client.claim_session(run_id)["worker_session_nonce"]
        while time.perf_counter() < until:
            started = time.perf_counter()
            try:
                client.run_heartbeat(run_id, session_nonce=nonce)
                tally.note("heartbeat", started, 200)
            except Exception as failed:  # noqa: BLE001
                tally.errors["heartbeat"] += 1
                out.setdefault("heartbeat_errors", []).append(repr(failed)[:200])
            time.sleep(HEARTBEAT_S)
        out["status"] = client.get_run(run_id)["status"]


# -- set-up and report ------------------------------------------------------------------


def _prepare(url: str, schema: str | None, tmp: Path) -> tuple[list[str], str]:
    """Users with money and a session each, and a paper worker token."""
    from tradertape.db.engine import Database
    from tradertape.runtime import Runtime
    from tradertape.services.accounts import worker_tokens
    from tradertape.services.accounts.users import create_user
    from tradertape.settings import Settings

    settings = Settings(
        data_dir=tmp, secret_key="b" * 48, feed="none", warm_kernels=False, _env_file=None
    )
    connect = {"options": f"-csearch_path={schema}"} if schema else {}
    db = Database.from_url(url, connect_args=connect)
    runtime = Runtime.build(settings, db=db)
    cookies = []
    with db.session() as session:
        for n in range(USERS):
            user = create_user(session, clock=runtime.clock, email=f"load-{n}@x.in")
            runtime.exchange.deposit(session, user_id=user.id, amount=Decimal(10) ** 8)
            cookies.append(runtime.sessions.start(session, user=user, ip=None, user_agent=None))
        spec = worker_tokens.TokenSpec(
            name="load", account_scope="kite:paper", allowed_modes=["paper"]
        )
        token = worker_tokens.create(session, clock=runtime.clock, user_id=user.id, spec=spec)
    db.dispose()
    return cookies, token.secret


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_up(bases: list[str], timeout_s: float = 120.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout_s
    for base in bases:
        while True:
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                sys.exit(f"{base} did not come up")
            time.sleep(0.2)


def _cut(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] * 1000 if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def _report(label: str, tally: Tally, servers: list[dict[str, Any]], run: dict[str, Any]) -> None:
    print(f"-- {label}")
    fives = 0
    for kind in sorted(set(tally.latencies) | set(tally.errors)):
        values = tally.latencies.get(kind, [])
        statuses = tally.statuses.get(kind, {})
        five = sum(c for s, c in statuses.items() if s >= 500)
        busy = statuses.get(503, 0)
        fives += five
        shown = ", ".join(f"{s}×{c}" for s, c in sorted(statuses.items()))
        print(
            f"  {kind:<11} {len(values):>7} answers  p50 {_cut(values, 50):7.1f} ms  "
            f"p99 {_cut(values, 99):7.1f} ms  5xx {five} (503 {busy})  "
            f"transport errors {tally.errors.get(kind, 0)}  [{shown}]"
        )
    warm = sorted(x for values in tally.warmup.values() for x in values)
    if warm:
        print(
            f"  warm-up (not in the figures): {len(warm)} answers, p99 {_cut(warm, 99):.1f} ms, "
            f"max {warm[-1] * 1000:.1f} ms"
        )
    lag = [g for s in servers for g in s["lag"]]
    leaders = sum(1 for s in servers if s["led"])
    health = tally.latencies.get("health", [])
    orders = tally.latencies.get("order", [])
    print(
        f"  WebSocket frames received: {tally.ws_frames}; servers refused (503) "
        f"{sum(s['refused'] for s in servers)} at admission; {leaders} leading process"
    )
    if lag:
        print(
            f"  trading loop lag (batch later than its {BATCH_S * 1000:.0f} ms cadence): "
            f"p50 {_cut(lag, 50):.1f} ms  p99 {_cut(lag, 99):.1f} ms  max {max(lag) * 1000:.1f} ms"
            f" over {len(lag)} batches"
        )
    stale = run.get("status") not in ("open", None)
    print(
        f"  worker run: {run.get('status')} after {len(tally.latencies.get('heartbeat', []))} "
        f"heartbeats ({tally.errors.get('heartbeat', 0)} failed){'  STALE-EXITED' if stale else ''}"
    )
    verdict = [
        f"5xx {fives} (target 0)",
        f"health p99 {_cut(health, 99):.1f} ms (target < {TARGET_HEALTH_P99_MS:.0f})",
        f"order p99 {_cut(orders, 99):.1f} ms (target < {TARGET_ORDER_P99_MS:.0f})",
        f"stale exit: {'yes' if stale else 'no'} (target no)",
    ]
    print("  targets: " + "; ".join(verdict), flush=True)


def _merge(tally: Tally, other: dict[str, Any]) -> None:
    for kind, values in other["latencies"].items():
        tally.latencies[kind].extend(values)
    for kind, statuses in other["statuses"].items():
        for status, count in statuses.items():
            tally.statuses[kind][int(status)] += count
    for kind, count in other["errors"].items():
        tally.errors[kind] += count
    tally.ws_frames += other["ws_frames"]
    for kind, values in other["warmup"].items():
        tally.warmup[kind].extend(values)


@dataclass
class Servers:
    """Server processes on one database (and one bus, with Redis), up and answering."""

    processes: list[Any]
    stop: Any
    stats: Any
    bases: list[str]

    def finish(self) -> list[dict[str, Any]]:
        """Stop them; each one's report (`_server`)."""
        self.stop.set()
        reports = [self.stats.get(timeout=60) for _ in self.processes]
        for process in self.processes:
            process.join(30)
        return reports


def _start_servers(
    context: Any,
    args: argparse.Namespace,
    count: int,
    url: str,
    schema: str | None,
    redis: str | None,
    tmp: Path,
) -> Servers:
    namespace = f"bench-{time.time_ns()}"  # shared: the processes are one installation
    stop, stats = context.Event(), context.Queue()
    plans = [
        ServerPlan(
            database_url=url,
            schema=schema,
            redis_url=redis,
            namespace=namespace,
            data_dir=str(tmp),
            port=_free_port(),
            universe=args.universe,
        )
        for _ in range(count)
    ]
    processes = [context.Process(target=_server, args=(p, stop, stats)) for p in plans]
    for process in processes:
        process.start()
    bases = [f"http://127.0.0.1:{p.port}" for p in plans]
    _wait_up(bases)
    time.sleep(3)  # the leader's feed starts printing
    return Servers(processes, stop, stats, bases)


def _start_clients(
    context: Any, args: argparse.Namespace, plan: ClientPlan
) -> tuple[list[Any], Any, Any]:
    """`--client-procs` client processes, each with its share of `plan`'s clients; they
    start together once the caller passes the barrier too."""
    per_proc = args.clients // args.client_procs
    start, results = context.Barrier(args.client_procs + 1), context.Queue()
    drivers = [
        context.Process(
            target=_client_proc,
            args=(replace(plan, clients=per_proc, offset=i * per_proc), start, results),
        )
        for i in range(args.client_procs)
    ]
    for process in drivers:
        process.start()
    return drivers, start, results


def _collect(tally: Tally, drivers: list[Any], results: Any) -> None:
    for _ in drivers:
        _merge(tally, results.get())
    for process in drivers:
        process.join(30)


def _setup(args: argparse.Namespace, label: str, db_url: str | None, redis: str | None) -> None:
    context = multiprocessing.get_context("spawn")
    processes = 2 if redis else 1
    with (
        tempfile.TemporaryDirectory() as folder,
        scratch_database(db_url, Path(folder)) as (url, schema),
    ):
        tmp = Path(folder)
        cookies, token = _prepare(url, schema, tmp)
        servers = _start_servers(context, args, processes, url, schema, redis, tmp)
        # Clients start together and get `--warmup-s` to connect and settle; only what is
        # sent after that is measured (answers during the warm-up are counted, not timed).
        measure_from = time.perf_counter() + 6.0 + args.warmup_s  # spawning: ~2-4 s
        plan = ClientPlan(
            bases=servers.bases,
            cookies=cookies,
            clients=args.clients,
            offset=0,
            seconds=args.seconds,
            think_s=args.think_s,
            measure_from=measure_from,
        )
        drivers, start, results = _start_clients(context, args, plan)
        tally = Tally(measure_from=measure_from)
        run: dict[str, Any] = {}
        start.wait()
        until = measure_from + args.seconds
        worker = threading.Thread(
            target=_worker_run, args=(servers.bases[-1], token, until, tally, run)
        )
        worker.start()
        asyncio.run(_prober(servers.bases, until, tally))
        worker.join()
        _collect(tally, drivers, results)
        reports = servers.finish()
        for report in reports:  # the loop's lag while measuring
            report["lag"] = [g for t, g in report["lag"] if t >= measure_from]
    _report(
        f"{label}: {processes} server process(es), {args.clients} clients for {args.seconds:g} s"
        f" after {args.warmup_s:g} s of warm-up",
        tally,
        reports,
        run,
    )


def _report_reads(label: str, tally: Tally, seconds: float, cpu_s: float) -> float:
    """Print the desk reads' figures; return reads/s."""
    print(f"-- {label}")
    others = ("order", "health", "heartbeat", "ws connect")
    kinds = sorted(k for k in set(tally.statuses) | set(tally.errors) if k not in others)
    reads = [x for k in kinds for x in tally.latencies.get(k, [])]
    bad = transport = 0
    print(f"  {'endpoint':<26} {'answers':>8} {'p50 ms':>8} {'p99 ms':>8}  statuses")
    for kind in kinds:
        values = tally.latencies.get(kind, [])
        statuses = tally.statuses.get(kind, {})
        bad += sum(c for s, c in statuses.items() if s != 200)
        transport += tally.errors.get(kind, 0)
        shown = ", ".join(f"{s}×{c}" for s, c in sorted(statuses.items()))
        failed = tally.errors.get(kind, 0)
        print(
            f"  {kind:<26} {len(values):>8} {_cut(values, 50):8.1f} {_cut(values, 99):8.1f}  "
            f"[{shown}]{f'  transport errors {failed}' if failed else ''}"
        )
    rate = len(reads) / seconds
    print(
        f"  all reads {len(reads):>8} in {seconds:g} s: {rate:,.0f} reads/s, "
        f"p50 {_cut(reads, 50):.1f} ms, p99 {_cut(reads, 99):.1f} ms; "
        f"not 200: {bad}, transport errors: {transport}"
    )
    answers = len(reads) + len(tally.latencies.get("order", []))
    # The VMs are shared: what the servers could answer with a core of their own.
    each = (
        f", {cpu_s / answers * 1000:.2f} ms per answer: {answers / cpu_s:,.0f} answers per "
        "CPU-second"
        if answers and cpu_s
        else ""
    )
    print(f"  server CPU: {cpu_s:.1f} s over {seconds:g} s ({cpu_s / seconds:.2f} cores){each}")
    orders = tally.latencies.get("order", [])
    if orders or tally.errors.get("order"):
        placed = ", ".join(f"{s}×{c}" for s, c in sorted(tally.statuses["order"].items()))
        print(
            f"  orders    {len(orders):>8}: p50 {_cut(orders, 50):.1f} ms, "
            f"p99 {_cut(orders, 99):.1f} ms [{placed}], "
            f"transport errors {tally.errors.get('order', 0)}"
        )
    health = tally.latencies.get("health", [])
    warm = tally.warmup.get("health", [])
    worst = max([*health, *warm], default=float("nan")) * 1000
    print(
        f"  /api/health {len(health)} probes: p99 {_cut(health, 99):.1f} ms, max "
        f"{max(health, default=float('nan')) * 1000:.1f} ms (with the warm-up's: {worst:.1f} ms), "
        f"not 200: {sum(c for st, c in tally.statuses['health'].items() if st != 200)}, "
        f"transport errors {tally.errors.get('health', 0)}"
    )
    print(
        f"  targets: {rate:,.0f} reads/s ({rate / TARGET_READS_PER_S:.2f}× the "
        f"{TARGET_READS_PER_S:,.0f}/s target); errors {bad + transport} (target 0); "
        f"health max {worst:.0f} ms (target < {TARGET_HEALTH_MAX_MS:.0f})",
        flush=True,
    )
    return rate


def _run_reads(
    args: argparse.Namespace,
    label: str,
    url: str,
    schema: str | None,
    redis: str | None,
    tmp: Path,
    desk: Desk,
    processes: int,
) -> float:
    """One run of the desk reads against `processes` servers on one database; reads/s."""
    context = multiprocessing.get_context("spawn")
    servers = _start_servers(context, args, processes, url, schema, redis, tmp)
    measure_from = time.perf_counter() + 6.0 + args.warmup_s
    plan = ClientPlan(
        bases=servers.bases,
        cookies=desk.cookies,
        clients=args.clients,
        offset=0,
        seconds=args.seconds,
        think_s=args.think_s,
        measure_from=measure_from,
        mode="reads",
        portfolios={c: ids[0] for c, ids in zip(desk.cookies, _per_cookie(desk), strict=True)},
        writers=args.writers // args.client_procs,
    )
    drivers, start, results = _start_clients(context, args, plan)
    tally = Tally(measure_from=measure_from)
    start.wait()
    pids = [p.pid for p in servers.processes if p.pid is not None]
    cpu_at: list[float] = []
    clock = threading.Timer(
        max(0.0, measure_from - time.perf_counter()), lambda: cpu_at.append(_cpu_s(pids))
    )
    clock.start()
    asyncio.run(_prober(servers.bases, measure_from + args.seconds, tally))
    cpu_used = _cpu_s(pids) - cpu_at[0] if cpu_at else float("nan")
    _collect(tally, drivers, results)
    servers.finish()
    return _report_reads(
        f"{label}: {processes} server process(es), {args.clients} readers"
        f" (+{args.writers} order writers) for {args.seconds:g} s after {args.warmup_s:g} s"
        " of warm-up",
        tally,
        args.seconds,
        cpu_used,
    )


def _cpu_s(pids: list[int]) -> float:
    """CPU seconds (user and system) the processes have used so far (Linux's /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def _per_cookie(desk: Desk) -> list[list[int]]:
    """Each cookie's user's portfolios (cookies go round the users, `seed`'s order)."""
    users = len(desk.portfolios)
    return [desk.portfolios[n % users] for n in range(len(desk.cookies))]


def _setup_reads(
    args: argparse.Namespace, label: str, db_url: str | None, redis: str | None
) -> None:
    counts = (1, 2) if redis else (1,)
    with (
        tempfile.TemporaryDirectory() as folder,
        scratch_database(db_url, Path(folder)) as (url, schema),
    ):
        tmp = Path(folder)
        started = time.perf_counter()
        sessions = max(1, -(-args.clients // args.users))
        desk = seed(url, schema, tmp, users=args.users, sessions=sessions)
        print(
            f"  ({args.users} users with {sessions} sessions each, built in "
            f"{time.perf_counter() - started:.0f} s)",
            flush=True,
        )
        rates = [
            _run_reads(args, label, url, schema, redis, tmp, desk, processes)
            for processes in counts
        ]
    if len(rates) == 2:
        print(
            f"-- {label}: two processes {rates[1]:,.0f} reads/s against one {rates[0]:,.0f}: "
            f"{rates[1] / rates[0]:.2f}×",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--think-s", type=float, default=2.0, help="pause between requests")
    parser.add_argument("--warmup-s", type=float, default=5.0, help="unmeasured start")
    parser.add_argument("--client-procs", type=int, default=2)
    parser.add_argument("--universe", default="nifty_50")
    parser.add_argument("--db-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--only", choices=("sqlite", "postgres"), default=None)
    parser.add_argument(
        "--mode",
        choices=("mixed", "reads"),
        default="mixed",
        help="mixed: reads, orders, ticks and a worker; reads: the desk's reads (issue 25)",
    )
    parser.add_argument("--users", type=int, default=100, help="reads: accounts read")
    parser.add_argument("--writers", type=int, default=10, help="reads: order writers")
    args = parser.parse_args()
    if args.mode == "reads" and "--think-s" not in sys.argv:
        args.think_s = 0.0
    setup = _setup_reads if args.mode == "reads" else _setup
    print(host_line(), flush=True)
    if args.only in (None, "sqlite"):
        setup(args, "SQLite", None, None)
    if args.only in (None, "postgres"):
        setup(args, "PostgreSQL + Redis", args.db_url, args.redis_url)
    print(host_line(), flush=True)
    os._exit(0)  # spawned helpers' queues: nothing left to wait for


if __name__ == "__main__":
    main()
