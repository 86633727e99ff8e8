"""Benchmark: orders through the Kite adapter against the fake Kite on loopback.

Each round places one LIMIT order twice: once as a bare form POST with ``requests`` (the
fake's own time plus HTTP), once through `KiteBroker.place_order` (the SDK, error mapping,
the idempotency tag, the limiter). The difference is what the adapter adds; target ≤ 2 ms
p99. Pacing is lifted for the run (the real limiter holds orders to 10/s by design, which
is waiting, not overhead).

    .venv/bin/python bench/broker_orders.py [--orders 500]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import requests
import uvicorn

from machine import host_line
from tradertape.fakebrokers.kite import DEFAULT_API_KEY, DEFAULT_API_SECRET, create_app
from tradertape_brokers.kite import (
    KITE_LIMITS,
    KiteBroker,
    RateLimiter,
    checksum,
    exchange_request_token,
)
from tradertape_brokers.pacing import Ceiling

TARGET_P99_MS = 2.0


@dataclass(frozen=True)
class Limit:
    """A small LIMIT buy far below the market: it rests, so cash never runs out."""

    exchange: str = "NSE"
    tradingsymbol: str = "INFY"
    transaction_type: str = "BUY"
    quantity: int = 1
    product: str = "CNC"
    order_type: str = "LIMIT"
    variety: str = "regular"
    validity: str = "DAY"
    price: Decimal | None = Decimal("100")
    trigger_price: Decimal | None = None
    disclosed_quantity: int | None = None
    validity_ttl: int | None = None
    market_protection: int | None = None
    iceberg_legs: int | None = None
    iceberg_quantity: int | None = None
    auction_number: str | None = None


def _serve(app: Any) -> tuple[str, uvicorn.Server]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    return f"http://127.0.0.1:{sock.getsockname()[1]}", server


def _ms(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main() -> None:
    """Run the rounds and print p50/p99 of both paths and their difference."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=500)
    args = parser.parse_args()
    print(host_line())
    root, server = _serve(create_app(holdings={}))
    login = requests.get(
        f"{root}/connect/login",
        params={"api_key": DEFAULT_API_KEY},
        timeout=5,
        allow_redirects=False,
    )
    token = login.headers["location"].split("request_token=")[1].split("&")[0]
    session = exchange_request_token(
        DEFAULT_API_KEY, token, checksum(DEFAULT_API_KEY, token, DEFAULT_API_SECRET), root
    )
    unpaced = RateLimiter({bucket: (Ceiling(10**9),) for bucket in KITE_LIMITS})
    kite = KiteBroker(
        api_key=DEFAULT_API_KEY, access_token=session.access_token, root=root, limiter=unpaced
    )
    raw = requests.Session()
    headers = {
        "X-Kite-Version": "3",
        "Authorization": f"token {DEFAULT_API_KEY}:{session.access_token}",
    }
    form = {
        "exchange": "NSE",
        "tradingsymbol": "INFY",
        "transaction_type": "BUY",
        "quantity": "1",
        "product": "CNC",
        "order_type": "LIMIT",
        "validity": "DAY",
        "price": "100",
    }
    bare: list[float] = []
    adapter: list[float] = []
    for n in range(args.orders):
        start = time.perf_counter()
        raw.post(f"{root}/orders/regular", data=form, headers=headers, timeout=5).raise_for_status()
        bare.append(time.perf_counter() - start)
        start = time.perf_counter()
        kite.place_order(Limit(), idempotency_key=f"bench-{n}")
        adapter.append(time.perf_counter() - start)
    server.should_exit = True
    for name, samples in (("bare POST", bare), ("KiteBroker", adapter)):
        print(
            f"{name:>10}: p50 {_ms(samples, 0.5):6.2f} ms  p99 {_ms(samples, 0.99):6.2f} ms  "
            f"mean {statistics.fmean(samples) * 1000:6.2f} ms"
        )
    added50 = _ms(adapter, 0.5) - _ms(bare, 0.5)
    added99 = _ms(adapter, 0.99) - _ms(bare, 0.99)
    print(
        f"added by the adapter: p50 {added50:.2f} ms, p99 {added99:.2f} ms "
        f"(target p99 ≤ {TARGET_P99_MS} ms: {'met' if added99 <= TARGET_P99_MS else 'missed'})"
    )


if __name__ == "__main__":
    main()
