"""Benchmark: paper MARKET orders as users send them, ``POST /api/orders`` over HTTP.

`paper_orders.py` calls the order pipeline in process: no HTTP, no cookie check, no request
session. This bench puts the real app (`create_app`, uvicorn's loop as ``tradertape serve``
runs it, `serving.process.settle`) in a process of its own on a fresh SQLite file, signs a
user in with a password (the session cookie rides every request, as the web app's does),
and posts ``--orders`` MARKET orders (quantity 1, intraday, buys then sells over eight
symbols, each with its idempotency key) one after another from this process over a kept-up
loopback connection. The figure is the server process's CPU per order (user + system from
/proc), which the client's own work does not move.

In the same server, in the same run and on the same database, two lines it is compared
with (each on users of their own set up alike: funded, an enabled daily-loss rule):

- **floor**: the rows one filled order writes and the reads of its books, by the bare
  driver (`paper_orders.floor`: precompiled SQL, one transaction and commit an order);
- **pipeline**: `runtime.orders.submit` in process (`paper_orders.pipeline`), what the
  route calls once the request is read and the cookie checked.

It prints each one's CPU per order, statements per order, the route's ratio to the floor
and to the pipeline, and the load average before and after (issue 69: ≤ 0.5 ms of CPU, or
≤ 3× the floor, per order; the route ≤ 1.15× the pipeline). ``--profile FILE`` also runs
``--orders`` more under cProfile in the server (the request's worker thread and the event
loop) and writes the pstats file; ``--top N`` prints its top functions.

Measured 2026-11-29 (issue 69; a host at load 10-15, Python reference 6-38 ms within the
run, so compare the ratios), ``--orders 600 --rounds 1``, this tree's sources against
eabd39a8's in turn (``PYTHONPATH=<that tree>/src``), two runs each, server CPU per order:
floor 0.196-0.216 ms in every run; pipeline 2.58-2.60 ms before, 2.17-2.52 after; the
route 4.15-4.17 ms before (1.61× the pipeline), 3.93-4.65 after (1.62-1.89×: the session
opened in the route's thread did not show above the host's noise); a signed webhook 8.0-8.3
ms before (21.1 statements), 6.7-7.4 after (19.1: its rate off the database, its secret
decrypted once; then one commit fewer); a 4-leg basket 5.33-5.50 ms a leg before (2.05-2.13×
one order, 16.8 statements a leg), 2.23-2.70 after (1.02-1.07×, 16.1). Goals not met: the
route (≤ 1.15× the pipeline), an order (≤ 0.5 ms, ≤ 3× the floor: 10-12×), a webhook (2 ms).

Measured 2026-11-29 night (load 17-21, Python reference 40-118 ms: a host at its busiest,
so compare the ratios), ``--orders 600 --rounds 2``, before and after the webhook's claim
rode with its order's commit, the webhook and order routes dropped their session and
runtime dependencies and the route index stopped matching an included router twice:
floor 0.299 / 0.429 ms; pipeline 3.38 / 4.50 ms (11.3× / 10.5× the floor); the route
6.70 / 6.78 ms (1.98× / 1.51× the pipeline, 22.4× / 15.8× the floor); a signed webhook
10.5 / 9.8 ms (1.56× / 1.44× an API order); a basket leg 0.89× / 1.16× one order.

Measured 2026-11-30 (load 11-13, Python reference 6-14 ms), ``--orders 600 --rounds 2``,
main's sources (cd2b0bda, ``PYTHONPATH``) and this tree's in turn, twice, after the
webhook's hook read and claim went through precompiled SQL (no read before a signed
claim), its outcome and notice skipped the unit of work and its route lost its
dependencies: a signed webhook 6.47 / 6.40 ms before (34.7× / 34.6× the floor, 1.66× /
1.72× an API order, 19.1 statements), 4.20 / 4.33 ms after (21.4× / 25.5×, 1.14× / 1.12×,
18.1). ``--profile FILE --profile-hooks`` profiles the webhooks instead of the orders.

Measured 2026-11-30 (issue 69; load 11-19, Python reference 6-30 ms), ``--orders 600
--rounds 2``, three runs before and one after the cookie-later dependency's cut, server CPU
per order: floor 0.18-0.21 ms; pipeline 2.04-2.86 ms; the route 3.37-4.78 ms (1.62-1.69×
the pipeline, 16.1 statements). The HTTP floor is 0.37-0.48 ms (0.17-0.19× the pipeline:
on its own it uses up the route's 0.15× headroom). uvicorn's part is 0.15-0.17 ms and the
middleware and routing 0.22-0.32 ms. The route beyond pipeline and HTTP floor costs
1.04-1.45 ms. A basket leg costs 0.94-1.12× one order.

    .venv/bin/python bench/api_orders.py [--orders 2000] [--rounds 2] [--quick]
        [--profile api_orders.pstats [--profile-hooks] --top 30]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from machine import host_line, load, row
from served import served, server_cpu_s

HERE = Path(__file__).resolve().parent
LOGIN = {"email": "bench@x.in", "password": "bench password"}
SYMBOLS = ("INFY", "TCS", "RELIANCE", "HDFCBANK", "ICICIBANK", "SBIN", "ITC", "LT")
BATCH = 900  # orders between moves of the server's clock (the ceiling is 1,000 a second)
TARGET_CPU_MS = 0.5
TARGET_FLOOR_RATIO = 3.0
TARGET_PIPELINE_RATIO = 1.15
TARGET_HOOK_MS = 2.0
TARGET_HOOK_PIPELINE_RATIO = 1.1  # the webhook's own part, its order's pipeline apart
TARGET_LEG_RATIO = 1.5

_SERVER = """
import os, sys, time
from pathlib import Path
from datetime import timedelta
from decimal import Decimal
from typing import Any
sys.path.insert(0, sys.argv[5])
import uvicorn
from fastapi import APIRouter, Request, Response
from sqlalchemy import event
from paper_orders import SESSION, SYMBOLS, floor, make_users, pipeline
from tradertape.api.app import create_app
from tradertape.domain.risk import RuleType
from tradertape.ports.clock import ManualClock
from tradertape.serving.process import UVICORN, settle
from tradertape.db.migrate import upgrade
from tradertape.runtime import Runtime
from tradertape.services.accounts.users import create_user
from tradertape.services.risk import rules as risk_rules
from tradertape.settings import Settings
from tradertape.testkit import make_tick

folder, port, email, password = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
settings = Settings(
    env="dev", data_dir=folder, feed="none", redis_url=None, warm_kernels=False,
    web_dist=folder / "web_dist", order_rate_per_sec=1000, _env_file=None,
)
clock = ManualClock(SESSION)
runtime = Runtime.build(settings, clock=clock)
upgrade(runtime.db.engine)

def fresh_ticks() -> None:
    runtime.quotes.update(make_tick("NSE:NIFTY 50", Decimal(25000), ts=clock.now()))
    for i, s in enumerate(SYMBOLS):
        runtime.quotes.update(
            make_tick(f"NSE:{s}", Decimal(1000 + 100 * i), ts=clock.now(), volume=10**7,
                      last_quantity=10**6)
        )

fresh_ticks()
with runtime.db.session() as db:
    user = create_user(db, clock=runtime.clock, email=email, password=password)
    runtime.exchange.deposit(db, user_id=user.id, amount=Decimal(10) ** 12)
    fields = risk_rules.RuleFields(
        type=RuleType.DAILY_LOSS_LIMIT, threshold_amount=Decimal(10) ** 9
    )
    risk_rules.create(db, fields, clock=runtime.clock, user_id=user.id)
    db.commit()
statements = [0]

def _count(*_: Any) -> None:
    statements[0] += 1

probes = APIRouter(prefix="/api/bench")

@probes.post("/http-floor")
async def http_floor(request: Request) -> Response:
    # the HTTP floor of an order: its body read, a small JSON answer, no dependency, no
    # thread, no database (uvicorn, the middleware and routing, as the order route meets them)
    await request.body()
    return Response(b'{"status":"COMPLETE"}', 201, media_type="application/json")

@probes.get("/statements")
async def counted() -> dict[str, Any]:
    return {"statements": statements[0]}

@probes.post("/counting")
def counting(on: bool) -> dict[str, Any]:
    # statements are counted by a cursor listener, only in the passes that count them: the
    # server has none, and SQLAlchemy's dispatch of it is not to be timed with the orders
    if on:
        event.listen(runtime.db.engine, "before_cursor_execute", _count)
    else:
        event.remove(runtime.db.engine, "before_cursor_execute", _count)
    return {"statements": statements[0]}

@probes.post("/advance")
def advance(seconds: float = 1.5) -> dict[str, Any]:
    # the rate limits (SEBI's ceiling, a hook's) count by this clock: on, with fresh ticks
    clock.advance(timedelta(seconds=seconds))
    fresh_ticks()
    return {"now": int(clock.now().timestamp())}

CONDOR = (  # (symbol, side): bought legs first, as a basket sends them
    ("NIFTY26NOV24800PE", "BUY"), ("NIFTY26NOV25200CE", "BUY"),
    ("NIFTY26NOV24900PE", "SELL"), ("NIFTY26NOV25100CE", "SELL"),
)

@probes.post("/baskets")
def baskets(count: int) -> dict[str, Any]:
    # `count` 4-leg baskets (an iron condor, then its reverse) in process, as the chain's
    # POST /api/options/basket sends them; CPU per leg beside one plain order's
    from tradertape.oms import Account
    from tradertape.services.baskets import chain as basket
    users = make_users(runtime, 1, rules=True)
    paper = Account.of("paper", None)
    def legs(n: int) -> list[Any]:
        flip = n % 2 == 1
        return [
            basket.ChainLeg(
                tradingsymbol=symbol,
                transaction_type=("SELL" if side == "BUY" else "BUY") if flip else side,
                lots=1, product="NRML", order_type="MARKET", price=None,
            )
            for symbol, side in (CONDOR[2:] + CONDOR[:2] if flip else CONDOR)
        ]
    def run(count: int, tag: str) -> float:
        cpu = time.process_time()
        with runtime.db.session() as db:
            for n in range(count):
                if n and n % 200 == 0:
                    advance()
                placed = basket.place(
                    db, runtime.workers, legs(n), user_id=users[0], account=paper,
                    key=f"{tag}{n:06d}",
                )
                if placed.status != "success":
                    why = [leg.reason for leg in placed.legs]
                    raise RuntimeError(f"basket {n}: {placed.status} {why}")
        return time.process_time() - cpu
    advance()
    warm = min(count, 20)
    before = counting(True)["statements"]
    run(warm, f"w{time.time_ns()}")  # counted, the timed run not (`counting`)
    stmt = (counting(False)["statements"] - before) / (4 * warm)
    advance()
    spent = run(count, f"b{time.time_ns()}")
    advance()
    return {"leg_ms": spent * 1000 / (4 * count), "leg_stmt": stmt}

@probes.post("/inproc")
def inproc(orders: int) -> dict[str, Any]:
    advance()
    users = make_users(runtime, 1, rules=True)
    warm = pipeline(runtime, min(orders, 200), users, label=f"w{time.time_ns()}", counted=True)
    base = floor(runtime.db, orders, make_users(runtime, 1, rules=False))
    advance()
    users = make_users(runtime, 1, rules=True)
    figures = pipeline(runtime, orders, users, label=f"p{time.time_ns()}")
    advance()
    return {
        "floor_ms": base.cpu * 1000, "pipeline_ms": figures.cpu * 1000,
        "pipeline_stmt": warm.statements,
    }

if os.environ.get("TT_BENCH_PROFILE"):  # --profile: a cProfile in every thread, on demand
    from profile_worker_order import _ThreadProfiles
    profiles = _ThreadProfiles()
    profiles.install()  # before uvicorn starts a thread

    @probes.post("/profile")
    async def profile(on: bool, save: str = "") -> dict[str, Any]:
        if on:
            profiles.start()
        else:
            stats, _threads = profiles.stop()
            stats.dump_stats(save)
        return {"ok": True}

app = create_app(runtime)
app.include_router(probes)

async def front(scope: Any, receive: Any, send: Any) -> None:
    # the server's own floor: the same body read and a small answer by a bare ASGI callable
    # before the app (no middleware, no routing); everything else goes on to the app
    if scope["type"] != "http" or scope["path"] != "/bare/uvicorn-floor":
        await app(scope, receive, send)
        return
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    await send({"type": "http.response.start", "status": 201,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b'{"status":"COMPLETE"}'})

settle()
uvicorn.run(front, host="127.0.0.1", port=port, log_level="warning", **UVICORN)
"""


def _order(n: int) -> dict[str, Any]:
    symbol = SYMBOLS[n % len(SYMBOLS)]
    side = "BUY" if (n // len(SYMBOLS)) % 2 == 0 else "SELL"
    return {
        "exchange": "NSE",
        "tradingsymbol": symbol,
        "transaction_type": side,
        "quantity": 1,
        "product": "MIS",
        "order_type": "MARKET",
    }


def _post_floor(client: Any, count: int, path: str = "/api/bench/http-floor") -> None:
    """`count` order bodies to a floor's probe: the app's HTTP floor, or the server's own
    (``/bare/uvicorn-floor``, answered before the app)."""
    for n in range(count):
        body = {**_order(n), "idempotency_key": f"floor-{n:08d}"}
        client.post(path, json=body).raise_for_status()


def _counting(client: Any, *, on: bool) -> int:
    """The server's statement counter switched on or off; its count so far."""
    answer = client.post("/api/bench/counting", params={"on": on}).raise_for_status()
    count: int = answer.json()["statements"]
    return count


def _post_orders(client: Any, count: int, tag: str) -> None:
    for n in range(count):
        if n % BATCH == 0:  # SEBI's ceiling counts by the server's manual clock
            client.post("/api/bench/advance").raise_for_status()
        body = {**_order(n), "idempotency_key": f"{tag}-{n:08d}"}
        answer = client.post("/api/orders", json=body)
        if answer.status_code != 201 or answer.json()["status"] != "COMPLETE":
            raise SystemExit(f"order {n}: {answer.status_code} {answer.text[:300]}")


_HOOK = {"name": "bench", "preset": "tradingview", "max_per_minute": 600}
HOOK_BATCH = 500  # signed requests between moves of the server's clock (a hook's 600/min)


def _send_hooks(client: Any, hook: dict[str, Any], count: int, tag: str) -> None:
    """`count` signed TradingView alerts to `hook`, each a MARKET order of one share."""
    from tradertape.services.webhooks.signing import signature

    now = 0
    for n in range(count):
        if n % HOOK_BATCH == 0:
            now = client.post("/api/bench/advance", params={"seconds": 61}).json()["now"]
        side = "buy" if (n // len(SYMBOLS)) % 2 == 0 else "sell"
        body = {"ticker": f"NSE:{SYMBOLS[n % len(SYMBOLS)]}", "action": side, "contracts": "1"}
        raw = json.dumps({**body, "comment": f"{tag}{n}"}).encode()
        stamp = str(now)
        headers = {
            "Content-Type": "application/json",
            "X-TraderTape-Timestamp": stamp,
            "X-TraderTape-Signature": signature(hook["secret"], stamp, raw),
        }
        answer = client.post(hook["url_path"], content=raw, headers=headers)
        if answer.status_code != 200 or answer.json()["outcome"] != "placed":
            raise SystemExit(f"webhook {n}: {answer.status_code} {answer.text[:300]}")


def measure(orders: int, rounds: int, *, baskets_line: bool = True) -> dict[str, float]:
    """The best of `rounds` of each line (floor, pipeline, route), in one server;
    ``baskets_line=False`` leaves the basket legs out (sources older than the baskets
    service, measured with ``PYTHONPATH``)."""
    import httpx

    best: dict[str, float] = {}
    with (
        tempfile.TemporaryDirectory(prefix="bench-api-orders-") as folder,
        served(_SERVER, folder, LOGIN["email"], LOGIN["password"], str(HERE)) as (base, server),
        httpx.Client(base_url=base, timeout=60) as client,
    ):
        client.post("/api/auth/password-login", json=LOGIN).raise_for_status()
        _post_orders(client, min(orders, 200), f"warm{time.time_ns()}")  # plans, caches
        hook = client.post("/api/webhooks", json=_HOOK).raise_for_status().json()
        hooks = max(orders // 4, 20)
        _send_hooks(client, hook, min(hooks, 50), "warm")
        baskets = max(orders // 20, 5)
        for r in range(rounds):
            inproc = client.post("/api/bench/inproc", params={"orders": orders}, timeout=600)
            inproc.raise_for_status()
            found = inproc.json()
            _post_floor(client, min(orders, 50))  # warm
            cpu = server_cpu_s(server.pid)
            _post_floor(client, orders)
            http_ms = (server_cpu_s(server.pid) - cpu) * 1000 / orders
            cpu = server_cpu_s(server.pid)
            _post_floor(client, orders, "/bare/uvicorn-floor")
            bare_ms = (server_cpu_s(server.pid) - cpu) * 1000 / orders
            cpu = server_cpu_s(server.pid)
            _post_orders(client, orders, f"r{r}{time.time_ns()}")
            route_ms = (server_cpu_s(server.pid) - cpu) * 1000 / orders
            cpu = server_cpu_s(server.pid)
            _send_hooks(client, hook, hooks, f"r{r}{time.time_ns()}")
            hook_ms = (server_cpu_s(server.pid) - cpu) * 1000 / hooks
            # statements counted in passes of their own (`counting`), after the timed ones
            few = min(orders, 50)
            stmt = _counting(client, on=True)
            _post_orders(client, few, f"c{r}{time.time_ns()}")
            mid = client.get("/api/bench/statements").json()["statements"]
            _send_hooks(client, hook, few, f"c{r}{time.time_ns()}")
            route_stmt, hook_stmt = (mid - stmt) / few, (_counting(client, on=False) - mid) / few
            if baskets_line:
                legs = client.post("/api/bench/baskets", params={"count": baskets}, timeout=600)
                found.update(legs.raise_for_status().json())
            else:
                found.update(leg_ms=math.nan, leg_stmt=math.nan)
            for name, value in (
                ("floor_ms", found["floor_ms"]),
                ("http_ms", http_ms),
                ("bare_ms", bare_ms),
                ("pipeline_ms", found["pipeline_ms"]),
                ("route_ms", route_ms),
                ("hook_ms", hook_ms),
                ("leg_ms", found["leg_ms"]),
            ):
                best[name] = min(best.get(name, value), value)
            best["pipeline_stmt"] = found["pipeline_stmt"]
            best["route_stmt"] = route_stmt
            best["hook_stmt"] = hook_stmt
            best["leg_stmt"] = found["leg_stmt"]
    return best


def profile(orders: int, save: str, top: int, *, hooks: bool = False) -> None:
    """`orders` more orders (`hooks`: signed webhooks) under cProfile in every server
    thread; the pstats to `save`."""
    import pstats

    import httpx

    os.environ["TT_BENCH_PROFILE"] = "1"
    what = "webhook" if hooks else "order"
    with (
        tempfile.TemporaryDirectory(prefix="bench-api-orders-") as folder,
        served(_SERVER, folder, LOGIN["email"], LOGIN["password"], str(HERE)) as (base, _),
        httpx.Client(base_url=base, timeout=60) as client,
    ):
        client.post("/api/auth/password-login", json=LOGIN).raise_for_status()
        _post_orders(client, min(orders, 200), "warm")
        hook: dict[str, Any] = {}
        if hooks:
            hook = client.post("/api/webhooks", json=_HOOK).raise_for_status().json()
            _send_hooks(client, hook, min(orders, 50), "warm")
        stmt = _counting(client, on=True)
        client.post("/api/bench/profile", params={"on": True}).raise_for_status()
        if hooks:
            _send_hooks(client, hook, orders, "profiled")
        else:
            _post_orders(client, orders, "profiled")
        path = str(Path(save).resolve())
        client.post("/api/bench/profile", params={"on": False, "save": path}).raise_for_status()
        counted = _counting(client, on=False) - stmt
    del os.environ["TT_BENCH_PROFILE"]
    stats = pstats.Stats(path)
    calls = sum(nc for (_cc, nc, _tt, _ct, _callers) in stats.stats.values())  # type: ignore[attr-defined]
    print(
        f"profiled: {calls / orders:.0f} function calls and {counted / orders:.1f} statements "
        f"per {what}; written to {save}"
    )
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2000, help="per line and round")
    parser.add_argument("--rounds", type=int, default=2, help="the best round counts")
    parser.add_argument("--quick", action="store_true", help="300 orders, one round")
    parser.add_argument("--short", action="store_true", help="60 orders, one round (CI)")
    parser.add_argument("--profile", metavar="FILE", help="also profile; pstats written here")
    parser.add_argument(
        "--profile-hooks", action="store_true", help="with --profile: signed webhooks instead"
    )
    parser.add_argument("--top", type=int, default=30, help="with --profile: rows shown")
    parser.add_argument(
        "--no-baskets",
        action="store_true",
        help="leave the basket legs out (older sources under PYTHONPATH have no such line)",
    )
    args = parser.parse_args()
    orders, rounds = args.orders, args.rounds
    if args.quick:
        orders, rounds = 300, 1
    if args.short:
        orders, rounds = 60, 1
    print(host_line(), flush=True)
    started_load = load()
    best = measure(orders, rounds, baskets_line=not args.no_baskets)
    floor_ms, pipeline_ms, route_ms = best["floor_ms"], best["pipeline_ms"], best["route_ms"]
    print(f"server CPU per paper order, best of {rounds} round(s) of {orders} (one client):")
    print(f"  floor (driver, same rows)   {floor_ms:6.3f} ms")
    print(
        f"  pipeline (in process)       {pipeline_ms:6.3f} ms  {pipeline_ms / floor_ms:5.2f}× floor"
        f"  {best['pipeline_stmt']:4.1f} stmt/order"
    )
    print(
        f"  POST /api/orders (HTTP)     {route_ms:6.3f} ms  {route_ms / floor_ms:5.2f}× floor"
        f"  {route_ms / pipeline_ms:5.2f}× pipeline  {best['route_stmt']:4.1f} stmt/order"
    )
    http_ms, bare_ms = best["http_ms"], best["bare_ms"]
    rest_ms = route_ms - pipeline_ms - http_ms
    print(
        f"  uvicorn floor (bare ASGI)   {bare_ms:6.3f} ms  the same body read and answered before "
        f"the app: the middleware and routing cost {http_ms - bare_ms:5.3f} ms of the HTTP floor"
    )
    print(
        f"  HTTP floor (async POST)     {http_ms:6.3f} ms  the same body read, no dependency, "
        f"no thread, no database: {http_ms / pipeline_ms:4.2f}× the pipeline"
    )
    print(
        f"  the route beyond both       {rest_ms:6.3f} ms  (route − pipeline − HTTP floor: "
        f"the cookie, the thread hop, the request's session, the body's model and answer); "
        f"pipeline + HTTP floor = {(pipeline_ms + http_ms) / pipeline_ms:4.2f}× the pipeline"
    )
    hook_ms, leg_ms = best["hook_ms"], best["leg_ms"]
    print(
        f"  signed webhook (HTTP)       {hook_ms:6.3f} ms  {hook_ms / floor_ms:5.2f}× floor"
        f"  {hook_ms / pipeline_ms:5.2f}× pipeline  {hook_ms / route_ms:5.2f}× an API order"
        f"  {best['hook_stmt']:4.1f} stmt/request"
    )
    print(
        f"  4-leg basket, per leg       {leg_ms:6.3f} ms  {leg_ms / floor_ms:5.2f}× floor"
        f"  {leg_ms / pipeline_ms:5.2f}× one order  {best['leg_stmt']:4.1f} stmt/leg"
    )
    print(
        f"targets (issue 69): ≤ {TARGET_CPU_MS} ms or ≤ {TARGET_FLOOR_RATIO:.0f}× floor "
        f"per order; route ≤ {TARGET_PIPELINE_RATIO}× pipeline; webhook ≤ {TARGET_HOOK_MS} "
        f"ms (≤ {TARGET_HOOK_PIPELINE_RATIO}× pipeline); "
        f"basket leg ≤ {TARGET_LEG_RATIO}× one order; "
        f"load {started_load:.1f} → {load():.1f}"
    )
    print(
        row("POST /api/orders", f"{route_ms:.3f} ms CPU", f"{floor_ms:.3f} ms", route_ms / floor_ms)
    )
    print(
        row(
            "order pipeline",
            f"{pipeline_ms:.3f} ms CPU",
            f"{floor_ms:.3f} ms",
            pipeline_ms / floor_ms,
        )
    )
    if args.profile:
        profile(orders, args.profile, args.top, hooks=args.profile_hooks)
    print(row("signed webhook", f"{hook_ms:.3f} ms CPU", f"{floor_ms:.3f} ms", hook_ms / floor_ms))
    print(
        row(
            "signed webhook ÷ pipeline",
            f"{hook_ms:.3f} ms CPU",
            f"pipeline {pipeline_ms:.3f} ms",
            hook_ms / pipeline_ms,
        )
    )
    print(
        row(
            "4-leg basket, per leg",
            f"{leg_ms:.3f} ms CPU",
            f"one order {pipeline_ms:.3f} ms",
            leg_ms / pipeline_ms,
        )
    )
    print(host_line())


if __name__ == "__main__":
    main()
