"""Indicator series of one instrument's daily candles, for the chart page.

The chart overlays the strategy DSL's own indicators (``sma20``, ``bb20_upper``, ``rsi14``,
``macd_12_26_9_signal``…), so it computes them with the same `IndicatorBook` a backtest
uses: what the chart draws is what a strategy reads, with no second implementation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np

from tradertape.candles import CandleStore
from tradertape.domain.market import Interval
from tradertape.errors import InvalidField
from tradertape.indicators import IndicatorBook, UnknownIndicator, parse_indicator
from tradertape.ports.clock import Clock
from tradertape.services.market_history import history

#: More series than a chart can show legibly is a typo or an abuse.
MAX_NAMES = 12


@dataclass(frozen=True, slots=True)
class IndicatorSeries:
    """Indicator values aligned with the candles' timestamps (None where undefined)."""

    symbol: str
    source: str
    times: list[str]
    series: dict[str, list[float | None]]


def _names(names: list[str]) -> list[str]:
    wanted = [n.strip().lower() for n in names if n.strip()]
    if not wanted:
        raise InvalidField("names", "name at least one indicator, e.g. sma20")
    if len(wanted) > MAX_NAMES:
        raise InvalidField("names", f"at most {MAX_NAMES} indicators per request")
    for name in wanted:
        try:
            parse_indicator(name)
        except UnknownIndicator as exc:
            raise InvalidField("names", str(exc)) from exc
    return list(dict.fromkeys(wanted))


def indicator_series(
    store: CandleStore,
    *,
    clock: Clock,
    symbol: str,
    names: list[str],
    start: date | None = None,
    end: date | None = None,
) -> IndicatorSeries:
    """``names`` over ``symbol``'s daily candles from ``start`` to ``end`` (as
    `market_history.history` reads them); each list has one value per candle."""
    wanted = _names(names)
    found = history(store, clock=clock, symbol=symbol, interval=Interval.DAY, start=start, end=end)
    rows = found.candles
    columns = [np.array([[row[i]] for row in rows], dtype=np.float64) for i in range(1, 6)]
    if not rows:
        columns = [np.zeros((0, 1)) for _ in range(5)]
    book = IndicatorBook(*columns)
    series = {
        name: [None if math.isnan(v) else v for v in book.get(name)[:, 0].tolist()]
        for name in wanted
    }
    return IndicatorSeries(
        symbol=found.symbol, source=found.source, times=[row[0] for row in rows], series=series
    )
