"""`CandleStore`: daily and 1-minute OHLCV per instrument, as Parquet files in the data folder.

Layout (under ``<data_dir>/candles``)::

    day/NSE/INFY.parquet                one file per instrument: ~2,500 rows a decade
    minute/NSE/INFY/2024-01.parquet     one file per instrument and IST month: ~7,900 rows

One file per daily series keeps a panel load to one small read per instrument (and a warm
load to one ``stat``), lets an import rewrite one instrument without touching the others, and
leaves files a person can open with any Parquet tool. Minute files are split by month so an
import or a chart of one month reads and rewrites one month. Symbols are percent-encoded
only where a file name cannot hold them (``NIFTY 50`` stays readable).

Every series records its source, and one series never holds bars of two sources: writing
data of another source than the stored series' is refused (`SourceConflict`) unless the
caller says ``replace``, which drops the stored series first. So three imported bars never
silently replace (or sit beside) a decade of synthetic ones, and synthetic data never
overwrites real data.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property, lru_cache
from pathlib import Path
from urllib.parse import quote, unquote

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from tradertape.candles.bars import Bars, CandleSource, DataLabel, validate_bars
from tradertape.candles.cache import CachedSeries, SeriesCache, Stamp, stamp_of
from tradertape.candles.day_pack import NAME as PACK_NAME
from tradertape.candles.day_pack import DayPack, read_pack, write_pack
from tradertape.candles.panel import (
    Panel,
    assemble,
    axis_window,
    day_numbers,
    session_bars,
    trading_axis,
)
from tradertape.candles.parquet import read_facts, read_file, read_with_facts, write_file
from tradertape.candles.resample import intraday
from tradertape.domain.calendar import TradingCalendar
from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.instruments import InstrumentCatalog, split_key
from tradertape.domain.instruments_data import reference_catalog
from tradertape.domain.market import Interval
from tradertape.errors import Conflict
from tradertape.ports.broker import DailyBar

_IST_OFFSET = np.timedelta64(330, "m")
_SAFE = " &-_.+"
_PARALLEL_READS_FROM = 8  # fewer cold files than this are read on the calling thread
_READER_THREADS = 3  # kept as-is in file names; everything else is percent-encoded


@lru_cache(maxsize=8192)
def canonical_key(symbol: str) -> str:
    """``"infy"`` → ``"NSE:INFY"``; the form every file and response uses. Remembered: a
    portfolio's board and each panel load name the same hundred keys on every read."""
    exchange, tradingsymbol = split_key(symbol)
    return f"{exchange.value}:{tradingsymbol}"


class SourceConflict(Conflict):
    """Writing would mix data of two sources in one series."""


@dataclass(frozen=True, slots=True)
class SeriesInfo:
    """Coverage of one stored series."""

    key: str
    interval: Interval
    source: CandleSource
    origin: str
    first: date | datetime | None
    last: date | datetime | None
    rows: int
    files: int = 1


def merge_bars(old: Bars, new: Bars) -> Bars:
    """``old`` overlaid with ``new``: a candle of ``new`` wins where both have that time."""
    keep = old.take(~np.isin(old.time, new.time))
    time = np.concatenate([keep.time, new.time])
    order = np.argsort(time, kind="stable")
    return Bars(
        time=time[order],
        open=np.concatenate([keep.open, new.open])[order],
        high=np.concatenate([keep.high, new.high])[order],
        low=np.concatenate([keep.low, new.low])[order],
        close=np.concatenate([keep.close, new.close])[order],
        volume=np.concatenate([keep.volume, new.volume])[order],
    )


def _must_discard(
    key: str, interval: Interval, existing: CandleSource, incoming: CandleSource, replace: bool
) -> bool:
    """Whether the stored series is dropped (True) or merged into (False); refuse to mix."""
    if replace:
        return True
    if existing is incoming:
        return False
    raise SourceConflict(
        f"{key} already has {interval.value} candles from '{existing.value}'; "
        f"not mixing in '{incoming.value}' data: replace the whole series to switch "
        "(`tradertape data import --replace`)"
    )


def _month_of(time: np.datetime64) -> str:
    return str((time + _IST_OFFSET).astype("datetime64[M]"))


class CandleStore:
    """Reads and writes candle files under ``root``; `load_panel` is the backtest's hot path."""

    def __init__(
        self,
        root: Path,
        *,
        catalog: InstrumentCatalog,
        calendar: TradingCalendar | None = None,
        max_cached_series: int = 4096,
    ) -> None:
        self.root = root
        self.catalog = catalog
        self.calendar = calendar or nse_calendar()
        self._cache = SeriesCache(max_cached_series)
        self._locks: dict[str, threading.Lock] = {}
        self._locks_mutex = threading.Lock()
        self._day_paths: dict[str, Path] = {}
        self._sectors: dict[str, str | None] = {}
        # Each day file's source as its footer said, by the file's stamp (`label`).
        self._sources: dict[Path, tuple[Stamp, str]] = {}
        self.file_reads = 0  # how many candle files were read; the cache's tests watch it
        self._pack: DayPack | None = None  # the day pack as last read (`_packed`)

    @classmethod
    def in_data_folder(
        cls, data_dir: Path, *, calendar: TradingCalendar | None = None
    ) -> CandleStore:
        """An install's store: ``candles/`` in its data folder, the reference catalog, and the
        NSE calendar with the years imported into the folder (unless `calendar` is given)."""
        return cls(
            data_dir / "candles",
            catalog=reference_catalog(),
            calendar=calendar or nse_calendar(data_dir),
        )

    # -- paths --------------------------------------------------------------------------

    def path(self, key: str, interval: Interval, month: str | None = None) -> Path:
        """Where a series (or, for minutes, one ``YYYY-MM`` month of it) lives."""
        exchange, tradingsymbol = split_key(key)
        name = quote(tradingsymbol, safe=_SAFE)
        base = self.root / interval.value / exchange.value
        if interval is Interval.DAY:
            return base / f"{name}.parquet"
        folder = base / name
        return folder if month is None else folder / f"{month}.parquet"

    def _month_files(self, key: str) -> list[Path]:
        folder = self.path(key, Interval.MINUTE)
        return sorted(folder.glob("????-??.parquet")) if folder.is_dir() else []

    def _read(self, path: Path, interval: Interval) -> Bars:
        self.file_reads += 1
        return read_file(path, interval)

    # -- writing ------------------------------------------------------------------------

    def _lock(self, key: str, interval: Interval) -> threading.Lock:
        # One lock per series: a merge is read-modify-write, but different series (and
        # threads writing them) never wait for each other.
        with self._locks_mutex:
            return self._locks.setdefault(f"{interval.value}/{key}", threading.Lock())

    def write(
        self,
        key: str,
        interval: Interval,
        bars: Bars,
        *,
        source: CandleSource,
        origin: str = "",
        replace: bool = False,
    ) -> SeriesInfo:
        """Validate, then merge ``bars`` into the stored series (or replace it); nothing is
        written if any candle is invalid or the sources conflict."""
        key = canonical_key(key)
        bars = Bars.from_arrays(
            interval,
            time=bars.time,
            open=bars.open,
            high=bars.high,
            low=bars.low,
            close=bars.close,
            volume=bars.volume,
        )
        validate_bars(bars)
        with self._lock(key, interval):
            if interval is Interval.DAY:
                self._write_day(key, bars, source=source, origin=origin, replace=replace)
            else:
                self._write_minutes(key, bars, source=source, origin=origin, replace=replace)
        info = self.info(key, interval)
        assert info is not None  # just written
        return info

    def write_daily(
        self,
        key: str,
        bars: Bars | Sequence[DailyBar],
        *,
        source: CandleSource,
        origin: str = "",
        replace: bool = False,
    ) -> SeriesInfo:
        """`write` for day bars, which may also be given as `DailyBar` rows."""
        columns = bars if isinstance(bars, Bars) else Bars.from_daily(bars)
        return self.write(key, Interval.DAY, columns, source=source, origin=origin, replace=replace)

    def _write_day(
        self, key: str, bars: Bars, *, source: CandleSource, origin: str, replace: bool
    ) -> None:
        path = self.path(key, Interval.DAY)
        if path.exists():
            existing = read_facts(path).source
            if not _must_discard(key, Interval.DAY, existing, source, replace):
                bars = merge_bars(self._read(path, Interval.DAY), bars)
        write_file(path, Interval.DAY, bars, key=key, source=source, origin=origin)
        self._cache.forget(path)

    def _write_minutes(
        self, key: str, bars: Bars, *, source: CandleSource, origin: str, replace: bool
    ) -> None:
        existing_files = self._month_files(key)
        merge = True
        if existing_files:
            existing = read_facts(existing_files[0]).source
            merge = not _must_discard(key, Interval.MINUTE, existing, source, replace)
        if not merge:
            for old in existing_files:
                old.unlink()
        months = np.array([_month_of(t) for t in bars.time]) if len(bars) else np.array([])
        for month in sorted(set(months.tolist())):
            chunk = bars.take(months == month)
            path = self.path(key, Interval.MINUTE, month)
            if merge and path.exists():
                chunk = merge_bars(self._read(path, Interval.MINUTE), chunk)
            write_file(path, Interval.MINUTE, chunk, key=key, source=source, origin=origin)

    # -- reading ------------------------------------------------------------------------

    def read(self, key: str, interval: Interval, start: date, end: date) -> Bars:
        """Candles from ``start`` to ``end`` (IST dates, inclusive); empty if none are stored."""
        key = canonical_key(key)
        if interval is Interval.DAY:
            path = self.path(key, interval)
            if not path.exists():
                return Bars.empty(interval)
            return self._daily(path).between(np.datetime64(start, "D"), np.datetime64(end, "D"))
        first = np.datetime64(start, "s") - _IST_OFFSET
        last = np.datetime64(end + timedelta(days=1), "s") - _IST_OFFSET - np.timedelta64(1, "s")
        wanted = {str(m) for m in np.arange(np.datetime64(start, "M"), np.datetime64(end, "M") + 1)}
        parts = [self._read(p, interval) for p in self._month_files(key) if p.stem in wanted]
        if not parts:
            return Bars.empty(interval)
        whole = (
            parts[0]
            if len(parts) == 1
            else Bars.from_arrays(
                interval,
                time=np.concatenate([p.time for p in parts]),
                open=np.concatenate([p.open for p in parts]),
                high=np.concatenate([p.high for p in parts]),
                low=np.concatenate([p.low for p in parts]),
                close=np.concatenate([p.close for p in parts]),
                volume=np.concatenate([p.volume for p in parts]),
            )
        )
        return whole.between(first, last)

    def read_daily(self, key: str, start: date, end: date) -> Bars:
        """Day candles from ``start`` to ``end`` inclusive."""
        return self.read(key, Interval.DAY, start, end)

    def _daily(self, path: Path) -> Bars:
        entry = self._cached(path)
        o, h, lo, c, v = entry.fields
        time = entry.days.astype("datetime64[D]")
        return Bars(time=time, open=o, high=h, low=lo, close=c, volume=v)

    def _cached(self, path: Path) -> CachedSeries:
        stamp = stamp_of(path)
        if stamp is None:
            raise FileNotFoundError(path)
        return self._cache.get(path, stamp) or self._load(path, stamp)

    def _load(self, path: Path, stamp: Stamp) -> CachedSeries:
        self.file_reads += 1
        bars, facts = read_with_facts(path, Interval.DAY)
        entry = CachedSeries.of(stamp, facts.source, bars, self._axis_numbers)
        self._cache.put(path, entry)
        return entry

    def _load_many(self, misses: list[tuple[Path, Stamp]]) -> list[CachedSeries | None]:
        def load(miss: tuple[Path, Stamp]) -> CachedSeries | None:
            try:
                return self._load(*miss)
            except FileNotFoundError:  # deleted since the stat
                return None

        if len(misses) < _PARALLEL_READS_FROM:
            return [load(m) for m in misses]
        # Parquet decoding releases the GIL, so a cold panel reads on every core.
        with ThreadPoolExecutor(max_workers=_READER_THREADS) as pool:
            return list(pool.map(load, misses))

    # -- the day pack (`day_pack`) ----------------------------------------------------

    def pack_days(self) -> int:
        """Pack every stored day series (the imports' last step, `day_pack`); how many it
        holds. A series whose file cannot be read is left out: its loads read (and refuse)
        the file itself, as before, and the others still come from the pack."""
        pack = self._packed()
        entries: list[tuple[str, CachedSeries]] = []
        for key in self.keys(Interval.DAY):
            path = self._day_path(key)
            stamp = stamp_of(path)
            if stamp is None:
                continue
            name = f"{path.parent.name}/{path.name}"  # as `_from_pack` names it
            entry = pack.entry(name, stamp, self._axis_numbers) if pack else None
            try:
                entry = entry or self._cache.get(path, stamp) or self._load(path, stamp)
            except (OSError, ValueError, KeyError, pa.ArrowException):
                continue  # a torn or foreign file: not packed
            entries.append((name, entry))
        return write_pack(self.root / PACK_NAME, entries)

    def _packed(self) -> DayPack | None:
        """The day pack as it is on disk now (read again only when its file changed)."""
        stamp = stamp_of(self.root / PACK_NAME)
        pack = self._pack
        if stamp is None or (pack is not None and pack.stamp == stamp):
            return pack if stamp is not None else None
        self._pack = pack = read_pack(self.root / PACK_NAME)
        return pack

    def _from_pack(
        self, misses: list[tuple[int, tuple[Path, Stamp]]], entries: list[CachedSeries | None]
    ) -> list[tuple[int, tuple[Path, Stamp]]]:
        """Fill ``entries`` from the day pack for the misses it holds as their files are
        now; the misses left (read from their Parquet files)."""
        if len(misses) < _PARALLEL_READS_FROM:
            return misses  # a few files: reading them costs less than the pack's header
        pack = self._packed()
        if pack is None:
            return misses
        left: list[tuple[int, tuple[Path, Stamp]]] = []
        for j, (path, stamp) in misses:  # a day file is <day>/<exchange>/<name>: see `path`
            entry = pack.entry(f"{path.parent.name}/{path.name}", stamp, self._axis_numbers)
            if entry is None:
                left.append((j, (path, stamp)))
                continue
            self._cache.put(path, entry)
            entries[j] = entry
        return left

    @cached_property
    def _axis_numbers(self) -> npt.NDArray[np.int64]:
        return day_numbers(trading_axis(self.calendar))

    # -- coverage -----------------------------------------------------------------------

    def info(self, key: str, interval: Interval) -> SeriesInfo | None:
        """Coverage of one series, from file footers only; None if nothing is stored."""
        key = canonical_key(key)
        if interval is Interval.DAY:
            path = self.path(key, interval)
            if not path.exists():
                return None
            facts = read_facts(path)
            return SeriesInfo(
                key, interval, facts.source, facts.origin, facts.first, facts.last, facts.rows
            )
        files = self._month_files(key)
        if not files:
            return None
        every = [read_facts(f) for f in files]
        return SeriesInfo(
            key,
            interval,
            every[0].source,
            every[-1].origin,
            every[0].first,
            every[-1].last,
            sum(f.rows for f in every),
            files=len(files),
        )

    def label(self, keys: Iterable[str]) -> DataLabel:
        """Where the day series of ``keys`` came from: a series whose file is unchanged
        since its source was last seen costs one ``stat``, another a footer read."""
        sources: list[str | None] = []
        for key in keys:
            path = self._day_path(canonical_key(key))
            stamp = stamp_of(path)
            if stamp is None:
                sources.append(None)
                continue
            seen = self._sources.get(path)
            if seen is not None and seen[0] == stamp:
                sources.append(seen[1])
                continue
            entry = self._cache.get(path, stamp)
            try:
                source = (entry.source if entry else read_facts(path).source).value
            except FileNotFoundError:  # deleted since the stat
                sources.append(None)
                continue
            self._sources[path] = (stamp, source)
            sources.append(source)
        return DataLabel.of(sources)

    def keys(self, interval: Interval) -> list[str]:
        """Every instrument with a stored series of ``interval``, sorted."""
        base = self.root / interval.value
        if not base.is_dir():
            return []
        found: list[str] = []
        for exchange in sorted(p for p in base.iterdir() if p.is_dir()):
            entries = (
                exchange.glob("*.parquet")
                if interval is Interval.DAY
                else (p for p in exchange.iterdir() if p.is_dir())
            )
            names = (unquote(p.stem if interval is Interval.DAY else p.name) for p in entries)
            found.extend(f"{exchange.name}:{name}" for name in names)
        return sorted(found)

    def inventory(self, interval: Interval) -> list[SeriesInfo]:
        """`info` of every stored series of ``interval``."""
        infos = (self.info(key, interval) for key in self.keys(interval))
        return [i for i in infos if i is not None]

    # -- panels -------------------------------------------------------------------------

    def load_panel(self, keys: Iterable[str], start: date, end: date) -> Panel:
        """Daily OHLCV of ``keys`` on the NSE trading days from ``start`` to ``end``.

        Warm (every series cached and unchanged on disk) this is one ``stat`` and a few array
        copies per key; a cold load reads each missing file once, in parallel.
        """
        wanted = tuple(canonical_key(k) for k in keys)
        lo, hi = axis_window(self.calendar, start, end)
        paths = [self._day_path(k) for k in wanted]
        stamps = [stamp_of(p) for p in paths]
        entries = [self._cache.get(p, s) if s else None for p, s in zip(paths, stamps, strict=True)]
        misses = [
            (j, (paths[j], stamp))
            for j, stamp in enumerate(stamps)
            if stamp is not None and entries[j] is None
        ]
        if misses:
            misses = self._from_pack(misses, entries)
        if misses:
            loaded = self._load_many([miss for _, miss in misses])
            for (j, _), entry in zip(misses, loaded, strict=True):
                entries[j] = entry
        o, h, low, c, v = assemble(entries, lo, hi)
        return Panel(
            days=trading_axis(self.calendar)[lo:hi],
            keys=wanted,
            sectors=tuple(self._sector(k) for k in wanted),
            sources=tuple(e.source.value if e else None for e in entries),
            open=o,
            high=h,
            low=low,
            close=c,
            volume=v,
        )

    def load_intraday_panel(
        self, keys: Iterable[str], start: date, end: date, minutes: int
    ) -> Panel:
        """``keys``' stored minutes folded into ``minutes``-minute bars (`resample.intraday`)
        on the bars of the NSE sessions from ``start`` to ``end`` (`panel.session_bars`):
        ``days`` the bars' starts, ``ends`` their ends, NaN where a key has no bar; a bar
        outside its session (a pre-open print, a stray late one) is dropped."""
        wanted = tuple(canonical_key(k) for k in keys)
        starts, ends = session_bars(self.calendar, start, end, minutes)
        positions = starts.astype(np.int64)
        out = np.full((5, len(wanted), len(starts)), np.nan)
        sources: list[str | None] = []
        for j, key in enumerate(wanted):
            bars = intraday(self.read(key, Interval.MINUTE, start, end), minutes)
            info = self.info(key, Interval.MINUTE) if len(bars) else None
            sources.append(info.source.value if info else None)
            if not len(bars):
                continue
            at = bars.time.astype("datetime64[m]").astype(np.int64)
            rows = np.searchsorted(positions, at)
            inside = rows < len(positions)
            inside[inside] = positions[rows[inside]] == at[inside]
            for k, values in enumerate((bars.open, bars.high, bars.low, bars.close, bars.volume)):
                out[k, j, rows[inside]] = values[inside]
        o, h, low, c, v = (out[k].T for k in range(5))
        return Panel(
            days=starts,
            keys=wanted,
            sectors=tuple(self._sector(k) for k in wanted),
            sources=tuple(sources),
            open=o,
            high=h,
            low=low,
            close=c,
            volume=v,
            ends=ends,
        )

    def _day_path(self, key: str) -> Path:
        path = self._day_paths.get(key)
        if path is None:
            path = self._day_paths[key] = self.path(key, Interval.DAY)
        return path

    def _sector(self, key: str) -> str | None:
        if key not in self._sectors:
            instrument = self.catalog.find(key)
            self._sectors[key] = instrument.sector if instrument else None
        return self._sectors[key]
