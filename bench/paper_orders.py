"""Benchmark: MARKET orders placed and filled through the OMS and the paper exchange.

Each order is validated, stored with its idempotency key, funds-checked, matched against
the last tick, and booked (trade, contract-note charges, cash). Prints orders/s and
p50/p99 latency per backend and the ratio to the 1,000 orders/s target on SQLite.

    .venv/bin/python bench/paper_orders.py [--orders 10000] [--pg URL]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import text

from machine import host_line
from tradertape.db.engine import Database
from tradertape.db.migrate import upgrade
from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.instruments import Exchange
from tradertape.domain.instruments_data import reference_catalog
from tradertape.domain.market import Tick
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.oms.paper.exchange import PaperConfig, PaperExchange
from tradertape.oms.paper.matching import MatchConfig
from tradertape.ports.clock import IST, ManualClock
from tradertape.services.accounts.users import create_user
from tradertape.testkit import make_tick

TARGET_PER_S = 1_000
SYMBOLS = ("INFY", "TCS", "RELIANCE", "HDFCBANK", "ICICIBANK", "SBIN", "ITC", "LT")


def _tick(clock: ManualClock, symbol: str, price: Decimal) -> Tick:
    return make_tick(f"NSE:{symbol}", price, ts=clock.now(), volume=10**7, last_quantity=10**6)


def run(database: Database, orders: int) -> tuple[float, list[float]]:
    """Place `orders` MARKET orders (buys and sells alternating); return wall time, latencies."""
    clock = ManualClock(datetime(2026, 11, 20, 10, 0, tzinfo=IST))
    exchange = PaperExchange(
        clock=clock,
        calendar=nse_calendar(),
        catalog=reference_catalog(),
        config=PaperConfig(match=MatchConfig(participation=Decimal(1))),
    )
    with database.session() as db:
        user_id = create_user(db, clock=clock, email=f"bench-{time.time_ns()}@x.in").id
        exchange.deposit(db, user_id=user_id, amount=Decimal(10) ** 12)
    ticks = {s: _tick(clock, s, Decimal(1000 + 100 * i)) for i, s in enumerate(SYMBOLS)}
    latencies: list[float] = []
    started = time.perf_counter()
    with database.session() as db:
        for n in range(orders):
            symbol = SYMBOLS[n % len(SYMBOLS)]
            side = TransactionType.BUY if (n // len(SYMBOLS)) % 2 == 0 else TransactionType.SELL
            spec = OrderSpec(
                exchange=Exchange.NSE,
                tradingsymbol=symbol,
                transaction_type=side,
                quantity=1,
                product=Product.MIS,
                order_type=OrderType.MARKET,
            )
            t0 = time.perf_counter()
            order = exchange.place(
                db, user_id=user_id, spec=spec, client_key=f"bench-{n:08d}", last=ticks[symbol]
            )
            latencies.append(time.perf_counter() - t0)
            if order.status != "COMPLETE":
                raise SystemExit(f"order {n} ended {order.status}: {order.status_message}")
    return time.perf_counter() - started, latencies


def report(label: str, elapsed: float, latencies: list[float], target: bool) -> None:
    """Print one backend's figures."""
    rate = len(latencies) / elapsed
    cuts = statistics.quantiles(latencies, n=100)
    line = (
        f"{label:<10} {len(latencies):>6} orders  {rate:8.0f} orders/s  "
        f"p50 {cuts[49] * 1000:6.2f} ms  p99 {cuts[98] * 1000:6.2f} ms"
    )
    if target:
        line += f"  ({rate / TARGET_PER_S:.2f} × the {TARGET_PER_S} orders/s target)"
    print(line)


def main() -> None:
    """Run on SQLite and, when reachable, PostgreSQL."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    print(host_line())
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = Database.from_url(f"sqlite:///{Path(tmp) / 'bench.db'}")
        upgrade(sqlite.engine)
        report("SQLite", *run(sqlite, args.orders), target=True)
        sqlite.dispose()
    schema = f"bench_{time.time_ns()}"
    admin = Database.from_url(args.pg)
    if not admin.ping():
        print("PostgreSQL  skipped (no server answered)")
        return
    with admin.engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        pg = Database.from_url(args.pg, connect_args={"options": f"-csearch_path={schema}"})
        upgrade(pg.engine)
        report("PostgreSQL", *run(pg, args.orders), target=False)
        pg.dispose()
    finally:
        with admin.engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
