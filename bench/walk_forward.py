"""Walk-forward against the same variants as plain sweeps, on one core, in the same run.

V1 Momentum over NIFTY 100 (synthetic, generated once as `bench/backtest.py` does), rolling
folds of 250 trading days in sample and the rest cut into about 10 out-of-sample windows; a grid
of SMA length × minimum hold × RSI ceiling (16 variants; ``--full``: the 200 of
`bench/sweep.py`). The floor is what plain sweeps of each fold's split would run: every
variant's in-sample and out-of-sample part (`sweep.part_metrics`), nothing more. The
walk-forward runs the same parts through the sweep executor's chunks and adds its own work:
each part's session returns, each fold's choice and grid, and the verdict (stitched curve,
stability, DSR, PBO). Printed: seconds, fold-variants per second, and the ratio walk-forward
/ floor (the issue's target: within 1.2×), with the load average.

    .venv/bin/python bench/walk_forward.py [--full] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from backtest import CONSTRAINED, END, START, load_panel
from machine import host_line
from sweep import AXES, QUICK_AXES
from tradertape.backtest.sweep import SweepMarket, SweepSpec, inputs_of, part_metrics
from tradertape.backtest.walk_forward import (
    FoldPlan,
    Verdict,
    WalkForwardSpec,
    make_folds,
    trading_days,
)
from tradertape.indicators import IndicatorBook
from tradertape.services.research.jobs import SweepPlan, chunk_size, make_executor
from tradertape.strategies.builtins import builtin
from tradertape.strategies.dsl import BaseModelId

TARGET_RATIO = 1.2
FOLDS = 10
IN_SAMPLE = 250


def main() -> None:
    """Generate the data if missing, then time the floor and the walk-forward."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_dir = Path(tempfile.gettempdir()) / "tradertape-bench-backtest"
    parser.add_argument("--data-dir", type=Path, default=default_dir)
    parser.add_argument("--full", action="store_true", help="the 200-variant grid")
    parser.add_argument("--short", action="store_true", help="the default 16-variant grid")
    args = parser.parse_args()
    print(host_line())
    panel = load_panel(args.data_dir, START, END, generate=True)
    trade_from = date(START.year + 1, 1, 1)  # a year of warm-up (SMA 100)
    days = trading_days(panel, trade_from, END)
    out = (len(days) - IN_SAMPLE) // FOLDS
    folds = make_folds(days, FoldPlan(in_sample_days=IN_SAMPLE, out_of_sample_days=out))
    axes = AXES if args.full else ((AXES[0][0], AXES[0][1][:4]), QUICK_AXES[1], QUICK_AXES[2])
    sweep = SweepSpec(builtin(BaseModelId.V1).model_dump(mode="json"), CONSTRAINED, axes)
    spec = WalkForwardSpec(sweep=sweep, folds=tuple(folds), variants=tuple(range(sweep.size)))
    market = SweepMarket(panel, None, None, trade_from, folds[0].out_start, END)
    print(
        f"V1, NIFTY 100, {trade_from}..{END}: {len(folds)} rolling folds of {IN_SAMPLE} days in, "
        f"{out} out; {sweep.size} variants: {spec.size} fold-variants, two runs each"
    )
    book = IndicatorBook.from_panel(panel)
    spec.run_one(market, book, 0)  # compile (or load) the kernels; the book is kept

    day = timedelta(days=1)
    began = time.perf_counter()
    for fold in folds:
        for index in spec.variants:
            document, settings = inputs_of(sweep, sweep.variant(index))
            part_metrics(
                market, book, document, settings, start=fold.in_start, until=fold.in_end + day
            )
            part_metrics(
                market, book, document, settings, start=fold.out_start, until=fold.out_end + day
            )
    floor = time.perf_counter() - began

    verdict = Verdict("sharpe", tuple(path for path, _ in axes), CONSTRAINED.starting_capital, 10)
    executor = make_executor(SweepPlan(workers=1), market, spec)
    began = time.perf_counter()
    finished = []
    for fold in folds:
        indices = spec.fold_indices(fold.index)
        size = chunk_size(spec.size, 1)
        rows = [
            row
            for i in range(0, len(indices), size)
            for row in executor.submit(indices[i : i + size]).result()
        ]
        finished.append(verdict.fold(fold, rows))
    summary = verdict.summary(finished)
    walked = time.perf_counter() - began

    load = os.getloadavg()[0]
    print(f"  plain sweeps' parts (floor) {floor:7.2f} s  {spec.size / floor:7.1f} fold-variants/s")
    print(
        f"  walk-forward                {walked:7.2f} s  {spec.size / walked:7.1f} fold-variants/s"
    )
    ratio = walked / floor
    verdict_word = "within" if ratio <= TARGET_RATIO else "OVER"
    print(
        f"  ratio walk-forward / floor  {ratio:.2f} × ({verdict_word} the {TARGET_RATIO}× target)"
    )
    print(f"  load average (1 min) {load:.2f}")
    pbo, dsr = summary["pbo"], summary["deflated_sharpe"]
    print(
        f"  verdict: stitched Sharpe {summary['stitched']['sharpe']}, "
        f"DSR {dsr and dsr['dsr']}, PBO {pbo and pbo['pbo']} over {pbo and pbo['splits']} splits"
    )


if __name__ == "__main__":
    main()
