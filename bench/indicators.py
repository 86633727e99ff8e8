"""Indicator speed: each indicator over a (1500, 100) panel, warm, against TA-Lib per column.

Target: sma20 + rsi14 + atr14 + sma50 + sma200 together in a few milliseconds once the
kernels are compiled (`warm_up` runs first and is timed separately: a first run compiles,
later runs load numba's disk cache). Each figure is the median over ``--repeat`` runs on a
fresh `IndicatorBook`, so no run is served from the cache; dependencies are included (natr
computes atr). TA-Lib is called once per instrument column, as a backtest would have to.
The panel is a random walk on the 0.05-rupee tick grid (seed 7); ``--holes`` removes that
fraction of bars at random, as suspensions would.

    .venv/bin/python bench/indicators.py [--days 1500] [--instruments 100] [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import talib

from tradertape.indicators import IndicatorBook, warm_up

FloatArray = npt.NDArray[np.float64]
Fields = tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]
Column = Callable[[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray], object]

TARGET_MS = 5.0
TOGETHER = ("sma20", "rsi14", "atr14", "sma50", "sma200")

# name -> TA-Lib on one column (open, high, low, close, volume)
REFERENCES: dict[str, Column] = {
    "sma20": lambda o, h, lo, c, v: talib.SMA(c, 20),
    "sma50": lambda o, h, lo, c, v: talib.SMA(c, 50),
    "sma200": lambda o, h, lo, c, v: talib.SMA(c, 200),
    "ema20": lambda o, h, lo, c, v: talib.EMA(c, 20),
    "wma20": lambda o, h, lo, c, v: talib.WMA(c, 20),
    "rsi14": lambda o, h, lo, c, v: talib.RSI(c, 14),
    "atr14": lambda o, h, lo, c, v: talib.ATR(h, lo, c, 14),
    "natr14": lambda o, h, lo, c, v: talib.NATR(h, lo, c, 14),
    "tr": lambda o, h, lo, c, v: talib.TRANGE(h, lo, c),
    "bb20_upper": lambda o, h, lo, c, v: talib.BBANDS(c, 20),
    "stddev20": lambda o, h, lo, c, v: talib.STDDEV(c, 20),
    "macd_12_26_9": lambda o, h, lo, c, v: talib.MACD(c, 12, 26, 9),
    "adx14": lambda o, h, lo, c, v: talib.ADX(h, lo, c, 14),
    "plus_di14": lambda o, h, lo, c, v: talib.PLUS_DI(h, lo, c, 14),
    "stoch14": lambda o, h, lo, c, v: talib.STOCH(h, lo, c, 14),
    "obv": lambda o, h, lo, c, v: talib.OBV(c, v),
    "roc10": lambda o, h, lo, c, v: talib.ROC(c, 10),
    "cci20": lambda o, h, lo, c, v: talib.CCI(h, lo, c, 20),
    "willr14": lambda o, h, lo, c, v: talib.WILLR(h, lo, c, 14),
    "mfi14": lambda o, h, lo, c, v: talib.MFI(h, lo, c, v, 14),
    "high52w": lambda o, h, lo, c, v: talib.MAX(h, 252),
    "vol_sma20": lambda o, h, lo, c, v: talib.SMA(v, 20),
}
OURS_ONLY = ("dist_sma200_pct", "vol_ratio20", "bb20_pctb", "vol_regime", "trend_alignment")


def random_walk(days: int, instruments: int, holes: float, seed: int = 7) -> Fields:
    """Tick-grid OHLCV, Fortran-ordered like a candle panel; NaN where a bar is missing."""
    rng = np.random.default_rng(seed)
    shape = (days, instruments)
    start = rng.integers(2_000, 60_000, size=instruments)
    close = np.maximum(start + np.cumsum(rng.integers(-30, 31, size=shape), axis=0), 20)
    opened = np.maximum(close + rng.integers(-10, 11, size=shape), 10)
    high = np.maximum(opened, close) + rng.integers(0, 20, size=shape)
    low = np.maximum(np.minimum(opened, close) - rng.integers(0, 20, size=shape), 1)
    volume = rng.integers(1_000, 5_000_000, size=shape).astype(np.float64)
    missing = rng.random(shape) < holes
    prices = [np.where(missing, np.nan, a / 20.0) for a in (opened, high, low, close)]
    o, h, lo, c = (np.asfortranarray(a) for a in prices)
    return o, h, lo, c, np.asfortranarray(np.where(missing, np.nan, volume))


def median_ms(run: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``run`` in milliseconds (after one untimed run)."""
    run()
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def ours(fields: Fields, *names: str) -> Callable[[], object]:
    def run() -> object:
        book = IndicatorBook(*fields)
        return [book.get(name) for name in names]

    return run


def theirs(fields: Fields, reference: Column) -> Callable[[], object]:
    def run() -> object:
        return [reference(*(a[:, j] for a in fields)) for j in range(fields[3].shape[1])]

    return run


def main() -> None:
    """Print per-indicator timings, ours against TA-Lib's, and the combined target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=1500)
    parser.add_argument("--instruments", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--holes", type=float, default=0.0, help="fraction of missing bars")
    args = parser.parse_args()

    began = time.perf_counter()
    warm_up()
    print(f"warm_up: {time.perf_counter() - began:.2f} s (compiles once, then loads the cache)")

    fields = random_walk(args.days, args.instruments, args.holes)
    days, instruments = fields[3].shape
    print(f"panel: {days} days x {instruments} instruments, {args.holes:.0%} bars missing")
    book_ms = median_ms(lambda: IndicatorBook(*fields), args.repeat)
    print(f"IndicatorBook(...) alone: {book_ms:.3f} ms (included below)\n")

    print(f"{'indicator':<18}{'ours ms':>10}{'TA-Lib ms':>12}{'TA-Lib/ours':>13}")
    for name, reference in REFERENCES.items():
        mine = median_ms(ours(fields, name), args.repeat)
        if args.holes:  # TA-Lib has no notion of missing bars: its figures would mislead
            print(f"{name:<18}{mine:>10.3f}")
            continue
        ref = median_ms(theirs(fields, reference), args.repeat)
        print(f"{name:<18}{mine:>10.3f}{ref:>12.3f}{ref / mine:>12.1f}x")
    for name in OURS_ONLY:
        print(f"{name:<18}{median_ms(ours(fields, name), args.repeat):>10.3f}")

    together = median_ms(ours(fields, *TOGETHER), args.repeat)
    print(
        f"\n{' + '.join(TOGETHER)}: {together:.3f} ms"
        f" ({together / TARGET_MS:.2f} x the {TARGET_MS:.0f} ms target)"
    )
    if not args.holes:
        refs = [theirs(fields, REFERENCES[name]) for name in TOGETHER]
        ref = median_ms(lambda: [run() for run in refs], args.repeat)
        print(f"TA-Lib, same five: {ref:.3f} ms ({ref / together:.1f}x ours)")


if __name__ == "__main__":
    main()
