"""Import N synthetic bhavcopies (``--days`` files × ``--symbols`` equities) into an empty store.

The files are generated first into a temporary folder (random walks, a few non-equity rows
per file, every fourth file zipped, files before 2024-07-08 in the old layout and later ones in
UDiFF, as NSE published them), with a 1:5 split and a 1:1 bonus to adjust. Only the import is
timed: parsing every file, grouping by symbol, and writing each series (and its unadjusted copy)
once. A year is about 250 days × 2,500 symbols.

    .venv/bin/python bench/bhavcopy_import.py [--days 250] [--symbols 2000]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import zipfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from machine import host_line
from tradertape.candles import CandleStore
from tradertape.candles.bhavcopy import BhavFormat, BhavRow, file_name, render
from tradertape.candles.bhavcopy_import import import_bhavcopies
from tradertape.candles.corporate_actions import ActionKind, CorporateAction
from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.instruments_data import reference_catalog

UDIFF_FROM = date(2024, 7, 8)


def _symbols(count: int) -> list[str]:
    return [f"SYM{n:05d}" for n in range(count)]


def generate(folder: Path, days: Sequence[date], symbols: list[str], seed: int = 7) -> list[Path]:
    """Write one bhavcopy per day; returns the paths in date order."""
    rng = random.Random(seed)
    price = {s: rng.uniform(20, 3000) for s in symbols}
    paths = []
    for n, day in enumerate(days):
        rows = []
        for j, symbol in enumerate(symbols):
            close = max(1.0, price[symbol] * (1 + rng.gauss(0, 0.02)))
            price[symbol] = close
            o = round(close * (1 + rng.gauss(0, 0.005)), 2)
            c = round(close, 2)
            h = round(max(o, c) * (1 + abs(rng.gauss(0, 0.005))), 2)
            lo = round(min(o, c) * (1 - abs(rng.gauss(0, 0.005))), 2)
            volume = rng.randint(1, 10**6)
            rows.append(BhavRow(symbol, f"INE{j:06d}01011", "EQ", o, h, lo, c, volume, 0))
        rows += [
            BhavRow(f"BOND{k}", f"IN00{k:08d}", "N1", 100.0, 100.0, 100.0, 100.0, 10, 0)
            for k in range(20)
        ]
        kind = BhavFormat.UDIFF if day >= UDIFF_FROM else BhavFormat.LEGACY
        name = file_name(kind, day)
        text = render(kind, day, rows)
        if n % 4 == 3:
            path = folder / f"{name}.zip"
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.writestr(name, text)
        else:
            path = folder / name
            path.write_text(text)
        paths.append(path)
    return paths


def main() -> None:
    """Generate the files, then time one import into a fresh store."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=250)
    parser.add_argument("--symbols", type=int, default=2000)
    args = parser.parse_args()

    calendar = nse_calendar()
    days = calendar.trading_days(date(2024, 1, 1), date(2026, 12, 31))[: args.days]
    symbols = _symbols(args.symbols)
    middle = days[len(days) // 2]
    actions = [
        CorporateAction(f"NSE:{symbols[0]}", middle, ActionKind.SPLIT, (1, 5)),
        CorporateAction(f"NSE:{symbols[-1]}", middle, ActionKind.BONUS, (1, 1)),
    ]
    print(host_line())
    with tempfile.TemporaryDirectory(prefix="tradertape-bhav-") as tmp:
        folder = Path(tmp)
        began = time.perf_counter()
        paths = generate(folder, days, symbols)
        took = time.perf_counter() - began
        print(f"generated {len(paths)} files × {len(symbols)} equities in {took:.1f} s")
        store = CandleStore(folder / "candles", catalog=reference_catalog(), calendar=calendar)
        began = time.perf_counter()
        report = import_bhavcopies(store, paths, catalog=store.catalog, actions=actions)
        took = time.perf_counter() - began
    print(
        f"imported {report.files} files: {report.symbols} series, {report.bars} bars, "
        f"{report.skipped_rows} rows skipped, {len(report.adjusted)} adjusted, in {took:.2f} s "
        f"({report.bars / took:,.0f} bars/s)"
    )


if __name__ == "__main__":
    main()
