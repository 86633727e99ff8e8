"""Instructions per worker-API order in process (callgrind), against the pipeline's.

`worker_orders.py` measures a worker's orders over HTTP through the SDK, where the host's
load moves the CPU figures by a third from one run to the next. This bench counts
instructions instead, as `route_instructions.py` does for ``POST /api/orders`` (under
valgrind's callgrind, switched on only around the counted calls; every thread counts), on
the same app (`route_in_process._Bench`: `create_app` on a scratch SQLite file, uvloop). A
paper worker token of the route's user creates its run and claims the session through the
app, then each line is a fresh valgrind run: ``--warmup`` calls, ``--orders`` counted, then
a quiet half second on the loop, counted (the work an order leaves there):

- **pipeline**: `runtime.orders.submit` in a session of its own, in a worker thread;
- **worker**: ``POST /api/algo-workers/worker/runs/{id}/intents`` as the SDK sends it (its
  bearer token, the session's nonce, httpx's ``Accept-Encoding``, a ``place_order`` intent
  of its own key), answered filled.

It prints the millions of instructions per call, the worker's ratio to the pipeline and
what it adds beyond it (issue 69: a worker's order ≤ 2 ms of server CPU, the pipeline's
~1.7 ms).

    valgrind must be installed. .venv/bin/python bench/worker_instructions.py
        [--orders 100] [--warmup 150] [--short]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import zstandard

import callgrind
from api_orders import _order
from machine import host_line, row
from route_in_process import _Bench, _scope

LINES = ("pipeline", "worker")
RUNS = "/api/algo-workers/worker/runs"


async def _call(
    app: Any, method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes
) -> tuple[int, Any]:
    """One request through the app's ASGI stack: its status and JSON answer."""
    sent: list[dict[str, Any]] = []
    delivered = False

    async def receive() -> Any:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # the client stays: no disconnect
        raise AssertionError  # pragma: no cover

    async def send(message: Any) -> None:
        sent.append(message)

    head = [
        (b"host", b"127.0.0.1:8000"),
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *headers,
    ]
    await app(_scope(path, head) | {"method": method}, receive, send)
    answer = b"".join(m.get("body", b"") for m in sent[1:])
    encoding = dict(sent[0]["headers"]).get(b"content-encoding")
    if encoding == b"zstd":
        answer = zstandard.ZstdDecompressor().decompressobj().decompress(answer)
    elif encoding == b"gzip":
        answer = gzip.decompress(answer)
    return sent[0]["status"], json.loads(answer) if answer else None


class _Worker:
    """A paper worker token of the bench's route user, its run and its claimed session."""

    def __init__(self, bench: _Bench) -> None:
        from tradertape.services.accounts import worker_tokens

        spec = worker_tokens.TokenSpec(
            name="bench", account_scope="kite:paper", allowed_modes=["paper"]
        )
        runtime = bench.runtime
        with runtime.db.session() as db:
            secret = worker_tokens.create(
                db, clock=runtime.clock, user_id=bench.route_user, spec=spec
            ).secret
        self.bench = bench
        self.run = "bench-run"
        self.auth = (b"authorization", b"Bearer " + secret.encode())
        self.encodings = (b"accept-encoding", b"gzip, deflate, br, zstd")  # httpx's, the SDK's
        self.nonce: tuple[bytes, bytes] | None = None

    async def _post(self, path: str, body: dict[str, Any]) -> Any:
        headers = [self.auth, self.encodings, *([] if self.nonce is None else [self.nonce])]
        status, answer = await _call(
            self.bench.app, "POST", path, headers, json.dumps(body).encode()
        )
        if status not in (200, 201):
            raise SystemExit(f"{path}: {status} {answer}")
        return answer

    async def start(self) -> None:
        run = {
            "template_id": "bench",
            "account_scope": "kite:paper",
            "execution_mode": "paper",
            "strategy_run_id": self.run,
        }
        await self._post(RUNS, run)
        claimed = await self._post(f"{RUNS}/{self.run}/claim-session", {})
        self.nonce = (b"x-worker-session-nonce", claimed["worker_session_nonce"].encode())

    async def order(self, n: int) -> None:
        body = {
            "intent_type": "place_order",
            "payload": {"order": _order(n)},
            "idempotency_key": f"k{time.time_ns()}",
            "metadata": {},
        }
        answer = await self._post(f"{RUNS}/{self.run}/intents", body)
        if answer["status"] != "accepted" or answer["result"]["status"] != "filled":
            raise SystemExit(f"worker order {n}: {answer}")


async def _child(line: str, orders: int, warmup: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-worker-") as folder:
        bench = _Bench(Path(folder))
        async with bench.app.router.lifespan_context(bench.app):
            worker = _Worker(bench)
            await worker.start()

            async def pipeline(n: int) -> None:
                await asyncio.to_thread(bench.submit, n)

            one: Callable[[int], Awaitable[None]] = {
                "pipeline": pipeline,
                "worker": worker.order,
            }[line]
            for n in range(warmup):
                bench.step()
                await one(n)
            bench.clock.advance(timedelta(seconds=2))  # a fresh second of SEBI's ceiling
            bench.fresh_ticks()
            await asyncio.sleep(0.5)
            callgrind.switch(True)
            for n in range(orders):
                bench.step()
                await one(n)
            await asyncio.sleep(0.5)  # the events' work on the loop, counted
            callgrind.switch(False)


def count(line: str, args: argparse.Namespace) -> float:
    """Instructions per counted call of `line` (a fresh valgrind run)."""
    child = [line, "--orders", str(args.orders), "--warmup", str(args.warmup)]
    orders: int = args.orders
    return callgrind.collected(__file__, child) / orders


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=150)
    parser.add_argument("--short", action="store_true", help="10 orders after 20 (CI)")
    parser.add_argument("--child", choices=LINES, help=argparse.SUPPRESS)
    parser.add_argument("--line", choices=LINES, action="append", help="only these lines")
    args = parser.parse_args()
    if args.short:
        args.orders, args.warmup = 10, 20
    if args.child:
        from tradertape.serving.process import loop_factory

        with asyncio.Runner(loop_factory=loop_factory()) as runner:
            runner.run(_child(args.child, args.orders, args.warmup))
        return
    print(host_line(), flush=True)
    lines = args.line or LINES
    found = {line: count(line, args) for line in lines}
    for line in lines:
        print(f"  {line:<9} {found[line] / 1e6:7.3f} M instructions a call", flush=True)
    if len(found) < len(LINES):
        return
    pipeline, worker = found["pipeline"], found["worker"]
    print(
        f"worker order {worker / pipeline:.3f}× the pipeline; beyond it "
        f"{(worker - pipeline) / 1e6:.3f} M"
    )
    print(
        row(
            "worker intent in process, instructions",
            f"{worker / 1e6:.3f} M",
            f"pipeline {pipeline / 1e6:.3f} M",
            worker / pipeline,
        )
    )


if __name__ == "__main__":
    main()
