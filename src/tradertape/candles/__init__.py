"""Candles: the Parquet candle store, aligned panels and the simulated market.

This is an engine layer: it knows the domain (instruments, calendar, ticks) and files, and
nothing of HTTP or the database. `CandleStore` is the entry point; `SyntheticMarket` makes
the embedded default data, which is labelled ``synthetic`` wherever it is shown.
"""

from tradertape.candles.bars import Bars, CandleSource, DataLabel, validate_bars
from tradertape.candles.panel import Panel
from tradertape.candles.store import CandleStore, SeriesInfo, SourceConflict, canonical_key

__all__ = [
    "Bars",
    "CandleSource",
    "CandleStore",
    "DataLabel",
    "Panel",
    "SeriesInfo",
    "SourceConflict",
    "canonical_key",
    "validate_bars",
]
