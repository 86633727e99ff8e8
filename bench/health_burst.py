"""Benchmark: ``/api/health`` while a burst of 300 reads and 100 orders arrives at once.

A server in a process of its own, as ``tradertape serve`` builds one (uvicorn's loop,
`serving.process.settle`), on a scratch SQLite file with ten funded users, signed in (ten orders
each, the SEBI ceiling's ten a second). A prober in a process of its own asks for
``/api/health`` every 50 ms, on one keep-alive connection, so neither the burst's client
nor its connections stand in its way; the burst (300 reads of the order book, positions and
``/api/auth/me``, and 100 LIMIT orders, after-market ones when the market is closed, each
request on its own connection) is sent at once ``--bursts`` times.
Reported: health's latency idle (p50, max) and during the bursts (p50, max), and the ratio of
the worst during a burst to the idle median. Target (issue 49): under 1 s during a burst.

Measured 2026-11-28 (2-core VM shared with other work, load 4.5-5.8, Python reference
7.7-18 ms), ``--bursts 3``, each burst answered in 6.6-8.6 s (300 reads 200, 100 orders 201):
before (a check that found its answer over a second old waited for the new ping, in the
loop's shared executor) health idle p50 2.7-2.9 ms, during the bursts p50 5.2-5.5 ms, max
787 and 616 ms (212-291x idle); after (`HealthProbe`: the last answer told while a ping is
under way, if at most 3 s old; pings in a thread of their own) idle p50 2.7-4.0 ms, during
p50 5.4-8.7 ms, max 313 and 264 ms (79-96x idle). What is left is the loop's turn: the
probe's request is read after the burst's requests that arrived before it.

    .venv/bin/python bench/health_burst.py [--bursts 3]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from machine import host_line
from served import served

USERS = 10
READS = 300
ORDERS = 100
PROBE_EVERY_S = 0.05
PASSWORD = "bench password"  # noqa: S105 - a scratch database's user
READ_PATHS = ("/api/portfolio/orders", "/api/portfolio/positions", "/api/auth/me")
ORDER = {
    "exchange": "NSE",
    "tradingsymbol": "INFY",
    "transaction_type": "BUY",
    "quantity": 1,
    "product": "CNC",
    "order_type": "LIMIT",
    "price": 1400,
    "variety": "amo",  # accepted whether or not the market is open (the bench's clock is real)
}

_SERVER = """
import sys
from decimal import Decimal
from pathlib import Path
import uvicorn
from tradertape.api.app import create_app
from tradertape.serving.process import UVICORN, settle
from tradertape.db.migrate import upgrade
from tradertape.runtime import Runtime
from tradertape.services.accounts.users import create_user
from tradertape.settings import Settings
from tradertape.testkit import make_tick

folder, port, users, password = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
settings = Settings(
    env="dev", data_dir=folder, feed="none", redis_url=None, warm_kernels=False,
    web_dist=folder / "web_dist", _env_file=None,
)
runtime = Runtime.build(settings)
upgrade(runtime.db.engine)
cookies = []
with runtime.db.session() as db:
    for n in range(users):
        user = create_user(db, clock=runtime.clock, email=f"burst{n}@x.in", password=password)
        runtime.exchange.deposit(db, user_id=user.id, amount=Decimal(10_000_000))
        cookies.append(runtime.sessions.start(db, user=user, ip=None, user_agent=None))
(folder / "cookies.txt").write_text(" ".join(cookies))
runtime.quotes.update(make_tick("NSE:INFY", "1500", ts=runtime.clock.now()))  # orders rest
app = create_app(runtime)
settle()
uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", **UVICORN)
"""


def _probe(base: str, seconds: float, out: Any) -> None:
    """Ask for health every `PROBE_EVERY_S` for `seconds`; send (sent at, latency) pairs."""
    import httpx

    found: list[tuple[float, float]] = []
    with httpx.Client(base_url=base, timeout=30) as client:
        stop = time.monotonic() + seconds
        while time.monotonic() < stop:
            began = time.monotonic()
            client.get("/api/health").raise_for_status()
            found.append((began, time.monotonic() - began))
            time.sleep(max(0.0, PROBE_EVERY_S - (time.monotonic() - began)))
    out.send(found)


async def _burst(base: str, cookies: list[str]) -> tuple[float, float, dict[int, int]]:
    """Send the burst at once; its start, its end (monotonic) and the count per status."""
    import httpx

    limits = httpx.Limits(max_connections=READS + ORDERS + 10)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:

        def headers(n: int) -> dict[str, str]:
            return {"Cookie": f"kite_session={cookies[n % len(cookies)]}"}

        began = time.monotonic()
        reads = [
            client.get(READ_PATHS[n % len(READ_PATHS)], headers=headers(n)) for n in range(READS)
        ]
        orders = [
            client.post(
                "/api/orders",
                json={**ORDER, "idempotency_key": uuid.uuid4().hex},
                headers=headers(n),
            )
            for n in range(ORDERS)
        ]
        answers = await asyncio.gather(*reads, *orders)
        ended = time.monotonic()
    statuses: dict[int, int] = {}
    for answer in answers:
        if answer.status_code >= 400 and not statuses.get(answer.status_code):
            print(f"  a {answer.status_code}: {answer.text[:300]}")
        statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
    return began, ended, statuses


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bursts", type=int, default=3)
    args = parser.parse_args()
    print(host_line(), flush=True)
    with (
        tempfile.TemporaryDirectory(prefix="bench-health-") as folder,
        served(_SERVER, folder, str(USERS), PASSWORD) as (base, _),
    ):
        cookies = (Path(folder) / "cookies.txt").read_text().split()  # signed in by the server
        for n in range(len(READ_PATHS)):  # warm each route once
            asyncio.run(_burst_one(base, cookies[0], READ_PATHS[n]))
        receiver, sender = multiprocessing.Pipe(duplex=False)
        idle_s = 2.0
        prober = multiprocessing.Process(
            target=_probe, args=(base, idle_s + args.bursts * 6.0, sender)
        )
        prober.start()
        time.sleep(idle_s)
        windows = []
        for _ in range(args.bursts):
            began, ended, statuses = asyncio.run(_burst(base, cookies))
            windows.append((began, ended))
            print(f"burst: {ended - began:.2f} s, answers {dict(sorted(statuses.items()))}")
            time.sleep(1.0)
        probes = receiver.recv()
        prober.join()
    first_burst = windows[0][0]
    idle = [lat for at, lat in probes if at < first_burst]
    during = [lat for at, lat in probes if any(b <= at <= e for b, e in windows)]
    idle_p50 = statistics.median(idle)
    print(f"health idle:         p50 {_ms(idle_p50)}  max {_ms(max(idle))}  ({len(idle)} probes)")
    print(
        f"health during burst: p50 {_ms(statistics.median(during))}  max {_ms(max(during))}"
        f"  ({len(during)} probes)"
    )
    print(f"worst during a burst / idle p50: {max(during) / idle_p50:.1f}×  (target: < 1 s)")
    print(host_line())


async def _burst_one(base: str, cookie: str, path: str) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        answer = await client.get(path, headers={"Cookie": f"kite_session={cookie}"})
        answer.raise_for_status()


if __name__ == "__main__":
    main()
