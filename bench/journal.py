"""Benchmark: a 3-year tradebook of N trades uploaded, and its journal computed.

Quarterly Console XLSX files (made-up trades of 40 symbols, at least 27 a day) go through
the upload service into a fresh SQLite database; then the journal's pages are computed from
the database: FIFO P&L, the Tax P&L page of a year (its figures and the set-offs of every
year to it, as `GET /api/journal/tax` computes them), the Edge Finder and Patterns. The
reference is a plain pandas FIFO of the same trades (a loop over lots per symbol).

    .venv/bin/python bench/journal.py [--trades 20000 100000]
    /work/main/.venv/bin/python bench/journal.py ...   # another tree's code, this bench

Targets: upload ≤ 2 s (20,000 trades), each page ≤ 300 ms at 100,000 trades from any
process (issue 69). The upload request answers once its rows are stored; then, after the
answer, it recomputes the journal (`ledger.refresh`) and keeps the book in the database, so
pages after it read a kept book: warm, in this process (each page's second request), and
cold, in a fresh process (another API process, or after a restart: a child process, each
page its first request there); the last figure is a page with no book kept anywhere, which
replays the whole ledger. Each size ends with a table of the pages, cold and warm, each
timed `--repeat` times (best and median), beside the floor of a cold page: a fresh process
that only checks the kept book's version and reads its bytes (`ledger._kept_data`), what
any page from the database must do; and the load average, with a ``ROW`` line per page.
"""

from __future__ import annotations

import argparse
import inspect
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict, deque
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd  # type: ignore[import-untyped]
from sqlalchemy import delete
from sqlalchemy.orm import configure_mappers

from machine import host_line, load, row

sys.path.insert(0, str(Path(__file__).parents[1]))

from tests.statement_files import Fill, zerodha_xlsx  # noqa: E402

from tradertape.db.engine import Database  # noqa: E402
from tradertape.db.migrate import upgrade  # noqa: E402
from tradertape.db.models.journal import KeptBook  # noqa: E402
from tradertape.journal import analytics  # noqa: E402
from tradertape.ports.clock import IST, ManualClock  # noqa: E402
from tradertape.services.accounts.users import create_user  # noqa: E402
from tradertape.services.journal import expiries, ledger, returns, round_trips, uploads  # noqa: E402
from tradertape.services.journal.ledger import Reference  # noqa: E402

UPLOAD_TARGET_S = 2.0
PAGE_TARGET_S = 0.3
START = date(2022, 4, 1)
FLOOR = "floor (kept bytes read)"


def _fills(count: int) -> list[Fill]:
    rng = random.Random(7)
    symbols = [f"SYM{i:02d}" for i in range(40)]
    held: dict[str, int] = defaultdict(int)
    fills = []
    day = START
    per_day = max(27, count // 750 + 1)  # three years of trading days, whatever the count
    for n in range(count):
        if n % per_day == 0:
            day += timedelta(days=1 if day.weekday() < 4 else 3)
        symbol = rng.choice(symbols)
        sell = held[symbol] > 0 and rng.random() < 0.5
        quantity = rng.randint(1, held[symbol]) if sell else rng.randint(1, 50)
        held[symbol] += -quantity if sell else quantity
        price = f"{rng.uniform(100, 3000):.2f}"
        side = "sell" if sell else "buy"
        fills.append(Fill(symbol, day.isoformat(), side, quantity, price, f"T{n}", f"{10**18 + n}"))
    return fills


def _quarters(fills: list[Fill]) -> list[uploads.UploadedFile]:
    files: dict[tuple[int, int], list[Fill]] = defaultdict(list)
    for fill in fills:
        day = date.fromisoformat(fill.day)
        files[day.year, (day.month - 1) // 3].append(fill)
    return [
        uploads.UploadedFile(f"tradebook-ZX1234-EQ-q{year}{q}.xlsx", zerodha_xlsx(rows))
        for (year, q), rows in sorted(files.items())
    ]


def _pandas_fifo(fills: list[Fill]) -> float:
    frame = pd.DataFrame(
        {
            "symbol": [f.symbol for f in fills],
            "side": [f.side for f in fills],
            "qty": [f.quantity for f in fills],
            "price": [float(f.price) for f in fills],
        }
    )
    started = time.perf_counter()
    lots: dict[str, deque[list[float]]] = defaultdict(deque)
    realised = 0.0
    for symbol, side, qty, price in frame.itertuples(index=False):
        if side == "buy":
            lots[symbol].append([qty, price])
            continue
        left = qty
        while left:
            lot = lots[symbol][0]
            take = min(left, lot[0])
            realised += take * (price - lot[1])
            lot[0] -= take
            left -= take
            if not lot[0]:
                lots[symbol].popleft()
    return time.perf_counter() - started


def _timed(label: str, target: float, work: object) -> float:
    """Run `work`; print its wall and CPU time (this busy host's wall time is mostly waiting
    for a CPU, so a page is judged by its CPU); its CPU seconds."""
    started, cpu = time.perf_counter(), time.process_time()
    assert callable(work)
    work()
    took, spent = time.perf_counter() - started, time.process_time() - cpu
    print(  # noqa: T201
        f"{label:<32} {spent * 1000:8.1f} ms CPU {took * 1000:8.1f} ms wall"
        f"   (target {target * 1000:.0f} ms)"
    )
    return spent


def _income(db: Any, **asked: Any) -> None:
    """The Tax P&L page's work (`returns.year_income`), without the round trips' lines it
    does not show: on a tree before the kept tax years, as that tree's page did it."""
    if "lines" in inspect.signature(returns.year_income).parameters:
        returns.year_income(db, **asked, lines=False)
    else:  # an earlier tree's page (this bench run with its venv) computed the lines
        returns.year_income(db, **asked)


def _pnl(db: Any, **asked: Any) -> None:
    """The P&L page's work (`round_trips.pnl_page`: the totals, the first page of 50 round
    trips, newest close first, as the web app asks): on a tree before it, as that tree's
    page did it (every trip)."""
    page = getattr(round_trips, "pnl_page", None)
    if page is None:  # an earlier tree's page (this bench run with its venv) built the book
        ledger.book(db, **asked, keep=True)
        return
    from tradertape.journal.trip_table import TripQuery  # noqa: PLC0415 (this tree's only)

    query = TripQuery(sort="closed", desc=True, limit=50)
    page(db, **asked, group_id=None, members=None, marks=None, include_paper=False, query=query)


def _pages(database: Database, user_id: int, reference: Reference) -> dict[str, Any]:
    """Each journal page's work, as its route does it (without the HTTP around it)."""
    today = date(2025, 6, 2)

    def pnl() -> None:  # the P&L page: its totals and first page of round trips (the route's)
        with database.session() as db:
            _pnl(db, user_id=user_id, reference=reference, today=today)

    def tax() -> None:  # the Tax P&L page: the year and the set-offs of every year to it
        with database.session() as db:
            _income(db, user_id=user_id, reference=reference, fy="2023-24", today=today)

    def edge() -> None:
        with database.session() as db:
            trades = ledger.closes(db, user_id=user_id, reference=reference, today=today)
        analytics.edge_finder(trades)

    def patterns() -> None:
        with database.session() as db:
            trades = ledger.closes(db, user_id=user_id, reference=reference, today=today)
        analytics.patterns(trades)

    return {"P&L": pnl, "tax": tax, "edge finder": edge, "patterns": patterns}


def _floor(database: Database, user_id: int, reference: Reference) -> None:
    """What every cold page does before its own work: the book's version checked, its
    kept bytes read (not unpacked)."""
    today = date(2025, 6, 2)
    with database.session() as db:
        expiring = expiries.expiring(db, user_id=user_id, today=today, fo=reference.fo)
        stamp = ledger._stamp(db, user_id, reference, today, expiring)
        assert ledger._kept_data(db, user_id, stamp) is not None, "no book kept"


def _first_pages(folder: str, user_id: int) -> None:
    """Each page's first request in a process that has not seen the upload: a restarted
    server, ready (its startup configured SQLAlchemy's mappers, as `api.app.ready_routes`
    does), that has computed nothing; each page in a process of its own."""
    configure_mappers()
    database = Database.from_url(f"sqlite:///{Path(folder) / 'bench.db'}")
    reference = Reference.load(Path(folder))
    pages = {
        **_pages(database, user_id, reference),
        FLOOR: lambda: _floor(database, user_id, reference),
    }
    name = sys.argv[-1]
    took = _timed(f"{name} page, fresh process", PAGE_TARGET_S, pages[name])
    print(f"@{took}")  # noqa: T201
    database.dispose()


def _cold(folder: str, user_id: int, page: str) -> float:
    """A page's first request in a fresh process (printed there), its seconds."""
    fresh = subprocess.run(  # noqa: S603 (this script, run again)
        [sys.executable, __file__, "--first-pages", folder, str(user_id), "--page", page],
        check=True,
        capture_output=True,
        text=True,
    )
    shown, _, took = fresh.stdout.rpartition("@")
    print(shown, end="")  # noqa: T201
    return float(took)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trades", type=int, nargs="+", default=[20_000])
    parser.add_argument("--first-pages", nargs=2, metavar=("FOLDER", "USER_ID"))
    parser.add_argument("--page", default="P&L")
    parser.add_argument("--repeat", type=int, default=3, help="times each page is timed")
    args = parser.parse_args()
    if args.first_pages:
        sys.argv.append(args.page)
        _first_pages(args.first_pages[0], int(args.first_pages[1]))
        return
    print(host_line())  # noqa: T201
    for count in args.trades:
        run(count, args.repeat)
    print(host_line())  # noqa: T201


def _best_median(figures: list[float]) -> str:
    return f"{min(figures) * 1000:8.1f} {statistics.median(figures) * 1000:8.1f}"


def run(count: int, repeat: int) -> None:
    """Upload `count` trades, time each page warm and cold (`repeat` times each), print the
    table."""
    fills = _fills(count)
    files = _quarters(fills)
    clock = ManualClock(datetime(2025, 6, 2, 18, 0, tzinfo=IST))
    ledger.forget_kept()
    with tempfile.TemporaryDirectory() as folder:
        database = Database.from_url(f"sqlite:///{Path(folder) / 'bench.db'}")
        upgrade(database.engine)
        with database.session() as db:
            user_id = create_user(db, clock=clock, email="bench@x.in").id
            db.commit()
        reference = Reference.load(Path(folder))
        today = date(2025, 6, 2)

        def upload() -> None:
            added = 0
            for first in range(0, len(files), uploads.MAX_FILES):  # as a browser sends them
                with database.session() as db:
                    reports = uploads.import_statements(
                        db,
                        files[first : first + uploads.MAX_FILES],
                        kind="tradebook",
                        field_name="files[]",
                        user_id=user_id,
                        obfuscated=False,
                        clock=clock,
                    )
                added += sum(r.rows_added for r in reports)
            assert added == len(fills)

        def refresh() -> None:  # what the upload route does after answering (`ledger.refresh`)
            with database.session() as db:
                ledger.refresh(db, user_id=user_id, reference=reference, today=today)

        print(f"{len(fills)} trades in {len(files)} XLSX files")  # noqa: T201
        _timed("upload: parse + store", UPLOAD_TARGET_S, upload)
        _timed("journal kept, after answer", UPLOAD_TARGET_S, refresh)
        pages = _pages(database, user_id, reference)
        warm: dict[str, list[float]] = {}
        for name, work in pages.items():
            work()  # its first request here
            warm[name] = [_timed(f"{name} page, warm", PAGE_TARGET_S, work) for _ in range(repeat)]
        database.dispose()
        # a process that has not seen the upload (another API process, or after a restart):
        # its first pages read the book the upload kept in the database
        cold = {
            name: [_cold(folder, user_id, name) for _ in range(repeat)] for name in [*pages, FLOOR]
        }
        loaded = load()
        # the same page with no book kept anywhere: the FIFO replay of every trade
        ledger.forget_kept()
        database = Database.from_url(f"sqlite:///{Path(folder) / 'bench.db'}")
        with database.session() as db:
            db.execute(delete(KeptBook))
            db.commit()
        pnl = _pages(database, user_id, reference)["P&L"]
        replay = _timed("P&L page, nothing kept", PAGE_TARGET_S, pnl)
        reference_s = _pandas_fifo(fills)
        print(  # noqa: T201
            f"pandas FIFO reference        {reference_s * 1000:8.1f} ms   "
            f"(fresh-process P&L page / reference = {min(cold['P&L']) / reference_s:.1f}x, "
            f"nothing kept / reference = {replay / reference_s:.1f}x)"
        )
        database.dispose()
    floor = min(cold[FLOOR])
    print(  # noqa: T201
        f"{count:,} trades, ms CPU, best and median of {repeat}, load average {loaded:.1f} "
        f"(goal ≤ {PAGE_TARGET_S * 1000:.0f}; floor = a fresh process reads the kept bytes)"
    )
    print(f"  {'page':<18} {'cold best, median':>17} {'warm best, median':>17}  cold/floor")  # noqa: T201
    print(f"  {'floor':<18} {_best_median(cold[FLOOR])}")  # noqa: T201
    for name in pages:
        worst = max(min(cold[name]), min(warm[name]))
        verdict = "meets" if worst <= PAGE_TARGET_S else "misses"
        print(  # noqa: T201
            f"  {name:<18} {_best_median(cold[name])} {_best_median(warm[name])}"
            f"  {min(cold[name]) / floor:9.1f}×   {verdict}"
        )
    for name in pages:
        what = f"journal {name} page, cold, {count:,} trades"
        best = min(cold[name]) * 1000
        print(row(what, f"{best:.1f} ms CPU", f"{floor * 1000:.1f} ms", best / (floor * 1000)))  # noqa: T201


if __name__ == "__main__":
    main()
