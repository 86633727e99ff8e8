"""`FoMinuteStore`: minute candles of options, futures and the index, one file per
underlying and trading day, for the options backtester's minute resolution.

Layout (under ``<data_dir>/candles/fo_minutes``)::

    NIFTY/2024-12-19.parquet   every NIFTY contract imported for that day, and the index

A file holds the day's bars of each contract imported (and of the underlying's index, kind
``IDX``), sorted by kind, expiry, strike and minute: one read (a millisecond or two) gives
the backtester a day's chain of minutes, and the last days read stay decoded. Columns:
``kind`` (``CE``/``PE``/``FUT``/``IDX``), ``expiry`` (null for the index), ``strike`` (0 but
for options), ``minute`` (the bar's index from 09:15 IST, 0 … 374), ``open, high, low,
close`` (rupees as printed), ``volume``.

A file comes from a broker's historical candles of one contract (Kite's CSV, Kite's or
Upstox's JSON answer: `candles.importer`), named by its trading symbol: an option
(``NIFTY24D1924000CE``, ``NIFTY24DEC24000CE``), a future (``NIFTY24DECFUT``) or the index
(``NIFTY 50``; or the underlying's name, ``NIFTY``). A monthly symbol names only its month:
the day is the expiry the imported F&O bhavcopy lists in that month (`FoStore.expiries`),
else the exchange's rule for the month (`domain.expiry.monthly_expiry`). Importing a
contract's day again replaces its bars of that day and nothing else.
"""

from __future__ import annotations

import os
import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as _compute
import pyarrow.parquet as pq

from tradertape.candles.bars import Bars
from tradertape.candles.fo_store import FoStore
from tradertape.candles.importer import read_candle_file
from tradertape.domain.expiry import index_underlyings, monthly_expiry
from tradertape.domain.market import Interval
from tradertape.domain.option_listing import parse_option_symbol
from tradertape.errors import InvalidField

pc: Any = _compute

MINUTES_FOLDER = "fo_minutes"
SESSION_MINUTES = 375  # 09:15 to 15:29 IST
_OPEN = 9 * 60 + 15
DAYS_KEPT = 8  # day tables kept decoded (a chain of a few hundred contracts is ~1 MB each)
Kind = Literal["CE", "PE", "FUT", "IDX"]

_FIELDS: list[pa.Field[Any]] = [
    pa.field("kind", pa.string()),
    pa.field("expiry", pa.date32()),
    pa.field("strike", pa.float64()),
    pa.field("minute", pa.int16()),
    pa.field("open", pa.float64()),
    pa.field("high", pa.float64()),
    pa.field("low", pa.float64()),
    pa.field("close", pa.float64()),
    pa.field("volume", pa.int64()),
]
MINUTE_SCHEMA = pa.schema(_FIELDS)
_FUTURE = re.compile(r"^(?P<yy>\d{2})(?P<mon>[A-Z]{3})FUT$")
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


@dataclass(frozen=True, slots=True)
class MinuteContract:
    """What a minute file is of: one contract of an underlying, or its index."""

    underlying: str
    kind: Kind
    expiry: date | None = None
    strike: float = 0.0

    def label(self) -> str:
        """The contract in words, for reports."""
        if self.kind == "IDX":
            return f"{self.underlying} index"
        when = self.expiry.isoformat() if self.expiry else ""
        if self.kind == "FUT":
            return f"{self.underlying} {when} future"
        return f"{self.underlying} {when} {self.strike:g} {self.kind}"


def contract_of(symbol: str, expiry_days: Iterable[date] = ()) -> MinuteContract:
    """The contract a trading symbol names (a 422 on ``symbol`` when it names none we list).

    `expiry_days` are the expiries the imported bhavcopy lists (a monthly symbol's day)."""
    text = symbol.strip().upper().removeprefix("NSE:").removeprefix("NFO:")
    indices = index_underlyings()
    for underlying, index in indices.items():
        if text in (underlying, index.tradingsymbol.upper()):
            return MinuteContract(underlying, "IDX")
    days = tuple(expiry_days)
    terms = parse_option_symbol(text, tuple(indices), days)
    if terms is not None:
        expiry = terms.expiry
        month = text[len(terms.underlying) + 2 : len(terms.underlying) + 5]
        if month in _MONTHS:  # a monthly symbol: the day is the month's expiry
            expiry = _monthly(expiry.year, expiry.month, days)
        kind: Kind = "CE" if terms.kind.value == "CE" else "PE"
        return MinuteContract(terms.underlying, kind, expiry, float(terms.strike))
    for underlying in sorted(indices, key=len, reverse=True):
        found = (
            _FUTURE.match(text.removeprefix(underlying)) if text.startswith(underlying) else None
        )
        if found is not None and found["mon"] in _MONTHS:
            number = _MONTHS.index(found["mon"]) + 1
            expiry = _monthly(2000 + int(found["yy"]), number, days)
            return MinuteContract(underlying, "FUT", expiry)
    raise InvalidField(
        "symbol",
        f"{symbol!r} is not an index option, future or index we list "
        "(e.g. NIFTY24D1924000CE, NIFTY24DEC24000CE, NIFTY24DECFUT, NIFTY 50)",
    )


def _monthly(year: int, month: int, days: tuple[date, ...]) -> date:
    listed = [d for d in days if (d.year, d.month) == (year, month)]
    return max(listed) if listed else monthly_expiry(year, month)


@dataclass(frozen=True, slots=True)
class MinuteImport:
    """What one file added: its contract, the days written and the bars kept (a bar outside
    09:15-15:29 IST is left out and counted)."""

    contract: MinuteContract
    days: tuple[date, ...]
    bars: int
    outside_session: int


class FoMinuteStore:
    """Minute bars of F&O contracts and indices, a Parquet file per underlying and day."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._kept: OrderedDict[tuple[Path, int], pa.Table] = OrderedDict()

    @classmethod
    def in_data_folder(cls, data_dir: Path) -> FoMinuteStore:
        """The store of a data folder (``<data_dir>/candles/fo_minutes``)."""
        return cls(data_dir / "candles" / MINUTES_FOLDER)

    def path(self, underlying: str, day: date) -> Path:
        """The file of one underlying's day."""
        return self.root / underlying / f"{day.isoformat()}.parquet"

    def days(self, underlying: str) -> list[date]:
        """The days stored for `underlying`, ascending."""
        folder = self.root / underlying
        if not folder.is_dir():
            return []
        return sorted(date.fromisoformat(p.stem) for p in folder.glob("*.parquet"))

    def day(self, underlying: str, on: date) -> pa.Table | None:
        """One underlying's stored bars of a day (None: nothing stored)."""
        path = self.path(underlying, on)
        try:
            version = path.stat().st_mtime_ns
        except FileNotFoundError:
            return None
        key = (path, version)
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None:
                self._kept.move_to_end(key)
                return kept
        table = pq.read_table(path, schema=MINUTE_SCHEMA)
        with self._lock:
            self._kept[key] = table
            while len(self._kept) > DAYS_KEPT:
                self._kept.popitem(last=False)
        return table

    def bars(self, contract: MinuteContract, on: date) -> pa.Table | None:
        """One contract's (or the index's) rows of a day, by minute (None: none stored)."""
        table = self.day(contract.underlying, on)
        if table is None:
            return None
        mask = pc.equal(table.column("kind"), contract.kind)
        if contract.kind != "IDX":
            mask = pc.and_(
                mask, pc.equal(table.column("expiry"), pa.scalar(contract.expiry, pa.date32()))
            )
            mask = pc.and_(mask, pc.equal(table.column("strike"), contract.strike))
        rows = table.filter(mask)
        return rows if rows.num_rows else None

    def write(self, contract: MinuteContract, bars: Bars) -> MinuteImport:
        """Store `bars` (minute candles, UTC starts) of `contract`, replacing its bars of
        each day they cover; other contracts' bars stay."""
        ist = (bars.time + np.timedelta64(330, "m")).astype("datetime64[m]")
        days = ist.astype("datetime64[D]")
        minute = (ist - days).astype(np.int64) - _OPEN
        inside = (minute >= 0) & (minute < SESSION_MINUTES)
        written: list[date] = []
        kept = 0
        for day in np.unique(days[inside]):
            pick = inside & (days == day)
            rows = int(pick.sum())
            incoming = pa.table(
                {
                    "kind": pa.array([contract.kind] * rows, pa.string()),
                    "expiry": pa.array([contract.expiry] * rows, pa.date32()),
                    "strike": pa.array(np.full(rows, contract.strike)),
                    "minute": pa.array(minute[pick].astype(np.int16)),
                    "open": pa.array(bars.open[pick]),
                    "high": pa.array(bars.high[pick]),
                    "low": pa.array(bars.low[pick]),
                    "close": pa.array(bars.close[pick]),
                    "volume": pa.array(np.nan_to_num(bars.volume[pick]).astype(np.int64)),
                },
                schema=MINUTE_SCHEMA,
            )
            on = date.fromisoformat(str(day))
            self._merge(contract, on, incoming)
            written.append(on)
            kept += rows
        return MinuteImport(contract, tuple(written), kept, int((~inside).sum()))

    def _merge(self, contract: MinuteContract, on: date, incoming: pa.Table) -> None:
        with self._lock:
            path = self.path(contract.underlying, on)
            tables = [incoming]
            if path.exists():
                stored = pq.read_table(path, schema=MINUTE_SCHEMA)
                same = pc.equal(stored.column("kind"), contract.kind)
                if contract.kind != "IDX":
                    expiry = pa.scalar(contract.expiry, pa.date32())
                    same = pc.and_(same, pc.equal(stored.column("expiry"), expiry))
                    same = pc.and_(same, pc.equal(stored.column("strike"), contract.strike))
                tables.insert(0, stored.filter(pc.invert(pc.fill_null(same, False))))
            merged = pa.concat_tables(tables).sort_by(
                [("kind", "ascending"), ("expiry", "ascending"), ("strike", "ascending"),
                 ("minute", "ascending")]
            )  # fmt: skip
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
            try:
                pq.write_table(merged, temporary, compression="zstd")
                os.replace(temporary, path)
            finally:
                temporary.unlink(missing_ok=True)


def import_minute_file(
    minutes: FoMinuteStore, chains: FoStore, path: Path, symbol: str | None = None
) -> MinuteImport:
    """Read one contract's minute candles (CSV, Parquet or a broker's JSON answer) and store
    them; the contract is `symbol`, else the file's name (``NIFTY24D1924000CE.csv``). A
    monthly symbol's day is the one the imported bhavcopy lists for its first day's month."""
    named = symbol or path.stem
    read = read_candle_file(path, Interval.MINUTE)
    if not len(read.bars):
        raise InvalidField("file", f"{path.name} holds no candles")
    return store_minutes(minutes, chains, named, read.bars)


def store_minutes(minutes: FoMinuteStore, chains: FoStore, symbol: str, bars: Bars) -> MinuteImport:
    """Store `bars` (minute candles, UTC starts, not empty) as the contract `symbol` names; a
    monthly symbol's day is the one the imported bhavcopy lists for its first day's month."""
    contract = contract_of(symbol)
    if contract.kind != "IDX":
        first = date.fromisoformat(str(bars.time[0] + np.timedelta64(330, "m"))[:10])
        contract = contract_of(symbol, chains.expiries(contract.underlying, first))
    return minutes.write(contract, bars)


def broker_key(contract: MinuteContract, symbol: str) -> str:
    """The ``EXCH:SYMBOL`` a broker's history knows `symbol` by: the index's own key, else the
    contract on its index's derivatives exchange (NFO, or BFO for a BSE index)."""
    index = index_underlyings()[contract.underlying]
    if contract.kind == "IDX":
        return index.key
    exchange = "BFO" if index.key.startswith("BSE:") else "NFO"
    return f"{exchange}:{symbol.strip().upper().partition(':')[2] or symbol.strip().upper()}"
