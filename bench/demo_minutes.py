"""The demo's minute candles (issue 64): what giving every index the demo's history derives
its minutes adds to `tradertape demo`'s load, against the minutes it made before (the NIFTY
100 and the indices the NIFTY 100 derives) measured in the same run, in the same store.

The day candles they fold into are generated first (the NIFTY 500 and its indices over the
sessions the minutes need, synthetic, the demo's seed) into a throwaway folder; then the
minutes of the set before (the floor) are written, then those of the demo's set now, which
writes only what the floor lacks (a series already complete is left alone, as a second
`demo` leaves it). The figures: each step's wall time, the added share of the floor, and
the host line (CPUs, load).

    .venv/bin/python bench/demo_minutes.py [--sessions N]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from machine import host_line
from tradertape.candles import CandleStore
from tradertape.candles.populate import synthesize
from tradertape.candles.synthetic import DEFAULT_SEED, SyntheticMarket
from tradertape.candles.synthetic_indices import derivable
from tradertape.candles.synthetic_minutes import synthesize_minutes
from tradertape.demo import DEMO_PORTFOLIO_UNIVERSE, demo_symbols, minute_symbols
from tradertape.domain.instruments_data import reference_catalog

LAST = date(2026, 11, 19)  # the e2e server's last closed session


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=5)
    args = parser.parse_args()
    print(host_line())
    catalog = reference_catalog()
    with tempfile.TemporaryDirectory() as folder:
        store = CandleStore(Path(folder), catalog=catalog)
        market = SyntheticMarket(catalog, store.calendar, seed=DEFAULT_SEED)
        began = time.perf_counter()
        synthesize(store, market, list(demo_symbols(catalog)), LAST - timedelta(days=60), LAST)
        print(f"day candles (NIFTY 500 and indices, 60 days): {time.perf_counter() - began:.2f} s")
        sessions = list(store.calendar.trading_days(LAST - timedelta(days=21), LAST))
        sessions = sessions[-args.sessions :]
        stocks = sorted({i.key for i in catalog.universe(DEMO_PORTFOLIO_UNIVERSE)})
        before = (*stocks, *derivable(stocks, catalog))
        now = minute_symbols(catalog)

        began = time.perf_counter()
        floor = synthesize_minutes(store, before, sessions, seed=DEFAULT_SEED)
        floor_s = time.perf_counter() - began
        began = time.perf_counter()
        added = synthesize_minutes(store, now, sessions, seed=DEFAULT_SEED)
        added_s = time.perf_counter() - began
    print(
        f"minutes before (floor): {len(before)} series, {floor.written} written in {floor_s:.2f} s"
    )
    print(
        f"minutes now: {len(now)} series, {added.written} more written in {added_s:.2f} s "
        f"({added.complete} already complete)"
    )
    print(f"added to the demo's minute load: {added_s / floor_s:.1%} of the floor")


if __name__ == "__main__":
    main()
