"""Alerts that do not fire, per tick: N alerts spread over the NIFTY 500 (100 a user, the
cap; each at its own level), every symbol ticking once, judged four ways in one run on this
thread's CPU clock:

- before: the judging as it was until issue 66 — the alerts listed, then for each alert ×
  symbol a database session, the row read, its condition parsed, the symbol's candles made
  into indicators (`rules.holds_now`); timed on the first `--before` alerts (it is slow);
- per-alert: the judging of issue 66's watcher alone (each symbol's candles made into one
  indicator book, each alert's parsed condition evaluated on its symbol's book): the
  arithmetic the watcher did per alert until issue 69, without its guard or queues;
- after: the alert watcher's pass (`AlertWatcher.work`): the armed book in memory, one
  indicator book of every symbol that ticked (settled minutes kept as floats), the alerts
  of one shape judged in one vectorised step, no database read per alert;
- floor: the vectorised arithmetic alone — the candles already floats, one indicator book
  over them, one `last_truths` per shape for all its alerts, nothing else.

It prints each per alert per tick (µs), after/floor, before/after and per-alert/after, the
share of one core that N alerts on symbols ticking once a second take (issue 69's goal,
judged with ``--alerts 10000``: 10,000 alerts on the NIFTY 500 within 25 % of a core), and
the host line (load average). Each user's CPU share per pass is lifted (`--share`), so one
pass judges everything; `--fair` then times one pass with a user at their cap (100 alerts
on a 500-symbol list) beside the others at the default share.

    .venv/bin/python bench/alerts.py [--alerts 2000] [--minutes 60] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select

from machine import host_line, row
from tradertape.db.engine import Database
from tradertape.db.migrate import upgrade
from tradertape.db.models import Alert, Watchlist
from tradertape.indicators import IndicatorBook, warm_up
from tradertape.jobs.trading import alert_watcher
from tradertape.ports.clock import IST, Clock, ManualClock
from tradertape.runtime import Runtime
from tradertape.services.accounts.users import create_user
from tradertape.services.alerts.rules import (
    book_of,
    compiled,
    holds_now,
    holds_on,
    parse_condition,
)
from tradertape.services.alerts.watcher import USER_SHARE
from tradertape.settings import Settings
from tradertape.strategies.compile import last_truths
from tradertape.testkit import make_tick

GOAL_CORE = 0.25  # of one core, for 10,000 alerts at one tick a second (issue 69)
START = datetime(2026, 11, 20, 9, 15, tzinfo=IST)
CLOSE = {"type": "indicator", "name": "close"}


def condition(n: int) -> dict[str, Any]:
    """Alert n's condition: one of three shapes, at a level of its own; none fires on the
    bench's gentle walk."""
    level = {"type": "literal", "value": 9e6 - n}
    match n % 3:
        case 0:
            return {"type": "compare", "left": CLOSE, "op": ">", "right": level}
        case 1:
            return {
                "type": "crosses_below",
                "left": {"type": "indicator", "name": "rsi14"},
                "right": {"type": "literal", "value": 1 + n % 5 / 10},
            }
    return {"type": "crosses_above", "left": CLOSE, "right": level}


def alert(
    n: int,
    user_id: int,
    clock: Clock,
    *,
    symbol: str | None = None,
    watchlist_id: int | None = None,
) -> Alert:
    """Alert n of the bench, on a symbol or a watchlist."""
    return Alert(
        user_id=user_id,
        name=f"a{n}",
        symbol=symbol,
        watchlist_id=watchlist_id,
        timeframe="minute",
        condition=condition(n),
        repeat="every",
        cooldown_secs=300,
        status="active",
        created_at=clock.now(),
        updated_at=clock.now(),
    )


def cpu(work: Callable[[], object], repeat: int) -> float:
    """The median of `repeat` runs of `work`, in seconds of this thread's CPU."""
    runs = []
    for _ in range(repeat):
        start = time.thread_time()
        work()
        runs.append(time.thread_time() - start)
    return statistics.median(runs)


def main() -> None:
    """Arm the alerts, tick the market for `--minutes`, then time one batch four ways."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=2000)
    parser.add_argument("--minutes", type=int, default=60, help="of live candles first")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--before", type=int, default=500, help="alerts the old way is timed on")
    parser.add_argument("--share", type=float, default=1e9, help="each user's CPU s a pass")
    parser.add_argument("--fair", action="store_true", help="also time a user at their cap")
    args = parser.parse_args()
    print(host_line())
    warm_up()
    with tempfile.TemporaryDirectory() as folder:
        run(Path(folder), args)
    print(host_line())


def armed_market(folder: Path, args: argparse.Namespace) -> tuple[Runtime, list[str]]:
    """A runtime on a scratch SQLite file with the alerts stored and `--minutes` of live
    minute candles per NIFTY 500 symbol (a gentle walk)."""
    clock = ManualClock(START)
    database = Database.from_url(f"sqlite:///{folder}/bench.db")
    upgrade(database.engine)
    settings = Settings(
        env="test",
        data_dir=folder / "data",
        secret_key="b" * 48,
        redis_url=None,
        feed="none",
        warm_kernels=False,
        _env_file=None,
    )
    runtime = Runtime.build(settings, clock=clock, db=database)
    keys = [i.key for i in runtime.catalog.universe("nifty_500")]
    with database.session() as db:
        users = [
            create_user(db, clock=clock, email=f"u{u}@x.in").id
            for u in range((args.alerts + 99) // 100)
        ]
        db.add_all(
            alert(n, users[n // 100], clock, symbol=keys[n % len(keys)]) for n in range(args.alerts)
        )
        db.commit()
    for minute in range(args.minutes):
        for i, key in enumerate(keys):
            price = Decimal(1000 + i) + Decimal(minute % 7) / 4
            runtime.candle_book.update(make_tick(key, price, ts=clock.now()))
        clock.advance(timedelta(minutes=1))
    return runtime, keys


def run(folder: Path, args: argparse.Namespace) -> None:
    """Time one batch of every symbol four ways and print the figures."""
    runtime, keys = armed_market(folder, args)
    database = runtime.db
    watcher = alert_watcher(runtime, share=args.share)
    watcher.on_prices(keys)
    watcher.work()  # the armed book read, the stored minutes seeded: not per tick
    gc.collect()
    gc.freeze()  # long-lived objects out of the collector, as the server settles them
    with database.session() as db:
        stored = [(str(s), raw) for s, raw in db.execute(select(Alert.symbol, Alert.condition))]
    listed = [(i + 1, s) for i, (s, _) in enumerate(stored)]  # ids in insertion order
    sample = listed[: args.before]

    def before() -> None:
        with database.session() as db:  # the listing (its query, as the old watcher ran it)
            db.execute(select(Alert).where(Alert.status == "active")).all()
        minutes = {s: watcher.minutes(s) for _, s in sample}
        for alert_id, symbol in sample:
            with database.session() as db:
                alert = db.get(Alert, alert_id)
                assert alert is not None
                if holds_now(parse_condition(alert.condition), minutes[symbol]):
                    raise AssertionError("the bench's alerts do not fire")
                db.commit()

    def after() -> None:
        watcher.on_prices(keys)
        if watcher.work():
            raise AssertionError("the bench's alerts do not fire")

    parsed = [(symbol, parse_condition(raw)) for symbol, raw in stored]

    def per_alert() -> None:
        books = {key: book_of(watcher.minutes(key)) for key in {s for s, _ in parsed}}
        for symbol, rule in parsed:
            holds_on(rule, books[symbol])

    floor = vector_floor(watcher, keys, parsed)

    figures = {
        n: cpu(w, args.repeat)
        for n, w in (("floor", floor), ("after", after), ("per-alert", per_alert))
    }
    figures["before"] = cpu(before, 1) * args.alerts / max(1, len(sample))
    report(args.alerts, figures)
    if args.fair:
        fair(runtime, keys, args)


def vector_floor(
    watcher: Any, keys: list[str], parsed: list[tuple[str, Any]]
) -> Callable[[], None]:
    """The vectorised judging's arithmetic alone, as a callable to time."""
    fields = floats(watcher, keys)
    column = {key: j for j, key in enumerate(keys)}
    shapes: dict[object, list[tuple[str, Any]]] = {}
    for symbol, rule in parsed:
        made = compiled(rule)
        shapes.setdefault(made.shape, []).append((symbol, made))

    def floor() -> None:
        book = IndicatorBook(*fields)
        for group in shapes.values():
            first = group[0][1].condition
            levels = np.array([m.levels for _, m in group]).reshape(
                len(group), len(group[0][1].nodes)
            )
            by_node = {id(n): levels[:, j] for j, n in enumerate(group[0][1].nodes)}
            columns = np.array([column[s] for s, _ in group], dtype=np.intp)
            holds, _ = last_truths(first, book, columns, by_node)
            if holds.any():
                raise AssertionError("the bench's alerts do not fire")

    return floor


def floats(watcher: Any, keys: list[str]) -> list[np.ndarray[Any, Any]]:
    """The symbols' minute candles as (days, symbols) float arrays, right-aligned."""
    rows = [
        np.array(
            [
                [float(c.open), float(c.high), float(c.low), float(c.close), c.volume]
                for c in watcher.minutes(k)
            ]
        )
        for k in keys
    ]
    days = max(len(r) for r in rows)
    grid = np.full((5, days, len(keys)), np.nan)
    for j, r in enumerate(rows):
        grid[:, days - len(r) :, j] = r.T
    return [np.asfortranarray(grid[f]) for f in range(5)]


def fair(runtime: Runtime, keys: list[str], args: argparse.Namespace) -> None:
    """One pass with one more user at their cap (100 alerts on a list of every symbol:
    50,000 judgements) beside the others, each at the default share."""
    clock = runtime.clock
    with runtime.db.session() as db:
        busy = create_user(db, clock=clock, email="busy@x.in").id
        listed = Watchlist(
            user_id=busy, name="All", items=keys, created_at=clock.now(), updated_at=clock.now()
        )
        db.add(listed)
        db.flush()
        db.add_all(alert(n, busy, clock, watchlist_id=listed.id) for n in range(100))
        db.commit()
    watcher = alert_watcher(runtime, share=USER_SHARE)
    watcher.on_prices(keys)
    watcher.work()  # the book read
    while watcher.backlog:
        watcher.work()
    watcher.on_prices(keys)
    start = time.thread_time()
    watcher.work()
    took = time.thread_time() - start
    others = sorted(watcher.waiting - {busy})
    print(
        f"fair: a pass with a user at their cap (50,000 judgements) beside {args.alerts:,} "
        f"others: {took * 1000:.1f} ms of CPU; the busy user's judgements left for the next "
        f"pass: {watcher.backlog:,} (other users waiting: {len(others)})"
    )


def report(n: int, figures: dict[str, float]) -> None:
    """Print each way's cost per alert, the ratios and the share of a core."""
    for name in ("before", "per-alert", "after", "floor"):
        print(
            f"{name:>9}: {figures[name] * 1e6 / n:8.2f} µs per alert per tick "
            f"({figures[name] * 1000:.1f} ms for {n} alerts)"
        )
    print(
        f"after/floor {figures['after'] / figures['floor']:.2f}×, "
        f"before/after {figures['before'] / figures['after']:.1f}×, "
        f"per-alert/after {figures['per-alert'] / figures['after']:.1f}×"
    )
    core = figures["after"]  # CPU seconds per second at one tick a second
    line = f"{n:,} alerts at 1 tick/s: {core:.1%} of a core"
    if n >= 10_000:  # the goal's size (fewer alerts share each symbol's indicators less)
        verdict = "meets" if core / n * 10_000 <= GOAL_CORE else "misses"
        line += f" (10,000 within {GOAL_CORE:.0%}: {verdict})"
    print(line)
    floor = figures["floor"]
    what = f"{n:,} alerts at 1 tick/s, share of a core"
    print(row(what, f"{core:.1%}", f"{floor:.1%}", core / floor))


if __name__ == "__main__":
    main()
