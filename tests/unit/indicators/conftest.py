"""Synthetic OHLCV on the NSE tick grid for the indicator tests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tradertape.indicators import IndicatorBook

FloatArray = npt.NDArray[np.float64]
TICKS_PER_RUPEE = 20  # one tick is 0.05 rupees


@dataclass(frozen=True)
class Ohlcv:
    """Five (days, instruments) arrays; NaN where an instrument has no bar."""

    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray

    @property
    def fields(self) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
        return (self.open, self.high, self.low, self.close, self.volume)

    def book(self) -> IndicatorBook:
        return IndicatorBook(*self.fields)

    def rows(self, index: slice | npt.NDArray[np.intp]) -> Ohlcv:
        """The same instruments on a subset of days."""
        return Ohlcv(*(np.asfortranarray(a[index]) for a in self.fields))

    def instrument(self, j: int) -> Ohlcv:
        """One instrument's 1-D series (for TA-Lib, which takes one series at a time)."""
        return Ohlcv(*(np.ascontiguousarray(a[:, j]) for a in self.fields))

    def column(self, j: int) -> Ohlcv:
        """One instrument, as a (days, 1) panel."""
        return Ohlcv(*(np.asfortranarray(a[:, j : j + 1]) for a in self.fields))

    def scaled(self, factor: float) -> Ohlcv:
        """Prices times ``factor`` (a factor like 1.0000001 takes them off the tick grid)."""
        if factor == 1.0:
            return self
        o, h, lo, c = (np.asfortranarray(a * factor) for a in self.fields[:4])
        return Ohlcv(o, h, lo, c, self.volume)

    def with_missing(self, missing: npt.NDArray[np.bool_]) -> Ohlcv:
        """The same panel with no bar where ``missing`` is true."""
        return Ohlcv(*(np.asfortranarray(np.where(missing, np.nan, a)) for a in self.fields))


def tick_walk(seed: int, days: int, instruments: int = 3, *, step: int = 8) -> Ohlcv:
    """A random walk of closes in whole ticks (steps up to ``step`` ticks, so flat days and
    exact ties occur), with opens, highs and lows around it and whole-number volumes."""
    rng = np.random.default_rng(seed)
    shape = (days, instruments)
    start = rng.integers(400, 60_000, size=instruments)  # 20 .. 3,000 rupees
    close = np.maximum(start + np.cumsum(rng.integers(-step, step + 1, size=shape), axis=0), 20)
    previous = np.vstack([start[None, :], close[:-1]])
    opened = np.maximum(previous + rng.integers(-step // 2, step // 2 + 1, size=shape), 10)
    high = np.maximum(opened, close) + rng.integers(0, step + 1, size=shape)
    low = np.maximum(np.minimum(opened, close) - rng.integers(0, step + 1, size=shape), 1)
    volume = rng.integers(0, 2_000_000, size=shape) * (rng.random(shape) > 0.02)

    def rupees(ticks: npt.NDArray[np.int64]) -> FloatArray:
        return np.asfortranarray(ticks / TICKS_PER_RUPEE)

    return Ohlcv(
        rupees(opened),
        rupees(high),
        rupees(low),
        rupees(close),
        np.asfortranarray(volume.astype(np.float64)),
    )


# One name per kind, with windows short enough for a few dozen days.
SAMPLE_NAMES = (
    *("open", "high", "low", "close", "volume", "tr", "obv", "vol_regime", "trend_alignment"),
    *("sma5", "ema5", "wma5", "rsi5", "atr5", "natr5", "adx4", "plus_di4", "minus_di4"),
    *("bb5_upper", "bb5_middle", "bb5_lower", "bb5_3_pctb", "bb5_width", "stddev5", "roc3"),
    *("macd_3_6_2", "macd_3_6_2_signal", "macd_3_6_2_hist", "stoch5", "stoch5_d", "cci5"),
    *("willr5", "mfi5", "vol_sma5", "vol_ratio5", "high5", "low5", "dist_sma5_pct"),
    *("dist_ema5_pct", "dist_wma5_pct", "dist_high5_pct", "dist_low5_pct"),
)


def compacted(ohlcv: Ohlcv, j: int) -> tuple[Ohlcv, npt.NDArray[np.intp]]:
    """Instrument ``j`` on its present days only, and which rows those were."""
    present = np.flatnonzero(~np.isnan(ohlcv.close[:, j]))
    return ohlcv.column(j).rows(present), present
