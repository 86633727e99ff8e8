"""Day bars taken from the synthetic market history, so live ticks agree with the candles.

The demo stores the `SyntheticMarket`'s daily history; this plan asks the same seeded
market for the day being played, so an instrument's intraday path opens, peaks, dips and
closes exactly where `/api/market/history` says that day did. Indices are derived from the
generated members exactly as the stored index history is (`synthetic_indices`), so NIFTY 50
ticks, its candles, the option chain priced off it and worker quotes show one level.
Instruments the market does not model fall back to another plan.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import numpy as np

from tradertape.candles.bars import Bars
from tradertape.candles.synthetic import SyntheticMarket
from tradertape.candles.synthetic_indices import derivable, derive_indices
from tradertape.domain.calendar import OutsideCalendarError
from tradertape.feed.plan import DayPlan
from tradertape.ports.broker import DailyBar

_KEEP_DAYS = 4


class SyntheticHistoryPlan:
    """`DayPlan` over a seeded `SyntheticMarket`, one generation per played day."""

    def __init__(self, market: SyntheticMarket, equities: Iterable[str], fallback: DayPlan):
        self._market = market
        self._keys = tuple(sorted(set(equities)))
        self._known = frozenset([*self._keys, *derivable(self._keys, market.catalog)])
        self._fallback = fallback
        self._days: dict[date, dict[str, DailyBar]] = {}

    def __call__(self, key: str, day: date) -> DailyBar | None:
        """The stored-history bar of `key` on `day` (the fallback's for other instruments)."""
        if key not in self._known:
            return self._fallback(key, day)
        if day not in self._days:
            self._load(day)
        return self._days.get(day, {}).get(key)

    def _load(self, day: date) -> None:
        # The played day and the one before it come from one generation: the feed asks for
        # both (the day's bar and the previous close).
        try:
            start = self._market.calendar.previous_trading_day(day)
        except OutsideCalendarError:
            start = day
        generated = self._market.generate(self._keys, start, day)
        series = {key: generated.bars(col) for col, key in enumerate(generated.keys)}
        series.update(derive_indices(generated, self._market.catalog))
        for row, stamp in enumerate(generated.days):
            self._days[stamp.astype("datetime64[D]").item()] = {
                key: bar for key, bars in series.items() if (bar := _bar(bars, row)) is not None
            }
        self._days.setdefault(day, {})
        for stale in sorted(self._days)[:-_KEEP_DAYS]:
            del self._days[stale]


def _bar(bars: Bars, row: int) -> DailyBar | None:
    if not np.isfinite(bars.close[row]):
        return None
    return DailyBar(
        day=bars.time[row].astype("datetime64[D]").item(),
        open=float(bars.open[row]),
        high=float(bars.high[row]),
        low=float(bars.low[row]),
        close=float(bars.close[row]),
        volume=int(bars.volume[row]),
    )
