"""Instructions per ``POST /api/orders`` in process (callgrind), against the pipeline's.

`route_in_process.py` times the route and the pipeline in one process, but on our shared
2-core hosts its CPU figures move by a third from one run to the next, more than a cut of
the route's own work. The instructions do not: under valgrind's callgrind, counted only
around the measured calls (``--instr-atstart=no``, switched on and off by
``callgrind_control``; every thread counts), the same calls on the same sources give the
same count to a fraction of a percent. Each line is a fresh valgrind run of this script on
`route_in_process.py`'s app (`create_app` on a scratch SQLite file, uvloop): ``--warmup``
calls, then ``--orders`` counted, then a quiet half second on the loop, counted (the work
an order leaves there):

- **ASGI floor**: an ``async`` POST of the same body, no dependency, no thread, no database;
- **pipeline**: `runtime.orders.submit` in a session of its own, in a worker thread
  (`asyncio.to_thread`), what the route calls once the request is read and the cookie checked;
- **route**: ``POST /api/orders`` with the session cookie.

A process of its own each (all three in one with ``--short``, CI's check that the bench
runs, where valgrind's start-up of the app is most of the time): on 2026-11-30, ``--short``,
the three lines in one process measured the route 1.145× the pipeline, in three processes
1.171×, and counted in halves A B B A 1.219×. What ran before a line moves its count (the
collector's timing at least), so a shared process could flatter the ratio across its goal.

It prints the millions of instructions per call, the route's ratio to the pipeline (issue
69: ≤ 1.15×) and what the route adds beyond the pipeline and the floor.

Measured 2026-11-30 (issue 69; ``--orders 60 --warmup 100``, load 12-23, which the counts
do not feel): ASGI floor 0.523 M instructions a call, pipeline 6.605 M; the route 7.839 M
(1.187× the pipeline, 0.711 M beyond both) before `LeanRoute` and 7.642 M (1.157×, 0.514 M)
after: FastAPI's dependency solver was a quarter of what the route adds. Then, ``--orders 40
--warmup 80``, each tree's lines in fresh processes: pipeline 5.984 M, the route 6.919 M
(1.156×) before the route index kept an included router narrowed to its one matching route
and 6.808 M (1.138×; pipeline 5.983 M) after. The front middlewares merged into one layer
counted 6.926 M, no cut: a layer's hop is a few thousand instructions. The CPU figures of
`api_orders.py` at that load (1.5-1.8× the pipeline over HTTP) are mostly what callgrind
does not count: the thread hop's wake-ups and the GIL's hand-overs between the loop and
the route's thread, at 10-20 runnable threads on 2 cores.

    valgrind must be installed. .venv/bin/python bench/route_instructions.py
        [--orders 100] [--warmup 150] [--short]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import callgrind
from machine import host_line, row
from route_in_process import _Bench, _body

LINES = ("floor", "pipeline", "route")


async def _child(line: str, orders: int, warmup: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-route-") as folder:
        bench = _Bench(Path(folder))
        async with bench.app.router.lifespan_context(bench.app):

            async def floor(n: int) -> None:
                await bench.post("/api/bench/asgi-floor", _body(n))

            async def pipeline(n: int) -> None:
                await asyncio.to_thread(bench.submit, n)

            async def route(n: int) -> None:
                await bench.post("/api/orders", _body(n))

            one: Callable[[int], Awaitable[None]] = {
                "floor": floor,
                "pipeline": pipeline,
                "route": route,
            }[line]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=150)
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
    rest = ["--orders", str(args.orders), "--warmup", str(args.warmup)]
    found = callgrind.per_call(__file__, LINES, rest, args.orders, together=args.short)
    floor, pipeline, route = (found[line] for line in LINES)
    for line in LINES:
        print(f"  {line:<9} {found[line] / 1e6:7.3f} M instructions a call")
    print(
        f"route {route / pipeline:.3f}× the pipeline (issue 69: ≤ 1.15×); beyond the "
        f"pipeline and the floor {(route - pipeline - floor) / 1e6:.3f} M"
    )
    print(
        row(
            "POST /api/orders in process, instructions",
            f"{route / 1e6:.3f} M",
            f"pipeline {pipeline / 1e6:.3f} M",
            route / pipeline,
        )
    )


if __name__ == "__main__":
    main()
