"""Chains the tests and the benchmark make: an in-memory `ChainSource` (and `MinuteSource`),
filled from rows written by hand or generated from a seeded random walk priced by Black-76.

Generated prices are simulated, not NSE's: every result on them says so (``synthetic``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import numpy as np

from tradertape.backtest.options.chain import (
    MINUTES_PER_DAY,
    DayChain,
    FloatArray,
    MinuteBars,
    empty_chain,
)
from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.option_listing import (
    IST,
    RISK_FREE_RATE,
    SERIES,
    OptionSeries,
    expiries,
)

_TICK = 0.05
_FUTURE_TICK = 0.10  # an index future's at these levels (`domain.ticks`)


def _chain(rows: list[Mapping[str, Any]]) -> DayChain:
    def col(name: str, default: object = math.nan) -> list[Any]:
        return [r.get(name, default) for r in rows]

    close = np.array(col("close"), dtype=np.float64)
    return DayChain(
        instrument=np.array(col("instrument", "OPTIDX"), dtype="<U6"),
        expiry=np.array(col("expiry"), dtype="datetime64[D]"),
        strike=np.array(col("strike"), dtype=np.float64),
        option_type=np.array(col("option_type"), dtype="<U2"),
        open=np.array(col("open"), dtype=np.float64),
        high=np.array(col("high"), dtype=np.float64),
        low=np.array(col("low"), dtype=np.float64),
        close=close,
        settle=np.array([r.get("settle", r.get("close")) for r in rows], dtype=np.float64),
        underlying_close=np.array(col("underlying_close"), dtype=np.float64),
        open_interest=np.array(col("open_interest", 0), dtype=np.int64),
        volume=np.array(col("volume", 0), dtype=np.int64),
        lot_size=np.array(col("lot_size", 75), dtype=np.int64),
    )


class InMemoryChains:
    """Chains held in memory, by underlying and day; minute bars by contract and day."""

    def __init__(
        self,
        chains: Mapping[str, Mapping[date, DayChain]],
        *,
        minutes: Mapping[tuple[str, date, date, float, str], MinuteBars] | None = None,
        underlying_minutes: Mapping[tuple[str, date], MinuteBars] | None = None,
        listed: Mapping[str, Mapping[date, list[date]]] | None = None,
    ) -> None:
        self._chains = {u: dict(days) for u, days in chains.items()}
        self._minutes = dict(minutes or {})
        self._under = dict(underlying_minutes or {})
        self._listed = {u: dict(d) for u, d in (listed or {}).items()}

    @classmethod
    def from_rows(cls, underlying: str, rows: Iterable[Mapping[str, Any]]) -> InMemoryChains:
        """A source from bhavcopy-like rows: ``day``, ``expiry``, ``strike``, ``option_type``,
        ``open`` … ``close``, ``settle`` (the close when absent), ``underlying_close``,
        ``lot_size`` (75 when absent)."""
        by_day: dict[date, list[Mapping[str, Any]]] = defaultdict(list)
        for row in rows:
            by_day[row["day"]].append(row)
        return cls({underlying: {d: _chain(r) for d, r in sorted(by_day.items())}})

    # ChainSource
    def trading_days(self, underlying: str, start: date, end: date) -> list[date]:
        return [d for d in self._chains.get(underlying, {}) if start <= d <= end]

    def expiries(self, underlying: str, on: date) -> list[date]:
        listed = self._listed.get(underlying, {}).get(on)
        if listed is not None:
            return listed
        chain = self._chains.get(underlying, {}).get(on)
        if chain is None or not len(chain):
            return []
        days = np.unique(chain.expiry).astype("datetime64[D]").tolist()
        return [d for d in days if d >= on]

    def day_chain(self, underlying: str, on: date) -> DayChain:
        return self._chains.get(underlying, {}).get(on) or empty_chain()

    # MinuteSource
    def underlying_minutes(self, underlying: str, on: date) -> MinuteBars | None:
        return self._under.get((underlying, on))

    def option_minutes(
        self, underlying: str, on: date, expiry: date, strike: float, option_type: str
    ) -> MinuteBars | None:
        return self._minutes.get((underlying, on, expiry, float(strike), option_type))


def ndtr(x: Any) -> Any:
    """The standard normal distribution function of an array, to about 1e-7 (Abramowitz and
    Stegun 7.1.26 for erf): ample for simulated prices, with NumPy alone."""
    z = np.abs(np.asarray(x, dtype=np.float64)) / math.sqrt(2.0)
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    erf = 1.0 - poly * np.exp(-z * z)
    return 0.5 * (1.0 + np.sign(x) * erf)


def _black(kind: str, forward: Any, strike: Any, years: Any, vol: float) -> Any:
    spread = vol * np.sqrt(np.maximum(years, 1e-9))
    d1 = (np.log(forward / strike) + 0.5 * spread * spread) / spread
    d2 = d1 - spread
    if kind == "CE":
        return forward * ndtr(d1) - strike * ndtr(d2)
    return strike * ndtr(-d2) - forward * ndtr(-d1)


def _ticks(values: Any) -> Any:
    return np.maximum(np.round(np.asarray(values) / _TICK) * _TICK, _TICK).round(2)


def _future_ticks(values: Any) -> Any:
    return (np.round(np.asarray(values) / _FUTURE_TICK) * _FUTURE_TICK).round(2)


@dataclass(frozen=True, slots=True)
class _Day:
    day: date
    open: float
    close: float
    path: FloatArray  # the underlying's minute closes (375)
    listed: list[date]
    monthly: list[date]  # the monthly expiries: each has a future


class SyntheticChains(InMemoryChains):
    """A seeded random walk of the underlying and Black-76 chains around it (simulated).

    Daily chains are made up front; a contract's minute bars when first asked for (or by
    `warm`, so a benchmark times the engine alone).
    """

    def __init__(  # noqa: PLR0913
        self,
        start: date,
        end: date,
        *,
        underlying: str = "NIFTY",
        seed: int = 7,
        spot: float = 24_000.0,
        vol: float = 0.14,
        lot_size: int = 75,
        strikes_each_side: int = 15,
    ) -> None:
        series: OptionSeries = SERIES[underlying]
        calendar = nse_calendar()
        rng = np.random.default_rng(seed)
        self.underlying = underlying
        self.vol = vol
        self.step = float(series.strike_step)
        self._days: dict[date, _Day] = {}
        self._grids: dict[date, FloatArray] = {}
        chains: dict[date, DayChain] = {}
        listed_by_day: dict[date, list[date]] = {}
        level = spot
        for day in calendar.trading_days(start, end):
            sigma_min = vol / math.sqrt(252 * MINUTES_PER_DAY)
            gap = level * (1 + rng.normal(0, vol / math.sqrt(252) / 4))
            steps = rng.normal(0, sigma_min, MINUTES_PER_DAY)
            path = gap * np.exp(np.cumsum(steps))
            listing = expiries(series, day, calendar, weeklies=2, monthlies=1)
            listed = [e.day for e in listing]
            monthly = [e.day for e in listing if e.monthly]
            info = _Day(day, round(gap, 2), round(float(path[-1]), 2), path, listed, monthly)
            self._days[day] = info
            listed_by_day[day] = listed
            chains[day] = self._day_chain(info, lot_size, strikes_each_side)
            level = float(path[-1])
        super().__init__({underlying: chains}, listed={underlying: listed_by_day})
        self._lazy: dict[tuple[str, date, date, float, str], MinuteBars] = {}

    def _years(self, day: date, expiry: date, minutes: FloatArray) -> FloatArray:
        close = datetime.combine(expiry, time(15, 30), tzinfo=IST)
        start = datetime.combine(day, time(9, 15), tzinfo=IST)
        base = (close - start).total_seconds() / 60.0
        return np.maximum(base - minutes, 0.5) / (365.0 * 24 * 60)

    def _day_chain(self, info: _Day, lot_size: int, each_side: int) -> DayChain:
        atm = round(info.open / self.step) * self.step
        around = atm + self.step * np.arange(-each_side, each_side + 1, dtype=np.float64)
        sample = np.arange(0, MINUTES_PER_DAY, 15)
        spots = np.concatenate([[info.open], info.path[sample], [info.close]])[:, None]
        at = np.concatenate([[0.0], sample.astype(np.float64), [MINUTES_PER_DAY]])
        parts: dict[str, list[Any]] = defaultdict(list)
        for expiry in info.listed:
            # a strike once listed stays listed until its expiry, as NSE's do
            strikes = np.union1d(self._grids.get(expiry, around), around)
            self._grids[expiry] = strikes
            years = self._years(info.day, expiry, at)[:, None]
            for kind in ("CE", "PE"):
                prices = _ticks(_black(kind, spots, strikes[None, :], years, self.vol))
                parts["expiry"].append(np.full(strikes.size, np.datetime64(expiry, "D")))
                parts["strike"].append(strikes)
                parts["option_type"].append(np.full(strikes.size, kind, dtype="<U2"))
                parts["open"].append(prices[0])
                parts["close"].append(prices[-1])
                parts["high"].append(prices.max(axis=0))
                parts["low"].append(prices.min(axis=0))
        options = sum(a.size for a in parts["strike"])
        for expiry in info.monthly:  # the future: the forward at the day's prices
            years = self._years(info.day, expiry, at)
            prices = _future_ticks(spots[:, 0] * np.exp(RISK_FREE_RATE * years))
            parts["expiry"].append(np.array([np.datetime64(expiry, "D")]))
            parts["strike"].append(np.zeros(1))
            parts["option_type"].append(np.array(["XX"], dtype="<U2"))
            for column, value in (("open", prices[0]), ("close", prices[-1]),
                                  ("high", prices.max()), ("low", prices.min())):  # fmt: skip
                parts[column].append(np.array([value]))
        n = sum(a.size for a in parts["strike"])
        close = np.concatenate(parts["close"])
        kinds = np.full(n, "FUTIDX", dtype="<U6")
        kinds[:options] = "OPTIDX"
        return DayChain(
            instrument=kinds,
            expiry=np.concatenate(parts["expiry"]),
            strike=np.concatenate(parts["strike"]),
            option_type=np.concatenate(parts["option_type"]),
            open=np.concatenate(parts["open"]),
            high=np.concatenate(parts["high"]),
            low=np.concatenate(parts["low"]),
            close=close,
            settle=close.copy(),
            underlying_close=np.full(n, info.close),
            open_interest=np.zeros(n, dtype=np.int64),
            volume=np.zeros(n, dtype=np.int64),
            lot_size=np.full(n, lot_size, dtype=np.int64),
        )

    def underlying_minutes(self, underlying: str, on: date) -> MinuteBars | None:
        info = self._days.get(on)
        if info is None or underlying != self.underlying:
            return None
        closes = info.path
        opens = np.concatenate([[info.open], closes[:-1]])
        return MinuteBars(
            np.arange(MINUTES_PER_DAY), opens, np.fmax(opens, closes),
            np.fmin(opens, closes), closes,
        )  # fmt: skip

    def option_minutes(
        self, underlying: str, on: date, expiry: date, strike: float, option_type: str
    ) -> MinuteBars | None:
        key = (underlying, on, expiry, float(strike), option_type)
        found = self._lazy.get(key)
        if found is None:
            info = self._days.get(on)
            if info is None or underlying != self.underlying or expiry not in info.listed:
                return None
            years = self._years(on, expiry, np.arange(MINUTES_PER_DAY, dtype=np.float64))
            if option_type == "XX":
                if expiry not in info.monthly:
                    return None
                closes = _future_ticks(info.path * np.exp(RISK_FREE_RATE * years))
            else:
                closes = _ticks(_black(option_type, info.path, float(strike), years, self.vol))
            opens = np.concatenate([[closes[0]], closes[:-1]])
            found = MinuteBars(
                np.arange(MINUTES_PER_DAY), opens, np.fmax(opens, closes),
                np.fmin(opens, closes), closes,
            )  # fmt: skip
            self._lazy[key] = found
        return found

    def warm(self, near_atm: int = 2) -> None:
        """Make the minute bars of the nearest expiry's strikes around each day's open."""
        for day, info in self._days.items():
            atm = round(info.open / self.step) * self.step
            for i in range(-near_atm, near_atm + 1):
                for kind in ("CE", "PE"):
                    self.option_minutes(
                        self.underlying, day, info.listed[0], atm + i * self.step, kind
                    )
