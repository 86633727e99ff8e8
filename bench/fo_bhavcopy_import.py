"""Import a year of generated UDiFF F&O bhavcopies (``--days`` files of ~38,000 contracts each)
into an empty `FoStore`, against a floor measured in the same run.

The files are written first into a temporary folder, in NSE's exact layout
(``tests/fo_bhavcopy_files.py``: ``BhavCopy_NSE_FO_0_0_0_<YYYYMMDD>_F_0000.csv``, every fifth
zipped): 5 indices (6 expiries × 241 strikes × CE/PE and a future each) and 180 stocks (3
monthly expiries × 21 strikes). Nothing of NSE's data is used. Timed:

* the floor: ``pyarrow.csv.read_csv`` of every file (unzipped where zipped), nothing checked
  or stored: what reading the bytes costs at best;
* the import: parse, check and store every file (`import_fo_bhavcopies`, as the command
  line runs it), then a day's chain read back (the engine's access).

Target (issue 67): a year (250 files) in under a minute on 2 cores.

Measured 2026-11-30 on a quiet host (load 1.4): 250 files, 9,427,500 contracts in 20.61 s
(27.7 s of CPU), the pyarrow floor 5.64 s (3.65×).

    .venv/bin/python bench/fo_bhavcopy_import.py [--days 250]
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import tempfile
import time
import zipfile
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

import pyarrow.csv as pacsv

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' file generator

from tests.fo_bhavcopy_files import (  # noqa: E402
    UDIFF_HEADER,
    chain,
    udiff_name,
    udiff_text,
    weekly_expiries,
)

from machine import host_line  # noqa: E402
from tradertape.candles.fo_bhavcopy import files_in  # noqa: E402
from tradertape.candles.fo_import import import_fo_bhavcopies  # noqa: E402
from tradertape.candles.fo_store import FoStore  # noqa: E402
from tradertape.domain.calendar_data import nse_calendar  # noqa: E402
from tradertape.domain.expiry import monthly_expiry  # noqa: E402

INDICES = {"NIFTY": 24000.0, "BANKNIFTY": 51000.0, "FINNIFTY": 23000.0, "MIDCPNIFTY": 12000.0}
INDICES["NIFTYNXT50"] = 68000.0
STOCKS = [f"STK{n:03d}" for n in range(180)]


def _monthlies(day: date, count: int) -> list[date]:
    found: list[date] = []
    year, month = day.year, day.month
    while len(found) < count:
        expiry = monthly_expiry(year, month)
        if expiry >= day:
            found.append(expiry)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


_BLOCKS: dict[tuple[str, int, tuple[date, ...]], tuple[date, str]] = {}


def _block(symbol: str, spot: float, level: int, expiries: list[date], day: date) -> str:
    """One underlying's rows of `day`, as UDiFF text without the header. A block is made once
    per (underlying, price level, expiries) and restamped for the other days it serves: the
    generator is plain Python, and the import, not the generator, is what is measured."""
    key = (symbol, level, tuple(expiries))
    held = _BLOCKS.get(key)
    if held is None:
        moved = spot * (1 + 0.01 * (level - 2))
        step = 50.0 if symbol in INDICES else float(max(round(spot / 100), 1))
        each_side = 120 if symbol in INDICES else 10
        rows = chain(
            day, symbol, moved, expiries=expiries, strikes_each_side=each_side, step=step,
            lot_size=75 if symbol in INDICES else 500,
        )  # fmt: skip
        held = (day, udiff_text(day, rows).split("\n", 1)[1])
        _BLOCKS[key] = held
    made, text = held
    stamp = f"{made},{made},"
    return text.replace(stamp, f"{day},{day},") if made != day else text


def _month_files(job: tuple[str, list[tuple[date, bool]], int]) -> list[Path]:
    folder, days, seed = job
    rng = random.Random(seed)
    written = []
    for day, zipped in days:
        parts = [UDIFF_HEADER]
        weekly = weekly_expiries(day, 6)
        for symbol, spot in INDICES.items():
            parts.append(_block(symbol, spot, rng.randrange(3), weekly, day))
        monthly = _monthlies(day, 3)
        for n, symbol in enumerate(STOCKS):
            parts.append(_block(symbol, 200.0 + n * 17, rng.randrange(5), monthly, day))
        text = "\n".join(p.rstrip("\n") for p in parts) + "\n"
        target = Path(folder) / udiff_name(day)
        if zipped:
            target = target.with_name(target.name + ".zip")
            with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.writestr(udiff_name(day), text)
        else:
            target.write_text(text, encoding="utf-8")
        written.append(target)
    return written


def generate(folder: Path, days: Sequence[date]) -> list[Path]:
    """One UDiFF file per day; months shared between two processes."""
    months: dict[tuple[int, int], list[tuple[date, bool]]] = {}
    for n, day in enumerate(days):
        months.setdefault((day.year, day.month), []).append((day, n % 5 == 4))
    jobs = [(str(folder), items, n) for n, items in enumerate(months.values())]
    with ProcessPoolExecutor(max_workers=2) as pool:
        return [p for written in pool.map(_month_files, jobs) for p in written]


def floor(paths: list[Path]) -> tuple[float, int]:
    """Seconds for pyarrow to read every file (no checks, nothing stored), and the rows."""
    began, cpu = time.perf_counter(), time.process_time()
    rows = 0
    for path in paths:
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                data = archive.read(archive.namelist()[0])
            rows += pacsv.read_csv(io.BytesIO(data)).num_rows
        else:
            rows += pacsv.read_csv(path).num_rows
    took, cpu = time.perf_counter() - began, time.process_time() - cpu
    print(f"floor: pyarrow.csv read {rows:,} rows in {took:.2f} s ({cpu:.1f} s of CPU)")
    return took, rows


def main() -> None:
    """Generate the files, time the floor, then one import into a fresh store."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=250)
    args = parser.parse_args()
    days = nse_calendar().trading_days(date(2025, 1, 1), date(2026, 12, 31))[: args.days]
    print(host_line())
    with tempfile.TemporaryDirectory(prefix="tradertape-fo-") as tmp:
        folder = Path(tmp) / "files"
        folder.mkdir()
        began = time.perf_counter()
        paths = generate(folder, days)
        size = sum(p.stat().st_size for p in paths)
        print(
            f"generated {len(paths)} UDiFF files ({size / 1e6:,.0f} MB on disk) "
            f"in {time.perf_counter() - began:.1f} s"
        )
        floor_secs, _ = floor(paths)
        store = FoStore(Path(tmp) / "fo")
        began, cpu = time.perf_counter(), time.process_time()
        report = import_fo_bhavcopies(store, files_in([folder]))
        took, cpu = time.perf_counter() - began, time.process_time() - cpu
        stored = sum(p.stat().st_size for p in store.root.rglob("*.parquet"))
        began = time.perf_counter()
        loads = [store.day_chain("NIFTY", day) for day in days]
        chain_ms = (time.perf_counter() - began) * 1e3 / len(days)
    print(
        f"imported {report.files} files: {len(report.days)} days, {len(report.underlyings)} "
        f"underlyings, {report.rows:,} contracts in {took:.2f} s ({report.rows / took:,.0f} "
        f"rows/s; {took / floor_secs:.2f}× the floor; {cpu:.1f} s of CPU); store "
        f"{stored / 1e6:,.0f} MB"
    )
    print(
        f"day chain of NIFTY ({loads[0].num_rows:,} contracts): {chain_ms:.2f} ms a day, "
        f"over {len(loads)} days"
    )


if __name__ == "__main__":
    main()
