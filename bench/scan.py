"""One daily scan of 50 model portfolios over the NIFTY 500 (target: 2 s in all).

The portfolios cycle through the five built-in models with varied guardrails, all on one
user's paper account in a SQLite database; each scan loads its universe with the indicator
warm-up, decides the close with the backtest kernel and writes its signals (auto-placed for
half of them, so placement is measured too). The scan is the server's: a `Runtime` wired as
`tradertape serve` wires it (the OMS behind its risk gate, the fills watcher, the job guard)
runs the trading loop's portfolio job (`PortfolioJobs.run_due`) after the day's close, its
batch sharing one `ScanMarket`: the universe read from disk (cold) once, an indicator several
strategies read computed once, a strategy's rules compiled once. Candles are synthetic
(seed 7), generated into ``$TMPDIR/tradertape-bench-scan`` the first time, then packed as
an import leaves them (`candles.day_pack`: the cold read is one file, not 500).

Beside the scan's CPU it prints the part spent placing (the auto-placed signals' orders, the
OMS's path) and a floor measured in the same run (best of three): the same numbers decided
with no database, by a fresh store and market (the cold read of the universe, its indicators
and compiled rules once per strategy, one kernel decision per portfolio); the ratio to the
floor is what compares across machines and loads.

With ``--instructions`` it counts the scan's instructions under callgrind instead
(`callgrind.counted` around `run_due` alone: set-up, deploys and the floor count nothing),
a figure that does not move with the host's load; ``--against REV`` counts REV's sources
too, in the same run (`against.sources`), for an A/B of a change on a busy host.

Measured 2026-12-01 (issue 69; a slow host, Python reference 7.5-14.7 ms against 4.4 on a
quiet one, load 1.2-1.8), 50 portfolios, in turn with the sources before the dropped
candidates were written from values shared per strategy and the portfolio's scan columns by
a precompiled UPDATE (``PYTHONPATH`` of that tree): 0.91 and 0.97 s of CPU against 1.17 and
1.08 s before (about -15 %; the goal is 0.3 s on a quiet host). A profile of the scan (its
shares only): the placement's virtual fills through the OMS 39 %, the portfolio's fill
watcher 9 %, the signals written 16 %, the universe's cold read 7 %.

    .venv/bin/python bench/scan.py [--portfolios 50] [--data-dir DIR]
        [--instructions [--against REV]]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

import callgrind
from against import ROOT, SOURCES, sources
from machine import host_line, row
from tradertape.backtest import kernel
from tradertape.backtest.engine import params_of, rules_of
from tradertape.backtest.warmup import warm_up
from tradertape.candles import CandleStore
from tradertape.candles.populate import synthesize
from tradertape.candles.synthetic import SyntheticMarket
from tradertape.db.engine import Database
from tradertape.db.migrate import upgrade
from tradertape.db.models import ModelPortfolio
from tradertape.domain.instruments_data import reference_catalog
from tradertape.ports.clock import IST, ManualClock
from tradertape.ports.mailer import LogTransport
from tradertape.runtime import Runtime
from tradertape.services.accounts.users import create_user
from tradertape.services.portfolios import signals as portfolio_signals
from tradertape.services.portfolios.deploy import PortfolioDeploy, deploy
from tradertape.services.portfolios.scanner import ScanMarket, document_of, settings_of
from tradertape.services.portfolios.schedule import PortfolioJobs
from tradertape.services.research import strategies
from tradertape.settings import Settings
from tradertape.strategies.dsl import BaseModelId

TARGET_S = 2.0
GOAL_S = 0.3  # issue 69: 50 portfolios × NIFTY 500, as the server runs it
HISTORY = (date(2023, 1, 1), date(2025, 6, 30))
SCAN_DAY = date(2025, 6, 30)


def main() -> None:
    """Generate the data if missing, deploy the portfolios, time one scan of all (or count
    its instructions)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_dir = Path(tempfile.gettempdir()) / "tradertape-bench-scan"
    parser.add_argument("--data-dir", type=Path, default=default_dir)
    parser.add_argument("--portfolios", type=int, default=50)
    parser.add_argument("--short", action="store_true", help="3 portfolios (CI)")
    parser.add_argument("--instructions", action="store_true", help="count under callgrind")
    parser.add_argument("--against", metavar="REV", help="with --instructions: REV's too")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.short:
        args.portfolios = 3
    if args.instructions and not args.child:
        instructions(args)
        return
    scan(args)


def instructions(args: argparse.Namespace) -> None:
    """The scan's instructions on this tree's sources (and on REV's), each a valgrind run
    of this script as `--child`."""
    child = ["--portfolios", str(args.portfolios), "--data-dir", str(args.data_dir)]
    scan(args, prepare_only=True)  # the data generated and packed outside valgrind
    trees = [("this tree", [str(ROOT / s) for s in SOURCES])]
    counts: list[tuple[str, dict[str, int]]] = []
    for name, paths in trees:
        counts.append((name, callgrind.collected(__file__, child, sources=paths)))
    if args.against:
        with sources(args.against) as old:
            counts.append((args.against, callgrind.collected(__file__, child, sources=old)))
    for name, lines in counts:
        print(
            f"{name}: scan of {args.portfolios} portfolios {lines['scan'] / 1e6:8.1f} M "
            f"instructions; floor (the decisions, no database) {lines['floor'] / 1e6:8.1f} M"
        )
    if len(counts) == 2:
        print(f"this tree ÷ {args.against}: {counts[0][1]['scan'] / counts[1][1]['scan']:.3f}")
    ours = counts[0][1]
    scanned, floor = ours["scan"], ours["floor"]
    figure, floor_text = f"{scanned / 1e6:.1f} M", f"{floor / 1e6:.1f} M"
    print(row("scan instructions", figure, floor_text, scanned / floor))


def scan(args: argparse.Namespace, *, prepare_only: bool = False) -> None:
    """Deploy the portfolios and run one scan: timed, or counted (``--child``)."""
    catalog = reference_catalog()
    store = CandleStore(args.data_dir / "candles", catalog=catalog)
    members = [i.key for i in catalog.universe("nifty_500")]
    report = synthesize(store, SyntheticMarket(catalog, store.calendar), members, *HISTORY)
    if report.written:
        print(f"generated {report.written} synthetic series into {args.data_dir}")
    store.pack_days()  # the import's last step (`day_pack`); a no-op when the pack is current
    if prepare_only:
        return
    warm_up()

    with tempfile.TemporaryDirectory() as folder:
        # The server's wiring (`Runtime`: the OMS with the risk gate, the fills watcher, the
        # job guard) over a data folder whose candles are the generated ones.
        data = Path(folder) / "data"
        data.mkdir()
        (data / "candles").symlink_to(args.data_dir.resolve() / "candles")
        settings = Settings(
            data_dir=data,
            secret_key="bench-" + "k" * 40,
            redis_url=None,
            feed="none",
            warm_kernels=False,
            _env_file=None,
        )
        database = Database.from_url(f"sqlite:///{folder}/bench.db")
        upgrade(database.engine)
        clock = ManualClock(datetime(2025, 6, 30, 16, 5, tzinfo=IST))  # after SCAN_DAY's close
        runtime = Runtime.build(settings, clock=clock, db=database, transport=LogTransport())
        store = runtime.candles
        models = list(BaseModelId)
        with database.session() as db:
            user_id = create_user(db, clock=clock, email="bench@x.in").id
            for k in range(args.portfolios):
                strategy = strategies.by_builtin_key(db, models[k % len(models)].value, clock=clock)
                assert strategy is not None
                request = PortfolioDeploy(
                    strategy_id=strategy.id,
                    universe="nifty_500",
                    starting_capital=Decimal(1_000_000 + 10_000 * k),
                    max_positions=5 + k % 15,
                    max_per_sector=None if k % 3 == 0 else 2 + k % 3,
                    auto_place_signals=k % 2 == 0,
                    paper_fill="close",
                )
                deploy(
                    db,
                    request,
                    store=store,
                    clock=clock,
                    user_id=user_id,
                    live_trading_enabled=False,
                )
        # The trading loop's job (`jobs.trading`): every due portfolio through the guard.
        jobs = PortfolioJobs(
            db=database.jobs,
            store=store,
            trading=runtime.portfolio_trading,
            clock=clock,
            guard=runtime.guard,
        )
        placing = [0.0]  # CPU inside the auto-placement run_day calls
        place = portfolio_signals.place

        def timed_place(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return place(*args, **kwargs)
            finally:
                placing[0] += time.process_time() - started

        if args.child:
            with callgrind.counted("scan"):
                reports = jobs.run_due()
            assert len(reports) == args.portfolios, reports
            with database.session() as db:
                portfolios = list(db.scalars(select(ModelPortfolio).order_by(ModelPortfolio.id)))
                fresh = CandleStore(args.data_dir / "candles", catalog=catalog)
                with callgrind.counted("floor"):
                    _floor(portfolios, fresh)
            database.dispose()
            return
        portfolio_signals.place = timed_place  # runs.run_day calls it there
        began, cpu = time.perf_counter(), time.process_time()
        reports = jobs.run_due()
        total, spent = time.perf_counter() - began, time.process_time() - cpu
        portfolio_signals.place = place
        assert len(reports) == args.portfolios, reports
        assert all(r.skipped is None and r.day == SCAN_DAY for r in reports), reports
        entries = sum(len(r.entries) for r in reports)
        with database.session() as db:
            portfolios = list(db.scalars(select(ModelPortfolio).order_by(ModelPortfolio.id)))
            # best of three, each from a fresh store (a cold read): its threads vary by 30 %
            floor, reading = min(
                _floor(portfolios, CandleStore(args.data_dir / "candles", catalog=catalog))
                for _ in range(3)
            )
        database.dispose()

    print(f"{args.portfolios} portfolios × nifty_500 ({len(members)} symbols), scan of {SCAN_DAY}")
    print(f"  total      {total:.2f} s  ({total / TARGET_S:.2f} × the {TARGET_S:.0f} s target)")
    print(f"  CPU        {spent:.2f} s  ({spent / GOAL_S:.1f} × issue 69's {GOAL_S} s goal)")
    print(f"  of which   placing {placing[0]:.2f} s, scanning {spent - placing[0]:.2f} s")
    print(f"  floor      {floor:.2f} s CPU (the decisions, no database; {spent / floor:.1f}×)")
    print(
        f"  of which   reading the universe's files {reading:.2f} s (cold: an import rewrites them)"
    )
    print(f"  signals    {entries} entries written")
    print(host_line())
    print(row("scan CPU", f"{spent:.2f} s", f"{floor:.2f} s", spent / floor))


def _floor(ids: list[ModelPortfolio], store: CandleStore) -> tuple[float, float]:
    """CPU of the scan's numbers alone: a fresh store and market, each portfolio decided by
    the kernel from an empty book, nothing read from or written to the database; and the
    part of it spent loading the panels (the universe's files read cold, once)."""
    started = time.process_time()
    market = ScanMarket(store)
    reading = 0.0
    for portfolio in ids:
        began = time.process_time()
        loaded = market.load(portfolio, [], None, SCAN_DAY)
        reading += time.process_time() - began
        assert loaded is not None
        document = document_of(portfolio)
        compiled, arrays = loaded.bind(document)
        book = loaded.new_book(float(portfolio.starting_capital))
        params = params_of(document, settings_of(portfolio))
        kernel.decide_day(arrays, rules_of(compiled), book, params, loaded.panel.shape[0] - 1)
    return time.process_time() - started, reading


if __name__ == "__main__":
    main()
