"""Panel load of NIFTY 100 × six years of daily bars (2020-01-01..2026-01-01), cold and warm.

Target: a warm load (every series cached, files unchanged) in at most 50 ms. "Cold" is a new
`CandleStore` over files the OS has probably cached: it measures our reading and decoding,
not the disk. The data is generated first (synthetic, seed 7) into a folder kept between
runs, ``$TMPDIR/tradertape-bench-candles`` unless ``--data-dir`` says otherwise.

    .venv/bin/python bench/candles_load.py [--data-dir DIR] [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from tradertape.candles import CandleStore
from tradertape.candles.populate import synthesize
from tradertape.candles.synthetic import SyntheticMarket
from tradertape.domain.instruments_data import reference_catalog

TARGET_MS = 50.0
START, END = date(2020, 1, 1), date(2026, 1, 1)
UNIVERSE = "nifty_100"


def main() -> None:
    """Generate the data if missing, then time one cold and ``--repeat`` warm loads."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_dir = Path(tempfile.gettempdir()) / "tradertape-bench-candles"
    parser.add_argument("--data-dir", type=Path, default=default_dir)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    catalog = reference_catalog()
    keys = [i.key for i in catalog.universe(UNIVERSE)]
    store = CandleStore(args.data_dir, catalog=catalog)
    market = SyntheticMarket(catalog, store.calendar)
    began = time.perf_counter()
    report = synthesize(store, market, keys, START, END)
    if report.written:
        took = time.perf_counter() - began
        print(f"generated {report.written} synthetic series into {args.data_dir} in {took:.1f} s")

    fresh = CandleStore(args.data_dir, catalog=catalog)  # empty cache
    began = time.perf_counter()
    panel = fresh.load_panel(keys, START, END)
    cold_ms = (time.perf_counter() - began) * 1000
    warm: list[float] = []
    for _ in range(args.repeat):
        began = time.perf_counter()
        fresh.load_panel(keys, START, END)
        warm.append((time.perf_counter() - began) * 1000)
    warm_ms = statistics.median(warm)

    days, symbols = panel.shape
    print(f"panel: {symbols} symbols × {days} trading days × 5 fields (float64), {START}..{END}")
    print(
        f"cold load: {cold_ms:8.1f} ms  ({cold_ms / TARGET_MS:.2f} × the {TARGET_MS:.0f} ms target)"
    )
    print(
        f"warm load: {warm_ms:8.1f} ms  ({warm_ms / TARGET_MS:.2f} × the {TARGET_MS:.0f} ms target;"
        f" median of {args.repeat}, best {min(warm):.1f} ms)"
    )


if __name__ == "__main__":
    main()
