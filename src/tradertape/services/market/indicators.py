"""The strategy DSL's indicators on one instrument's daily candles, for the chart page.

The chart overlays exactly what a strategy sees (SMA/EMA/Bollinger on price, RSI/MACD
below): the same names (`tradertape.indicators`), the same kernels. Candles from before the
range are read too, so a long indicator is defined from the range's first day; values are
aligned with ``GET /api/market/history``'s candles of the same range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from tradertape.candles import CandleStore
from tradertape.domain.market import ChartInterval, Interval
from tradertape.errors import InvalidField, NotFound
from tradertape.indicators import IndicatorBook, UnknownIndicator, parse_indicator
from tradertape.ports.clock import Clock, ist_now
from tradertape.services.market.history import DEFAULT_DAYS, NO_DATA, candle_rows

MAX_NAMES = 10
# Calendar days read before the range: about 480 sessions, enough for a 252-bar window
# and an EMA's start-up on top.
WARMUP_DAYS = 700
# Labels, not numbers: they have no place on a chart.
_CATEGORICAL = frozenset({"vol_regime", "trend_alignment"})


@dataclass(frozen=True, slots=True)
class IndicatorSeries:
    """Each asked-for indicator, one value per candle of the range (None: undefined)."""

    symbol: str
    source: str
    times: list[str]
    series: dict[str, list[float | None]]


def parse_names(text: str) -> list[str]:
    """The comma-separated names, each checked (422 on ``names`` saying why)."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise InvalidField("names", "name at least one indicator, e.g. sma20,rsi14")
    if len(names) > MAX_NAMES:
        raise InvalidField("names", f"at most {MAX_NAMES} indicators per request")
    for name in names:
        try:
            spec = parse_indicator(name)
        except UnknownIndicator as exc:
            raise InvalidField("names", str(exc)) from exc
        if spec.kind in _CATEGORICAL:
            raise InvalidField("names", f"{name} is a label, not a series to chart")
    return list(dict.fromkeys(names))


def _value(number: float) -> float | None:
    return None if math.isnan(number) else round(number, 4)


def daily_indicators(
    store: CandleStore,
    *,
    clock: Clock,
    symbol: str,
    names: list[str],
    start: date | None = None,
    end: date | None = None,
) -> IndicatorSeries:
    """The named indicators of ``symbol``'s daily candles from ``start`` to ``end``."""
    instrument = store.catalog.find(symbol)
    if instrument is None:
        raise NotFound(f"unknown instrument '{symbol}'")
    end = end or ist_now(clock).date()
    start = start or end - timedelta(days=DEFAULT_DAYS[ChartInterval.DAY])
    if start > end:
        raise InvalidField("to", f"{end} is before from ({start})")
    info = store.info(instrument.key, Interval.DAY)
    bars = store.read(instrument.key, Interval.DAY, start - timedelta(days=WARMUP_DAYS), end)
    columns = (bars.open, bars.high, bars.low, bars.close, bars.volume)
    book = IndicatorBook(*(column[:, None] for column in columns))  # one instrument
    shown = bars.time >= np.datetime64(start)
    first = int(np.argmax(shown)) if shown.any() else len(bars)
    rows = candle_rows(bars, Interval.DAY)[first:]
    series = {name: [_value(v) for v in book.get(name)[first:, 0].tolist()] for name in names}
    return IndicatorSeries(
        symbol=instrument.key,
        source=info.source.value if info else NO_DATA,
        times=[row[0] for row in rows],
        series=series,
    )
