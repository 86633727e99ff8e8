"""Benchmark: a batch of short statements on PostgreSQL, three ways, CPU and clock per batch.

Each batch is ``k - 1`` INSERTs of one row and a count read, the shape of an order's round
trips (writes that wait, then the read they go with), in one transaction on one connection,
committed every 50 batches, the three ways in turn (three rounds, medians):

- **one round trip each** (the floor of the old way): psycopg's cursor, one statement at a
  time, prepared by psycopg after its fifth use;
- **psycopg's pipeline**: `db.prepared` sending the batch through psycopg's cursors in its
  pipeline mode (what the order path did before `db.pg_batch`);
- **db.pg_batch**: the same statements written at once and read in one pass.

CPU is this process's (user + system) per batch, the figure the server's other load moves
least; the clock is the batch's latency on loopback. Ratios are against one round trip each.

Measured 2026-11-27 (2-core VM, half its time stolen by its host; Python reference
7.7-12.8 ms), ``--batches 600``, CPU per batch against a round trip each: k=1 1.24× (psycopg
through `db.prepared` 1.46×), k=4 0.43× (0.80×), k=8 0.24× (0.55×), k=12 0.19× (0.56×);
clock k=12 0.17× (0.33×). At twelve statements: 509 µs of CPU against psycopg's 1,479 µs.

    .venv/bin/python bench/pg_batch.py [--batches 1000] [--sizes 1 4 8 12] [--pg URL] [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from machine import host_line
from scratch_db import scratch_database

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
_SQL_PUT = "INSERT INTO bench_batch_rows (id, batch, note) VALUES (%s, %s, %s)"
_SQL_COUNT = "SELECT count(*) FROM bench_batch_rows WHERE batch = %s"
FLOOR = "one round trip each"
ROUNDS = 3


def _statements() -> tuple[Any, Any, Any]:
    from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, func, insert, select

    from tradertape.db.prepared import Prepared

    meta = MetaData()
    rows = Table(
        "bench_batch_rows",
        meta,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("batch", Integer, index=True),
        Column("note", String),
    )
    put = Prepared(insert(rows), keys=("id", "batch", "note"))
    count = Prepared(select(func.count()).select_from(rows).where(rows.c.batch == bindparam("b")))
    return meta, put, count


def _timed(
    batches: int, one: Callable[[int], None], commit: Callable[[], None]
) -> tuple[float, float]:
    """(CPU, clock) seconds per batch over `batches`, after a warm-up."""
    for n in range(20):
        one(-1 - n)
    commit()
    cpu, clock = time.process_time(), time.perf_counter()
    for n in range(batches):
        one(n)
        if n % 50 == 49:
            commit()
    commit()
    return (time.process_time() - cpu) / batches, (time.perf_counter() - clock) / batches


def measure(url: str, schema: str, batches: int, sizes: list[int]) -> None:
    from sqlalchemy import text

    from tradertape.db.engine import Database

    meta, put, count = _statements()
    options = {"options": f"-csearch_path={schema}"}
    batched = Database.from_url(url, connect_args=options)
    piped = Database.from_url(url, connect_args={**options, "prepare_threshold": 5})
    meta.create_all(batched.engine)
    ids = iter(range(10**9))
    try:
        for k in sizes:
            runs: dict[str, list[tuple[float, float]]] = {}
            for _ in range(ROUNDS):  # the three in turn: the machine's drift hits each alike
                for label, one, commit, done in _ways(piped, batched, put, count, ids, k):
                    try:
                        runs.setdefault(label, []).append(_timed(batches, one, commit))
                    finally:
                        done()
                    with batched.engine.begin() as connection:
                        connection.execute(text("TRUNCATE bench_batch_rows"))
            figures = {label: _median(values) for label, values in runs.items()}
            base_cpu, base_clock = figures[FLOOR]
            for label, (cpu, clock) in figures.items():
                print(
                    f"k={k:<3} {label:<22} CPU {cpu * 1e6:7.1f} µs/batch ({cpu / base_cpu:4.2f}×)  "
                    f"clock {clock * 1e6:7.1f} µs/batch ({clock / base_clock:4.2f}×)",
                    flush=True,
                )
    finally:
        batched.dispose()
        piped.dispose()


def _median(values: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(v[0] for v in values), statistics.median(v[1] for v in values)


def _ways(piped: Any, batched: Any, put: Any, count: Any, ids: Any, k: int) -> list[Any]:
    """(label, one batch, commit, release) of each way to send a batch of `k`."""
    pooled = piped.engine.raw_connection()
    raw: Any = pooled.driver_connection

    def floor(n: int) -> None:
        for _ in range(k - 1):
            raw.execute(_SQL_PUT, (next(ids), n, "x"))
        raw.execute(_SQL_COUNT, (n,)).fetchone()

    ways = [(FLOOR, floor, raw.commit, pooled.close)]
    for label, database in (("psycopg's pipeline", piped), ("db.pg_batch", batched)):
        db = database.sessions()

        def one(n: int, db: Any = db) -> None:
            for _ in range(k - 1):
                put.execute(db, {"id": next(ids), "batch": n, "note": "x"})
            count.scalar(db, {"b": n})

        ways.append((label, one, db.commit, db.close))
    return ways


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batches", type=int, default=1000, help="per way and round")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 4, 8, 12])
    parser.add_argument("--pg", default=PG)
    parser.add_argument("--quick", action="store_true", help="300 batches")
    args = parser.parse_args()
    from tradertape.db.engine import Database

    admin = Database.from_url(args.pg)
    reachable = admin.ping()
    admin.dispose()
    if not reachable:
        print("postgresql skipped (no server answered)")
        return
    print(host_line(), flush=True)
    with tempfile.TemporaryDirectory() as tmp, scratch_database(args.pg, Path(tmp)) as found:
        url, schema = found
        assert schema is not None
        measure(url, schema, 300 if args.quick else args.batches, args.sizes)
    print(host_line())


if __name__ == "__main__":
    main()
