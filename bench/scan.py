"""One daily scan of 50 model portfolios over the NIFTY 500 (target: 2 s in all).

The portfolios cycle through the five built-in models with varied guardrails, all on one
user's paper account in a SQLite database; each scan loads its universe with the indicator
warm-up, decides the close with the backtest kernel and writes its signals (auto-placed for
half of them, so placement is measured too). As in the scheduler's after-close run, the
scans of one batch share a `ScanMarket`: the universe is read from disk (cold) once, and an
indicator several strategies read is computed once. Candles are synthetic (seed 7), generated into
``$TMPDIR/tradertape-bench-scan`` the first time.

Beside the scan's CPU it prints the part spent placing (the auto-placed signals' orders, the
OMS's path) and a floor measured in the same run: the same numbers decided with no database,
by a fresh store and market (the cold read of the universe, its indicators and compiled rules
once per strategy, one kernel decision per portfolio); the ratio to the floor is what compares
across machines and loads.

    .venv/bin/python bench/scan.py [--portfolios 50] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from machine import host_line, row
from tradertape.backtest import kernel
from tradertape.backtest.engine import params_of, rules_of
from tradertape.backtest.warmup import warm_up
from tradertape.candles import CandleStore
from tradertape.candles.populate import synthesize
from tradertape.candles.synthetic import SyntheticMarket
from tradertape.db.engine import Database
from tradertape.db.migrate import upgrade
from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.instruments_data import reference_catalog
from tradertape.oms import OrderEvents, portfolio_locks
from tradertape.oms.orders import OrderPipeline
from tradertape.oms.paper.exchange import PaperExchange
from tradertape.oms.paper.gtt import GttBook
from tradertape.ports.clock import IST, ManualClock
from tradertape.services.accounts.users import create_user
from tradertape.services.portfolios import runs as portfolio_runs
from tradertape.services.portfolios.deploy import PortfolioDeploy, deploy
from tradertape.services.portfolios.fills import PortfolioFills
from tradertape.services.portfolios.runs import run_day
from tradertape.services.portfolios.scanner import ScanMarket, document_of, settings_of
from tradertape.services.portfolios.signals import PortfolioTrading
from tradertape.services.research import strategies
from tradertape.strategies.dsl import BaseModelId

TARGET_S = 2.0
GOAL_S = 0.3  # issue 69: 50 portfolios × NIFTY 500, as the server runs it
HISTORY = (date(2023, 1, 1), date(2025, 6, 30))
SCAN_DAY = date(2025, 6, 30)


def main() -> None:
    """Generate the data if missing, deploy the portfolios, time one scan of all."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_dir = Path(tempfile.gettempdir()) / "tradertape-bench-scan"
    parser.add_argument("--data-dir", type=Path, default=default_dir)
    parser.add_argument("--portfolios", type=int, default=50)
    parser.add_argument("--short", action="store_true", help="3 portfolios (CI)")
    args = parser.parse_args()
    if args.short:
        args.portfolios = 3

    catalog = reference_catalog()
    store = CandleStore(args.data_dir / "candles", catalog=catalog)
    members = [i.key for i in catalog.universe("nifty_500")]
    report = synthesize(store, SyntheticMarket(catalog, store.calendar), members, *HISTORY)
    if report.written:
        print(f"generated {report.written} synthetic series into {args.data_dir}")
    warm_up()

    with tempfile.TemporaryDirectory() as folder:
        database = Database.from_url(f"sqlite:///{folder}/bench.db")
        upgrade(database.engine)
        clock = ManualClock(datetime(2025, 6, 30, 16, 5, tzinfo=IST))  # after SCAN_DAY's close
        # A portfolio's virtual fills are booked from the OMS's events, as `Runtime` wires it.
        events = OrderEvents()
        events.watch(PortfolioFills(clock=clock, notices=clock), owners=portfolio_locks)
        events.attach(database)
        calendar = nse_calendar()
        exchange = PaperExchange(clock=clock, calendar=calendar, catalog=catalog)
        gtts = GttBook(clock=clock, calendar=calendar, exchange=exchange)
        orders = OrderPipeline(exchange=exchange, gtts=gtts, quotes=exchange.last_tick)
        trading = PortfolioTrading(orders=orders, exchange=exchange, clock=clock)
        models = list(BaseModelId)
        with database.session() as db:
            user_id = create_user(db, clock=clock, email="bench@x.in").id
            ids = []
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
                ids.append(
                    deploy(
                        db,
                        request,
                        store=store,
                        clock=clock,
                        user_id=user_id,
                        live_trading_enabled=False,
                    )
                )
            per: list[float] = []
            entries = 0
            placing = [0.0]  # CPU inside the auto-placement the real run_day calls
            place = portfolio_runs.signals.place

            def timed_place(*args: Any, **kwargs: Any) -> Any:
                started = time.process_time()
                try:
                    return place(*args, **kwargs)
                finally:
                    placing[0] += time.process_time() - started

            portfolio_runs.signals.place = timed_place  # type: ignore[assignment]
            began, cpu = time.perf_counter(), time.process_time()
            market = ScanMarket(store)
            for portfolio in ids:
                one = time.perf_counter()
                result = run_day(
                    db, portfolio, store=store, trading=trading, day=SCAN_DAY, market=market
                )
                per.append((time.perf_counter() - one) * 1000)
                entries += len(result.entries)
            total, spent = time.perf_counter() - began, time.process_time() - cpu
            portfolio_runs.signals.place = place  # type: ignore[assignment]
            floor = _floor(db, ids, CandleStore(args.data_dir / "candles", catalog=catalog))
        database.dispose()

    print(f"{args.portfolios} portfolios × nifty_500 ({len(members)} symbols), scan of {SCAN_DAY}")
    print(f"  total      {total:.2f} s  ({total / TARGET_S:.2f} × the {TARGET_S:.0f} s target)")
    print(f"  CPU        {spent:.2f} s  ({spent / GOAL_S:.1f} × issue 69's {GOAL_S} s goal)")
    print(f"  of which   placing {placing[0]:.2f} s, scanning {spent - placing[0]:.2f} s")
    print(f"  floor      {floor:.2f} s CPU (the decisions, no database; {spent / floor:.1f}×)")
    print(f"  per scan   median {statistics.median(per):.1f} ms, max {max(per):.1f} ms")
    print(f"  signals    {entries} entries written")
    print(host_line())
    print(row("scan CPU", f"{spent:.2f} s", f"{floor:.2f} s", spent / floor))


def _floor(db: Any, ids: list[Any], store: CandleStore) -> float:
    """CPU of the scan's numbers alone: a fresh store and market, each portfolio decided by
    the kernel from an empty book, nothing read from or written to the database."""
    started = time.process_time()
    market = ScanMarket(store)
    for portfolio in ids:
        loaded = market.load(portfolio, [], None, SCAN_DAY)
        assert loaded is not None
        document = document_of(portfolio)
        compiled, arrays = loaded.bind(document)
        book = loaded.new_book(float(portfolio.starting_capital))
        params = params_of(document, settings_of(portfolio))
        kernel.decide_day(arrays, rules_of(compiled), book, params, loaded.panel.shape[0] - 1)
    return time.process_time() - started


if __name__ == "__main__":
    main()
