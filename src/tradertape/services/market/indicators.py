"""The strategy DSL's indicators on one instrument's candles, for the chart page.

The chart draws exactly what a strategy sees: the same names (`tradertape.indicators`), the
same kernels, on the chart's own candles of any interval (a minute to a week, with the feed's
minutes). Candles from before the range are read too, so a long indicator is defined from the
range's first candle; values are aligned with ``GET /api/market/history``'s candles of the
same interval and range. `chart_forms` lists every form the chart offers, with where it is
drawn (over the price or in a pane of its own) and its usual parameters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from tradertape.candles import CandleStore
from tradertape.candles.live import CandleBook
from tradertape.domain.market import ChartInterval, Interval
from tradertape.errors import InvalidField
from tradertape.indicators import IndicatorBook, UnknownIndicator, parse_indicator
from tradertape.indicators.names import BB_DEVIATIONS, FORMS_BY_KIND
from tradertape.ports.clock import Clock
from tradertape.services.market.history import (
    candle_rows,
    chart_bars,
    chart_range,
)

MAX_NAMES = 10
# Calendar days read before the range: about 480 sessions, enough for a 252-bar window
# and an EMA's start-up on top.
WARMUP_DAYS = 700
#: Calendar days of minutes read before an intraday range, by candle length: enough
#: sessions for a 200-candle average of the interval (and within the store's month files).
INTRADAY_WARMUP_DAYS = {1: 4, 3: 7, 5: 10, 15: 21, 30: 30, 60: 45}
_IST = np.timedelta64(330, "m")
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


def warmup_days(interval: ChartInterval) -> int:
    """Calendar days read before the range so that long indicators start defined."""
    minutes = interval.minutes
    if minutes is None:
        return WARMUP_DAYS
    return INTRADAY_WARMUP_DAYS.get(minutes, 30)


def chart_indicators(
    store: CandleStore,
    *,
    clock: Clock,
    symbol: str,
    names: list[str],
    interval: ChartInterval = ChartInterval.DAY,
    start: date | None = None,
    end: date | None = None,
    live: CandleBook | None = None,
    live_source: str = "live",
) -> IndicatorSeries:
    """The named indicators of ``symbol``'s candles of `interval` from ``start`` to ``end``:
    the chart's own candles (`history.chart_bars`, with the feed's minutes), warmed up on the
    ones before the range."""
    key, start, end = chart_range(store, clock, symbol, interval, start, end)
    bars, source = chart_bars(
        store,
        key,
        interval,
        start - timedelta(days=warmup_days(interval)),
        end,
        live=live,
        live_source=live_source,
    )
    columns = (bars.open, bars.high, bars.low, bars.close, bars.volume)
    book = IndicatorBook(*(column[:, None] for column in columns))  # one instrument
    first_time = np.datetime64(start, "D")
    if interval.stored is Interval.MINUTE:
        first_time = first_time.astype("datetime64[s]") - _IST
    shown = bars.time >= first_time
    first = int(np.argmax(shown)) if shown.any() else len(bars)
    rows = candle_rows(bars, interval.stored)[first:]
    series = {name: [_value(v) for v in book.get(name)[first:, 0].tolist()] for name in names}
    return IndicatorSeries(
        symbol=key,
        source=source,
        times=[row[0] for row in rows],
        series=series,
    )


@dataclass(frozen=True, slots=True)
class ChartForm:
    """One indicator form as the chart offers it: where it is drawn, its parameters'
    defaults, and how its name is spelled from them."""

    pattern: str
    kind: str
    description: str
    place: str  # "price": over the candles, on their scale; "pane": a pane of its own
    template: str  # the name with "{0}", "{1}"... for the parameters
    params: list[tuple[str, int, int, int]]  # (letter, lowest, highest, default)


#: The chart's default parameters per kind (the usual ones: SMA 20, RSI 14, MACD 12/26/9).
CHART_DEFAULTS: dict[str, tuple[int, ...]] = {
    "sma": (20,),
    "ema": (50,),
    "wma": (20,),
    "rsi": (14,),
    "atr": (14,),
    "natr": (14,),
    "adx": (14,),
    "plus_di": (14,),
    "minus_di": (14,),
    "stoch": (14,),
    "stoch_d": (14,),
    "roc": (10,),
    "stddev": (20,),
    "cci": (20,),
    "willr": (14,),
    "mfi": (14,),
    "vol_sma": (20,),
    "vol_ratio": (20,),
    "highest": (20,),
    "lowest": (20,),
    "macd": (12, 26, 9),
    "macd_signal": (12, 26, 9),
    "macd_hist": (12, 26, 9),
}
#: Kinds drawn over the candles, in rupees; every other one gets a pane of its own.
ON_PRICE = frozenset(
    {"sma", "ema", "wma", "bb_upper", "bb_middle", "bb_lower", "highest", "lowest"}
)
#: The raw fields are the candles themselves: not offered as indicators.
_RAW = frozenset({"open", "high", "low", "close", "volume"})


def chart_forms() -> list[ChartForm]:
    """Every indicator form of the strategy DSL the chart can draw (all but the raw fields
    and the categorical labels), each once (the 52-week aliases are their N = 252 forms)."""
    out = []
    for form in FORMS_BY_KIND.values():
        if form.kind in _RAW or form.kind in _CATEGORICAL:
            continue
        defaults = CHART_DEFAULTS.get(form.kind) or _bb_defaults(form.kind, len(form.params))
        out.append(
            ChartForm(
                pattern=form.pattern,
                kind=form.kind,
                description=form.description,
                place="price" if form.kind in ON_PRICE else "pane",
                template=form.template,
                params=[
                    (p.letter, p.low, p.high, d) for p, d in zip(form.params, defaults, strict=True)
                ],
            )
        )
    return out


def _bb_defaults(kind: str, count: int) -> tuple[int, ...]:
    if kind.startswith("bb_"):
        return (20, BB_DEVIATIONS)[:count]
    return (20,) * count  # dist_*_pct and any newer one-period form
