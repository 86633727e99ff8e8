"""Benchmark: paper MARKET orders through the one order pipeline, beside the raw floor.

For each backend (a SQLite file; PostgreSQL when one answers), in the same run:

- **floor**: the rows one filled order writes (the order, its two history rows, the trade,
  two cash entries, the contract note, the balance and the position), plus the read of
  the books, written by the bare driver (sqlite3 / psycopg) with precompiled SQL, one
  transaction and one commit per order, on the same database and settings (WAL and
  ``synchronous=NORMAL`` on SQLite). No Python work beyond the calls: what the database
  and the driver cost, the limit a placement can approach.
- **pipeline**: `runtime.orders.submit` of a runtime wired as `serve` wires it
  (`Runtime.build`): the pre-trade risk gate (each user has an enabled daily-loss rule,
  so every order is measured on its book), SEBI's per-client order-rate ceiling (raised
  to 1,000 a second, on a clock that moves a millisecond per order), the idempotency key,
  the funds check, the match against the last tick and the booking, one transaction each.
  Orders come from ``--users`` users in turn, buys and sells alternating, intraday; every
  one must end COMPLETE, and each account's balance must equal the sum of its entries.

Prints orders/s, p50/p99 latency, statements per order, CPU time per order (this process's,
all threads: the figure least moved by other load on the machine) of the floor and of the
pipeline, and the ratio to the floor and to the target (5,000/s on SQLite, 700/s on
PostgreSQL), with the host line. ``--against REV`` runs the same in turn on REV's sources
(`against.py`), ``--rounds`` times each, and prints both best runs side by side (issue 51:
at most 0.5 ms of CPU per paper order).

Measured 2026-11-27 (2-core VM, Python reference 4.7 ms, ``--orders 3000``, two runs; the
machine's speed moved by half within minutes, so compare ratios to the floor): PostgreSQL,
12 statements in 4 round trips per order, 1 thread 193-203/s (0.54-0.61× floor), 4 threads
283-295/s (0.34-0.38× floor), CPU 3.1-3.5 ms per order; SQLite 1 thread 505-622/s (0.20×
floor), CPU 1.5-1.9 ms per order. Python function calls per order (cProfile, one thread,
deterministic): PostgreSQL 3,817, SQLite 2,713.

Later that day, with `db.pg_batch` (a slower hour: Python reference 7.2-13.8 ms; two pairs
against the commit before it, taken in turn; the PostgreSQL floor now lets psycopg prepare
its statements, as before): PostgreSQL 4 threads 244-257/s against 169-183/s, CPU 3.4-3.5
against 5.1-5.4 ms per order (0.48-0.64× floor against 0.38-0.43×); 1 thread 123-126/s
against 96-149/s, CPU 4.3-4.5 against 4.7-6.4 ms. Python calls per order on PostgreSQL 2,896.

Measured 2026-11-27, a quieter machine (Python reference 4.1-4.4 ms, ``--orders 4000``, in
turn with the commit before this change, `f9aaf8c`): PostgreSQL 4 threads 663-774/s, median
737/s over five runs (0.52-0.63× floor; 647-763/s, median 735/s, before), CPU 1.20-1.41 ms
per order; one thread 425-432/s against 407-413/s, CPU 1.39-1.41 against 1.45-1.47 ms.
SQLite one thread 806-812/s (786-814/s before), CPU 1.14 ms per order, 0.14× a floor of
5,400-6,000/s. Python calls per order (cProfile): SQLite 2,727 → 2,372, PostgreSQL 3,005 →
2,841 (the catalog's exact-key lookup, a cached read of a stored decimal, one comprehension
for a statement's parameters).

Measured 2026-11-28 (issue 51; a crowded host: load average 10-11, Python reference
4.5-12.2 ms), ``--orders 2000 --against 60c59f6 --rounds 3``, best of three each: SQLite
1.27 ms of CPU per order against 1.37 ms before (0.93×; the floor 0.14 ms), PostgreSQL 1.77
against 1.80 ms (floor 0.59 ms); 2.5× and 3.5× the 0.5 ms target. Python calls per order
(cProfile, SQLite) 2,528 → 2,382. Where a SQLite order's CPU goes (thread CPU of each step,
quieter hour, ~1.2 ms in all): the commit ~200 µs (SQLite's own ~100), the key's claim with
its rate slot ~165, the risk gate's rules and book ~155, the ledger lock and read ~130, the
fill (match, charges, booking) ~130, the ledger's five writes ~125, funds ~50, history and
events ~57, the key's pre-check and catalog stamp ~60, validation ~35. None dominates: the
target needs fewer layers, not a faster one (see issue 51).

The audit trail (issue 54): ``--audit-cost`` runs the pipeline again without its watcher.
Measured 2026-11-28 (2-core VM shared with other runs, load 9, Python reference 8.5 ms,
``--orders 1500 --no-pg``): SQLite one thread 265/s with the trail against 299/s without,
p50 1.44 against 1.28 ms, CPU 1.51 against 1.33 ms per order (+0.18 ms: a read of the
user's last entry and one insert per event batch, 15.1 against 13.1 statements per order).

Measured 2026-11-29 (issue 51, item 6; a host whose speed moved tenfold within the run:
load average 4-18, Python reference 4.4-44 ms), this tree's three commits against
`151e2e8`: CPU per order in turn (``--orders 600``, four rounds each) only showed the host,
SQLite best 2.54 against 2.28 ms, PostgreSQL 2.48 against 3.85 ms, every run's range
overlapping the other's. What does not move with the host: callgrind, ``PYTHONHASHSEED=0``,
warm-up then 200 SQLite orders in one process, 12.287 against 12.394 G instructions
(6.60 M an order before, so 0.41-0.53 M fewer an order, 6-8 %); Python calls per order
(cProfile) SQLite 2,675 → 2,499, PostgreSQL 3,478 → 3,450. Against the 1.27 ms last
measured on SQLite that is about 1.2 ms: still 2.4× the 0.5 ms target. A quieter
quarter-hour later (load 1.3-1.5, Python reference 4.6 ms), ``--orders 1000``, three rounds
each in turn: SQLite best 1.46 ms of CPU per order against 1.54 (ranges 1.46-1.86 and
1.54-1.65; the floor 0.19-0.24 ms), PostgreSQL 2.17 against 2.23 ms (2.17-3.03 and
2.23-2.58; the floor 0.80-1.07 ms).

Measured 2026-11-29 (issue 51, item 6; a host at load 8-15, Python reference 6.6-37 ms
within the run, so CPU per order moved with the host, not the code: ``--orders 800
--against 798a05fc --rounds 3``, SQLite best 2.41 against 2.09 ms, ranges 2.41-2.62 and
2.09-2.64; PostgreSQL 2.93 against 3.00 ms, 2.93-3.81 and 3.00-3.49). What the host does
not move, instructions per order (`order_instructions.py`, callgrind around 100 orders):
SQLite 6.358 M before, 6.228 M after (the OMS's bus messages made on the relay's loop, not
in the committing thread, and not at all with no relay running, as here); PostgreSQL 7.254
M before, 7.117 M with that, 7.356 M once the audit trail's lock and last-entry read ride
behind the claim (one round trip fewer an order, 5.4 to 4.4: its saving is the kernel's
and the wait's, not counted there). About 1.4 ms of CPU an order on a quiet host: the 0.5
ms target still needs fewer layers (issue 51).

Measured 2026-11-29 (issue 51's last items: one admission sequence, owner locks, every
portfolio fill by its event; a host at load 3.5-4.1, Python reference 4.2-8.6 ms),
``--orders 1500 --against 2d4defcd --rounds 2``, best of two each: SQLite 1.44 ms of CPU per
order against 1.46 (ranges 1.44-1.50 and 1.46-1.50; the driver's floor 0.19 ms), PostgreSQL
2.01 against 1.93 ms (2.01-2.20 and 1.93-1.98; the floor 0.65 ms). Instructions per order
(`order_instructions.py`): SQLite 6.443 M against 6.418 M, PostgreSQL 7.532 M against 7.498
M (+0.4-0.5 %: the owner-lock hook and three more event watchers). What SQLite itself costs a
pipeline order, by thread CPU inside its calls (the line under the pipeline's): 0.40-0.43 ms
(its statements 0.22-0.24, its commit 0.18-0.19, about 30 pages of WAL an order: the orders
and trades tables' indexes, the audit trail, the rate window). So the 0.5 ms target would
leave under 0.1 ms for every line of Python an order runs (validation, the risk gate, the
charges, the hash-chained audit entry, the events): out of reach in this design on SQLite,
and on PostgreSQL the driver's floor alone (0.65 ms here, 0.80-1.07 ms before) is above it.

On PostgreSQL running on this host, each line is followed by the server's CPU per order
(every ``postgres`` process's, from /proc, around the line's orders) and two ceilings: one
process's orders come at most one per client CPU time (the GIL: its Python runs on one
core at a time), and the host's cores, shared by the client and the server, fit at most
cores ÷ (client + server CPU per order).

Measured 2026-12-02 (issue 69; load 1.8, Python reference 15.0 ms: a slow hour), ``--orders
1500 --threads 1 4``: PostgreSQL with 4 threads 134 orders/s against the driver's 331/s
(0.41×; issue 69 asks 0.8×): client CPU 6.47 ms and server CPU 3.53 ms an order against the
floor's 2.05 and 2.49, so one process's ceiling is 155/s (0.47× the floor) and two cores'
200/s (0.60×). 0.8× (265/s) needs a client CPU under 3.8 ms an order here (-42 %, the GIL's
ceiling, which no process reaches whole) with the server's as it is. A first try at that
layer (mypyc, 2026-12-02): the ledger, positions, book totals, order log, charges, charge
day and margins modules compiled measured 4.77 and 4.94 ms an order against 4.86 and 4.53
uncompiled (SQLite, in turn): no gain, the code being calls into SQLAlchemy, Decimal and
dicts; `db.types` would not compile at all (its SQLAlchemy type classes), and `oms.funds`
met a typing lie at run time (an unsaved order's ``id`` is None where it is typed int).

    .venv/bin/python bench/paper_orders.py [--orders 10000] [--users 8] [--threads 1]
        [--pg URL | --no-pg] [--against HEAD~1 [--rounds 3]] [--audit-cost]
"""

from __future__ import annotations

import argparse
import inspect
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import event

import tradertape.oms
from against import compare, emit, without
from machine import host_line, row, server_cpu
from scratch_db import open_scratch, scratch_database

TARGETS = {"sqlite": 5_000, "postgresql": 700}


def submitter(pipeline: Any) -> Any:
    """``submit(db, **fields)`` on the door: one `SubmitOrder` on this tree's, keywords on
    an older commit's (``--against``), chosen once, outside the timed orders."""
    command = getattr(tradertape.oms, "SubmitOrder", None)
    if command is not None and "order" in inspect.signature(pipeline.submit).parameters:
        return lambda db, **fields: pipeline.submit(db, command(**fields))
    return pipeline.submit


TARGET_CPU_MS = 0.5  # CPU per paper order (issue 51)
SYMBOLS = ("INFY", "TCS", "RELIANCE", "HDFCBANK", "ICICIBANK", "SBIN", "ITC", "LT")
SESSION = datetime.fromisoformat("2026-11-20T10:00:00+05:30")  # a Friday's session
TS = "2026-11-20 04:30:00.000000"  # the same instant as stored (UTC)


@dataclass(frozen=True)
class Figures:
    """One measured line."""

    orders: int
    elapsed: float
    latencies: list[float]
    statements: float  # per order
    cpu: float | None = None  # this process's CPU time per order, seconds (the pipeline's)
    server: float | None = None  # a local PostgreSQL's CPU time per order, seconds

    @property
    def rate(self) -> float:
        return self.orders / self.elapsed


# --- the raw floor -------------------------------------------------------------------------


def _floor_sql(paramstyle: str) -> dict[str, str]:
    mark = "?" if paramstyle == "qmark" else "%s"
    sql = {
        "books": "SELECT a.id, a.cash, d.id, d.brokerage, d.exchange_txn, d.ipft, d.sebi, "
        "d.stamp, d.stt_raw, d.dp_isins, d.total FROM paper_accounts a LEFT JOIN charge_days d "
        "ON d.user_id = a.user_id AND d.broker = a.broker AND d.trade_date = ? "
        "WHERE a.user_id = ? AND a.broker = 'paper'",
        "positions": "SELECT id, quantity, buy_quantity, buy_value, sell_quantity, sell_value "
        "FROM paper_positions WHERE user_id = ? AND broker = 'paper' AND (quantity != 0 OR "
        "(exchange = ? AND tradingsymbol = ? AND product = ?))",
        "order": "INSERT INTO orders (order_id, broker, client_key, exchange, tradingsymbol, "
        "instrument_token, transaction_type, product, order_type, variety, validity, quantity, "
        "status, filled_quantity, average_price, filled_value, triggered, source, book, "
        "attribution, placed_at, updated_at, user_id) VALUES (?, 'paper', ?, 'NSE', ?, 408065, "
        "?, 'MIS', 'MARKET', 'regular', 'DAY', 1, 'COMPLETE', 1, ?, ?, ?, 'api', 'manual', "
        "'{}', ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
        "events": "INSERT INTO order_events (order_pk, kind, status_after, ts_event, ts_init, "
        "fill_quantity, fill_price, message) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
        "trade": "INSERT INTO trades (trade_id, order_pk, broker, exchange, tradingsymbol, "
        "instrument_token, product, transaction_type, quantity, price, filled_at, trade_date, "
        "charges, book, user_id) VALUES (?, ?, 'paper', 'NSE', ?, 408065, 'MIS', ?, 1, ?, ?, "
        "'2026-11-20', ?, 'manual', ?) ON CONFLICT DO NOTHING RETURNING id",
        "cash": "INSERT INTO cash_entries (broker, at, kind, amount, trade_pk, book, user_id) "
        "VALUES ('paper', ?, ?, ?, ?, 'manual', ?)",
        "day": "UPDATE charge_days SET brokerage = ?, exchange_txn = ?, ipft = ?, sebi = ?, "
        "stamp = ?, stt_raw = ?, dp_isins = ?, total = ? WHERE id = ?",
        "account": "UPDATE paper_accounts SET cash = ? WHERE id = ?",
        "new_day": "INSERT INTO charge_days (broker, trade_date, brokerage, exchange_txn, ipft, "
        "sebi, stamp, stt_raw, dp_isins, total, user_id) VALUES ('paper', '2026-11-20', 0, 0, "
        "0, 0, 0, '{}', '[]', 0, ?) RETURNING id",
        "new_position": "INSERT INTO paper_positions (broker, exchange, tradingsymbol, product, "
        "quantity, buy_quantity, buy_value, sell_quantity, sell_value, user_id) VALUES "
        "('paper', 'NSE', ?, 'MIS', 0, 0, 0, 0, 0, ?) RETURNING id",
        "position": "UPDATE paper_positions SET quantity = ?, buy_quantity = ?, buy_value = ?, "
        "sell_quantity = ?, sell_value = ? WHERE id = ?",
    }
    return {name: text.replace("?", mark) for name, text in sql.items()}


def floor(database: Any, orders: int, users: list[int], *, threads: int = 1) -> Figures:
    """The same rows as the pipeline's orders, written by the bare driver (in `threads`
    threads at once, each on its own connection with its share of the users)."""
    start = threading.Barrier(threads)
    results: list[tuple[float, float, list[float]]] = []

    def work(worker: int) -> None:
        dialect = database.engine.dialect
        raw = database.engine.raw_connection()
        pg = dialect.name == "postgresql"
        try:
            if pg:  # the driver at its best: psycopg prepares what it runs often
                raw.driver_connection.prepare_threshold = 5
            mine = users[worker::threads]
            count = len(range(worker, orders, threads))
            results.append(_floor(raw.driver_connection, dialect, count, mine, start))
        finally:
            if pg:  # psycopg's prepared statements must not meet `db.pg_batch`'s
                raw.invalidate()
            raw.close()

    pool = [threading.Thread(target=work, args=(w,)) for w in range(threads)]
    cpu = time.process_time()  # the set-up's share too: a few rows a user
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    cpu = time.process_time() - cpu
    latencies = [x for _, _, part in results for x in part]
    elapsed = max(r[1] for r in results) - min(r[0] for r in results)
    return Figures(len(latencies), elapsed, latencies, 11, cpu / len(latencies))


def _floor(
    connection: Any, dialect: Any, orders: int, users: list[int], start: threading.Barrier
) -> tuple[float, float, list[float]]:
    pg = dialect.name == "postgresql"
    sql = _floor_sql(dialect.paramstyle)
    cursor = connection.cursor()
    if pg:
        connection.autocommit = False
    else:
        connection.isolation_level = None  # our own BEGIN IMMEDIATE, as `db.locks` takes it

    def begin() -> None:
        if not pg:
            cursor.execute("BEGIN IMMEDIATE")

    def one(name: str, params: tuple[Any, ...]) -> Any:
        cursor.execute(sql[name], params)
        return cursor.fetchone()

    money = (lambda v: Decimal(v)) if pg else str  # noqa: E731 - as each driver is given money
    ids: dict[int, tuple[int, int, dict[str, int]]] = {}
    begin()
    for user in users:
        account = one("books", ("2026-11-20", user))  # the user's funded account
        day = one("new_day", (user,))[0]
        positions = {symbol: one("new_position", (symbol, user))[0] for symbol in SYMBOLS}
        ids[user] = (account[0], day, positions)
    connection.commit()
    stamp = f"{time.time_ns() % 10**15}u{users[0]}n"  # unique across threads
    latencies = []
    start.wait()
    started = time.perf_counter()
    for n in range(orders):
        t0 = time.perf_counter()
        user = users[n % len(users)]
        account, day, positions = ids[user]
        symbol = SYMBOLS[(n // len(users)) % len(SYMBOLS)]
        side = "BUY" if (n // (len(users) * len(SYMBOLS))) % 2 == 0 else "SELL"
        price = money("1000")
        begin()
        one("books", ("2026-11-20", user))
        cursor.execute(sql["positions"], (user, "NSE", symbol, "MIS"))
        cursor.fetchall()
        order_row: tuple[Any, ...] = (f"F{stamp}{n}", f"f-{n}", symbol, side, price, price)
        order = one("order", (*order_row, False, TS, TS, user))[0]
        events = [
            (order, "accepted", "OPEN", TS, TS, 0, None),
            (order, "filled", "COMPLETE", TS, TS, 1, price),
        ]
        cursor.executemany(sql["events"], events)
        trade_row = (f"T{stamp}{n}", order, symbol, side, price, TS, money("0.05"), user)
        trade = one("trade", trade_row)[0]
        entries = [
            (TS, side.lower(), money("-1000"), trade, user),
            (TS, "charges", money("-0.05"), trade, user),
        ]
        cursor.executemany(sql["cash"], entries)
        note = (money("1"),) * 5 + ('{"a": "1"}', "[]", money("1"), day)
        cursor.execute(sql["day"], note)
        cursor.execute(sql["account"], (money(str(n)), account))
        held = (n, n, money(str(n)), 0, money("0"), positions[symbol])
        cursor.execute(sql["position"], held)
        connection.commit()
        latencies.append(time.perf_counter() - t0)
    return started, time.perf_counter(), latencies


# --- the pipeline --------------------------------------------------------------------------


@contextmanager
def _counting(engine: Any) -> Iterator[list[int]]:
    count = [0]

    def statement(*_: Any) -> None:
        count[0] += 1

    event.listen(engine, "before_cursor_execute", statement)
    try:
        yield count
    finally:
        event.remove(engine, "before_cursor_execute", statement)


def build(database: Any, tmp: Path) -> Any:
    """A runtime wired as `serve` wires it, on a manual clock inside a session."""
    from tradertape.ports.clock import ManualClock
    from tradertape.runtime import Runtime
    from tradertape.settings import Settings

    settings = Settings(
        data_dir=tmp,
        secret_key="b" * 48,
        feed="none",
        redis_url=None,
        warm_kernels=False,
        order_rate_per_sec=1000,  # SEBI's 10/s per client would measure the ceiling, not us
        _env_file=None,
    )
    return Runtime.build(settings, clock=ManualClock(SESSION), db=database)


def make_users(runtime: Any, count: int, *, rules: bool) -> list[int]:
    """Funded users, each (with `rules`) with an enabled daily-loss rule."""
    from tradertape.domain.risk import RuleType
    from tradertape.services.accounts.users import create_user
    from tradertape.services.risk import rules as risk_rules

    users = []
    with runtime.db.session() as db:
        for n in range(count):
            user = create_user(db, clock=runtime.clock, email=f"bench-{time.time_ns()}-{n}@x.in")
            runtime.exchange.deposit(db, user_id=user.id, amount=Decimal(10) ** 12)
            if rules:
                fields = risk_rules.RuleFields(
                    type=RuleType.DAILY_LOSS_LIMIT, threshold_amount=Decimal(10) ** 9
                )
                risk_rules.create(db, fields, clock=runtime.clock, user_id=user.id)
            users.append(user.id)
        db.commit()
    return users


def pipeline(
    runtime: Any,
    orders: int,
    users: list[int],
    *,
    threads: int = 1,
    label: str = "p",
    counted: bool = False,
) -> Figures:
    """`runtime.orders.submit` for `orders` MARKET orders (the users' in turn). Statements
    are `counted` only when asked: the counter is a cursor event listener, which the server
    does not have, and SQLAlchemy's dispatch of it would be timed with the orders (its
    statements are 0 otherwise)."""
    from tradertape.domain.instruments import Exchange
    from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
    from tradertape.testkit import make_tick

    clock = runtime.clock
    ticks = {
        s: make_tick(
            f"NSE:{s}", Decimal(1000 + 100 * i), ts=clock.now(), volume=10**7, last_quantity=10**6
        )
        for i, s in enumerate(SYMBOLS)
    }
    specs = {
        (s, side): OrderSpec(
            exchange=Exchange.NSE,
            tradingsymbol=s,
            transaction_type=side,
            quantity=1,
            product=Product.MIS,
            order_type=OrderType.MARKET,
        )
        for s in SYMBOLS
        for side in TransactionType
    }
    step = timedelta(milliseconds=1)
    lock = threading.Lock()
    latencies: list[list[float]] = [[] for _ in range(threads)]
    failures: list[str] = []

    submit = submitter(runtime.orders)

    def work(worker: int) -> None:
        mine = users[worker::threads]
        with runtime.db.session() as db:
            for n in range(worker, orders, threads):
                user = mine[(n // threads) % len(mine)]
                symbol = SYMBOLS[(n // len(users)) % len(SYMBOLS)]
                buy = (n // (len(users) * len(SYMBOLS))) % 2 == 0
                side = TransactionType.BUY if buy else TransactionType.SELL
                with lock:
                    clock.advance(step)
                t0 = time.perf_counter()
                placed = submit(
                    db,
                    user_id=user,
                    spec=specs[(symbol, side)],
                    last=ticks[symbol],
                    client_key=f"{label}-{n:08d}",
                )
                latencies[worker].append(time.perf_counter() - t0)
                order = placed.order
                if order.status != "COMPLETE":
                    failures.append(f"order {n}: {order.status} {order.status_message}")
                    return

    with _counting(runtime.db.engine) if counted else nullcontext([0]) as count:
        cpu = time.process_time()
        started = time.perf_counter()
        if threads == 1:
            work(0)
        else:
            pool = [threading.Thread(target=work, args=(w,)) for w in range(threads)]
            for thread in pool:
                thread.start()
            for thread in pool:
                thread.join()
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu
    if failures:
        raise SystemExit(failures[0])
    flat = [x for part in latencies for x in part]
    return Figures(len(flat), elapsed, flat, count[0] / len(flat), cpu / len(flat))


def check_books(runtime: Any, users: list[int]) -> None:
    """Each account's balance is the sum of its cash entries (nothing booked twice)."""
    from tradertape.oms.positions import cash_balance, cash_entries_total

    with runtime.db.session() as db:
        for user in users:
            kept = cash_balance(db, user_id=user, broker="paper")
            summed = cash_entries_total(db, user_id=user, broker="paper")
            if kept != summed:
                raise SystemExit(f"user {user}: balance {kept} but entries sum to {summed}")


# --- report --------------------------------------------------------------------------------


def line(label: str, figures: Figures, *, floor_rate: float | None, target: int | None) -> str:
    cuts = statistics.quantiles(figures.latencies, n=100)
    text = (
        f"{label:<32} {figures.orders:>6} orders {figures.rate:8.0f}/s  "
        f"p50 {cuts[49] * 1000:6.2f} ms  p99 {cuts[98] * 1000:6.2f} ms"
    )
    if figures.statements:  # not counted: no counter timed with the orders (`pipeline`)
        text += f"  {figures.statements:4.1f} stmt/order"
    if figures.cpu is not None:
        text += f"  CPU {figures.cpu * 1000:4.2f} ms/order"
    if floor_rate is not None:
        text += f"  {figures.rate / floor_rate:5.2f}× floor"
    if target is not None:
        text += f"  {figures.rate / target:5.2f}× target {target}/s"
    return text


@contextmanager
def _sqlite_own_work() -> Iterator[list[float]]:
    """Thread CPU spent inside SQLite's own calls (each statement's execute and each
    commit, the driver's C code and SQLite's), summed: [statements, commit] in seconds."""
    from tradertape.db import sqlite as queued

    spent = [0.0, 0.0]
    cursor, connection = queued._QueuedCursor, queued.QueuedConnection  # noqa: SLF001
    execute, many, commit = cursor.execute, cursor.executemany, connection.commit

    def timed(call: Any, slot: int) -> Any:
        def wrapper(*args: Any) -> Any:
            started = time.thread_time()
            try:
                return call(*args)
            finally:
                spent[slot] += time.thread_time() - started

        return wrapper

    cursor.execute, cursor.executemany = timed(execute, 0), timed(many, 0)  # type: ignore[method-assign]
    connection.commit = timed(commit, 1)  # type: ignore[method-assign]
    try:
        yield spent
    finally:
        cursor.execute, cursor.executemany = execute, many  # type: ignore[method-assign]
        connection.commit = commit  # type: ignore[method-assign]


def sqlite_share(runtime: Any, orders: int, users: list[int]) -> str:
    """What SQLite itself costs a pipeline order (its statements and its commit, by thread
    CPU in one thread): a floor no Python above it can go under, beside issue 51's 0.5 ms."""
    with _sqlite_own_work() as spent:
        figures = pipeline(runtime, orders, users, label="own")
    statements, commit = (part / figures.orders * 1000 for part in spent)
    cpu = (figures.cpu or 0.0) * 1000
    return (
        f"{'  of which SQLite itself':<32} {figures.orders:>6} orders  "
        f"{statements + commit:4.2f} ms/order (statements {statements:4.2f}, "
        f"commit {commit:4.2f}; the pipeline's CPU in that run {cpu:4.2f} ms)"
    )


def without_audit(runtime: Any) -> None:
    """Stop appending to the audit trail (`--audit-cost`: what its watcher costs an order).
    A bench reaches into the hub's list: the server never drops a watcher."""
    from tradertape.services.audit.trail import AuditTrail

    watchers = runtime.events._watchers  # noqa: SLF001 - measuring, not serving
    watchers[:] = [w for w in watchers if not isinstance(w, AuditTrail)]


def measure(url: str | None, args: argparse.Namespace) -> None:
    """Floor, then the pipeline, on one fresh database."""
    with tempfile.TemporaryDirectory() as tmp, scratch_database(url, Path(tmp)) as found:
        database = open_scratch(*found)
        try:
            backend = database.engine.dialect.name
            runtime = build(database, Path(tmp))
            users = make_users(runtime, args.users, rules=True)
            warm = make_users(runtime, args.users, rules=True)
            # the warm-up counts the statements, so the timed runs have no counter
            warmed = pipeline(runtime, min(500, args.orders), warm, label="warm", counted=True)
            pg = backend == "postgresql"
            for threads in args.threads:
                floor_users = make_users(runtime, args.users, rules=False)
                before = server_cpu() if pg else None
                base = floor(database, args.orders, floor_users, threads=threads)
                base = replace(base, server=_server_share(before, base.orders))
                label = f"{backend} floor (driver), {threads} thread{'s' if threads > 1 else ''}"
                print(line(label, base, floor_rate=None, target=None))
                before = server_cpu() if pg else None
                figures = pipeline(
                    runtime, args.orders, users, threads=threads, label=f"t{threads}"
                )
                server = _server_share(before, figures.orders)
                figures = replace(figures, statements=warmed.statements, server=server)
                check_books(runtime, users)
                label = f"{backend} pipeline, {threads} thread{'s' if threads > 1 else ''}"
                text = line(label, figures, floor_rate=base.rate, target=TARGETS[backend])
                print(text, flush=True)
                cpu, floor_cpu = (figures.cpu or 0.0) * 1000, (base.cpu or 0.0) * 1000
                print(row(label, f"{cpu:.3f} ms CPU", f"{floor_cpu:.3f} ms", cpu / floor_cpu))
                if figures.server is not None and base.server is not None:
                    print(ceilings(figures, base), flush=True)
                if threads > 1:  # writers side by side: the rate against the driver's
                    print(
                        row(
                            f"{label}, throughput (higher is better)",
                            f"{figures.rate:.0f} orders/s",
                            f"{base.rate:.0f}/s",
                            figures.rate / base.rate,
                        )
                    )
                if args.emit:
                    emit(_record(label, base, figures))
                users = make_users(runtime, args.users, rules=True)
                if backend == "sqlite" and threads == 1:
                    print(sqlite_share(runtime, min(args.orders, 1000), users), flush=True)
                    users = make_users(runtime, args.users, rules=True)
                if args.audit_cost:  # the same again without the audit trail's watcher
                    without_audit(runtime)
                    figures = pipeline(
                        runtime, args.orders, users, threads=threads, label=f"n{threads}"
                    )
                    text = line(
                        f"{label}, no audit trail",
                        figures,
                        floor_rate=base.rate,
                        target=TARGETS[backend],
                    )
                    print(text, flush=True)
                    users = make_users(runtime, args.users, rules=True)
        finally:
            database.dispose()


def _server_share(before: float | None, orders: int) -> float | None:
    """The local database server's CPU per order since `before` (`machine.server_cpu`)."""
    after = server_cpu() if before is not None else None
    return None if before is None or after is None else (after - before) / orders


def ceilings(figures: Figures, base: Figures) -> str:
    """What bounds the pipeline's rate on this host, beside the driver's: the server's CPU
    per order, and two ceilings. One process's Python runs on one core at a time (the
    GIL), so its orders come at most one per client CPU time; the host's cores are shared
    by the client and a local server, so they fit at most cores ÷ (client + server)."""
    client, server = figures.cpu or 0.0, figures.server or 0.0
    floor_client, floor_server = base.cpu or 0.0, base.server or 0.0
    gil = 1 / client if client else float("inf")
    cores = (os.cpu_count() or 1) / (client + server) if client + server else float("inf")
    return (
        f"  of which the server     postgres CPU {server * 1000:4.2f} ms/order (floor "
        f"{floor_server * 1000:4.2f}, client {floor_client * 1000:4.2f}); ceilings: one "
        f"process's Python {gil:.0f}/s ({gil / base.rate:.2f}× floor), "
        f"{os.cpu_count()} cores {cores:.0f}/s ({cores / base.rate:.2f}×)"
    )


def _record(label: str, base: Figures, figures: Figures) -> dict[str, Any]:
    cuts = statistics.quantiles(figures.latencies, n=100)
    return {
        "line": label,
        "rate": figures.rate,
        "floor": base.rate,
        "cpu_ms": (figures.cpu or 0.0) * 1000,
        "floor_cpu_ms": (base.cpu or 0.0) * 1000,
        "p50_ms": cuts[49] * 1000,
        "stmt": figures.statements,
    }


def _show(r: dict[str, Any]) -> str:
    return (
        f"CPU {r['cpu_ms']:4.2f} ms/order (floor {r['floor_cpu_ms']:4.2f})  {r['rate']:6.0f}/s  "
        f"floor {r['floor']:6.0f}/s  "
        f"{r['rate'] / r['floor']:5.2f}× floor  p50 {r['p50_ms']:5.2f} ms  {r['stmt']:4.1f} stmt"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--threads", type=int, nargs="+", default=[1])
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument(
        "--against", metavar="REV", help="also run on REV's sources, in turn (bench/against.py)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="with --against: runs of each")
    parser.add_argument("--emit", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--audit-cost", action="store_true", help="also run without the audit trail's watcher"
    )
    args = parser.parse_args()
    if args.against:
        compare(
            __file__,
            [*without(sys.argv[1:], "--against", "--rounds"), "--emit"],
            rev=args.against,
            rounds=args.rounds,
            best=lambda r: r["cpu_ms"],
            target=TARGET_CPU_MS,  # issue 51
            show=_show,
        )
        return
    print(host_line(), flush=True)
    measure(None, args)
    if not args.no_pg:
        from tradertape.db.engine import Database

        admin = Database.from_url(args.pg)
        reachable = admin.ping()
        admin.dispose()
        if reachable:
            measure(args.pg, args)
        else:
            print("postgresql skipped (no server answered)")
    print(host_line())


if __name__ == "__main__":
    main()
