"""`FoStore`: NSE's F&O bhavcopies as Parquet, one file per underlying and month.

Layout (under ``<data_dir>/candles/fo``)::

    NIFTY/2024-07.parquet        every NIFTY future and option of July 2024's trading days
    M&M/2024-07.parquet          (a symbol is percent-encoded where a file name cannot hold it)

A file is sorted by trade date, then expiry, instrument, strike and option type; its footer
lists the days and expiries it holds (read once per version of the file: `_Footer`, so the
days and expiries stored are known without reading a column). A day's chain is a slice of the
month's table, and the last `MONTHS_KEPT` months read stay decoded: the engine walks a month
day by day, paying one read (a few milliseconds) for the month and microseconds a day.
Columns (`CHAIN_SCHEMA`): ``trade_date, instrument, expiry, strike, option_type, open, high,
low, close, settle, underlying_close, open_interest, change_in_oi, volume, lot_size``; prices
are float64 as NSE prints them (two decimals), `settlement` answers them as `Decimal` to the
paisa. Lot sizes are the files' own (UDiFF's ``NewBrdLotQty``), so a lot revision is in the
data by date; the legacy layout has none (null).

Writing a day replaces that day of each underlying it lists (`write_days`): importing a file
twice changes nothing. Writes are serialised in the process and each file is replaced
atomically (a reader sees the old month or the new one).
"""

from __future__ import annotations

import os
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Protocol
from urllib.parse import quote, unquote

import numpy as np
import pyarrow as pa
import pyarrow.compute as _compute
import pyarrow.parquet as pq

from tradertape.candles.fo_bhavcopy import DAY_SCHEMA, FoDay
from tradertape.domain.money import paise

# pyarrow-stubs' overloads miss calls pyarrow takes (a chunked array with a Python scalar,
# Kleene logic on nullable masks): its compute functions are used untyped.
pc: Any = _compute

FO_FOLDER = "fo"
FORMAT_VERSION = "1"
WRITER_THREADS = 3
MONTHS_KEPT = 24  # month tables kept decoded (a NIFTY month is ~60,000 rows, ~7 MB)
_SAFE = "&-_"
_SORT: list[tuple[str, Literal["ascending", "descending"]]] = [
    ("trade_date", "ascending"),
    ("expiry", "ascending"),
    ("instrument", "ascending"),
    ("strike", "ascending"),
    ("option_type", "ascending"),
]

#: A day's chain as `FoStore.day_chain` answers it (and as a month file stores it).
CHAIN_SCHEMA = pa.schema([pa.field("trade_date", pa.date32()), *list(DAY_SCHEMA)[1:]])

Progress = Callable[[str, int, int], None]


class ContractLike(Protocol):
    """What names a contract (`domain.expiry.Contract` is one): ``kind`` CE, PE or FUT."""

    @property
    def underlying(self) -> str: ...
    @property
    def expiry(self) -> date: ...
    @property
    def kind(self) -> str: ...
    @property
    def strike(self) -> Decimal | None: ...


@dataclass(frozen=True, slots=True)
class FoSettlement:
    """A contract's day in the bhavcopy: its settlement price (``SttlmPric``/``SETTLE_PR``),
    its close, the underlying's close (None where the file has none) and its lot size."""

    settle: Decimal
    close: Decimal
    underlying_close: Decimal | None
    lot_size: int | None


@dataclass(frozen=True, slots=True)
class FoCoverage:
    """What is stored of one underlying: its trading days and every expiry listed on them."""

    underlying: str
    days: tuple[date, ...]
    expiries: tuple[date, ...]
    rows: int


@dataclass(frozen=True, slots=True)
class FoWriteReport:
    """What `write_days` did."""

    days: tuple[date, ...]
    underlyings: int
    rows: int
    replaced_days: int  # (underlying, day) pairs that were stored already and are replaced
    files: int


@dataclass(frozen=True, slots=True)
class _Footer:
    """A month file's footer, read once per version of the file."""

    stamp: tuple[int, int]
    days: tuple[date, ...]
    expiries: tuple[date, ...]
    rows: int


def _as_chain(table: pa.Table) -> pa.Table:
    table = table.replace_schema_metadata(None)
    return table if table.schema.equals(CHAIN_SCHEMA) else table.cast(CHAIN_SCHEMA)


def _decimal(value: float) -> Decimal:
    # repr gives the shortest text that reads back as the same float: the file's figure
    return paise(Decimal(repr(value)))


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


class FoStore:
    """Reads and writes the F&O bhavcopy files under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._write_lock = threading.Lock()
        self._footers: dict[Path, _Footer] = {}
        self._tables: OrderedDict[tuple[Path, tuple[int, int]], tuple[pa.Table, Any]] = (
            OrderedDict()
        )
        self._footers_lock = threading.Lock()

    @classmethod
    def in_data_folder(cls, data_dir: Path) -> FoStore:
        """An install's store: ``candles/fo`` in its data folder; one object per folder in the
        process, so its writes are serialised and its footers read once."""
        return _shared(data_dir.expanduser().resolve() / "candles" / FO_FOLDER)

    # -- paths --------------------------------------------------------------------------

    def folder(self, underlying: str) -> Path:
        return self.root / quote(underlying.upper(), safe=_SAFE)

    def path(self, underlying: str, month: str) -> Path:
        """The file of `underlying`'s month (``YYYY-MM``)."""
        return self.folder(underlying) / f"{month}.parquet"

    def underlyings(self) -> list[str]:
        """Every underlying with stored days, sorted."""
        if not self.root.is_dir():
            return []
        return sorted(
            unquote(p.name) for p in self.root.iterdir() if p.is_dir() and any(p.glob("*.parquet"))
        )

    def _months(self, underlying: str) -> list[tuple[str, Path]]:
        folder = self.folder(underlying)
        if not folder.is_dir():
            return []
        return sorted((p.stem, p) for p in folder.glob("*.parquet"))

    # -- footers ------------------------------------------------------------------------

    def _footer(self, path: Path) -> _Footer | None:
        try:
            stat = path.stat()
        except FileNotFoundError:
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._footers_lock:
            held = self._footers.get(path)
        if held is not None and held.stamp == stamp:
            return held
        metadata = pq.read_metadata(path)
        kept = metadata.metadata or {}

        def listed(name: bytes) -> tuple[date, ...]:
            text = kept.get(name, b"").decode()
            return tuple(date.fromisoformat(t) for t in text.split(",") if t)

        days, expiries = listed(b"tradertape.fo.days"), listed(b"tradertape.fo.expiries")
        footer = _Footer(stamp, days, expiries, metadata.num_rows)
        with self._footers_lock:
            self._footers[path] = footer
        return footer

    # -- the read API -------------------------------------------------------------------

    def trading_days(self, underlying: str, start: date, end: date) -> list[date]:
        """The days from `start` to `end` (both included) whose bhavcopy listed `underlying`."""
        first, last = _month(start), _month(end)
        found: list[date] = []
        for month, path in self._months(underlying):
            if first <= month <= last and (footer := self._footer(path)) is not None:
                found.extend(d for d in footer.days if start <= d <= end)
        return sorted(found)

    def _month_table(self, underlying: str, on: date) -> tuple[pa.Table, Any] | None:
        """The month file of `on` as a table and its trade dates (numpy), or None; the last
        few months read are kept (the engine walks a month day by day)."""
        path = self.path(underlying, _month(on))
        footer = self._footer(path)
        if footer is None or on not in footer.days:
            return None
        key = (path, footer.stamp)
        with self._footers_lock:
            held = self._tables.get(key)
            if held is not None:
                self._tables.move_to_end(key)
                return held
        table = _as_chain(pq.read_table(path))
        dates = table.column("trade_date").to_numpy().astype("datetime64[D]")
        with self._footers_lock:
            self._tables[key] = (table, dates)
            while len(self._tables) > MONTHS_KEPT:
                self._tables.popitem(last=False)
        return table, dates

    def day_chain(self, underlying: str, on: date) -> pa.Table:
        """Every contract of `underlying` listed on `on` (`CHAIN_SCHEMA`; no rows if that day
        is not stored), sorted by expiry, instrument, strike and option type."""
        found = self._month_table(underlying, on)
        if found is None:
            return CHAIN_SCHEMA.empty_table()
        table, dates = found
        day = np.datetime64(on, "D")
        first = int(np.searchsorted(dates, day, side="left"))
        last = int(np.searchsorted(dates, day, side="right"))
        return table.slice(first, last - first)

    def expiries(self, underlying: str, on: date) -> list[date]:
        """The expiries of `underlying`'s contracts listed on `on`, soonest first."""
        column = self.day_chain(underlying, on).column("expiry")
        return sorted(pc.unique(column).to_pylist())

    def settlement(self, contract: ContractLike, on: date) -> FoSettlement | None:
        """`contract`'s settlement price and close on `on`, and the underlying's close
        (`underlying_close`); None when the bhavcopy of `on` does not list it."""
        chain = self.day_chain(contract.underlying, on)
        if not chain.num_rows:
            return None
        mask = pc.equal(chain.column("expiry"), pa.scalar(contract.expiry, pa.date32()))
        if contract.kind == "FUT" or contract.strike is None:
            mask = pc.and_(mask, pc.starts_with(chain.column("instrument"), "FUT"))
        else:
            mask = pc.and_(mask, pc.equal(chain.column("option_type"), contract.kind))
            mask = pc.and_(mask, pc.equal(chain.column("strike"), float(contract.strike)))
        rows = chain.filter(mask).to_pylist()
        if not rows:
            return None
        row = rows[0]
        return FoSettlement(
            settle=_decimal(row["settle"]),
            close=_decimal(row["close"]) if row["close"] is not None else _decimal(row["settle"]),
            underlying_close=self._underlying_close(chain, on),
            lot_size=row["lot_size"],
        )

    def underlying_close(self, underlying: str, on: date) -> Decimal | None:
        """The underlying's close on `on` as the F&O bhavcopy gives it (UDiFF's
        ``UndrlygPric``; in the legacy layout, on an expiry day, the expiring future's final
        settlement price, which is that close); None when the files do not say."""
        return self._underlying_close(self.day_chain(underlying, on), on)

    @staticmethod
    def _underlying_close(chain: pa.Table, on: date) -> Decimal | None:
        if not chain.num_rows:
            return None
        closes = chain.column("underlying_close").drop_null()
        if len(closes):
            counts = pc.value_counts(closes)
            best = int(np.argmax(counts.field("counts").to_numpy()))
            return _decimal(counts.field("values")[best].as_py())
        expiring = pc.and_(
            pc.starts_with(chain.column("instrument"), "FUT"),
            pc.equal(chain.column("expiry"), pa.scalar(on, pa.date32())),
        )
        settles: list[float] = chain.filter(expiring).column("settle").to_pylist()  # type: ignore[assignment]  # settle is never null
        return _decimal(settles[0]) if settles else None

    def coverage(self) -> list[FoCoverage]:
        """Each stored underlying's days and expiries, from the files' footers."""
        found: list[FoCoverage] = []
        for underlying in self.underlyings():
            days: list[date] = []
            expiries: set[date] = set()
            rows = 0
            for _, path in self._months(underlying):
                footer = self._footer(path)
                if footer is not None:
                    days.extend(footer.days)
                    expiries.update(footer.expiries)
                    rows += footer.rows
            found.append(FoCoverage(underlying, tuple(sorted(days)), tuple(sorted(expiries)), rows))
        return found

    # -- writing ------------------------------------------------------------------------

    def write_days(self, days: Sequence[FoDay], progress: Progress | None = None) -> FoWriteReport:
        """Store `days` (bhavcopies already parsed and checked), replacing each stored
        (underlying, day) they hold. Two files of one day are refused by the caller."""
        report = progress or (lambda stage, done, total: None)
        if not days:
            return FoWriteReport((), 0, 0, 0, 0)
        tables = [
            day.table.add_column(0, "trade_date", pa.array([day.day] * day.rows, pa.date32()))
            for day in days
        ]
        table = pa.concat_tables(tables).combine_chunks()
        table = table.sort_by([("symbol", "ascending"), *_SORT])
        symbols = table.column("symbol")
        counts = pc.value_counts(symbols)  # in order of first appearance: sorted
        months = sorted({_month(d.day) for d in days})
        jobs: list[tuple[str, str, pa.Table]] = []
        start = 0
        for entry in counts:
            symbol, count = entry["values"].as_py(), entry["counts"].as_py()
            part = table.slice(start, count).drop_columns(["symbol"])
            start += count
            dates = part.column("trade_date")
            for month in months:
                if len(months) == 1:
                    jobs.append((symbol, month, part))
                    continue
                first = date.fromisoformat(f"{month}-01")
                following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
                inside = pc.and_(
                    pc.greater_equal(dates, pa.scalar(first, pa.date32())),
                    pc.less(dates, pa.scalar(following, pa.date32())),
                )
                piece = part.filter(inside)
                if piece.num_rows:
                    jobs.append((symbol, month, piece))
        replaced = 0
        lock = threading.Lock()
        done = 0

        def write(job: tuple[str, str, pa.Table]) -> None:
            nonlocal replaced, done
            symbol, month, piece = job
            again = self._write_month(symbol, month, piece)
            with lock:
                replaced += again
                done += 1

        with self._write_lock:
            report("write", 0, len(jobs))
            with ThreadPoolExecutor(max_workers=WRITER_THREADS) as pool:
                for finished, _ in enumerate(pool.map(write, jobs), start=1):
                    report("write", finished, len(jobs))
        return FoWriteReport(
            days=tuple(sorted({d.day for d in days})),
            underlyings=len(counts),
            rows=table.num_rows,
            replaced_days=replaced,
            files=len(jobs),
        )

    def _write_month(self, symbol: str, month: str, incoming: pa.Table) -> int:
        """Merge `incoming` (sorted) into the month file; answers the days it replaced."""
        path = self.path(symbol, month)
        incoming = incoming.cast(CHAIN_SCHEMA)
        new_days = pc.unique(incoming.column("trade_date"))
        replaced = 0
        if path.exists():
            stored = _as_chain(pq.read_table(path))
            again = pc.is_in(stored.column("trade_date"), value_set=new_days)
            replaced = len(pc.unique(stored.column("trade_date").filter(again)))
            kept = stored.filter(pc.invert(again))
            if kept.num_rows:
                incoming = pa.concat_tables([kept, incoming]).sort_by(_SORT)
        _write_file(path, incoming)
        return replaced


def _write_file(path: Path, table: pa.Table) -> None:
    """One row group sorted by trade date; the days and expiries it holds in the footer.
    Written to a temporary name and renamed over."""
    path.parent.mkdir(parents=True, exist_ok=True)
    days = pc.unique(table.column("trade_date")).to_pylist()
    expiries = pc.unique(table.column("expiry")).to_pylist()
    metadata = {
        b"tradertape.fo.format": FORMAT_VERSION.encode(),
        b"tradertape.fo.days": ",".join(sorted(d.isoformat() for d in days)).encode(),
        b"tradertape.fo.expiries": ",".join(sorted(d.isoformat() for d in expiries)).encode(),
    }
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        pq.write_table(
            table.replace_schema_metadata(metadata),
            temporary,
            compression="zstd",
            row_group_size=max(table.num_rows, 1),
        )
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


@lru_cache(maxsize=64)
def _shared(root: Path) -> FoStore:
    return FoStore(root)


def months_of(days: Iterable[date]) -> list[str]:
    """The ``YYYY-MM`` months `days` fall in, sorted."""
    return sorted({_month(d) for d in days})
