"""Realistic requests for the fuzzer: what a user of the demo would send, so that every
operation reaches a 2xx (random strings do not name a real symbol or a price on the tick).

`requests(label, context)` gives an operation's requests as `Case` fields (`path_parameters`,
`query`, `body`); `path_parameters` the values of parameters that are names, not ids.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from tests.fuzz_kit import WORKER_PREFIX, Actor, Ids
from tests.workers_kit import order, set_price
from tradertape.runtime import Runtime

PARAM = re.compile(r"\{([^}]+)\}")
PRICES = {"NSE:INFY": "1500", "NSE:RELIANCE": "1400", "NSE:TCS": "3200", "NSE:NIFTY 50": "24000"}


@dataclass
class Context:
    """Who sends, the server's runtime, and the ids their 2xx answers carried."""

    actor: Actor
    runtime: Runtime
    ids: Ids


def prepare(runtime: Runtime) -> None:
    """Prices for the symbols the requests name."""
    for key, price in PRICES.items():
        set_price(runtime, key, price)


def enlist_worker(http: httpx.Client, actor: Actor) -> None:
    """A worker token for `actor` and an open paper run on it."""
    http.cookies.clear()
    issued = http.post(
        f"{actor.base}/api/algo-workers/tokens",
        json={"name": "fuzz", "allowed_modes": ["dry_run", "paper"]},
        headers=actor.headers("/api"),
    )
    assert issued.status_code == 201, issued.text
    actor.bearer = issued.json()["token"]
    actor.run_id = f"run_{actor.email.split('@')[0]}"
    run = {
        "template_id": "basic-equity",
        "account_scope": "kite:paper",
        "execution_mode": "paper",
        "strategy_run_id": actor.run_id,
    }
    created = http.post(
        f"{actor.base}{WORKER_PREFIX}/runs", json=run, headers=actor.headers(WORKER_PREFIX)
    )
    assert created.status_code in (200, 201), created.text


def path_parameters(template: str, context: Context) -> dict[str, Any]:
    """Parameters that name something shared (a broker, a symbol), or the worker's run."""
    fixed: dict[str, Any] = {}
    names = PARAM.findall(template)
    for name in names:
        if name in NAMED:
            fixed[name] = NAMED[name]
    if template.startswith(f"{WORKER_PREFIX}/runs/{{run_id}}"):
        fixed["run_id"] = context.actor.run_id
    return fixed


NAMED: dict[str, Any] = {
    "broker": "kite",
    "exchange": "NSE",
    "tradingsymbol": "INFY",
    "name": "nifty_50",
    "underlying": "NIFTY",
    "source_list": "nifty_50",
}

Seed = Callable[[Context], list[dict[str, Any]]]
SEEDS: dict[str, Seed] = {
    "POST /api/orders": lambda c: [{"body": order(quantity=1)}],
}


def requests(label: str, context: Context) -> list[dict[str, Any]]:
    """The operation's realistic requests, path parameters included."""
    seed = SEEDS.get(label)
    if seed is None:
        return []
    template = label.split(" ", 1)[1]
    fixed = path_parameters(template, context)
    made = []
    for request in seed(context):
        merged = {**fixed, **request.get("path_parameters", {})}
        if any(name not in merged for name in PARAM.findall(template)):
            choices = context.ids.candidates(template)
            if not choices:
                continue
            merged = {**choices[-1], **merged}
        made.append({**request, "path_parameters": merged})
    return made
