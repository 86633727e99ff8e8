"""Benchmark: what one request costs the server, layer by layer, against the HTTP floor.

A server in a process of its own, as ``tradertape serve`` builds one (uvicorn's loop,
`serving.process.settle`), on a scratch SQLite file with one signed-in user, answers a few probe
routes added for this bench beside the real ones:

- **floor**: an ``async`` route with no dependency: uvicorn, the middleware and routing;
- **thread hop**: the same route written ``def``: FastAPI runs it in a worker thread;
- **session**: ``async`` with a database session (`get_db`: admission, the cookie's
  screen, opening and closing a session);
- **cookie check**: ``def`` with ``CurrentUser``, what most operator routes are (the
  session's and user's rows read and held, two thread hops);
- **cookie, later**: ``async`` with ``CurrentUserLater``, the same rows read in the route's
  one worker thread (`api.deps.SessionCookie`: the order routes and a backtest run);
- **desk read**: ``async`` with ``DeskDep`` and a read that does nothing (`Desk.read`: the
  session check on the loop's connection, in `LoopReads`' queue);

and three real reads. Each is called ``--requests`` times in a row by one client on
loopback; the figure is the server process's CPU time per request (from /proc: user +
system), which the client's own work does not move, with its ratio to the floor. The
desk's read rate (issue 25: 1,000/s from one process) is bounded by one core over the CPU
per answer, so each layer's share is what a read could shed.

Measured 2026-11-27 (2-core VM, a slow and noisy hour: Python reference 7.7-26.6 ms,
``--requests 1500 --rounds 2``, twice): floor 0.41 ms, cookie check 2.49-2.75 ms, cookie
later 1.79 ms with the one-statement lookup (2.12 ms while it still built the session's and
user's ORM rows): 0.4-1.0 ms less per request; a sync order route also skips the thread hop
its answer's validation took.

    .venv/bin/python bench/request_cost.py [--requests 2000] [--rounds 2]
"""

from __future__ import annotations

import argparse
import tempfile
import time

from machine import host_line, load, row
from served import served, server_cpu_s

LOGIN = {"email": "bench@x.in", "password": "bench password"}
PROBES = (
    ("floor", "/api/bench/floor"),
    ("thread hop", "/api/bench/hop"),
    ("session", "/api/bench/session"),
    ("cookie check", "/api/bench/cookie"),
    ("cookie, later", "/api/bench/cookie-later"),
    ("desk read", "/api/bench/desk"),
    ("GET /api/health", "/api/health"),
    ("GET /api/auth/me", "/api/auth/me"),
    ("GET /api/portfolio/positions", "/api/portfolio/positions"),
)

_SERVER = """
import sys
from pathlib import Path
from typing import Any
import uvicorn
from fastapi import APIRouter
from tradertape.api.app import create_app
from tradertape.api.deps import CurrentUser, CurrentUserLater, DbDep, DeskDep
from tradertape.serving.process import UVICORN, settle
from tradertape.db.migrate import upgrade
from tradertape.runtime import Runtime
from tradertape.services.accounts.users import create_user
from tradertape.settings import Settings

folder, port, email, password = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
settings = Settings(
    env="dev", data_dir=folder, feed="none", redis_url=None, warm_kernels=False,
    web_dist=folder / "web_dist", _env_file=None,
)
runtime = Runtime.build(settings)
upgrade(runtime.db.engine)
with runtime.db.session() as db:
    create_user(db, clock=runtime.clock, email=email, password=password)
probes = APIRouter(prefix="/api/bench")

@probes.get("/floor")
async def floor() -> dict[str, Any]:
    return {"ok": True}

@probes.get("/hop")
def hop() -> dict[str, Any]:
    return {"ok": True}

@probes.get("/session")
async def session(db: DbDep) -> dict[str, Any]:
    return {"ok": True}

@probes.get("/cookie")
def cookie(user: CurrentUser) -> dict[str, Any]:
    return {"ok": user.id}

@probes.get("/cookie-later")
async def cookie_later(cookie: CurrentUserLater) -> dict[str, Any]:
    return await cookie.run(lambda db, user: {"ok": user.id})

@probes.get("/desk")
async def desk(desk: DeskDep) -> dict[str, Any]:
    return await desk.read(lambda db, user: {"ok": user.id})

app = create_app(runtime)
app.include_router(probes)
settle()
uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", **UVICORN)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="per route and round")
    parser.add_argument("--rounds", type=int, default=2, help="the best round counts")
    parser.add_argument("--quick", action="store_true", help="300 requests, one round")
    args = parser.parse_args()
    requests, rounds = (300, 1) if args.quick else (args.requests, args.rounds)
    import httpx

    print(host_line(), flush=True)
    started_load = load()
    with (
        tempfile.TemporaryDirectory(prefix="bench-requests-") as folder,
        served(_SERVER, folder, LOGIN["email"], LOGIN["password"]) as (base, server),
        httpx.Client(base_url=base, timeout=30) as client,
    ):
        client.post("/api/auth/password-login", json=LOGIN).raise_for_status()
        best: dict[str, tuple[float, float]] = {}
        for _ in range(rounds):
            for name, path in PROBES:
                client.get(path).raise_for_status().json()  # the route, not the web app
                for _ in range(50):  # warm: the route's first calls build its plan
                    client.get(path).raise_for_status()
                cpu, began = server_cpu_s(server.pid), time.perf_counter()
                for _ in range(requests):
                    client.get(path).raise_for_status()
                wall = (time.perf_counter() - began) / requests
                used = (server_cpu_s(server.pid) - cpu) / requests
                if name not in best or used < best[name][0]:
                    best[name] = (used, wall)
    floor_ms = best["floor"][0] * 1000
    print(f"server CPU per request, best of {rounds} round(s) of {requests} (one client):")
    for name, _ in PROBES:
        used, wall = best[name]
        print(
            f"  {name:<30} {used * 1000:6.3f} ms CPU  {used * 1000 / floor_ms:5.2f}× floor"
            f"   (round trip {wall * 1000:.3f} ms)"
        )
    print(f"load {started_load:.1f} → {load():.1f}")
    for name, _ in PROBES[1:]:
        used = best[name][0] * 1000
        print(row(f"request: {name}", f"{used:.3f} ms CPU", f"{floor_ms:.3f} ms", used / floor_ms))
    print(host_line())


if __name__ == "__main__":
    main()
