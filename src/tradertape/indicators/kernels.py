"""Panel kernels: one call computes an indicator for every column of a (T, N) panel.

Each loops over the columns inside compiled code (no per-column Python overhead), hands
the column kernel in `windows` or `recursive` the column's present rows (`layout`), and
writes into outputs the caller allocated full of NaN.
"""

from __future__ import annotations

import numpy as np

from tradertape.indicators import recursive, windows
from tradertape.indicators.jit import kernel
from tradertape.indicators.layout import FloatArray, Rows, column, scatter, target


@kernel
def sma(x: FloatArray, n: int, rows: Rows, out: FloatArray) -> None:
    """Simple moving average over n present bars."""
    scratch = np.empty(x.shape[0])
    for j in range(x.shape[1]):
        dst = target(out, j, rows, scratch)
        windows.rolling_mean(column(x, j, rows), n, dst)
        scatter(out, j, rows, dst)


@kernel
def stddev(x: FloatArray, n: int, rows: Rows, out: FloatArray) -> None:
    """Population standard deviation over n present bars."""
    scratch = np.empty(x.shape[0])
    for j in range(x.shape[1]):
        dst = target(out, j, rows, scratch)
        windows.rolling_std(column(x, j, rows), n, dst)
        scatter(out, j, rows, dst)


@kernel
def wma(x: FloatArray, n: int, rows: Rows, out: FloatArray) -> None:
    """Linearly weighted moving average over n present bars."""
    scratch = np.empty(x.shape[0])
    for j in range(x.shape[1]):
        dst = target(out, j, rows, scratch)
        windows.rolling_wma(column(x, j, rows), n, dst)
        scatter(out, j, rows, dst)


@kernel
def extreme(x: FloatArray, n: int, largest: bool, rows: Rows, out: FloatArray) -> None:
    """Rolling maximum (or minimum) over n present bars including the current one."""
    work = np.empty((3, x.shape[0]))
    for j in range(x.shape[1]):
        dst = target(out, j, rows, work[2])
        windows.rolling_extreme(column(x, j, rows), n, largest, dst, work[:2])
        scatter(out, j, rows, dst)


@kernel
def ema(x: FloatArray, n: int, rows: Rows, out: FloatArray) -> None:
    """Exponential moving average seeded with the SMA of the first n values."""
    scratch = np.empty(x.shape[0])
    for j in range(x.shape[1]):
        dst = target(out, j, rows, scratch)
        values = column(x, j, rows)
        seed_at = recursive.first_finite(values) + n - 1
        recursive.ema(values, n, seed_at, dst)
        scatter(out, j, rows, dst)


@kernel
def macd(
    x: FloatArray,
    fast: int,
    slow: int,
    signal: int,
    rows: Rows,
    line: FloatArray,
    trigger: FloatArray,
    hist: FloatArray,
) -> None:
    """MACD line, signal and histogram as TA-Lib: both EMAs are seeded at row slow−1 (the
    fast one with the mean of its last ``fast`` inputs there), the signal EMA of the line
    at row slow+signal−2, and all three outputs start at that row."""
    days = x.shape[0]
    work = np.empty((6, days))
    for j in range(x.shape[1]):
        values = column(x, j, rows)
        m = values.shape[0]
        fast_ema, slow_ema, spread = work[0, :m], work[1, :m], work[2, :m]
        work[:3, :m] = np.nan
        seed_at = recursive.first_finite(values) + slow - 1
        recursive.ema(values, fast, seed_at, fast_ema)
        recursive.ema(values, slow, seed_at, slow_ema)
        spread[:] = fast_ema - slow_ema
        line_dst = target(line, j, rows, work[3])
        trigger_dst = target(trigger, j, rows, work[4])
        hist_dst = target(hist, j, rows, work[5])
        recursive.ema(spread, signal, seed_at + signal - 1, trigger_dst)
        for i in range(seed_at + signal - 1, m):
            line_dst[i] = spread[i]
            hist_dst[i] = spread[i] - trigger_dst[i]
        scatter(line, j, rows, line_dst)
        scatter(trigger, j, rows, trigger_dst)
        scatter(hist, j, rows, hist_dst)


@kernel
def rsi(x: FloatArray, n: int, rows: Rows, out: FloatArray) -> None:
    """Wilder's relative strength index over n present bars."""
    scratch = np.empty(x.shape[0])
    for j in range(x.shape[1]):
        dst = target(out, j, rows, scratch)
        recursive.rsi(column(x, j, rows), n, dst)
        scatter(out, j, rows, dst)


@kernel
def roc(x: FloatArray, n: int, rows: Rows, out: FloatArray) -> None:
    """Percentage change over n present bars."""
    scratch = np.empty(x.shape[0])
    for j in range(x.shape[1]):
        dst = target(out, j, rows, scratch)
        recursive.roc(column(x, j, rows), n, dst)
        scatter(out, j, rows, dst)


@kernel
def trange(
    high: FloatArray, low: FloatArray, close: FloatArray, rows: Rows, out: FloatArray
) -> None:
    """True range (from each column's second present bar)."""
    scratch = np.empty(close.shape[0])
    for j in range(close.shape[1]):
        dst = target(out, j, rows, scratch)
        recursive.trange(column(high, j, rows), column(low, j, rows), column(close, j, rows), dst)
        scatter(out, j, rows, dst)


@kernel
def atr(
    high: FloatArray, low: FloatArray, close: FloatArray, n: int, rows: Rows, out: FloatArray
) -> None:
    """Wilder's average true range over n present bars."""
    scratch = np.empty(close.shape[0])
    for j in range(close.shape[1]):
        dst = target(out, j, rows, scratch)
        h, lo, c = column(high, j, rows), column(low, j, rows), column(close, j, rows)
        recursive.atr(h, lo, c, n, dst)
        scatter(out, j, rows, dst)


@kernel
def dmi(
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    n: int,
    rows: Rows,
    plus_di: FloatArray,
    minus_di: FloatArray,
    adx: FloatArray,
) -> None:
    """+DI, −DI and ADX over n present bars, in one pass."""
    work = np.empty((3, close.shape[0]))
    for j in range(close.shape[1]):
        plus_dst = target(plus_di, j, rows, work[0])
        minus_dst = target(minus_di, j, rows, work[1])
        adx_dst = target(adx, j, rows, work[2])
        h, lo, c = column(high, j, rows), column(low, j, rows), column(close, j, rows)
        recursive.dmi(h, lo, c, n, plus_dst, minus_dst, adx_dst)
        scatter(plus_di, j, rows, plus_dst)
        scatter(minus_di, j, rows, minus_dst)
        scatter(adx, j, rows, adx_dst)


@kernel
def stochastic(
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    n: int,
    slow_k: int,
    slow_d: int,
    rows: Rows,
    k_out: FloatArray,
    d_out: FloatArray,
) -> None:
    """Slow stochastic %K and %D (fast %K over n bars, then two SMAs)."""
    days = close.shape[0]
    work = np.empty((8, days))
    for j in range(close.shape[1]):
        k_dst = target(k_out, j, rows, work[6])
        d_dst = target(d_out, j, rows, work[7])
        h, lo, c = column(high, j, rows), column(low, j, rows), column(close, j, rows)
        recursive.stochastic(h, lo, c, n, slow_k, slow_d, k_dst, d_dst, work[:6])
        scatter(k_out, j, rows, k_dst)
        scatter(d_out, j, rows, d_dst)


@kernel
def willr(
    high: FloatArray, low: FloatArray, close: FloatArray, n: int, rows: Rows, out: FloatArray
) -> None:
    """Williams %R over n present bars."""
    days = close.shape[0]
    work = np.empty((5, days))
    for j in range(close.shape[1]):
        dst = target(out, j, rows, work[4])
        h, lo, c = column(high, j, rows), column(low, j, rows), column(close, j, rows)
        recursive.willr(h, lo, c, n, dst, work[:4])
        scatter(out, j, rows, dst)


@kernel
def cci(
    high: FloatArray, low: FloatArray, close: FloatArray, n: int, rows: Rows, out: FloatArray
) -> None:
    """Commodity channel index over n present bars."""
    days = close.shape[0]
    work = np.empty((3, days))
    for j in range(close.shape[1]):
        dst = target(out, j, rows, work[2])
        h, lo, c = column(high, j, rows), column(low, j, rows), column(close, j, rows)
        recursive.cci(h, lo, c, n, dst, work[:2])
        scatter(out, j, rows, dst)


@kernel
def mfi(
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    volume: FloatArray,
    n: int,
    rows: Rows,
    out: FloatArray,
) -> None:
    """Money flow index over n present bars."""
    days = close.shape[0]
    work = np.empty((5, days))
    for j in range(close.shape[1]):
        dst = target(out, j, rows, work[4])
        h, lo, c = column(high, j, rows), column(low, j, rows), column(close, j, rows)
        recursive.mfi(h, lo, c, column(volume, j, rows), n, dst, work[:4])
        scatter(out, j, rows, dst)


@kernel
def obv(close: FloatArray, volume: FloatArray, rows: Rows, out: FloatArray) -> None:
    """On-balance volume from each column's first present bar."""
    scratch = np.empty(close.shape[0])
    for j in range(close.shape[1]):
        dst = target(out, j, rows, scratch)
        recursive.obv(column(close, j, rows), column(volume, j, rows), dst)
        scatter(out, j, rows, dst)
