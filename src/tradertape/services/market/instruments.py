"""The instrument catalog: shipped reference data plus imported Kite dumps.

`import_kite_csv` stores a dump (all-or-nothing, upserted by exchange and symbol);
`build_catalog` merges the stored rows over the reference catalog. Building merges
every row, so the result is cached per database and rebuilt only when the table
changes: an import here drops the cache at once, and a stamp of the highest row id and
the latest import time notices imports made by other processes. Rows are never deleted
(an import keeps rows absent from its dump), so every import moves one or the other;
both are read off the ends of indexes, because the stamp is read on every order.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.orm import Session

from tradertape import oms
from tradertape.db.engine import primary_engine
from tradertape.db.models import KiteInstrument
from tradertape.db.prepared import Prepared
from tradertape.domain import symbols
from tradertape.domain.freeze_quantities import FreezeLimit
from tradertape.domain.instruments import (
    Exchange,
    Instrument,
    InstrumentCatalog,
    UnknownInstrumentError,
    UnknownUniverseError,
)
from tradertape.domain.instruments_data import reference_catalog
from tradertape.domain.kite_dump import KiteDumpError, KiteRow, kite_instrument, parse_kite_dump
from tradertape.errors import InvalidField, NotFound
from tradertape.ports.clock import Clock, SystemClock

# The columns an import compares to decide whether a stored row changed.
_VALUES = (
    "instrument_token",
    "exchange_token",
    "name",
    "expiry",
    "strike",
    "tick_size",
    "lot_size",
    "instrument_type",
    "segment",
)

# Two scalar subqueries, not one select of two aggregates: each max() then reads the end
# of an index instead of scanning the table (a full Kite dump is ~100k rows).
_SEEN = "tradertape.catalog"  # Session.info key: (the transaction, its catalog)
_STAMP = Prepared(
    select(
        select(func.max(KiteInstrument.id)).scalar_subquery(),
        select(func.max(KiteInstrument.imported_at)).scalar_subquery(),
    )
)


class DumpRejected(InvalidField):
    """The dump is invalid at a line and column; nothing was imported."""

    def __init__(self, error: KiteDumpError) -> None:
        super().__init__(error.column, f"line {error.line}: {error.message}")
        self.line = error.line
        self.detail = str(error)  # "line 7, column strike: ..."
        self.args = (self.detail,)


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did. `updated` rows changed; `unchanged` ones were seen again."""

    rows_read: int
    new: int
    updated: int
    unchanged: int
    skipped: Mapping[str, int]  # exchange → rows of exchanges TraderTape does not trade
    segments: Mapping[str, int]  # segment → rows imported


def import_kite_csv(db: Session, source: str | Path, *, clock: Clock | None = None) -> ImportReport:
    """Upsert a Kite instruments dump (`source` is the CSV text, or a `Path` to it).

    The whole file is validated before anything is written, and written in one
    transaction: a bad row raises `DumpRejected` naming its line and column and
    leaves the table as it was. Rows absent from the dump are kept.
    """
    if isinstance(source, Path):
        if not source.is_file():
            raise NotFound(f"no file {source}")
        source = source.read_text(encoding="utf-8-sig")
    try:
        dump = parse_kite_dump(source)
    except KiteDumpError as exc:
        raise DumpRejected(exc) from exc
    now = (clock or SystemClock()).now()
    stored = {
        (row.exchange, row.tradingsymbol): row
        for row in db.execute(
            select(
                KiteInstrument.id, KiteInstrument.exchange, KiteInstrument.tradingsymbol
            ).add_columns(*(getattr(KiteInstrument, c) for c in _VALUES))
        )
    }
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    seen: list[dict[str, Any]] = []
    for row in dump.rows:
        values = _values(row, now)
        old = stored.get((row.exchange.value, row.tradingsymbol))
        if old is None:
            new.append(values)
        elif any(getattr(old, c) != values[c] for c in _VALUES):
            changed.append({"id": old.id, **values})
        else:
            seen.append({"id": old.id, "imported_at": now})
    try:
        if new:
            db.execute(insert(KiteInstrument), new)
        if changed or seen:
            db.execute(update(KiteInstrument), [*changed, *seen])
        db.commit()
    except Exception:
        db.rollback()
        raise
    _forget(db)
    return ImportReport(
        rows_read=dump.rows_read,
        new=len(new),
        updated=len(changed),
        unchanged=len(seen),
        skipped=dump.skipped,
        segments=dict(sorted(Counter(row.segment for row in dump.rows).items())),
    )


def build_catalog(db: Session) -> InstrumentCatalog:
    """The reference catalog with every imported row merged over it (imported rows win).

    Asked again in the same transaction (a request checks an order, then places it), it
    answers as it did the first time without asking the database.
    """
    seen = db.info.get(_SEEN)
    if seen is not None and seen[0] is db.get_transaction():
        catalog: InstrumentCatalog = seen[1]
        return catalog
    catalog = _current_catalog(db)
    db.info[_SEEN] = (db.get_transaction(), catalog)
    return catalog


def read_catalog_ahead(db: Session) -> None:
    """Send `build_catalog`'s one read (whether the imports changed) with the transaction's
    next round trip (`Prepared.prefetch`), unless the transaction has its catalog already:
    an order's placement reads it first, and it can ride with the key's pre-check."""
    seen = db.info.get(_SEEN)
    if seen is None or seen[0] is not db.get_transaction():
        _STAMP.prefetch(db)


def _current_catalog(db: Session) -> InstrumentCatalog:
    stamp = _STAMP.first(db)
    engine = _engine(db)
    with _lock:
        cached = _cache.get(engine)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    reference = reference_catalog()
    query = select(KiteInstrument).order_by(KiteInstrument.imported_at, KiteInstrument.id)
    imported = [
        kite_instrument(_kite_row(row), reference.find(f"{row.exchange}:{row.tradingsymbol}"))
        for row in db.scalars(query)
    ]
    universes = {
        name: [i.key for i in reference.universe(name)] for name in reference.universe_names
    }
    catalog = InstrumentCatalog([*reference, *imported], universes)
    with _lock:
        _cache[engine] = (stamp, catalog)
    return catalog


def get_instrument(catalog: InstrumentCatalog, exchange: str, tradingsymbol: str) -> Instrument:
    """One instrument by exchange and symbol; 404 naming ``EXCHANGE:SYMBOL`` if unknown."""
    key = f"{exchange.upper()}:{tradingsymbol.upper()}"
    try:
        return catalog.get(key)
    except UnknownInstrumentError as exc:
        raise NotFound(str(exc)) from exc


def freeze_limit(db: Session, instrument: Instrument) -> FreezeLimit | None:
    """The freeze limit an order of `instrument` is sliced by (imported, else shipped), and
    the day it is of; None for anything without one (the OMS's own rule, by its door)."""
    return oms.freeze_limit(db, instrument)


def resolve(catalog: InstrumentCatalog, symbol: str, *, field: str = "symbol") -> Instrument:
    """The instrument a symbol in any broker's format (`SymbolFormat`) names; 422 on `field`
    if unknown."""
    try:
        return symbols.resolve(catalog, symbol)
    except UnknownInstrumentError as exc:
        raise InvalidField(field, str(exc)) from exc


def lookup(catalog: InstrumentCatalog, symbol: str) -> Instrument:
    """Like `resolve`, but unknown is a 404 (for commands that name one instrument)."""
    try:
        return symbols.resolve(catalog, symbol)
    except UnknownInstrumentError as exc:
        raise NotFound(str(exc)) from exc


def universe(catalog: InstrumentCatalog, name: str) -> tuple[Instrument, ...]:
    """A universe's members; 404 naming it (and the known ones) if unknown."""
    try:
        return catalog.universe(name)
    except UnknownUniverseError as exc:
        raise NotFound(str(exc)) from exc


_lock = threading.Lock()
_cache: WeakKeyDictionary[Engine, tuple[tuple[Any, ...] | None, InstrumentCatalog]] = (
    WeakKeyDictionary()
)


def _engine(db: Session) -> Engine:
    return primary_engine(db.get_bind().engine)


def _forget(db: Session) -> None:
    db.info.pop(_SEEN, None)
    with _lock:
        _cache.pop(_engine(db), None)


def _values(row: KiteRow, now: datetime) -> dict[str, Any]:
    return {
        "instrument_token": row.instrument_token,
        "exchange_token": row.exchange_token,
        "tradingsymbol": row.tradingsymbol,
        "name": row.name,
        "expiry": row.expiry,
        "strike": row.strike,
        "tick_size": row.tick_size,
        "lot_size": row.lot_size,
        "instrument_type": row.instrument_type,
        "segment": row.segment,
        "exchange": row.exchange.value,
        "imported_at": now,
    }


def _kite_row(row: KiteInstrument) -> KiteRow:
    return KiteRow(
        instrument_token=row.instrument_token,
        exchange_token=row.exchange_token,
        tradingsymbol=row.tradingsymbol,
        name=row.name,
        expiry=row.expiry,
        strike=row.strike,
        tick_size=row.tick_size,
        lot_size=row.lot_size,
        instrument_type=row.instrument_type,
        segment=row.segment,
        exchange=Exchange(row.exchange),
    )
