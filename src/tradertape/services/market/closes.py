"""Ticks made of the last stored daily close: the price a process without a market feed can
honestly quote (``tradertape mcp`` over stdio runs none).

Each tick is the instrument's latest daily candle up to today (IST), stamped at that day's
close (15:30 IST), its previous close the candle before; it carries ``source = CLOSE`` so a
quote says ``price_source: "close"`` and its time, never passing for a live price. The
candles are the store's (imported, a broker's, or the demo's synthetic market: `candles`
says which). No book: the depth is empty.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import numpy as np

from tradertape.candles import CandleStore
from tradertape.domain.market import ChartInterval, Interval, Tick
from tradertape.ports.clock import IST, Clock, ist_now
from tradertape.services.market.history import chart_bars

CLOSE = "close"  # `Tick.source` of a tick made of a stored daily close
CLOSING_TIME = time(15, 30)
_LOOK_BACK = timedelta(days=20)  # past a long weekend and a holiday or two


class CloseTicks:
    """`LastTick` of the stored daily closes (None for an instrument the store lacks)."""

    def __init__(self, store: CandleStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._day: date | None = None
        self._kept: dict[str, Tick | None] = {}  # today's, by key

    def __call__(self, key: str) -> Tick | None:
        today = ist_now(self._clock).date()
        if today != self._day:
            self._day, self._kept = today, {}
        if key not in self._kept:
            self._kept[key] = self._tick(key, today)
        return self._kept[key]

    def _tick(self, key: str, today: date) -> Tick | None:
        instrument = self._store.catalog.find(key)
        if instrument is None:
            return None
        try:
            info = self._store.info(instrument.key, Interval.DAY)
            if info is None or info.last is None:
                return None
            last = min(_day_of(info.last), today)  # the latest close stored, however old
            bars, _ = chart_bars(
                self._store, instrument.key, ChartInterval.DAY, last - _LOOK_BACK, last
            )
        except (LookupError, ValueError, OSError):  # a series the store cannot read
            return None
        if not len(bars):
            return None
        day = np.datetime64(bars.time[-1], "D").astype(date)
        close = _price(bars.close[-1])
        return Tick(
            key=instrument.key,
            instrument_token=instrument.instrument_token,
            ts=datetime.combine(day, CLOSING_TIME, IST),
            last_price=close,
            last_quantity=0,
            volume=int(bars.volume[-1]),
            open=_price(bars.open[-1]),
            high=_price(bars.high[-1]),
            low=_price(bars.low[-1]),
            prev_close=_price(bars.close[-2]) if len(bars) > 1 else close,
            source=CLOSE,
        )


def _day_of(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _price(value: float) -> Decimal:
    return Decimal(str(round(float(value), 2)))
