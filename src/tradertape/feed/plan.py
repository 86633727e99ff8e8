"""Day plans: the bar each instrument's simulated day must reproduce.

The feed asks a `DayPlan` for the target `DailyBar` of ``(key, day)``; the previous close is
the plan's bar of the previous trading day. The candle store will plug real (or generated)
history in later through the same protocol. Until then `SyntheticDayPlan` makes a plausible,
deterministic bar from a seed and the catalog, with O(1) work per day: the close follows a
smooth multi-year level (two sinusoids with key-specific phases) plus independent daily noise,
so any day's bar is computed without walking the history before it.
"""

from __future__ import annotations

import hashlib
import math
import random
from datetime import date
from typing import Protocol

from tradertape.candles.anchors import reference_closes
from tradertape.domain.calendar import OutsideCalendarError, TradingCalendar
from tradertape.domain.instruments import Instrument, InstrumentCatalog, InstrumentType
from tradertape.ports.broker import DailyBar


class DayPlan(Protocol):
    """The target bar of an instrument on a trading day, or `None` when it does not trade."""

    def __call__(self, key: str, day: date) -> DailyBar | None:
        """Return the bar ``key`` must print on ``day``."""
        ...


# INDIA VIX's typical level; every other instrument with a reference close (approximate
# late-2025 levels, `candles.anchors`) swings around it, the rest get a hashed level.
_VIX_LEVEL = 13.0
_EQUITY_PRICE_RANGE = (60.0, 4_000.0)
_INDEX_LEVEL_RANGE = (5_000.0, 60_000.0)
_EQUITY_VOLUME_RANGE = (50_000.0, 8_000_000.0)
_DAILY_NOISE = 0.011  # sd of the log close around its level: ~1.5 % daily moves
_GAP = 0.004  # sd of the opening gap
_RANGE = 0.006  # scale of how far high/low reach beyond open and close


def stable_unit(*parts: object) -> float:
    """A deterministic number in [0, 1) from the parts (stable across processes and runs)."""
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _rng(*parts: object) -> random.Random:
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))  # noqa: S311 - simulation, not security


def _log_uniform(u: float, low: float, high: float) -> float:
    return math.exp(math.log(low) + u * (math.log(high) - math.log(low)))


class SyntheticDayPlan:
    """Plausible bars for every catalog instrument, the same for the same seed everywhere."""

    def __init__(self, catalog: InstrumentCatalog, calendar: TradingCalendar, *, seed: int) -> None:
        self._catalog = catalog
        self._calendar = calendar
        self._seed = seed

    def _base(self, instrument: Instrument) -> float:
        key = instrument.key
        if key == "NSE:INDIA VIX":
            return _VIX_LEVEL
        reference = reference_closes().get(key)
        if reference is not None:
            return reference
        span = (
            _INDEX_LEVEL_RANGE
            if instrument.instrument_type is InstrumentType.INDEX
            else _EQUITY_PRICE_RANGE
        )
        return _log_uniform(stable_unit(self._seed, key, "base"), *span)

    def close_level(self, instrument: Instrument, day: date) -> float:
        """The day's close: a smooth level times independent daily noise."""
        key, t = instrument.key, day.toordinal()
        phase1, phase2 = (2 * math.pi * stable_unit(self._seed, key, p) for p in ("p1", "p2"))
        slow = 0.25 * math.sin(2 * math.pi * t / 420 + phase1)  # a trend over ~1.5 years
        fast = 0.08 * math.sin(2 * math.pi * t / 75 + phase2)  # a swing over ~3 months
        noise = _rng(self._seed, key, day, "close").gauss(0.0, _DAILY_NOISE)
        return self._base(instrument) * math.exp(slow + fast + noise)

    def prev_close(self, instrument: Instrument, day: date) -> float:
        """The close of the trading day before `day` (`day`'s level at the calendar's start)."""
        try:
            previous = self._calendar.previous_trading_day(day)
        except OutsideCalendarError:
            previous = day
        return self.close_level(instrument, previous)

    def __call__(self, key: str, day: date) -> DailyBar | None:
        """The synthetic bar of `key` on `day`; `None` for keys outside the catalog."""
        instrument = self._catalog.find(key)
        if instrument is None:
            return None
        rng = _rng(self._seed, key, day, "bar")
        close = self.close_level(instrument, day)
        open_ = self.prev_close(instrument, day) * math.exp(rng.gauss(0.0, _GAP))
        high = max(open_, close) * math.exp(abs(rng.gauss(0.0, _RANGE)))
        low = min(open_, close) * math.exp(-abs(rng.gauss(0.0, _RANGE)))
        volume = 0  # indices print no volume, as on Kite
        if instrument.instrument_type is not InstrumentType.INDEX:
            typical = _log_uniform(stable_unit(self._seed, key, "volume"), *_EQUITY_VOLUME_RANGE)
            volume = int(typical * math.exp(rng.gauss(0.0, 0.35)))
        return DailyBar(day=day, open=open_, high=high, low=low, close=close, volume=volume)
