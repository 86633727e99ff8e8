"""Parameter sweeps: a 200-variant grid through the sweep executors, on 1 core, the local
process pool and a local Ray, in variants per second and as a ratio to one core.

What the server runs for ``POST /api/backtest/sweeps``: V1 Momentum over NIFTY 100 (synthetic,
2020-01-01..2026-01-01, generated once as `bench/backtest.py` does), split on 2024-01-01,
each variant run in-sample and out-of-sample (two backtests) with every constraint on, over
a grid of SMA length (entry) × minimum hold × RSI ceiling. The executors are the service's
(`tradertape.backtest.executors`), so a pool or Ray worker builds its IndicatorBook once and
computes each SMA length once. Start-up (a pool's processes, a Ray cluster) is timed apart.

Ray runs only when it is installed (``pip install 'tradertape[ray]'``); the script starts a
local one with ``--workers`` CPUs. ``--quick``: two years and a 40-variant grid.

    .venv/bin/python bench/sweep.py [--workers 2] [--quick] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from concurrent.futures import Future
from datetime import date
from pathlib import Path
from typing import Any

from backtest import CONSTRAINED, END, QUICK_START, START, load_panel
from machine import host_line
from tradertape.backtest.executors import ChunkExecutor, SharedPool
from tradertape.backtest.sweep import SweepMarket, SweepSpec
from tradertape.services.research.jobs import SweepPlan, chunk_size, make_executor
from tradertape.strategies.builtins import builtin
from tradertape.strategies.dsl import BaseModelId

SPLIT = date(2024, 1, 1)
QUICK_SPLIT = date(2025, 7, 1)
AXES = (
    ("entry_rules.conditions.0.right.name", (5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 100.0)),
    ("config.min_hold", (0.0, 5.0, 10.0, 15.0, 20.0)),
    ("entry_rules.conditions.1.right.value", (60.0, 65.0, 70.0, 75.0, 80.0)),
)
QUICK_AXES = (AXES[0], (AXES[1][0], (0.0, 10.0)), (AXES[2][0], (60.0, 70.0)))


def run(executor: ChunkExecutor, total: int) -> tuple[float, list[dict[str, Any]]]:
    """Every variant through ``executor`` in the service's chunks; seconds and rows."""
    size = chunk_size(total, executor.workers)
    began = time.perf_counter()
    futures: list[Future[list[dict[str, Any]]]] = [
        executor.submit(list(range(i, min(i + size, total)))) for i in range(0, total, size)
    ]
    rows = [row for future in futures for row in future.result()]
    return time.perf_counter() - began, rows


def _line(label: str, seconds: float, total: int, one_core: float | None) -> str:
    ratio = f" ({one_core / seconds:.2f} × one core)" if one_core else ""
    return f"  {label:<22} {seconds:7.2f} s  {total / seconds:7.1f} variants/s{ratio}"


def main() -> None:
    """Generate the data if missing, then time the grid on each executor."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_dir = Path(tempfile.gettempdir()) / "tradertape-bench-backtest"
    parser.add_argument("--data-dir", type=Path, default=default_dir)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="a smoke run: smaller sizes")
    args = parser.parse_args()
    start, split = (QUICK_START, QUICK_SPLIT) if args.quick else (START, SPLIT)
    axes = QUICK_AXES if args.quick else AXES
    print(host_line())
    panel = load_panel(args.data_dir, start, END, generate=True)
    trade_from = date(start.year + 1, 1, 1)  # a year of warm-up (SMA 100)
    market = SweepMarket(panel, None, None, trade_from, split, END)
    spec = SweepSpec(builtin(BaseModelId.V1).model_dump(mode="json"), CONSTRAINED, axes)
    total = spec.size
    print(
        f"V1 grid of {total} variants (SMA × min hold × RSI ceiling), NIFTY 100, "
        f"in-sample {trade_from}..{split}, out-of-sample {split}..{END}: two runs a variant"
    )

    serial = make_executor(SweepPlan(workers=1), market, spec)
    run(serial, 1)  # compile (or load) the kernels; the book is kept
    one_core, reference = run(make_executor(SweepPlan(workers=1), market, spec), total)
    print(_line("1 core (a thread)", one_core, total, None))

    began = time.perf_counter()
    shared = SharedPool(args.workers)
    pool = make_executor(SweepPlan(workers=args.workers), market, spec, pool=shared)
    run(pool, args.workers)  # one variant each: the workers are up
    startup = time.perf_counter() - began
    pooled, rows = run(pool, total)
    pool.close(cancel=False)
    shared.shutdown()
    same = "same figures" if rows == reference else "DIFFERENT figures"
    print(_line(f"pool, {args.workers} processes", pooled, total, one_core), f"[{same}]")
    print(f"    (not counted: the pool's start-up and a first variant each, {startup:.1f} s)")

    try:
        import ray
    except ImportError:
        print("  Ray: not installed (pip install 'tradertape[ray]'); skipped")
        return
    began = time.perf_counter()
    ray.init(num_cpus=args.workers, include_dashboard=False, log_to_driver=False)
    try:
        address = ray.get_runtime_context().gcs_address
        cluster = make_executor(SweepPlan(workers=args.workers, ray_address=address), market, spec)
        run(cluster, args.workers)
        startup = time.perf_counter() - began
        on_ray, rows = run(cluster, total)
        cluster.close(cancel=False)
    finally:
        ray.shutdown()
    same = "same figures" if rows == reference else "DIFFERENT figures"
    print(_line(f"Ray, {args.workers} CPUs (local)", on_ray, total, one_core), f"[{same}]")
    print(f"    (not counted: starting Ray and a first variant per CPU, {startup:.1f} s)")


if __name__ == "__main__":
    main()
