"""Every indicator TA-Lib also has equals TA-Lib's, column by column, NaN positions included.

The panels are random walks on the tick grid (flat days and ties included), some shorter
than the windows. Values agree to 1e-9 relative; see `_atol` for where TA-Lib's
own arithmetic leaves an absolute error.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
import pytest
import talib

from tests.unit.indicators.conftest import FloatArray, Ohlcv, tick_walk
from tradertape.indicators import IndicatorBook, parse_indicator

Reference = Callable[..., FloatArray]

# id -> (seed, days, largest step in ticks, price scale)
PANELS = {
    "seed0-300days": (0, 300, 8, 1.0),
    "seed1-300days": (1, 300, 8, 1.0),
    "seed2-260days-flat": (2, 260, 1, 1.0),  # one-tick steps: flat windows, zero changes
    "seed3-40days": (3, 40, 8, 1.0),
    "seed4-12days": (4, 12, 8, 1.0),  # shorter than most windows
    "seed5-1day": (5, 1, 8, 1.0),
    "seed6-300days-off-grid": (6, 300, 8, 1.0000001),  # the floating-point paths
}

# kind -> TA-Lib's function of (one instrument's series, the spec's parameters); the
# moving-average type of BBANDS and STOCH is left at TA-Lib's default, SMA
REFERENCES: dict[str, Reference] = {
    "sma": lambda o, n: talib.SMA(o.close, n),
    "ema": lambda o, n: talib.EMA(o.close, n),
    "wma": lambda o, n: talib.WMA(o.close, n),
    "rsi": lambda o, n: talib.RSI(o.close, n),
    "tr": lambda o: talib.TRANGE(o.high, o.low, o.close),
    "atr": lambda o, n: talib.ATR(o.high, o.low, o.close, n),
    "natr": lambda o, n: talib.NATR(o.high, o.low, o.close, n),
    "bb_upper": lambda o, n, k: talib.BBANDS(o.close, n, k, k)[0],
    "bb_middle": lambda o, n, k: talib.BBANDS(o.close, n, k, k)[1],
    "bb_lower": lambda o, n, k: talib.BBANDS(o.close, n, k, k)[2],
    "macd": lambda o, f, s, g: talib.MACD(o.close, f, s, g)[0],
    "macd_signal": lambda o, f, s, g: talib.MACD(o.close, f, s, g)[1],
    "macd_hist": lambda o, f, s, g: talib.MACD(o.close, f, s, g)[2],
    "adx": lambda o, n: talib.ADX(o.high, o.low, o.close, n),
    "plus_di": lambda o, n: talib.PLUS_DI(o.high, o.low, o.close, n),
    "minus_di": lambda o, n: talib.MINUS_DI(o.high, o.low, o.close, n),
    "stoch": lambda o, n: talib.STOCH(o.high, o.low, o.close, n, 3, slowd_period=3)[0],
    "stoch_d": lambda o, n: talib.STOCH(o.high, o.low, o.close, n, 3, slowd_period=3)[1],
    "obv": lambda o: talib.OBV(o.close, o.volume),
    "roc": lambda o, n: talib.ROC(o.close, n),
    "stddev": lambda o, n: talib.STDDEV(o.close, n, 1),
    "cci": lambda o, n: talib.CCI(o.high, o.low, o.close, n),
    "willr": lambda o, n: talib.WILLR(o.high, o.low, o.close, n),
    "mfi": lambda o, n: talib.MFI(o.high, o.low, o.close, o.volume, n),
    "highest": lambda o, n: talib.MAX(o.high, n),
    "lowest": lambda o, n: talib.MIN(o.low, n),
    "vol_sma": lambda o, n: talib.SMA(o.volume, n),
}

PERIODIC = (
    *("sma", "ema", "wma", "rsi", "atr", "natr", "adx", "plus_di", "minus_di", "roc"),
    *("stddev", "cci", "willr", "mfi", "high", "low", "vol_sma", "stoch", "stoch{}_d"),
    *("bb{}_upper", "bb{}_middle", "bb{}_lower"),
)
NAMES = [
    *(
        f"{form}{n}" if "{}" not in form else form.format(n)
        for form in PERIODIC
        for n in (2, 5, 14, 30)
    ),
    *(
        f"macd_{p}{part}"
        for p in ("12_26_9", "3_10_4", "2_5_1")
        for part in ("", "_signal", "_hist")
    ),
    *("tr", "obv", "high52w", "low52w", "bb20_3_upper", "bb20_3_lower", "stoch1", "stoch1_d"),
]


@cache
def _book(panel: str) -> tuple[Ohlcv, IndicatorBook]:
    seed, days, step, scale = PANELS[panel]
    ohlcv = tick_walk(seed, days, step=step).scaled(scale)
    return ohlcv, ohlcv.book()


def _atol(kind: str) -> float:
    """Where the exact answer is 0 or the deviation is tiny, TA-Lib's arithmetic leaves dust
    that a relative tolerance cannot absorb: its add-and-subtract running sums (slow %K and
    %D, the money flows, MACD's EMA(1) signal) and its floating-point mean deviation in CCI
    (checked against fractions: ours is the exact one). 1e-9 on a 0..100 scale."""
    return 1e-9 if kind in ("stoch", "stoch_d", "mfi", "cci", "macd_hist") else 0.0


@pytest.mark.parametrize("panel", list(PANELS))
@pytest.mark.parametrize("name", NAMES)
def test_equals_talib(name: str, panel: str):
    ohlcv, book = _book(panel)
    spec = parse_indicator(name)
    ours = book.get(spec)
    reference = REFERENCES[spec.kind]
    theirs = np.column_stack(
        [reference(ohlcv.instrument(j), *spec.params) for j in range(ohlcv.close.shape[1])]
    )
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=_atol(spec.kind))
