"""Instructions per worker order in process (callgrind), against ``POST /api/orders``'s.

`worker_orders.py` measures a worker's order over HTTP in CPU time, which on our shared
2-core hosts moves by a third from one run to the next, more than a cut of the worker
layer's own work. This counts instructions instead (`callgrind`: only around the counted
calls, every thread; the same calls on the same sources give the same count to a fraction
of a percent, whatever the host's load). Each line is a fresh valgrind run of this script
(both lines one run with ``--short``, CI's check that the bench runs) on
`route_in_process.py`'s app (`create_app` on a scratch SQLite file, uvloop, a manual clock
in an NSE session): ``--warmup`` calls, then ``--orders`` counted, then a quiet half second
on the loop, counted (the work an order leaves there):

- **route**: ``POST /api/orders`` with the session cookie (the plain order's route);
- **worker**: ``POST /api/algo-workers/worker/runs/{run}/intents`` as the SDK's
  `place_order` sends it (bearer token, the session's nonce header, one MARKET order), on
  a paper run the worker created and claimed over the same API before the warm-up.

It prints the millions of instructions per order and what the worker path adds beyond the
route (issue 69: a worker's order ≤ 2 ms of server CPU, where the route's pipeline costs
about 1.6 ms). ``--against REV`` counts both lines on REV's sources too, in the same run.

Measured 2026-12-01 (issue 69, helper session "worker"; ``--orders 40 --warmup 60 --against
main``, load 11-14, which the counts do not feel): the route 6.705 M instructions an order,
the worker 9.277 M at main (1.384×, 2.573 M beyond the route; a second run 9.282 M); this
tree 6.674 M and 8.782 M (1.316×, 2.108 M beyond it; -5.3 %). Under cProfile the worker's
order made 4,205 Python calls against the route's 3,125; after, 3,848. Of the cut: the lean
route's path and header parameters read by a plan made once (FastAPI asked each one's
annotation again per request), `rows.loaded` without `Session.add`'s empty
cascade and `inspect`, the order journal's run from the session's identity map, a free-form
``{}`` passed at once, JSON columns read by the C scanner directly (`json_text.loads`), the
last trade shaped once. What is left beyond the route is the worker contract's own work,
each a few per cent: the run's lock and read, the pre-check of the order's fields (the
pipeline's checks come after the venue's and the slicing's: its 422s would change), the
intent's claim and stored result, the timeline entry and the run's link, the envelope's
second validation (its payload), and the token's JSON columns.

Measured 2026-12-01 again (issue 69, helper session "worker", second pass; the worker line
alone, ``--orders 40 --warmup 60``, load 16-17; each valgrind run took 14 minutes of wall
time, so the route was not counted again): main (c70bffc6) 8.320 M instructions an order,
this tree 8.209 M (-1.3 %). The cut: the intent's pre-check of each order (`Checked`) is not
asked again by the paper placement on the same spec and tick (the instrument looked up, the
field rules, the tick grid, the band and the session rule, once an order instead of twice).
Under cProfile the worker's own part beyond the route (about 22 % of its calls) was, largest
first: the token's read and ORM row (the route's cookie read costs about as much), the run's
lock and read, the pre-check (now once), the result's shaping (`order_dict`, the trades), the
timeline entry, the intent's claim and stored result (two statements), the envelope read
twice (pydantic); the route pays an audit write the worker does not.

    valgrind must be installed. .venv/bin/python bench/worker_instructions.py
        [--orders 60] [--warmup 100] [--against REV] [--short]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import callgrind
from against import ROOT, SOURCES, sources
from api_orders import _order
from machine import host_line, row
from route_in_process import _Bench, _body, _scope, sent_by

LINES = ("route", "worker")
PREFIX = "/api/algo-workers"
RUN_ID = "bench-run"


class _Worker:
    """A paper worker token of the bench's pipeline user, its run created and claimed."""

    def __init__(self, bench: _Bench) -> None:
        from tradertape.services.accounts import worker_tokens

        spec = worker_tokens.TokenSpec(
            name="bench", account_scope="kite:paper", allowed_modes=["paper"]
        )
        with bench.runtime.db.session() as db:
            made = worker_tokens.create(
                db, clock=bench.clock, user_id=bench.pipeline_user, spec=spec
            )
            db.commit()
        self.bench = bench
        self.auth = (b"authorization", b"Bearer " + made.secret.encode())
        self.nonce = b""

    async def start(self) -> None:
        """The run and its session, as `worker_orders.py`'s worker opens them."""
        run = {
            "template_id": "bench",
            "account_scope": "kite:paper",
            "execution_mode": "paper",
            "strategy_run_id": RUN_ID,
            "summary_fields": [],
            "risk_schema": [],
            "allowed_actions": ["edit_risk", "exit_strategy"],
            "runtime_state": {},
            "metadata": {},
        }
        await self.call("/worker/runs", run)
        claimed = await self.call(f"/worker/runs/{RUN_ID}/claim-session", None)
        self.nonce = str(claimed["worker_session_nonce"]).encode()

    async def order(self, n: int) -> None:
        """The SDK's `place_order` of `api_orders.py`'s n-th order (the route's): filled, or
        exit."""
        order = {**_order(n), "variety": "regular"}
        body = {
            "intent_type": "place_order",
            "payload": {"order": order},
            "idempotency_key": f"{RUN_ID}:order:{time.time_ns()}",
            "metadata": {},
        }
        answer = await self.call(f"/worker/runs/{RUN_ID}/intents", body)
        if answer["status"] != "accepted" or answer["result"]["status"] != "filled":
            raise SystemExit(f"worker order {n}: {answer}")

    async def call(self, path: str, body: Any) -> Any:
        """One POST through the app's ASGI stack; its JSON answer, or exit on an error."""
        raw = b"" if body is None else json.dumps(body).encode()
        headers = [
            (b"host", b"127.0.0.1:8000"),
            (b"accept", b"application/json"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(raw)).encode()),
            self.auth,
        ]
        if self.nonce:
            headers.append((b"x-worker-session-nonce", self.nonce))
        sent = await sent_by(self.bench.app, _scope(PREFIX + path, headers), raw)
        answer = b"".join(m.get("body", b"") for m in sent[1:])
        if sent[0]["status"] not in (200, 201):
            raise SystemExit(f"{path}: {sent[0]['status']} {answer[:300]!r}")
        return json.loads(answer)


async def _child(line: str, orders: int, warmup: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-worker-") as folder:
        bench = _Bench(Path(folder))
        async with bench.app.router.lifespan_context(bench.app):
            worker = _Worker(bench)
            await worker.start()

            async def route(n: int) -> None:
                await bench.post("/api/orders", _body(n))

            one = worker.order if line == "worker" else route
            for n in range(warmup):
                bench.step()
                await one(n)
            bench.clock.advance(timedelta(seconds=2))  # a fresh second of SEBI's ceiling
            bench.fresh_ticks()
            await asyncio.sleep(0.5)
            with callgrind.counted(line):
                for n in range(orders):
                    bench.step()
                    await one(n)
                await asyncio.sleep(0.5)  # the events' work on the loop, counted


def count(paths: list[str], args: argparse.Namespace) -> dict[str, float]:
    """Instructions per counted order of each line on the sources at `paths` (a fresh run
    each; one for both with ``--short``)."""
    rest = ["--orders", str(args.orders), "--warmup", str(args.warmup)]
    together: bool = args.short
    return callgrind.per_call(__file__, LINES, rest, args.orders, together=together, sources=paths)


def _report(name: str, found: dict[str, float]) -> None:
    route, worker = found["route"], found["worker"]
    print(
        f"{name}: route {route / 1e6:6.3f} M instructions an order, worker "
        f"{worker / 1e6:6.3f} M ({worker / route:.3f}× the route, "
        f"{(worker - route) / 1e6:+.3f} M beyond it)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--against", metavar="REV", help="also count on REV's sources")
    parser.add_argument("--short", action="store_true", help="10 orders after 20 (CI)")
    parser.add_argument("--child", nargs="+", choices=LINES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.short:
        args.orders, args.warmup = 10, 20
    if args.child:
        from tradertape.serving.process import loop_factory

        with asyncio.Runner(loop_factory=loop_factory()) as runner:
            for line in args.child:
                runner.run(_child(line, args.orders, args.warmup))
        return
    print(host_line(), flush=True)
    here = count([str(ROOT / s) for s in SOURCES], args)
    _report("this tree", here)
    if args.against:
        with sources(args.against) as old:
            before = count(old, args)
        _report(args.against, before)
        print(f"worker order: {here['worker'] / before['worker']:.3f}× {args.against}'s")
    figure, floor = f"{here['worker'] / 1e6:.3f} M", f"route {here['route'] / 1e6:.3f} M"
    print(
        row(
            "worker-API order in process, instructions",
            figure,
            floor,
            here["worker"] / here["route"],
        )
    )


if __name__ == "__main__":
    main()
