"""Tick fan-out benchmark: many WebSocket clients on one server, feed to client latency.

The server (this process) runs the real app under uvicorn on 127.0.0.1 (a random port), on
the event loop `tradertape serve` gets (uvloop), with the simulated feed printing the NIFTY 200
twice a second (market time pinned to a session, so it ticks whatever the hour). The clients
run in a second process, also on uvloop, so they do not share the server's interpreter: each
connects with a session cookie and subscribes to 50 random symbols in quote mode. A few extra
"stalled" clients subscribe to everything in full mode and never read, to show that they cost
the others nothing and that their drops are counted.

Latency is measured per symbol update: the client's receive instant minus the instant the tick
was due (its ``timestamp`` mapped back to wall time), so it includes the feed's own wake-up as
well as fan-out and the network stack. The clients only stamp and count during the run and
decode a sample of frames afterwards: one process has 500 sockets to serve, and its own work
per frame would otherwise be measured as server latency. For the same reason each client reads
its socket with a bare protocol (`_Wire`: a frame's arrival is the `data_received` that
completes it, stamped there): through the websockets library, reading cost the client process
about 50 us per frame, as much CPU per burst as the server's whole fan-out, and on a busy
two-core machine the 500th client of a burst waited for the 499 before it (a real client has
one socket of its own). ``--client websockets`` measures through the library (as ``--deflate``
must, the bare protocol does not inflate).

The server's event loop runs at ``--loop-priority`` (the ``loop_priority`` setting,
`serving.priority`; ``realtime`` by default here, ``normal`` is what a server gets unless
configured), and the clients' process, the measuring instrument, at ``--clients-priority``
(``realtime``): on a machine busy past its two cores an instrument at the ordinary priority
stamps a frame when it gets a CPU, not when the frame arrived. Both are printed; without
root or CAP_SYS_NICE either runs at normal priority and says so. ``--against REV`` runs
the same, in turn, on REV's sources (`against.py`; a tree without the setting runs its loop
at normal priority), ``--rounds`` times each, and prints every run's p50 / p99 and load.

    .venv/bin/python bench/ticks_fanout.py [--clients 500] [--stalled 5] [--seconds 20]
        [--deflate] [--ws websockets-sansio|websockets|wsproto] [--client wire|websockets]
        [--loop-priority normal|high|realtime] [--clients-priority normal|realtime]
        [--against REV --rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import json
import multiprocessing
import os
import queue
import random
import resource
import socket
import struct
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from against import compare, emit, without
from machine import host_line, load, row

TARGET_P99_MS = 100.0
SESSION = datetime.fromisoformat("2026-11-20T10:00:00+05:30")  # a Friday's session


@dataclass(frozen=True)
class ClientPlan:
    port: int
    token: str
    keys: list[str]
    clients: int
    per_client: int
    stalled: int
    warmup_s: float
    seconds: float
    offset_s: float  # wall time = tick timestamp + offset
    deflate: bool
    wire: bool  # read with the bare protocol (`_Wire`), not the websockets library
    priority: str  # the clients' process's: normal or realtime (`_raise_clients`)
    sample_every: int = 3  # frames whose latency is decoded and measured


def _stamp(
    plan: ClientPlan, window: list[float], out: dict[str, Any], raw: str | bytes, now: float
) -> bool:
    """Count one frame received at `now` and keep 1 in `sample_every`; False past the window."""
    start, end = window
    if now < start:
        return True
    if now > end:
        return False
    out["frames"] += 1
    ltp = b'"ltp":' if isinstance(raw, bytes) else '"ltp":'
    ticks = raw[9:10] in (b"t", "t")  # {"type":"ticks"
    out["ticks"] += raw.count(ltp) if ticks else 0  # type: ignore[arg-type]
    if out["frames"] % plan.sample_every == 0:
        out["samples"].append((now, raw))
    return True


class _Wire(asyncio.Protocol):
    """One client's socket read frame by frame with slices of a buffer (the server sends
    whole, unmasked frames): setup replies go to `inbox`, measured frames to `_stamp`."""

    def __init__(self) -> None:
        loop = asyncio.get_running_loop()
        self.transport: asyncio.Transport | None = None
        self.opened: asyncio.Future[None] = loop.create_future()
        self.finished: asyncio.Future[None] = loop.create_future()
        self.inbox: asyncio.Queue[bytes] = asyncio.Queue()
        self._buffer = bytearray()
        self._handshaken = False
        self._measuring: Callable[[bytes, float], bool] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        for future in (self.opened, self.finished):
            if not future.done():
                future.set_exception(exc or ConnectionError("closed by the server"))

    def measure(self, stamp: Callable[[bytes, float], bool]) -> None:
        self._measuring = stamp

    def _handshake(self, buffer: bytearray) -> bool:
        end = buffer.find(b"\r\n\r\n")
        if end < 0 or self.opened.done():
            return False
        if not buffer.startswith(b"HTTP/1.1 101"):
            self.opened.set_exception(ConnectionError(bytes(buffer[:end]).decode()))
            return False
        del buffer[: end + 4]
        self._handshaken = True
        self.opened.set_result(None)
        return True

    def data_received(self, data: bytes) -> None:
        now = time.time()
        buffer = self._buffer
        buffer += data
        if not self._handshaken and not self._handshake(buffer):
            return
        while len(buffer) >= 2:
            size, start = buffer[1] & 0x7F, 2
            if size == 126:
                size, start = int.from_bytes(buffer[2:4]), 4
            elif size == 127:
                size, start = int.from_bytes(buffer[2:10]), 10
            if len(buffer) < start + size:
                return  # the rest of this frame is still on its way
            opcode, payload = buffer[0] & 0x0F, bytes(buffer[start : start + size])
            del buffer[: start + size]
            if opcode != 1:  # a close (or control) frame: nothing the bench waits for
                continue
            if self._measuring is None:
                self.inbox.put_nowait(payload)
            elif not self._measuring(payload, now) and not self.finished.done():
                self.finished.set_result(None)


def _handshake(plan: ClientPlan) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    return (
        "GET /api/ws/ticks HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        f"Cookie: kite_session={plan.token}\r\n\r\n"
    ).encode()


async def _wire_client(
    plan: ClientPlan, n: int, ready: asyncio.Event, window: list[float], out: dict[str, Any]
) -> None:
    loop = asyncio.get_running_loop()
    rng = random.Random(n)
    symbols = rng.sample(plan.keys, plan.per_client)
    while True:  # a busy server refuses with 1013 ("retry shortly"), as a browser retries
        _, wire = await loop.create_connection(_Wire, "127.0.0.1", plan.port)
        assert wire.transport is not None
        wire.transport.write(_handshake(plan))
        await wire.opened
        if json.loads(await wire.inbox.get())["type"] == "status":
            break
        out["retried"] += 1
        wire.transport.close()
        await asyncio.sleep(0.2 + rng.random())
    subscribe = {"action": "subscribe", "symbols": symbols, "mode": "quote"}
    wire.transport.write(_ws_frame(json.dumps(subscribe)))
    while json.loads(await wire.inbox.get())["type"] != "subscribed":
        pass
    out["connected"] += 1
    await ready.wait()
    wire.measure(lambda raw, now: _stamp(plan, window, out, raw, now))
    await wire.finished
    wire.transport.close()


async def _client(
    plan: ClientPlan, n: int, ready: asyncio.Event, window: list[float], out: dict[str, Any]
) -> None:
    from websockets.asyncio.client import connect

    rng = random.Random(n)
    symbols = rng.sample(plan.keys, plan.per_client)
    while True:  # a busy server refuses with 1013 ("retry shortly"), as a browser retries
        ws = await connect(
            f"ws://127.0.0.1:{plan.port}/api/ws/ticks",
            additional_headers={"Cookie": f"kite_session={plan.token}"},
            compression="deflate" if plan.deflate else None,
            max_queue=None,
            open_timeout=60,
            ping_interval=None,
        )
        if json.loads(await ws.recv())["type"] == "status":
            break
        out["retried"] += 1
        await ws.close()
        await asyncio.sleep(0.2 + rng.random())
    async with ws:
        await ws.send(json.dumps({"action": "subscribe", "symbols": symbols, "mode": "quote"}))
        while json.loads(await ws.recv())["type"] != "subscribed":
            pass
        out["connected"] += 1
        await ready.wait()
        # Keep the receive loop minimal (stamp, count, keep a sample); decode after the run, so
        # one client process can keep up with 500 sockets without queueing inflating latency.
        while _stamp(plan, window, out, await ws.recv(), time.time()):
            pass


def _latencies(
    samples: list[tuple[float, str | bytes]], offset: float, bursts: dict[str, list[float]]
) -> list[float]:
    """Every sampled update's latency; `bursts` gets them by the instant the ticks were due."""
    latencies = []
    for received, raw in samples:
        message = json.loads(raw)
        if message["type"] != "ticks":
            continue
        for tick in message["data"].values():
            stamp = datetime.fromisoformat(tick["timestamp"]).timestamp() + offset
            latencies.append(received - stamp)
            bursts.setdefault(tick["timestamp"], []).append(received - stamp)
    return latencies


def _burst_rows(bursts: dict[str, list[float]]) -> list[tuple[str, str]]:
    """Where the tail comes from: p99 over a 20 s window is decided by its worst burst or two
    (each carries ~1/40 of the updates), so say how many bursts went over the target and how
    the worst one spread from its first client to its last (a late first client means the
    feed or the server woke late; a wide spread, the fan-out itself was slow or preempted)."""
    spans = sorted((max(v), min(v)) for v in bursts.values())
    over = sum(1 for last, _ in spans if last * 1000 > TARGET_P99_MS)
    worst_last, worst_first = spans[-1]
    return [
        ("bursts over", f"{over} of {len(spans)} had a client past {TARGET_P99_MS:.0f} ms"),
        ("worst burst", f"first client {worst_first * 1e3:.1f} ms, last {worst_last * 1e3:.1f} ms"),
    ]


def _ws_frame(text: str) -> bytes:
    payload, mask = text.encode(), os.urandom(4)
    if len(payload) < 126:
        header = struct.pack("!BB", 0x81, 0x80 | len(payload))
    else:
        header = struct.pack("!BB", 0x81, 0x80 | 126) + struct.pack("!H", len(payload))
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


async def _stalled(plan: ClientPlan) -> None:
    """A client that subscribes to everything in full mode and then never reads."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", plan.port))
    reader, writer = await asyncio.open_connection(sock=sock)
    writer.write(_handshake(plan))
    await reader.readuntil(b"\r\n\r\n")
    writer.write(
        _ws_frame(json.dumps({"action": "subscribe", "symbols": plan.keys, "mode": "full"}))
    )
    await writer.drain()
    await asyncio.sleep(plan.warmup_s + plan.seconds + 5)  # hold the socket open, unread
    writer.close()


async def _clients_main(plan: ClientPlan) -> dict[str, Any]:
    out: dict[str, Any] = {"connected": 0, "frames": 0, "ticks": 0, "samples": [], "retried": 0}
    ready = asyncio.Event()
    window = [float("inf"), float("inf")]
    stalled = [asyncio.create_task(_stalled(plan)) for _ in range(plan.stalled)]
    tasks = []
    for n in range(plan.clients):
        client = _wire_client if plan.wire else _client
        tasks.append(asyncio.create_task(client(plan, n, ready, window, out)))
        if n % 50 == 49:
            await asyncio.sleep(0.05)  # do not flood the accept queue
    while out["connected"] < plan.clients:
        await asyncio.sleep(0.1)
        if any(t.done() for t in tasks):
            for t in tasks:
                if t.done() and t.exception():
                    raise t.exception()  # type: ignore[misc]
    # The harness's own garbage (the growing sample list) must not pause the clients
    # mid-measurement: a full collection of it takes longer than the latency measured.
    gc.freeze()
    gc.disable()
    now = time.time()
    window[:] = [now + plan.warmup_s, now + plan.warmup_s + plan.seconds]
    cpu0 = time.process_time()
    ready.set()
    await asyncio.gather(*tasks)
    for task in stalled:
        task.cancel()
    out["client_cpu_s"] = time.process_time() - cpu0
    out["bursts"] = {}
    out["latencies"] = _latencies(out.pop("samples"), plan.offset_s, out["bursts"])
    return out


def _raise_clients(priority: str) -> str:
    """The clients' process at `priority` (``realtime``: SCHED_RR, as the server's loop can
    be), so that it stamps frames as they arrive; the priority it got."""
    if priority != "realtime":
        return "normal"
    try:
        os.sched_setscheduler(0, os.SCHED_RR, os.sched_param(1))
    except (PermissionError, AttributeError):
        return "normal (realtime refused: no root or CAP_SYS_NICE)"
    return "realtime (SCHED_RR 1)"


def _clients_process(plan: ClientPlan, results: Any) -> None:
    # The clients' own loop is the fastest there is too (uvloop): their lag reading 500
    # sockets would be measured as the server's latency.
    from tradertape.serving.process import loop_factory

    priority = _raise_clients(plan.priority)
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        out = runner.run(_clients_main(plan))
    out["priority"] = priority
    results.put(out)


def _build_runtime(tmp: Path, interval_s: float, loop_priority: str) -> tuple[Any, str]:
    from tradertape.bus import InProcessBus
    from tradertape.db.migrate import upgrade
    from tradertape.domain.calendar_data import nse_calendar
    from tradertape.domain.instruments_data import reference_catalog
    from tradertape.feed.simulated import FeedConfig, SimulatedFeed
    from tradertape.ports.clock import SystemClock
    from tradertape.runtime import Runtime
    from tradertape.services.accounts.users import create_user
    from tradertape.settings import Settings

    settings = Settings(
        data_dir=tmp,
        secret_key="b" * 48,
        feed="none",
        redis_url=None,
        tick_sockets_per_user=1000,  # every client is the bench's one user
        loop_priority=loop_priority,  # ignored by a tree without the setting (--against)
        # The fan-out uses no backtest kernel; readying them would compile for minutes in a
        # thread of this process on sources with no cache (`--against`'s unpacked tree).
        warm_kernels=False,
        _env_file=None,
    )
    catalog = reference_catalog()
    bus = InProcessBus()
    feed = SimulatedFeed.synthetic(
        bus=bus,
        clock=SystemClock(),
        calendar=nse_calendar(),
        catalog=catalog,
        config=FeedConfig(interval_secs=interval_s, start_at=SESSION),
        keys=[i.key for i in catalog.universe("nifty_200")],
    )
    runtime = Runtime.build(settings, bus=bus, feed=feed)
    upgrade(runtime.db.engine)
    with runtime.db.session() as db:
        user = create_user(db, clock=runtime.clock, email="bench@tradertape.dev")
        token = runtime.sessions.start(db, user=user, ip=None, user_agent="bench")
    return runtime, token


def _results_of(worker: Any, results: Any) -> Any:
    """The clients' process's results; the run ends if that process ends without them (a
    client's error there once left the server waiting for 500 clients for half an hour)."""
    while True:
        try:
            return results.get(timeout=1.0)
        except queue.Empty:
            if not worker.is_alive():
                sys.exit(f"the clients' process ended (exit code {worker.exitcode}), no results")


async def _until(condition: Callable[[], bool]) -> None:
    # uvicorn and the hub expose flags and counters, not events: poll them.
    while not condition():  # noqa: ASYNC110 - nothing to wait on but a flag
        await asyncio.sleep(0.05)


def _percentile(sorted_values: list[float], fraction: float) -> float:
    index = min(len(sorted_values) - 1, int(fraction * len(sorted_values)))
    return sorted_values[index]


async def _serve_and_measure(args: argparse.Namespace) -> None:
    import uvicorn

    from tradertape.api.app import create_app
    from tradertape.serving.listen import listen
    from tradertape.serving.process import settle

    with tempfile.TemporaryDirectory() as tmp:
        runtime, token = _build_runtime(Path(tmp), args.interval, args.loop_priority)
        app = create_app(runtime)
        sockets = listen("127.0.0.1", 0)  # as `serve` listens
        port = sockets[0].getsockname()[1]
        config = uvicorn.Config(
            app,
            log_level="warning",
            ws=args.ws,
            ws_per_message_deflate=args.deflate,
            ws_ping_interval=None,
            backlog=2048,
        )
        server = uvicorn.Server(config)
        serving = asyncio.create_task(server.serve(sockets=sockets))
        await _until(lambda: server.started and runtime.feed.published > 0)
        # As health does (503 until then): on a fresh checkout the kernels compile for a
        # minute in a thread of this process, and the figure would measure the compiler.
        await _until(lambda: not app.state.kernels.loading)
        offset = (runtime.feed.wall_time(SESSION) - SESSION) / timedelta(seconds=1)
        settle()  # as `tradertape serve` does (start-up objects out of the GC's view)
        plan = ClientPlan(
            port=port,
            token=token,
            keys=list(runtime.feed.keys),
            clients=args.clients,
            per_client=args.per_client,
            stalled=args.stalled,
            warmup_s=args.warmup,
            seconds=args.seconds,
            offset_s=offset,
            deflate=args.deflate,
            wire=args.client == "wire" and not args.deflate,
            priority=args.clients_priority,
        )
        context = multiprocessing.get_context("spawn")
        results = context.Queue()
        worker = context.Process(target=_clients_process, args=(plan, results), daemon=True)
        worker.start()
        print(f"server on 127.0.0.1:{port}; {args.clients} clients connecting ...", flush=True)
        hub = app.state.tick_hub
        wanted = args.clients + args.stalled
        await _until(lambda: hub.metrics()["clients"] >= wanted or not worker.is_alive())
        load0 = load()
        usage0, wall0 = resource.getrusage(resource.RUSAGE_SELF), time.time()
        published0 = runtime.feed.published
        out = await asyncio.to_thread(_results_of, worker, results)
        usage1, wall1 = resource.getrusage(resource.RUSAGE_SELF), time.time()
        published = runtime.feed.published - published0
        metrics = hub.metrics()
        dropped = metrics["ticks_dropped"]
        # A tree without the setting (`--against` an older commit) runs its loop as started.
        loop_priority = getattr(app.state, "loop_priority", "normal (a tree without the setting)")
        server.should_exit = True
        await serving
        worker.join(timeout=10)

    cpu = (usage1.ru_utime + usage1.ru_stime) - (usage0.ru_utime + usage0.ru_stime)
    latencies = sorted(out["latencies"])
    if not latencies:
        sys.exit("no ticks were delivered")
    p50, p99 = _percentile(latencies, 0.50) * 1000, _percentile(latencies, 0.99) * 1000
    client_cpu = out["client_cpu_s"] / (args.seconds + args.warmup)
    rows = [
        ("clients", f"{args.clients} x {args.per_client} symbols (quote mode)"),
        ("stalled clients", f"{args.stalled} (all symbols, full mode, never read)"),
        ("connect retries", f"{out['retried']} (refused busy, 1013)"),
        ("feed", f"{len(plan.keys)} symbols every {args.interval}s"),
        ("uvicorn ws", f"{args.ws}, permessage-deflate {'on' if args.deflate else 'off'}"),
        ("clients read", "bare protocol" if plan.wire else "websockets library"),
        ("server loop", f"{loop_priority} (setting loop_priority, `serving.priority`)"),
        ("clients process", f"{out['priority']}: the measuring instrument"),
        ("window", f"{args.seconds:.0f} s after {args.warmup:.0f} s warm-up"),
        ("feed ticks/s", f"{published / (wall1 - wall0):,.0f}"),
        ("delivered ticks/s", f"{out['ticks'] / args.seconds:,.0f} (symbol updates at clients)"),
        ("delivered msgs/s", f"{out['frames'] / args.seconds:,.0f} (WebSocket frames)"),
        ("latency sample", f"{len(latencies):,} updates (1 frame in {plan.sample_every})"),
        ("latency p50", f"{p50:.1f} ms"),
        (
            "latency p99",
            f"{p99:.1f} ms (target {TARGET_P99_MS:.0f} ms: {p99 / TARGET_P99_MS:.2f}x)",
        ),
        ("latency max", f"{latencies[-1] * 1000:.1f} ms"),
        *_burst_rows(out["bursts"]),
        ("server CPU", f"{cpu / (wall1 - wall0) * 100:.0f} % of one core"),
        ("client CPU", f"{client_cpu * 100:.0f} % of one core"),
        ("ticks dropped", f"{dropped:,} (queues of stalled clients)"),
    ]
    for label, value in rows:
        print(f"{label:<18}{value}")
    figure = f"p99 {p99:.1f} ms (p50 {p50:.1f}), loop {loop_priority}"
    what = f"tick fan-out {args.clients} x {args.per_client}"
    print(row(what, figure, f"target {TARGET_P99_MS:.0f} ms", p99 / 100))
    print(host_line())
    if args.emit:
        loads = f"{load0:.1f} → {load():.1f}"
        emit({"line": "tick fan-out", "p50": p50, "p99": p99, "load": loads})


def main() -> None:
    from tradertape.serving.process import UVICORN, loop_factory

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--per-client", type=int, default=50)
    parser.add_argument("--stalled", type=int, default=5)
    parser.add_argument("--interval", type=float, default=0.5)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--deflate", action="store_true", help="permessage-deflate on")
    parser.add_argument(
        "--client",
        choices=("wire", "websockets"),
        default="wire",
        help="how the clients read: a bare protocol, or the websockets library (--deflate)",
    )
    parser.add_argument("--ws", default=UVICORN["ws"], help="uvicorn's WebSocket implementation")
    parser.add_argument(
        "--loop-priority",
        choices=("normal", "high", "realtime"),
        default="realtime",
        help="the server's event loop priority (setting loop_priority)",
    )
    parser.add_argument(
        "--clients-priority",
        choices=("normal", "realtime"),
        default="realtime",
        help="the clients' process (the instrument)",
    )
    parser.add_argument(
        "--against", metavar="REV", help="also run on REV's sources, in turn (bench/against.py)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="runs per tree with --against")
    parser.add_argument("--emit", action="store_true", help=argparse.SUPPRESS)  # a child's
    args = parser.parse_args()
    if args.against:
        _against(args)
        return
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        runner.run(_serve_and_measure(args))


def _against(args: argparse.Namespace) -> None:
    """This tree and `args.against`'s sources in turn; every run's figures, in order."""
    runs = compare(
        __file__,
        [*without(sys.argv[1:], "--against", "--rounds"), "--emit"],
        rev=args.against,
        rounds=args.rounds,
        best=lambda r: r["p99"],
        show=lambda r: f"p50 {r['p50']:.1f} / p99 {r['p99']:.1f} ms (load {r['load']})",
        target=TARGET_P99_MS,
    )
    print("\nevery run (the trees alternate; p50 / p99, load at start → end):")
    for tree, lines in runs.items():
        for n, r in enumerate(lines.get("tick fan-out", []), 1):
            text = f"p50 {r['p50']:6.1f} / p99 {r['p99']:6.1f} ms (load {r['load']})"
            print(f"  {tree:<28} run {n}: {text}")


if __name__ == "__main__":
    main()
