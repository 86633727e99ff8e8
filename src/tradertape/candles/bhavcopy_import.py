"""Importing many NSE bhavcopies into the candle store (``tradertape data import-bhavcopy``).

Every file is parsed before anything is written (a bad row anywhere writes nothing), rows are
grouped by symbol, and each touched series is written once, so a year of files (~250 days ×
~2,500 symbols) costs one read and one write per symbol, not per day.

The prices a bhavcopy prints are kept unadjusted beside the store (``<candles>/unadjusted``,
the same file layout) together with every corporate action ever given (``corporate_actions.csv``
there). Each run merges its days into the unadjusted series and writes the store's series as
that history adjusted for the actions known so far. So re-running the same files adds nothing,
an action given later adjusts the days imported earlier, and nothing is ever adjusted twice.

Symbols: a row is filed under the catalog's symbol for its ISIN when the catalog knows the ISIN
(an old bhavcopy's symbol of a since-renamed company lands in today's series), else under the
bhavcopy's symbol. Symbols the catalog does not know still get their history; they become
tradable and searchable once an instrument dump lists them (``tradertape instruments import``).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from tradertape.candles.bars import Bars, CandleSource, validate_bars
from tradertape.candles.bhavcopy import BhavDay, BhavRow, SkipReason, read_bhavcopy
from tradertape.candles.corporate_actions import (
    CorporateAction,
    adjust,
    format_corporate_actions,
    merge_actions,
    parse_corporate_actions,
)
from tradertape.candles.parquet import read_file, write_file
from tradertape.candles.store import CandleStore, SourceConflict, merge_bars
from tradertape.domain.instruments import Exchange, InstrumentCatalog, UnknownInstrumentError
from tradertape.domain.market import Interval
from tradertape.errors import InvalidField

WRITER_THREADS = 3
UNADJUSTED = "unadjusted"
LEDGER = "corporate_actions.csv"
ORIGIN = "NSE bhavcopy"
_EPOCH = date(1970, 1, 1)

Progress = Callable[[str, int, int], None]
"""``(stage, done, total)``: stages ``read`` (files) and ``write`` (series)."""


@dataclass(frozen=True, slots=True)
class BhavcopyReport:
    """What an import did."""

    files: int
    days: int
    first: date | None
    last: date | None
    symbols: int  # series written
    bars: int  # candles read from the files
    new_bars: int  # of those, days the store did not have yet
    skipped: Mapping[SkipReason, int]
    unknown: tuple[str, ...]  # written, but not in the catalog
    renamed: int  # rows filed under the catalog's symbol for their ISIN
    adjusted: tuple[str, ...]  # series with at least one day adjusted for a split or bonus
    replaced: int  # series of another source dropped (--replace)
    actions: int  # corporate actions known after this run

    @property
    def skipped_rows(self) -> int:
        """Rows that did not become candles, for every reason."""
        return sum(self.skipped.values())


@dataclass(slots=True)
class _Series:
    """One symbol's rows across the files, in compact columns (8 bytes a value: a decade of
    every NSE equity is ~6 million rows)."""

    days: array[int] = field(default_factory=lambda: array("q"))  # days since 1970-01-01
    values: array[float] = field(default_factory=lambda: array("d"))  # o h l c v, row by row

    def add(self, day: int, row: BhavRow) -> None:
        self.days.append(day)
        self.values.extend((row.open, row.high, row.low, row.close, float(row.volume)))

    def drop_last(self) -> None:
        self.days.pop()
        del self.values[-5:]

    def bars(self) -> Bars:
        days = np.frombuffer(self.days, dtype=np.int64)
        order = np.argsort(days, kind="stable")
        columns = np.frombuffer(self.values, dtype=np.float64).reshape(-1, 5)[order]
        return Bars.from_arrays(
            Interval.DAY,
            time=days[order].astype("datetime64[D]"),
            open=columns[:, 0],
            high=columns[:, 1],
            low=columns[:, 2],
            close=columns[:, 3],
            volume=columns[:, 4],
        )


class _Keys:
    """Which series a bhavcopy row belongs to (see the module docstring)."""

    def __init__(self, catalog: InstrumentCatalog) -> None:
        self.catalog = catalog
        self.memo: dict[tuple[str, str], str] = {}

    def __call__(self, symbol: str, isin: str) -> str:
        pair = (symbol, isin)
        key = self.memo.get(pair)
        if key is None:
            key = f"NSE:{symbol}"
            if isin:
                with contextlib.suppress(UnknownInstrumentError):
                    key = self.catalog.by_isin(isin, Exchange.NSE).key
            self.memo[pair] = key
        return key


class Grouper:
    """Files' rows gathered by series key as each file is read, so a file's parsed rows are
    let go before the next is read."""

    def __init__(self, keys: Callable[[str, str], str]) -> None:
        self.keys = keys
        self.series: dict[str, _Series] = {}
        self.sources: dict[date, str] = {}  # day → the file that held it
        self.skipped: Counter[SkipReason] = Counter()
        self.renamed = 0

    def add(self, day: BhavDay) -> None:
        """Take one file's rows; a second file of a day already taken is an error."""
        if day.day in self.sources:
            raise InvalidField(
                "files",
                f"{self.sources[day.day]} and {day.source} are both the bhavcopy of {day.day}",
            )
        self.sources[day.day] = day.source
        self.skipped.update(day.skipped)
        when = (day.day - _EPOCH).days
        taken: dict[str, bool] = {}  # key → its row is the symbol's own
        for row in day.rows:
            key = self.keys(row.symbol, row.isin)
            own = key == f"NSE:{row.symbol}"
            if not own:
                self.renamed += 1
            if key in taken and (taken[key] or not own):
                # Two symbols mapped to one company on one day: keep the symbol's own row.
                self.skipped[SkipReason.DUPLICATE] += 1
                continue
            entry = self.series.setdefault(key, _Series())
            if key in taken:
                self.skipped[SkipReason.DUPLICATE] += 1
                entry.drop_last()
            taken[key] = own
            entry.add(when, row)

    @property
    def bars(self) -> int:
        """Rows gathered."""
        return sum(len(s.days) for s in self.series.values())


class Ledger:
    """The corporate actions known to a store, kept in its unadjusted folder."""

    def __init__(self, store: CandleStore) -> None:
        self.path = store.root / UNADJUSTED / LEDGER

    def load(self) -> list[CorporateAction]:
        """The stored actions (none before the first import that gave any)."""
        if not self.path.exists():
            return []
        return parse_corporate_actions(self.path.read_text(encoding="utf-8"), source=str(self.path))

    def save(self, actions: Iterable[CorporateAction]) -> None:
        """Replace the stored actions, atomically."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{LEDGER}.{uuid.uuid4().hex}.tmp")
        try:
            temporary.write_text(format_corporate_actions(actions), encoding="utf-8")
            os.replace(temporary, self.path)
        finally:
            temporary.unlink(missing_ok=True)


def _conflicts(store: CandleStore, keys: Iterable[str]) -> list[tuple[str, CandleSource]]:
    found: list[tuple[str, CandleSource]] = []
    for key in keys:
        info = store.info(key, Interval.DAY)
        if info is not None and info.source is not CandleSource.IMPORT:
            found.append((key, info.source))
    return found


def _refuse(conflicts: Sequence[tuple[str, CandleSource]]) -> SourceConflict:
    key, source = conflicts[0]
    more = f" (and {len(conflicts) - 1} more series)" if len(conflicts) > 1 else ""
    return SourceConflict(
        f"{key}{more} already has day candles from '{source.value}'; not mixing in 'import' "
        "data: replace those series to switch (`tradertape data import-bhavcopy --replace`)"
    )


def import_bhavcopies(
    store: CandleStore,
    paths: Sequence[Path],
    *,
    catalog: InstrumentCatalog,
    actions: Sequence[CorporateAction] = (),
    replace: bool = False,
    progress: Progress | None = None,
) -> BhavcopyReport:
    """Read the bhavcopies at ``paths`` into ``store``'s daily series, adjusted for every
    known split and bonus (``actions`` are added to the store's). Nothing is written if a
    file is bad or, without ``replace``, if a series holds another source's candles."""
    report = progress or (lambda stage, done, total: None)
    grouper = Grouper(_Keys(catalog))
    for done, path in enumerate(paths, start=1):
        for day in read_bhavcopy(path):
            grouper.add(day)
        report("read", done, len(paths))
    fresh = grouper.series
    unadjusted = CandleStore(store.root / UNADJUSTED, catalog=catalog, calendar=store.calendar)
    ledger = Ledger(store)
    known = merge_actions(ledger.load(), actions)
    by_key: dict[str, list[CorporateAction]] = {}
    for action in known:
        by_key.setdefault(action.key, []).append(action)
    # A newly given action also re-adjusts a series this run brings no days for.
    touched = set(fresh) | {a.key for a in actions if unadjusted.path(a.key, Interval.DAY).exists()}
    conflicts = _conflicts(store, sorted(touched))
    if conflicts and not replace:
        raise _refuse(conflicts)
    if actions:
        ledger.save(known)
    new_bars = Counter[str]()
    adjusted: set[str] = set()

    def write(key: str) -> None:
        raw_path = unadjusted.path(key, Interval.DAY)
        stored = read_file(raw_path, Interval.DAY) if raw_path.exists() else None
        incoming = fresh[key].bars() if key in fresh else Bars.empty(Interval.DAY)
        validate_bars(incoming)
        if stored is not None:
            new_bars[key] = int(np.count_nonzero(~np.isin(incoming.time, stored.time)))
            history = merge_bars(stored, incoming)
        else:
            new_bars[key] = len(incoming)
            history = incoming
        origin = _origin(history)
        # Straight to the file: this folder is the importer's own, and its series were
        # validated as they were parsed.
        write_file(
            raw_path, Interval.DAY, history, key=key, source=CandleSource.IMPORT, origin=origin
        )
        shown = adjust(history, by_key.get(key, []))
        if shown is not history:
            adjusted.add(key)
            first = history.time[0].astype("datetime64[D]").item()
            applied = [a.describe() for a in by_key[key] if a.ex_date > first]
            origin = f"{origin}, adjusted for {', '.join(applied)}"
        store.write(
            key, Interval.DAY, shown, source=CandleSource.IMPORT, origin=origin, replace=replace
        )

    ordered = sorted(touched)
    report("write", 0, len(ordered))
    # Parquet encoding releases the GIL: a few threads keep both cores busy.
    with ThreadPoolExecutor(max_workers=WRITER_THREADS) as pool:
        futures = [pool.submit(write, key) for key in ordered]
        for done, future in enumerate(as_completed(futures), start=1):
            future.result()
            report("write", done, len(futures))
    store.pack_days()  # the next cold panel (the after-close scan) reads one file, not 500
    return BhavcopyReport(
        files=len(paths),
        days=len(grouper.sources),
        first=min(grouper.sources, default=None),
        last=max(grouper.sources, default=None),
        symbols=len(ordered),
        bars=grouper.bars,
        new_bars=sum(new_bars.values()),
        skipped=dict(grouper.skipped),
        unknown=tuple(k for k in ordered if catalog.find(k) is None),
        renamed=grouper.renamed,
        adjusted=tuple(sorted(adjusted)),
        replaced=len(conflicts),
        actions=len(known),
    )


def _origin(history: Bars) -> str:
    """``NSE bhavcopy 2024-01-01..2024-12-31``: the bhavcopy days a series holds."""
    if not len(history):
        return ORIGIN
    return f"{ORIGIN} {history.time[0]}..{history.time[-1]}"


def read_actions_file(path: Path) -> list[CorporateAction]:
    """The corporate actions in a CSV file (see `corporate_actions`)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InvalidField("--corporate-actions", f"cannot read {path}: {exc}") from exc
    return parse_corporate_actions(text, source=path.name)
