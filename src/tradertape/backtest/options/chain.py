"""What the options backtester reads: a day's option chain, and minute bars when it has them.

The engine depends on these two small protocols only, so any store can feed it through a thin
adapter (the F&O bhavcopy store, or the generated chains of `synthetic` for tests and the
benchmark). A day's chain is columnar, one row per listed contract, as NSE's bhavcopy lists
it (UDiFF: TckrSymb, XpryDt, StrkPric, OptnTp, OpnPric ... NewBrdLotQty).

Prices are rupees per unit as floats (the store's arrays); the engine turns the prices it
fills at into tick-rounded `Decimal` before any money is booked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
MINUTES_PER_DAY = 375  # 09:15 to 15:29 IST, one bar a minute (bar i opens at 09:15 + i)


@dataclass(frozen=True, slots=True, eq=False)
class DayChain:
    """One trading day's F&O rows of one underlying, as columns of equal length.

    ``instrument`` is NSE's kind (``OPTIDX``/``OPTSTK``, ``FUTIDX``/``FUTSTK``);
    ``option_type`` is ``CE``/``PE`` for options and ``XX`` for futures (strike 0).
    ``expiry`` is ``datetime64[D]``. NaN marks a price the exchange did not print (an
    untraded contract keeps its settlement price).
    """

    instrument: npt.NDArray[np.str_]
    expiry: npt.NDArray[np.datetime64]
    strike: FloatArray
    option_type: npt.NDArray[np.str_]
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    settle: FloatArray
    underlying_close: FloatArray  # the same value on every row: the underlying's close
    open_interest: IntArray
    volume: IntArray
    lot_size: IntArray

    def __len__(self) -> int:
        return int(self.strike.size)

    def row(self, expiry: date, strike: float, option_type: str) -> int | None:
        """The row of one contract, or None when it is not listed that day."""
        hits = np.flatnonzero(
            (self.strike == strike)
            & (self.expiry == np.datetime64(expiry, "D"))
            & (self.option_type == option_type)
        )
        return int(hits[0]) if hits.size else None

    def spot(self) -> float:
        """The underlying's close that day (NaN when the day has no row)."""
        return float(self.underlying_close[0]) if len(self) else float("nan")


@dataclass(frozen=True, slots=True)
class MinuteBars:
    """A contract's (or the underlying's) minute bars of one day.

    ``minute`` is the bar's index from 09:15 IST (0 … 374), ascending; a minute without a
    trade has no bar (the engine reads it as NaN, so nothing fills there).
    """

    minute: IntArray
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray


@runtime_checkable
class ChainSource(Protocol):
    """Daily F&O data of one or more underlyings (NSE's bhavcopy, or a generated chain)."""

    def trading_days(self, underlying: str, start: date, end: date) -> list[date]:
        """The days in [start, end] that have a chain, ascending."""
        ...

    def expiries(self, underlying: str, on: date) -> list[date]:
        """The option expiries listed on `on` (those expiring that day included), ascending."""
        ...

    def day_chain(self, underlying: str, on: date) -> DayChain:
        """Every contract of `underlying` on `on` (an empty chain when there is none)."""
        ...


@runtime_checkable
class MinuteSource(Protocol):
    """Minute bars, for the minute resolution: the underlying's and each contract's."""

    def underlying_minutes(self, underlying: str, on: date) -> MinuteBars | None:
        """The underlying's (the index's) minute bars that day."""
        ...

    def option_minutes(
        self, underlying: str, on: date, expiry: date, strike: float, option_type: str
    ) -> MinuteBars | None:
        """One option contract's minute bars that day (None: no data for it)."""
        ...


def dense(bars: MinuteBars | None) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """A day's bars on the full 375-minute grid (NaN where a minute has no bar)."""
    out = np.full((4, MINUTES_PER_DAY), np.nan)
    if bars is not None and bars.minute.size:
        if bars.minute.size == MINUTES_PER_DAY:
            return bars.open, bars.high, bars.low, bars.close
        out[0, bars.minute] = bars.open
        out[1, bars.minute] = bars.high
        out[2, bars.minute] = bars.low
        out[3, bars.minute] = bars.close
    return out[0], out[1], out[2], out[3]


def empty_chain() -> DayChain:
    """A chain with no rows (a day the source does not have)."""
    f = np.empty(0)
    i = np.empty(0, dtype=np.int64)
    s = np.empty(0, dtype="<U6")
    return DayChain(s, np.empty(0, dtype="datetime64[D]"), f, s, f, f, f, f, f, f, i, i, i)
