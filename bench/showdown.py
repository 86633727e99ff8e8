"""The simulator showdown's shape: a million bars × 8 columns, sparse orders, our engine
against the hand-written numba loop in the same run (issue 67; the shape of vectorbt PRO's
"simulator showdown").

The data is a seeded random walk of 1,000,000 one-minute bars for 8 instruments (OHLCV,
Fortran order as the candle store lays a panel out). Both engines run `backtest.DIP`, the
portfolio dip buyer (RSI(14) under 30 above the 200-bar SMA, take-profit, stop-loss, a
maximum hold, slippage and a flat commission): ours from its strategy document through
`run_backtest` (indicators computed afresh, as a request does), the limit as one numba
function (`backtest.dip_limit`). Each bar is a bar of the engine's day loop (fills at the
next bar's open); entries are sparse (a few hundredths of the bars). Both are warmed once,
then timed alternately; the medians, their ratio (target ≤ 2×) and whether the trades and
the final equity are identical are printed, with the load average.

Measured 2026-11-29 on the 2-core VM at load 12-13 (other work running): 1,000,000 × 8,
ours 1,299.8 ms against the limit's 1,441.0 ms (0.90×; target ≤ 2×); 7,609 trades against
7,602 and final equity 0.06 % apart: over a million bars the two sum the equity a position
is sized from in a different order, and a floor of a quantity lands the other side now and
then (at 100,000 bars: 752 trades each, final equity identical; 161.5 against 119.6 ms).

    .venv/bin/python bench/showdown.py [--bars 1000000] [--columns 8] [--runs 5] [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics

import numpy as np

from backtest import run_limit, run_ours
from machine import host_line
from tradertape.candles.panel import Panel

TARGET_RATIO = 2.0


def walk(bars: int, columns: int, seed: int = 67) -> Panel:
    """Seeded random-walk OHLCV: `bars` rows × `columns` instruments."""
    rng = np.random.default_rng(seed)
    steps = rng.normal(0.0, 0.0015, size=(bars, columns))
    close = 100.0 * np.exp(np.cumsum(steps, axis=0))
    opens = np.empty_like(close)
    opens[0] = 100.0
    opens[1:] = close[:-1] * np.exp(rng.normal(0.0, 0.0003, size=(bars - 1, columns)))
    spread = np.abs(rng.normal(0.0, 0.0008, size=(bars, columns)))
    high = np.maximum(opens, close) * (1.0 + spread)
    low = np.minimum(opens, close) * (1.0 - spread)
    volume = rng.integers(1_000, 100_000, size=(bars, columns)).astype(np.float64)
    start = np.datetime64("1800-01-01", "D")
    return Panel(
        days=start + np.arange(bars).astype("timedelta64[D]"),
        keys=tuple(f"SIM:C{i}" for i in range(columns)),
        sectors=tuple(f"S{i}" for i in range(columns)),
        sources=("synthetic",) * columns,
        open=np.asfortranarray(opens),
        high=np.asfortranarray(high),
        low=np.asfortranarray(low),
        close=np.asfortranarray(close),
        volume=np.asfortranarray(volume),
    )


def main() -> None:
    """Build the panel, warm both engines, time them alternately, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=1_000_000)
    parser.add_argument("--columns", type=int, default=8)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="100,000 bars, 3 runs")
    args = parser.parse_args()
    bars, runs = (100_000, 3) if args.quick else (args.bars, args.runs)
    print(host_line())
    panel = walk(bars, args.columns)
    print(f"panel: {bars:,} bars × {args.columns} columns (seeded random walk)")
    ours_first, limit_first = run_ours(panel), run_limit(panel)  # warm both
    ours_ms, limit_ms = [], []
    for _ in range(runs):
        ours_ms.append(run_ours(panel).total_ms)
        limit_ms.append(run_limit(panel).total_ms)
    ours, limit = statistics.median(ours_ms), statistics.median(limit_ms)
    same = (
        ours_first.trades == limit_first.trades
        and ours_first.final_equity == limit_first.final_equity
    )
    print(
        f"  trades: ours {ours_first.trades:,}, the limit {limit_first.trades:,}"
        f" ({ours_first.trades / bars / args.columns:.2%} of bar-columns);"
        f" final equity {'identical' if same else 'DIFFERENT'}"
        f" ({ours_first.final_equity:,.2f} against {limit_first.final_equity:,.2f})"
    )
    print(f"  ours (indicators, simulation, results): {ours:,.1f} ms (median of {runs})")
    print(f"  the hand-written limit:                 {limit:,.1f} ms (median of {runs})")
    ratio = ours / limit
    verdict = "meets" if ratio <= TARGET_RATIO else "misses"
    print(f"  ratio {ratio:.2f}× the limit; target ≤ {TARGET_RATIO:.1f}× ({verdict})")
    print(f"  load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
