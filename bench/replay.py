"""Benchmark: one worker over one trading day of minutes, replayed at ``max`` speed.

The app runs in this process (as the tests run it: a fresh, migrated SQLite file, no feed),
with a day of NSE:INFY minute candles imported into its store. A replay is started for a
user, and a worker on the SDK (`KiteAlgoWorkerClient`, in process) trades it: a quote each
step (at ``max`` the replay moves one minute per request of its token), a MARKET order
when a 5-minute mean crosses a 20-minute one, until the session has played out; then it
exits its run and the replay's report is read. The figure is the wall time of the whole
day (goal: under 10 s, issue 70); the floor is the raw iteration of the same minutes
through the replay's tape (a tick per minute, no server), measured in the same run.

``--short`` plays an hour (60 minutes) instead of the session. The same number of quote
requests on a paper token (no replay) is timed too: what the replay itself adds a request.

Measured 2026-11-29 on a shared, loaded host (load average 14-15, Python reference
20-30 ms, about 5× slower than a quiet hour): the session (375 minutes, 377 requests, 21
orders) in 21.3 s, 56 ms a request. Measured 2026-11-30 (load average 12-18 on 2 CPUs,
Python reference 8-26 ms), before and after a request read its replay and run by primary
key and its working orders only when there are some: before, the session in 5.2-7.2 s (CPU
3.05-3.21 s, 8.1-8.5 ms a request; entering the replay 2.8 ms of it); after, 4.5-8.5 s (CPU
2.99-3.23 s; entering 2.0 ms), against a floor of 17-75 ms. A paper token's quote costs
4.0 ms of CPU; the replay adds about 4 ms (its entry's four statements, the 21 orders, the
report) and a thread hop, which a host this busy makes the larger part of the wall time.
The app's route table is built by a request before the clock starts, as the paper token's
first quote is.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from machine import host_line, load, row
from paper_orders import build  # a runtime as `serve` wires it, on a manual wall clock
from scratch_db import open_scratch, scratch_database

DAY = date(2026, 11, 2)  # a Monday, played on a Friday after it
KEY = "NSE:INFY"
GOAL_S = 10.0


class _InProcess(httpx.BaseTransport):
    """The SDK's requests into the app through Starlette's TestClient (no sockets)."""

    def __init__(self, http: Any) -> None:
        self._http = http

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self._http.request(
            request.method, str(request.url), headers=dict(request.headers), content=request.read()
        )
        return httpx.Response(
            answer.status_code, headers=answer.headers.raw, content=answer.content, request=request
        )


def import_day(runtime: Any) -> None:
    """A session of INFY minutes drawn through one day candle, stored as imported."""
    from tradertape.candles import CandleSource
    from tradertape.candles.synthetic_minutes import day_minutes
    from tradertape.domain.market import Interval

    bars = day_minutes(KEY, DAY, 1500.0, 1530.0, 1480.0, 1510.0, 3_000_000.0, seed=1)
    runtime.candles.write(KEY, Interval.MINUTE, bars, source=CandleSource.IMPORT)


def start(runtime: Any) -> tuple[int, str]:
    """A user and a replay of DAY for them; (replay id, its token)."""
    from tradertape.domain.replay import ReplaySpec
    from tradertape.services.accounts.users import create_user
    from tradertape.services.workers.runs import RunSpec

    with runtime.db.session() as db:
        user = create_user(db, clock=runtime.clock, email=f"bench-{time.time_ns()}@x.in")
        db.commit()
        started = runtime.replays.start(
            runtime.workers,
            db,
            owner_id=user.id,
            spec=RunSpec(template_id="bench", account_scope="kite:paper"),
            replay=ReplaySpec.parse(DAY, DAY, "minute", "max"),
        )
    return int(started["replay"]["id"]), str(started["replay"]["token"])


def connect(runtime: Any, token: str) -> Any:
    """The worker's SDK client on the app, in process."""
    from fastapi.testclient import TestClient

    from tradertape.api.app import create_app
    from tradertape_worker import AlgoWorkerConfig, KiteAlgoWorkerClient

    http = TestClient(create_app(runtime), base_url="http://testserver")
    http.get("/api/health")  # the app's route table is built on its first request, not a day's
    config = AlgoWorkerConfig(base_url="http://testserver", token=token)
    return KiteAlgoWorkerClient(config, transport=_InProcess(http))


def trade(worker: Any, minutes: int) -> tuple[int, int, Any]:
    """The worker: a quote a step, a crossing of means an order; (requests, orders, exit)."""
    from tradertape_worker import ensure_run, equity_market_order

    requests = orders = 0
    with worker:
        runs = worker.list_runs()["items"]
        run_id = str(runs[0]["strategy_run_id"])
        ensure_run(
            worker,
            strategy_run_id=run_id,
            template_id="bench",
            account_scope="kite:paper",
            execution_mode="paper",
        )
        requests += 2
        prices: list[float] = []
        held = 0
        end = None
        while True:
            quote = worker.get_quotes([KEY])["quotes"][0]
            requests += 1
            stamp = quote["received_at"]
            if stamp == end or len(prices) >= minutes:
                break
            end = stamp
            prices.append(float(quote["last_price"]))
            if len(prices) < 20:
                continue
            fast, slow = np.mean(prices[-5:]), np.mean(prices[-20:])
            side = (
                "BUY" if fast > slow and held <= 0 else "SELL" if fast < slow and held > 0 else None
            )
            if side is not None:
                key = f"{run_id}:{len(prices)}"
                worker.place_order(
                    run_id, equity_market_order("INFY", side, 10), idempotency_key=key
                )
                held += 10 if side == "BUY" else -10
                requests += 1
                orders += 1
        exited = worker.exit_run(run_id, reason="session over", idempotency_key=f"{run_id}:exit")
        requests += 1
    return requests, orders, exited


def paper_quotes(runtime: Any, owner_id: int, count: int) -> tuple[float, float]:
    """Seconds (wall, CPU) for `count` quote requests of a paper token (no replay): the API's
    own cost."""
    from tradertape.services.accounts import worker_tokens
    from tradertape.testkit import make_tick

    runtime.quotes.update(make_tick(KEY, "1500", ts=runtime.clock.now()))
    with runtime.db.session() as db:
        spec = worker_tokens.TokenSpec(name="paper", account_scope="kite:paper")
        issued = worker_tokens.create(db, clock=runtime.clock, user_id=owner_id, spec=spec)
    with connect(runtime, issued.secret) as worker:
        worker.get_quotes([KEY])
        began, cpu = time.perf_counter(), time.process_time()
        for _ in range(count):
            worker.get_quotes([KEY])
        return time.perf_counter() - began, time.process_time() - cpu


def floor(runtime: Any, replay_id: int, minutes: int) -> float:
    """Seconds to read a tick of every minute through the replay's tape (no server)."""
    from tradertape.db.models import WorkerReplay
    from tradertape.domain.replay import open_of

    with runtime.db.session() as db:
        replay = db.get(WorkerReplay, replay_id)
        tape = runtime.replays.tape(replay, KEY)
    began = time.perf_counter()
    at = open_of(DAY)
    for _ in range(minutes):
        tape.tick_at(at)
        at += timedelta(minutes=1)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--short", action="store_true", help="an hour, not the session")
    args = parser.parse_args()
    minutes = 60 if args.short else 375
    from tradertape.db.models import WorkerReplay

    print(host_line())
    with tempfile.TemporaryDirectory() as tmp, scratch_database(None, Path(tmp)) as found:
        runtime = build(open_scratch(*found), Path(tmp))
        import_day(runtime)
        replay_id, token = start(runtime)
        worker = connect(runtime, token)
        began, cpu = time.perf_counter(), time.process_time()
        requests, orders, exited = trade(worker, minutes)
        with runtime.db.session() as db:
            owner = db.get(WorkerReplay, replay_id)
            report = runtime.replays.read(db, owner.user_id, replay_id)["report"]
        took, used = time.perf_counter() - began, time.process_time() - cpu
        raw = floor(runtime, replay_id, minutes)
        paper, paper_cpu = paper_quotes(runtime, owner.user_id, requests)
    summary = report["summary"] if report else {"exit": exited}
    print(
        f"replayed {minutes} minutes: {took:.2f} s, {requests} requests "
        f"({took / requests * 1000:.1f} ms each), {orders} orders; target < {GOAL_S:.0f} s "
        f"for 375 minutes"
    )
    print(
        f"CPU: {used:.2f} s ({used / requests * 1000:.1f} ms a request; the wall time is this "
        f"times the host's contention, load {load():.1f} on {os.cpu_count()} CPUs)"
    )
    print(f"report: {summary}")
    print(f"floor (the minutes through the tape, no server): {raw * 1000:.2f} ms")
    print(
        f"paper: the same {requests} requests as quotes of a paper token: {paper:.2f} s "
        f"({paper / requests * 1000:.1f} ms each, CPU {paper_cpu / requests * 1000:.1f} ms); "
        f"the replay's own cost {(took - paper) / requests * 1000:.1f} ms a request "
        f"(CPU {(used - paper_cpu) / requests * 1000:.1f} ms)"
    )
    print(
        row(
            f"replay, {minutes} minutes, 1 worker",
            f"{took:.2f} s",
            f"{raw * 1000:.2f} ms",
            took / max(raw, 1e-9),
        )
    )


if __name__ == "__main__":
    main()
