"""Indicators over closing prices for workers (the ``[indicators]`` extra: NumPy).

Plain, vectorised and without look-ahead: each value uses only its own and earlier
candles; the first ``period - 1`` values are NaN.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any


def _np() -> Any:
    try:
        return importlib.import_module("numpy")
    except ImportError as exc:
        raise ImportError(
            "numpy is needed here: pip install 'tradertape-worker[indicators]'"
        ) from exc


def _series(values: Sequence[float] | Any) -> Any:
    return _np().asarray(values, dtype=float)


def sma(values: Sequence[float] | Any, period: int) -> Any:
    """Simple moving average."""
    np = _np()
    data = _series(values)
    out = np.full(data.shape, np.nan)
    if period < 1:
        raise ValueError("period must be at least 1")
    if len(data) >= period:
        sums = np.cumsum(np.insert(data, 0, 0.0))
        out[period - 1 :] = (sums[period:] - sums[:-period]) / period
    return out


def ema(values: Sequence[float] | Any, period: int) -> Any:
    """Exponential moving average seeded with the first SMA (as TA-Lib does)."""
    np = _np()
    data = _series(values)
    out = np.full(data.shape, np.nan)
    if period < 1:
        raise ValueError("period must be at least 1")
    if len(data) < period:
        return out
    alpha = 2.0 / (period + 1)
    out[period - 1] = data[:period].mean()
    for i in range(period, len(data)):
        out[i] = alpha * data[i] + (1 - alpha) * out[i - 1]
    return out


def rsi(values: Sequence[float] | Any, period: int = 14) -> Any:
    """Wilder's relative strength index (0..100)."""
    np = _np()
    data = _series(values)
    out = np.full(data.shape, np.nan)
    if len(data) <= period:
        return out
    change = np.diff(data)
    gain, loss = np.clip(change, 0, None), np.clip(-change, 0, None)
    avg_gain, avg_loss = gain[:period].mean(), loss[:period].mean()
    for i in range(period, len(data)):
        if i > period:
            avg_gain = (avg_gain * (period - 1) + gain[i - 1]) / period
            avg_loss = (avg_loss * (period - 1) + loss[i - 1]) / period
        out[i] = 100.0 if avg_loss == 0 else 100 - 100 / (1 + avg_gain / avg_loss)
    return out


def crossover(fast: Sequence[float] | Any, slow: Sequence[float] | Any) -> Any:
    """True where `fast` crosses above `slow` (compared with the previous candle)."""
    np = _np()
    a, b = _series(fast), _series(slow)
    above = a > b
    out = np.zeros(a.shape, dtype=bool)
    out[1:] = above[1:] & ~above[:-1] & ~np.isnan(a[:-1]) & ~np.isnan(b[:-1])
    return out
