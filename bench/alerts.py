"""Alerts that do not fire, per tick: N alerts spread over the NIFTY 500 (100 a user, the
cap), every symbol ticking once, judged three ways in one run on this thread's CPU clock:

- before: the judging as it was until issue 66 — the alerts listed, then for each alert ×
  symbol a database session, the row read, its condition parsed, the symbol's candles made
  into indicators (`rules.holds_now`);
- after: the alert watcher's pass (`AlertWatcher.work`): the armed book in memory, each
  symbol's indicators built once and shared, no database read per alert;
- floor: the judging's arithmetic alone — each symbol's indicators built once and each
  alert's parsed condition evaluated on them, nothing else.

It prints each per alert per tick (µs), after/floor and before/after, and the share of one
core that N alerts on symbols ticking once a second take (issue 69's goal, judged with
``--alerts 10000``: 10,000 alerts on the NIFTY 500 within 25 % of a core). Each user's CPU
share per pass is lifted (`--share`), so one pass judges everything.

    .venv/bin/python bench/alerts.py [--alerts 2000] [--minutes 60] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from machine import host_line
from tradertape.db.engine import Database
from tradertape.db.migrate import upgrade
from tradertape.db.models import Alert
from tradertape.indicators import warm_up
from tradertape.jobs.trading import alert_watcher
from tradertape.ports.clock import IST, ManualClock
from tradertape.runtime import Runtime
from tradertape.services.accounts.users import create_user
from tradertape.services.alerts.rules import book_of, holds_now, holds_on, parse_condition
from tradertape.settings import Settings
from tradertape.testkit import make_tick

GOAL_CORE = 0.25  # of one core, for 10,000 alerts at one tick a second (issue 69)
START = datetime(2026, 11, 20, 9, 15, tzinfo=IST)
CLOSE = {"type": "indicator", "name": "close"}
CONDITIONS = [  # none fires on the bench's gentle walk
    {"type": "compare", "left": CLOSE, "op": ">", "right": {"type": "literal", "value": 9e6}},
    {
        "type": "crosses_below",
        "left": {"type": "indicator", "name": "rsi14"},
        "right": {"type": "literal", "value": 1},
    },
    {
        "type": "crosses_above",
        "left": CLOSE,
        "right": {"type": "literal", "value": 9e6},
    },
]


def cpu(work: Callable[[], object], repeat: int) -> float:
    """The median of `repeat` runs of `work`, in seconds of this thread's CPU."""
    runs = []
    for _ in range(repeat):
        start = time.thread_time()
        work()
        runs.append(time.thread_time() - start)
    return statistics.median(runs)


def main() -> None:
    """Arm the alerts, tick the market for `--minutes`, then time one batch three ways."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=2000)
    parser.add_argument("--minutes", type=int, default=60, help="of live candles first")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--share", type=float, default=1e9, help="each user's CPU s a pass")
    args = parser.parse_args()
    print(host_line())
    warm_up()
    with tempfile.TemporaryDirectory() as folder:
        run(Path(folder), args)


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
            Alert(
                user_id=users[n // 100],
                name=f"a{n}",
                symbol=keys[n % len(keys)],
                timeframe="minute",
                condition=CONDITIONS[n % len(CONDITIONS)],
                repeat="every",
                cooldown_secs=300,
                status="active",
                created_at=clock.now(),
                updated_at=clock.now(),
            )
            for n in range(args.alerts)
        )
        db.commit()
    for minute in range(args.minutes):
        for i, key in enumerate(keys):
            price = Decimal(1000 + i) + Decimal(minute % 7) / 4
            runtime.candle_book.update(make_tick(key, price, ts=clock.now()))
        clock.advance(timedelta(minutes=1))
    return runtime, keys


def run(folder: Path, args: argparse.Namespace) -> None:
    """Time one batch of every symbol three ways and print the figures."""
    runtime, keys = armed_market(folder, args)
    database = runtime.db
    watcher = alert_watcher(runtime, share=args.share)
    watcher.on_prices(keys)
    watcher.work()  # the armed book read, the stored minutes seeded: not per tick
    with database.session() as db:
        stored = [(str(s), raw) for s, raw in db.execute(select(Alert.symbol, Alert.condition))]
    listed = [(i + 1, s) for i, (s, _) in enumerate(stored)]  # ids in insertion order

    def before() -> None:
        with database.session() as db:  # the listing (its query, as the old watcher ran it)
            db.execute(select(Alert).where(Alert.status == "active")).all()
        minutes = {s: watcher.minutes(s) for _, s in listed}
        for alert_id, symbol in listed:
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

    def floor() -> None:
        books = {key: book_of(watcher.minutes(key)) for key in {s for s, _ in parsed}}
        for symbol, condition in parsed:
            holds_on(condition, books[symbol])

    report(
        args.alerts,
        {
            n: cpu(w, args.repeat)
            for n, w in (("floor", floor), ("after", after), ("before", before))
        },
    )


def report(n: int, figures: dict[str, float]) -> None:
    """Print each way's cost per alert, the ratios and the share of a core."""
    for name in ("before", "after", "floor"):
        print(
            f"{name:>6}: {figures[name] * 1e6 / n:8.1f} µs per alert per tick "
            f"({figures[name] * 1000:.1f} ms for {n} alerts)"
        )
    print(
        f"after/floor {figures['after'] / figures['floor']:.2f}×, "
        f"before/after {figures['before'] / figures['after']:.1f}×"
    )
    core = figures["after"]  # CPU seconds per second at one tick a second
    line = f"{n:,} alerts at 1 tick/s: {core:.0%} of a core"
    if n >= 10_000:  # the goal's size (fewer alerts share each symbol's indicators less)
        verdict = "meets" if core / n * 10_000 <= GOAL_CORE else "misses"
        line += f" (10,000 within {GOAL_CORE:.0%}: {verdict})"
    print(line)


if __name__ == "__main__":
    main()
