"""Options backtester speed: one year of a weekly NIFTY short straddle on minute bars.

Generated chains (`backtest.options.synthetic.SyntheticChains`, 2025, seeded; the minute
bars of the nearest weekly's strikes around each day's open made before the clock starts,
as a store would have them on disk). The strategy: sell the ATM call and put of the nearest
weekly at 09:20, a 25 % stop-loss on each leg, the rest squared off at 15:15; one lot.

Timed, warm, medians of ``--runs``:

1. **The engine**: `OptionsBacktester.run` and `results.summarize`: strike choice, the bars
   of each leg, the numba scan, fills as Decimals, charges by trade date
   (`compute_charges`), margin (`portfolio_margin`), the curve and the breakdowns.
2. **A hand-written numba loop** doing the same trading on arrays laid out for it (the ATM
   call's and put's minute bars of each day): gross P&L only, no charges, no margin.

Both must agree on the year's gross P&L to the paisa. Target: the engine under 1 s.

    .venv/bin/python bench/options_backtest.py [--runs 5]
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from datetime import date

import numpy as np

from tradertape.backtest.options.chain import dense
from tradertape.backtest.options.engine import OptionsBacktester, minute_index
from tradertape.backtest.options.results import summarize
from tradertape.backtest.options.strategy import OptionStrategy
from tradertape.backtest.options.synthetic import SyntheticChains
from tradertape.jit import kernel

START, END = date(2025, 1, 1), date(2025, 12, 31)
STOP_PCT = 25.0
STRADDLE = {
    "name": "weekly short straddle",
    "underlying": "NIFTY",
    "resolution": "minute",
    "hold": "intraday",
    "entry": {"time": "09:20"},
    "exit": {"time": "15:15"},
    "legs": [
        {"option_type": kind, "side": "sell", "stop_loss": {"unit": "pct", "value": STOP_PCT}}
        for kind in ("CE", "PE")
    ],
}


@kernel
def straddle_loop(  # noqa: PLR0913 - plain arrays for numba
    ce_open: np.ndarray,
    ce_high: np.ndarray,
    pe_open: np.ndarray,
    pe_high: np.ndarray,
    entry_minute: int,
    exit_minute: int,
    stop_pct: float,
    quantity: float,
) -> np.ndarray:
    """Gross P&L a day of the straddle: each leg stopped at entry × (1 + stop_pct/100) on
    the 0.05 tick above (at the open when a bar opens through it), else bought back at the
    exit minute's open."""
    days = ce_open.shape[0]
    out = np.zeros(days)
    for d in range(days):
        pnl = 0.0
        for leg in range(2):
            o = ce_open[d] if leg == 0 else pe_open[d]
            h = ce_high[d] if leg == 0 else pe_high[d]
            entry = o[entry_minute]
            sl = round(math.ceil(round(entry * (1.0 + stop_pct / 100.0) / 0.05, 6)) * 0.05, 2)
            exit_price = o[exit_minute]
            for m in range(entry_minute, exit_minute):
                if o[m] >= sl:
                    exit_price = o[m]
                    break
                if h[m] >= sl:
                    exit_price = sl
                    break
            pnl += (entry - exit_price) * quantity
        out[d] = pnl
    return out


Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def laid_out(source: SyntheticChains, days: list[date], entry: int) -> Arrays:
    """The ATM call's and put's minute bars of each day (the nearest weekly), as (days, 375)."""
    ce_o, ce_h, pe_o, pe_h = (np.empty((len(days), 375)) for _ in range(4))
    for i, day in enumerate(days):
        spot = float(dense(source.underlying_minutes("NIFTY", day))[0][entry])
        expiry = source.expiries("NIFTY", day)[0]
        strikes = sorted(set(source.day_chain("NIFTY", day).strike.tolist()))
        atm = min(strikes, key=lambda k: (abs(k - spot), -k))
        for kind, (o_, h_) in (("CE", (ce_o, ce_h)), ("PE", (pe_o, pe_h))):
            o, h, _, _ = dense(source.option_minutes("NIFTY", day, expiry, atm, kind))
            o_[i], h_[i] = o, h
    return ce_o, ce_h, pe_o, pe_h  # (the loop's arrays)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    t0 = time.perf_counter()
    source = SyntheticChains(START, END, seed=7)
    source.warm(near_atm=2)
    print(f"chains generated in {time.perf_counter() - t0:.1f} s (not timed below)")
    strategy = OptionStrategy.model_validate(STRADDLE)
    days = [d for d in source.trading_days("NIFTY", START, END) if d.weekday() < 5]
    entry, exit_ = minute_index(strategy.entry.time), minute_index(strategy.exit.time)
    arrays = laid_out(source, days, entry)
    lot = float(source.day_chain("NIFTY", days[0]).lot_size[0])

    def engine() -> object:
        return summarize(OptionsBacktester(strategy, source, source).run(START, END))

    def loop() -> np.ndarray:
        ce_o, ce_h, pe_o, pe_h = arrays
        return straddle_loop(ce_o, ce_h, pe_o, pe_h, entry, exit_, STOP_PCT, lot)

    results = engine()
    reference = loop()
    engine_s, loop_s = [], []
    for _ in range(args.runs):
        t = time.perf_counter()
        engine()
        engine_s.append(time.perf_counter() - t)
        t = time.perf_counter()
        loop()
        loop_s.append(time.perf_counter() - t)
    gross = float(results.gross)  # type: ignore[attr-defined]
    print(f"{len(days)} days, {len(results.trades)} leg trades")  # type: ignore[attr-defined]
    print(f"gross P&L: engine ₹{gross:,.2f}, hand-written loop ₹{reference.sum():,.2f}")
    engine_med, loop_med = statistics.median(engine_s), statistics.median(loop_s)
    print(
        f"engine (charges, margin, results): {engine_med * 1000:.1f} ms median, "
        f"{min(engine_s) * 1000:.1f} ms best (target < 1000 ms)"
    )
    print(f"hand-written numba loop (gross only): {loop_med * 1000:.2f} ms")
    print(f"ratio: {engine_med / loop_med:.0f}×")
    if abs(gross - float(reference.sum())) > 0.005:
        raise SystemExit("the engine and the loop disagree on the gross P&L")


if __name__ == "__main__":
    main()
