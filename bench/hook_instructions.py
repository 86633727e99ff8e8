"""Instructions per signed webhook (callgrind) beside one paper order's, this tree beside
another commit's.

`api_orders.py` times a signed webhook's server CPU over HTTP; on our shared 2-core VMs the
host's speed swings 3× within a run, more than the webhook's own part moves. Here the
receiver a webhook route calls (`runtime.webhooks.receive`, a session of its own a
request, as the route opens it) is counted under callgrind, only around the counted
requests (`order_instructions.py`'s switch), beside the order pipeline alone
(`paper_orders.pipeline`) in another run of the same sources: a TradingView alert, signed,
a MARKET order of one share over eight symbols (1 ms of the manual clock before each, as
the pipeline's orders have). The sender's part (the body, its signature), the hook's
creation and the symbols' ticks are made before the counting starts: until 2026-11-30 a
fresh tick, the body's JSON and its signature were counted with each request. The ratio
webhook ÷ pipeline is the webhook's own part (the hook, its proof, rate, claim, outcome and
notice; not HTTP); issue 69 asks the webhook route ≤ 2 ms of CPU, about the pipeline + 0.2 ms.

Measured 2026-11-30 (issue 69; SQLite, 40 counted requests after 60, load 14-16, which
callgrind does not count), ``--requests 40 --warmup 60 --against 82785cf3``: main's sources
5.978 M instructions an order through the pipeline, a signed webhook 7.456 M (1.247×; the
webhook's own part 1.48 M); with the hooks kept by the process (no read a request) and the
claimed delivery held by no session, 5.998 M and 7.143 M (1.191×; its own part 1.15 M,
-23 %), 18.1 → 17.1 statements a request (`api_orders.py`). What is left of its own part:
the session a request opens (the route's), the template's mapping of the body, and three
statements (the claim, the outcome, the owner's notice) in the order's one commit.

Measured 2026-11-30 later (load 20-22), ``--requests 40 --warmup 60 --against 715f7889``:
the claim and the notice written from plain values (no mapped object built for either, no
attributes set on the claim after its outcome) 6.476 → 6.349 M a request, 1.170× → 1.144×
a pipeline of 5.54 M. Seen in the rest (callgrind_annotate, not yet costed): the session a
request opens joins its event dispatch afresh, six lazy attributes a request, with twelve
AttributeErrors formatted (`PyErr_Format`) where the pipeline's one session has none.

Measured 2026-11-30 late (load 13-14), each tree's lines in fresh valgrind runs side by side:
a thread's closed session handed to its next block (`Database.session`; the pipeline holds
one for its orders) and the stored terms' enum members read from their maps, 751f0500 →
960b2982: a signed webhook 6.204 → 6.077 M a request, the pipeline 5.396 → 5.395 M (1.150×
→ 1.126×). One session held over all the requests, as the pipeline's, counted 6.058 M: what
is left of the session's part is its close. The rest of the webhook's own part is spread
thin: the template's mapping (~180 Python lines a request), the claim, outcome and notice
statements, the spec built from the terms (the pipeline's bench builds its specs once).

Measured 2026-12-01 (load 10-14), ``--requests 40 --warmup 60 --against main`` (2f60fefe):
main 5.977 M a request against a pipeline of 5.307 M (1.126×), this tree 5.830 M against
5.296 M (1.101×; the pipeline's own count moves ~0.2 % between runs of the same sources): the
webhook's own part 0.67 → 0.53 M. The cuts, each counted alone: the template read once with
the hook (`templates.Mapping`) -0.014 M; a MARKET order's spec and terms kept (frozen,
shared), the signature in one call, the secret read without a lock -0.080 M; the HMAC key
set up once a hook's secret (each request signs a copy; OpenSSL fetched the digest and
hashed the key's pads on every call) and the claim's constant values bound once in its
statement -0.026 M; the rest (one order's outcome without the walk over many, one clock
read, no enum property) -0.031 M. What is left is mostly not the webhook layer's: the
session a request opens and closes (`Database.session`), the claim, outcome and notice
statements, and SQLite's WAL writing ~9 more pages a commit than the pipeline's
(the deliveries' table and two indexes, the notifications'), at ~4.7 k instructions a page
for its checksums.

    valgrind must be installed. .venv/bin/python bench/hook_instructions.py
        [--requests 60] [--warmup 100] [--against REV] [--short]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import callgrind
from against import ROOT, SOURCES, sources
from machine import row

_LINES = ("pipeline", "hook")  # what `child` counts, each under its own name


def _hooks(rt: Any, user: int, count: int, tag: str) -> Callable[[], None]:
    """`count` signed TradingView alerts to a new hook of `user`'s, made ready (the hook, the
    bodies and their signatures: the sender's work, not counted), and the call that sends
    them, each placed: 1 ms of the manual clock before each, on the eight symbols' ticks as
    they stand when it is called (the pipeline's orders too are placed on ticks made once)."""
    import paper_orders as bench
    from tradertape.services.webhooks import hooks, templates
    from tradertape.services.webhooks.receive import Request
    from tradertape.services.webhooks.signing import signature
    from tradertape.testkit import make_tick

    with rt.db.session() as db:
        draft = hooks.HookDraft(
            name="bench",
            auth="hmac",
            template=dict(templates.PRESETS["tradingview"]),
            max_per_minute=600,
        )
        made = hooks.create(
            db,
            draft,
            vault=rt.vault,
            clock=rt.clock,
            user_id=user,
        )
        hook_id, secret = made.hook.hook_id, made.secret
    clock = rt.clock
    step = timedelta(milliseconds=1)
    requests = []
    for n in range(count):
        symbol = bench.SYMBOLS[n % len(bench.SYMBOLS)]
        side = "buy" if (n // len(bench.SYMBOLS)) % 2 == 0 else "sell"
        body = {"ticker": f"NSE:{symbol}", "action": side, "contracts": "1", "n": f"{tag}{n}"}
        raw = json.dumps(body).encode()
        stamp = str(int((clock.now() + step * (n + 1)).timestamp()))
        requests.append(
            Request(
                hook_id=hook_id,
                body=raw,
                ip="127.0.0.1",
                timestamp=stamp,
                signature=signature(secret, stamp, raw),
                token=None,
            )
        )

    def send() -> None:
        for i, symbol in enumerate(bench.SYMBOLS):
            price = Decimal(1000 + 100 * i)
            tick = make_tick(
                f"NSE:{symbol}", price, ts=clock.now(), volume=10**7, last_quantity=10**6
            )
            rt.quotes.update(tick)
        for n, request in enumerate(requests):
            clock.advance(step)
            with rt.db.session() as db:
                received = rt.webhooks.receive(db, request)
            if received.outcome != "placed":
                raise SystemExit(f"webhook {n}: {received.outcome} {received.orders}")

    return send


def child(what: str, requests: int, warmup: int) -> None:
    """Under callgrind: the warm-up, then `requests` with the instrumentation on."""
    import paper_orders as bench
    from scratch_db import open_scratch, scratch_database

    with tempfile.TemporaryDirectory() as tmp, scratch_database(None, Path(tmp)) as found:
        database = open_scratch(*found)
        try:
            runtime = bench.build(database, Path(tmp))
            if what == "pipeline":
                bench.pipeline(runtime, warmup, bench.make_users(runtime, 1, rules=True))
                users = bench.make_users(runtime, 1, rules=True)
                with callgrind.counted(what):
                    bench.pipeline(runtime, requests, users, label="m")
            else:
                _hooks(runtime, bench.make_users(runtime, 1, rules=True)[0], warmup, "w")()
                user = bench.make_users(runtime, 1, rules=True)[0]
                runtime.clock.advance(timedelta(seconds=61))  # the hook's rate afresh
                send = _hooks(runtime, user, requests, "m")
                with callgrind.counted(what):
                    send()
        finally:
            database.dispose()


def count(paths: list[str], args: argparse.Namespace) -> tuple[float, float]:
    """Instructions per counted order of the pipeline and per signed request on the sources
    at `paths`: a fresh run each (one for both with ``--short``)."""
    rest = ["--requests", str(args.requests), "--warmup", str(args.warmup)]
    together: bool = args.short
    calls: int = args.requests
    found = callgrind.per_call(__file__, _LINES, rest, calls, together=together, sources=paths)
    return found["pipeline"], found["hook"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--against", metavar="REV", help="also count on REV's sources")
    parser.add_argument("--short", action="store_true", help="5 requests after 5 (CI)")
    parser.add_argument("--child", nargs="+", choices=_LINES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.short:
        args.requests, args.warmup = 5, 5
    if args.child:
        for what in args.child:
            child(what, args.requests, args.warmup)
        return
    trees = [("this tree", [str(ROOT / s) for s in SOURCES])]
    for name, paths in trees:
        pipe, hook = count(paths, args)
        print(
            f"{name}: pipeline {pipe / 1e6:6.3f} M instructions an order, signed webhook "
            f"{hook / 1e6:6.3f} M a request ({hook / pipe:.3f}× the pipeline)",
            flush=True,
        )
        figure, floor = f"{hook / 1e6:.3f} M", f"pipeline {pipe / 1e6:.3f} M"
        print(row("signed webhook (instructions)", figure, floor, hook / pipe))
    if args.against:
        with sources(args.against) as old:
            pipe, hook = count(old, args)
        print(
            f"{args.against}: pipeline {pipe / 1e6:6.3f} M instructions an order, signed "
            f"webhook {hook / 1e6:6.3f} M a request ({hook / pipe:.3f}× the pipeline)"
        )


if __name__ == "__main__":
    main()
