"""The market of one underlying on a past day, minute by minute: what the chain simulator
plays (and what a replay of imported data can read).

Three sources, best first, and every answer says which:

- ``minutes``: imported minute candles (`candles.fo_minutes.FoMinuteStore`); a contract's
  price at a minute is its last close at or before it (its LTP then), NaN before its first
  trade of the day. The day's F&O bhavcopy, when imported too, adds lot sizes and the
  day's closing open interest; without it the contracts are those the minute file holds.
- ``bhavcopy``: the imported F&O bhavcopy alone, at daily resolution: every minute reads
  the day's close (the settlement price where the exchange printed no trade).
- ``synthetic``: the demo's simulated market (`backtest.options.synthetic.SyntheticChains`,
  seeded by the day), for a day nothing was imported for. Its prices are made up.

Prices are rupees per unit as floats (the stores' arrays); whoever books money turns them
into tick-rounded `Decimal`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as _compute

from tradertape.backtest.options.chain import (
    MINUTES_PER_DAY,
    DayChain,
    FloatArray,
    MinuteSource,
    dense,
    empty_chain,
)
from tradertape.backtest.options.imported import ImportedChains
from tradertape.backtest.options.imported_minutes import ImportedMinutes
from tradertape.backtest.options.synthetic import SyntheticChains
from tradertape.candles.fo_minutes import FoMinuteStore
from tradertape.candles.fo_store import FoStore
from tradertape.domain.expiry import index_underlyings
from tradertape.domain.option_listing import IST, SERIES

pc: Any = _compute  # pyarrow-stubs miss the overloads on chunked arrays
Source = Literal["minutes", "bhavcopy", "synthetic"]
SESSION_OPEN = time(9, 15)
_SYNTHETIC_LEVEL = {"NIFTY": 24_000.0, "BANKNIFTY": 52_000.0, "FINNIFTY": 23_500.0,
                    "MIDCPNIFTY": 12_500.0, "NIFTYNXT50": 68_000.0}  # fmt: skip


def minute_of(at: datetime) -> int:
    """The bar index (0 = 09:15 IST … 374 = 15:29) of a moment of the session; a ValueError
    outside it."""
    local = at.astimezone(IST)
    index = local.hour * 60 + local.minute - (SESSION_OPEN.hour * 60 + SESSION_OPEN.minute)
    if not 0 <= index < MINUTES_PER_DAY:
        raise ValueError("must be within the session, 09:15 to 15:29 IST")
    return index


def moment_of(day: date, minute: int) -> datetime:
    """The IST moment bar `minute` of `day` opens at."""
    start = datetime.combine(day, SESSION_OPEN, tzinfo=IST)
    return start + timedelta(minutes=minute)


def carried(closes: FloatArray) -> FloatArray:
    """Each minute's last close at or before it (NaN before the first)."""
    seen = ~np.isnan(closes)
    if seen.all() or not seen.any():
        return closes
    index = np.where(seen, np.arange(closes.size), 0)
    np.maximum.accumulate(index, out=index)
    out = closes[index]
    out[: int(np.argmax(seen))] = np.nan
    return out


def lot_size_of(underlying: str) -> int:
    """The lot size the reference catalog lists for the underlying's index (1 if none)."""
    index = index_underlyings().get(underlying)
    return index.lot_size if index is not None and index.lot_size else 1


@dataclass(slots=True)
class PastDay:
    """One underlying's day: its contracts (`chain`) and their prices at each minute."""

    underlying: str
    day: date
    source: Source
    chain: DayChain
    minutes: MinuteSource | None  # None: daily resolution (the bhavcopy's closes)
    has_oi: bool = True  # the listing is the bhavcopy's, with each contract's closing OI
    _kept: dict[tuple[date, float, str], FloatArray] = field(default_factory=dict)

    def expiries(self) -> list[date]:
        """The option expiries listed that day (those expiring that day included)."""
        options = self.chain.option_type != "XX"
        return sorted({d.item() for d in np.unique(self.chain.expiry[options])})

    def strikes(self, expiry: date) -> list[float]:
        """The strikes listed for `expiry`, ascending."""
        rows = (self.chain.expiry == np.datetime64(expiry, "D")) & (self.chain.option_type != "XX")
        return sorted({float(s) for s in self.chain.strike[rows]})

    def lot_size(self, expiry: date) -> int:
        """The expiry's lot size (the reference's where the file gives none)."""
        rows = (self.chain.expiry == np.datetime64(expiry, "D")) & (self.chain.lot_size > 0)
        return int(self.chain.lot_size[rows][0]) if rows.any() else lot_size_of(self.underlying)

    def open_interest(self, expiry: date, strike: float, kind: str) -> int | None:
        """The contract's open interest at the day's close (None: not known)."""
        row = self.chain.row(expiry, strike, kind)
        if row is None or not self.has_oi:
            return None
        return int(self.chain.open_interest[row])

    def spot(self) -> FloatArray:
        """The index at each minute."""
        if self.minutes is not None:
            bars = self.minutes.underlying_minutes(self.underlying, self.day)
            if bars is not None:
                return carried(dense(bars)[3])
        return np.full(MINUTES_PER_DAY, self.chain.spot())

    def future(self) -> tuple[date | None, FloatArray]:
        """The nearest future's expiry and its price at each minute (NaN: none)."""
        rows = np.flatnonzero(
            (self.chain.option_type == "XX") & (self.chain.expiry >= np.datetime64(self.day, "D"))
        )
        if not rows.size:
            return None, np.full(MINUTES_PER_DAY, np.nan)
        row = rows[int(np.argmin(self.chain.expiry[rows]))]
        expiry: date = self.chain.expiry[row].item()
        return expiry, self.closes(expiry, 0.0, "XX")

    def closes(self, expiry: date, strike: float, kind: str) -> FloatArray:
        """The contract's price (LTP) at each minute; NaN where it has none yet. ``kind`` is
        ``CE``/``PE``, or ``XX`` for the future of `expiry`."""
        key = (expiry, float(strike), kind)
        kept = self._kept.get(key)
        if kept is not None:
            return kept
        out = np.full(MINUTES_PER_DAY, np.nan)
        if self.minutes is not None:
            out = carried(
                dense(self.minutes.option_minutes(self.underlying, self.day, expiry, strike, kind))[
                    3
                ]
            )
        else:
            row = self.chain.row(expiry, strike, kind)
            if row is not None:
                close = self.chain.close[row]
                out[:] = close if np.isfinite(close) else self.chain.settle[row]
        self._kept[key] = out
        return out


def _listing_of(table: pa.Table, underlying: str) -> DayChain:
    """The contracts a day's minute file holds, as a chain with no daily prices."""
    contracts = table.filter(pc.not_equal(table.column("kind"), "IDX"))
    keys = (
        contracts.select(["kind", "expiry", "strike"])
        .group_by(["kind", "expiry", "strike"])
        .aggregate([])
    )
    if not keys.num_rows:
        return empty_chain()
    kind = np.asarray(keys.column("kind").to_pylist(), dtype="<U3")
    n = keys.num_rows
    nan = np.full(n, np.nan)
    return DayChain(
        instrument=np.where(kind == "FUT", "FUTIDX", "OPTIDX").astype("<U6"),
        expiry=np.asarray(keys.column("expiry").to_numpy(), dtype="datetime64[D]"),
        strike=np.asarray(keys.column("strike").to_numpy(), dtype=np.float64),
        option_type=np.where(kind == "FUT", "XX", kind).astype("<U2"),
        open=nan, high=nan, low=nan, close=nan, settle=nan, underlying_close=nan,
        open_interest=np.zeros(n, dtype=np.int64), volume=np.zeros(n, dtype=np.int64),
        lot_size=np.full(n, lot_size_of(underlying), dtype=np.int64),
    )  # fmt: skip


def open_day(underlying: str, day: date, data_dir: Path | None) -> PastDay:
    """The day from the best source there is (see the module docstring); a KeyError when
    nothing is imported and the simulated market does not list the underlying."""
    name = underlying.strip().upper()
    if data_dir is not None:
        minute_store = FoMinuteStore.in_data_folder(data_dir)
        chains = ImportedChains(FoStore.in_data_folder(data_dir))
        daily = chains.day_chain(name, day)
        table = minute_store.day(name, day)
        if table is not None and table.num_rows:
            minutes = ImportedMinutes(minute_store)
            if len(daily):
                return PastDay(name, day, "minutes", daily, minutes)
            return PastDay(name, day, "minutes", _listing_of(table, name), minutes, has_oi=False)
        if len(daily):
            return PastDay(name, day, "bhavcopy", daily, None)
    if name not in SERIES:
        raise KeyError(name)
    synthetic = SyntheticChains(
        day,
        day,
        underlying=name,
        seed=day.toordinal(),
        spot=_SYNTHETIC_LEVEL.get(name, 24_000.0),
        lot_size=lot_size_of(name),
    )
    chain = synthetic.day_chain(name, day)
    return PastDay(name, day, "synthetic", chain, synthetic, has_oi=False)
