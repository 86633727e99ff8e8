"""Vectorized technical indicators over candle panels, for the strategy DSL and the backtester.

Names such as ``sma20``, ``rsi14`` or ``macd_12_26_9_signal`` are parsed (`parse_indicator`,
`indicator_forms`) and computed by an `IndicatorBook` over (days, instruments) OHLCV arrays:
per column on its present rows only, without look-ahead, equal to TA-Lib where TA-Lib has the
indicator, and exact on the NSE tick grid where ties matter (equal SMAs are equal floats).
Kernels are numba-compiled and cached on disk; `warm_up` compiles them all at start-up.
"""

from tradertape.indicators.book import IndicatorBook
from tradertape.indicators.categories import CATEGORY_LABELS
from tradertape.indicators.names import (
    IndicatorSpec,
    UnknownIndicator,
    indicator_forms,
    parse_indicator,
)
from tradertape.indicators.warmup import warm_up

__all__ = [
    "CATEGORY_LABELS",
    "IndicatorBook",
    "IndicatorSpec",
    "UnknownIndicator",
    "indicator_forms",
    "parse_indicator",
    "warm_up",
]
