"""Day bars taken from the synthetic market history, so live ticks agree with the candles.

The demo stores the `SyntheticMarket`'s daily history; this plan asks the same seeded
market for the day being played, so an instrument's intraday path opens, peaks, dips and
closes exactly where `/api/market/history` says that day did. Instruments the market does
not model (indices) fall back to another plan.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import numpy as np

from tradertape.candles.synthetic import SyntheticMarket
from tradertape.domain.calendar import OutsideCalendarError
from tradertape.domain.market import DailyBar
from tradertape.feed.plan import DayPlan

_KEEP_DAYS = 4


class SyntheticHistoryPlan:
    """`DayPlan` over a seeded `SyntheticMarket`, one generation per played day."""

    def __init__(self, market: SyntheticMarket, equities: Iterable[str], fallback: DayPlan):
        self._market = market
        self._keys = tuple(sorted(set(equities)))
        self._known = frozenset(self._keys)
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
        for row, stamp in enumerate(generated.days):
            bars = {
                key: DailyBar(
                    day=stamp.astype("datetime64[D]").item(),
                    open=float(generated.open[row, col]),
                    high=float(generated.high[row, col]),
                    low=float(generated.low[row, col]),
                    close=float(generated.close[row, col]),
                    volume=int(generated.volume[row, col]),
                )
                for col, key in enumerate(generated.keys)
                if np.isfinite(generated.close[row, col])
            }
            self._days[stamp.astype("datetime64[D]").item()] = bars
        self._days.setdefault(day, {})
        for stale in sorted(self._days)[:-_KEEP_DAYS]:
            del self._days[stale]
