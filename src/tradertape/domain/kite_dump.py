"""Kite's instruments dump (``GET /instruments``, a CSV): parsing and merging into instruments.

Parsing is strict because an import is all-or-nothing: the header must be Kite's,
column for column, and the first bad value stops everything with its line and column.
Rows of exchanges TraderTape does not trade (MCX, CDS, BCD, NCO...) are counted and
skipped, so a full market dump imports as it is downloaded.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from tradertape.domain.instruments import Exchange, Instrument, InstrumentType

KITE_HEADER = (
    "instrument_token",
    "exchange_token",
    "tradingsymbol",
    "name",
    "last_price",
    "expiry",
    "strike",
    "tick_size",
    "lot_size",
    "instrument_type",
    "segment",
    "exchange",
)

# (exchange, segment) → the instrument types Kite writes there. Indices are "EQ" in
# Kite's dump; the INDICES segment is what marks them.
_SEGMENT_TYPES: Mapping[tuple[str, str], frozenset[str]] = {
    ("NSE", "NSE"): frozenset({"EQ"}),
    ("BSE", "BSE"): frozenset({"EQ"}),
    ("NSE", "INDICES"): frozenset({"EQ"}),
    ("BSE", "INDICES"): frozenset({"EQ"}),
    ("NFO", "NFO-FUT"): frozenset({"FUT"}),
    ("NFO", "NFO-OPT"): frozenset({"CE", "PE"}),
    ("BFO", "BFO-FUT"): frozenset({"FUT"}),
    ("BFO", "BFO-OPT"): frozenset({"CE", "PE"}),
}
_EXCHANGES = frozenset(exchange for exchange, _ in _SEGMENT_TYPES)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class KiteDumpError(ValueError):
    """The dump is malformed at `line` (1 is the header), in `column`."""

    def __init__(self, line: int, column: str, message: str) -> None:
        super().__init__(f"line {line}, column {column}: {message}")
        self.line = line
        self.column = column
        self.message = message


@dataclass(frozen=True, slots=True)
class KiteRow:
    """One instrument of the dump, typed (``last_price`` is dropped: it is a day old)."""

    instrument_token: int
    exchange_token: int
    tradingsymbol: str
    name: str
    expiry: date | None
    strike: Decimal
    tick_size: Decimal
    lot_size: int
    instrument_type: str
    segment: str
    exchange: Exchange

    @property
    def key(self) -> str:
        """``EXCHANGE:TRADINGSYMBOL``."""
        return f"{self.exchange.value}:{self.tradingsymbol}"


@dataclass(frozen=True, slots=True)
class KiteDump:
    """A parsed dump: the rows kept and, per exchange, the rows skipped."""

    rows: tuple[KiteRow, ...]
    skipped: Mapping[str, int]

    @property
    def rows_read(self) -> int:
        """Data rows in the file (kept plus skipped)."""
        return len(self.rows) + sum(self.skipped.values())


def parse_kite_dump(text: str) -> KiteDump:
    """Parse and validate a whole dump; raise `KiteDumpError` at the first problem."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    header = tuple(cell.strip() for cell in next(reader, []))
    if header != KITE_HEADER:
        raise KiteDumpError(
            1, "header", f"expected {','.join(KITE_HEADER)}; got {','.join(header)}"
        )
    rows: list[KiteRow] = []
    skipped: Counter[str] = Counter()
    seen: set[tuple[Exchange, str]] = set()
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        line = reader.line_num
        if len(cells) != len(KITE_HEADER):
            column = KITE_HEADER[min(len(cells), len(KITE_HEADER) - 1)]
            raise KiteDumpError(
                line, column, f"expected {len(KITE_HEADER)} fields, got {len(cells)}"
            )
        fields = dict(zip(KITE_HEADER, (cell.strip() for cell in cells), strict=True))
        exchange = fields["exchange"].upper()
        if not exchange:
            raise KiteDumpError(line, "exchange", "missing")
        if exchange not in _EXCHANGES:
            skipped[exchange] += 1
            continue
        row = _row(_Fields(line, fields), Exchange(exchange))
        if (row.exchange, row.tradingsymbol) in seen:
            raise KiteDumpError(line, "tradingsymbol", f"{row.key} appears twice")
        seen.add((row.exchange, row.tradingsymbol))
        rows.append(row)
    return KiteDump(rows=tuple(rows), skipped=dict(sorted(skipped.items())))


def kite_instrument(row: KiteRow, reference: Instrument | None = None) -> Instrument:
    """The catalog instrument for a dump row; the dump wins over the reference data.

    What a dump does not carry is kept from `reference` (the shipped row with the
    same key): an equity's ISIN, sector and industry, an index's F&O code, Upstox
    name and lot size. Indices have zero lot and tick sizes in the dump.
    """
    kind = InstrumentType.INDEX if row.segment == "INDICES" else InstrumentType(row.instrument_type)
    ref = reference if reference is not None and reference.instrument_type is kind else None
    derivative = kind in (InstrumentType.FUT, InstrumentType.CE, InstrumentType.PE)
    return Instrument(
        exchange=row.exchange,
        tradingsymbol=row.tradingsymbol,
        instrument_type=kind,
        name=row.name or (ref.name if ref else row.tradingsymbol),
        instrument_token=row.instrument_token,
        exchange_token=row.exchange_token,
        isin=ref.isin if ref else None,
        sector=ref.sector if ref else None,
        industry=ref.industry if ref else None,
        lot_size=row.lot_size or (ref.lot_size if ref else 1),
        tick_size=row.tick_size or (ref.tick_size if ref else Decimal("0.05")),
        expiry=row.expiry,
        strike=row.strike if kind in (InstrumentType.CE, InstrumentType.PE) else None,
        underlying=row.name if derivative else (ref.underlying if ref else None),
        upstox_key=ref.upstox_key if ref else None,
    )


@dataclass(frozen=True, slots=True)
class _Fields:
    line: int
    values: Mapping[str, str]

    def fail(self, column: str, message: str) -> KiteDumpError:
        return KiteDumpError(self.line, column, message)

    def integer(self, column: str, *, minimum: int) -> int:
        text = self.values[column]
        if not text.isdecimal() or int(text) < minimum:
            raise self.fail(column, f"{text!r} is not a whole number >= {minimum}")
        return int(text)

    def decimal(self, column: str) -> Decimal:
        text = self.values[column] or "0"
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite() or value < 0:
            raise self.fail(column, f"{text!r} is not a number >= 0")
        return value

    def day(self, column: str) -> date | None:
        text = self.values[column]
        if not text:
            return None
        try:
            if _ISO_DATE.fullmatch(text):
                return date.fromisoformat(text)
        except ValueError:
            pass
        raise self.fail(column, f"{text!r} is not a date (YYYY-MM-DD)")


def _row(fields: _Fields, exchange: Exchange) -> KiteRow:
    values = fields.values
    symbol = values["tradingsymbol"].upper()
    if not symbol or ":" in symbol or len(symbol) > 64:
        raise fields.fail("tradingsymbol", f"{values['tradingsymbol']!r} is not a trading symbol")
    segment = values["segment"].upper()
    allowed = _SEGMENT_TYPES.get((exchange.value, segment))
    if allowed is None:
        raise fields.fail("segment", f"{values['segment']!r} is not a segment of {exchange.value}")
    kind = values["instrument_type"].upper()
    if kind not in allowed:
        expected = "/".join(sorted(allowed))
        raise fields.fail("instrument_type", f"{kind!r} in segment {segment}; expected {expected}")
    fields.decimal("last_price")  # not kept, but a bad value means shifted columns
    row = KiteRow(
        instrument_token=fields.integer("instrument_token", minimum=1),
        exchange_token=fields.integer("exchange_token", minimum=0),
        tradingsymbol=symbol,
        name=values["name"][:200],
        expiry=fields.day("expiry"),
        strike=fields.decimal("strike"),
        tick_size=fields.decimal("tick_size"),
        lot_size=fields.integer("lot_size", minimum=0),
        instrument_type=kind,
        segment=segment,
        exchange=exchange,
    )
    if kind != "EQ":
        if row.expiry is None:
            raise fields.fail("expiry", f"a {kind} contract needs an expiry")
        if not row.name:
            raise fields.fail("name", f"a {kind} contract needs its underlying's name")
        if kind in ("CE", "PE") and not row.strike:
            raise fields.fail("strike", "an option needs a strike above 0")
    return row
