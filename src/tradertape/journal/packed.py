"""A FIFO `Book` (and its analytics' closes) as compact bytes and back, exactly: what the
journal keeps in the database.

A cold page (another process, after a restart) is mostly this unpacking, so the layout is
made to be read fast and in parts:

- sections (the trips, the open positions, the corporate actions applied, the closes the
  Edge Finder and Patterns read, each year's tax figures the tax pages read) compressed
  apart, behind a small JSON table of contents: a page decompresses only the sections it
  reads (the Edge Finder and the tax pages never build a trip);
- each section columnar and dictionary-encoded: a column's distinct values once, as text
  joined by NUL (one ``split``, no JSON parse of a row), then each row's index among them
  as a little-endian array of the narrowest unsigned type (``array.frombytes``, no parse).
  A history repeats most of its values (40 symbols, 750 days, one account), so each
  distinct decimal, day and time is parsed once, not once per row.

Decimals travel as their own text (``Decimal(str(d)) == d``, exponent and all), dates and
times as ISO text (an aware time keeps its offset, a naive one stays naive); each column
carries its values' type, so a value reads back as the type it was. No pickle: the bytes
are data, never code.

Most of what is left is building the frozen rows: a frozen dataclass's ``__init__`` stores
each field through ``object.__setattr__``, about three times a plain one's cost, and any
``__init__`` is a Python call per row. The rows are made empty and filled a column at a
time through the slots' setters (`_built`), in C; what comes out is a `RoundTrip`,
`OpenPosition` or `analytics.Trade` like any other, frozen.
"""

from __future__ import annotations

import gc
import json
import struct
import sys
import zlib
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields
from datetime import date, datetime
from decimal import Decimal
from itertools import repeat
from operator import attrgetter
from typing import Any, TypeVar

from tradertape.journal.analytics import Trade
from tradertape.journal.pnl import Book, OpenPosition, RoundTrip

FORMAT = 8  # bump when a field is added, removed or changes meaning, or the layout changes

_MAGIC = b"TTBK"
_HEAD = struct.Struct("<4sII")  # magic, format, length of the table of contents
_SEP = "\x00"
_KINDS: dict[str, type] = {"trips": RoundTrip, "open": OpenPosition, "closes": Trade}

Row = TypeVar("Row", RoundTrip, OpenPosition, Trade)

# a column's type tag → its values' text and back; "j" is JSON, for anything else (a column
# of mixed types, a text holding NUL)
_PARSERS: dict[str, Callable[[str], Any]] = {
    "s": str,
    "d": Decimal,
    "D": date.fromisoformat,
    "T": datetime.fromisoformat,
    "i": int,
    "b": lambda text: text == "1",
}
_TAGS: dict[type, str] = {str: "s", Decimal: "d", date: "D", datetime: "T", int: "i", bool: "b"}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, date):  # a datetime too
        return value.isoformat()
    return str(value)


def _json(value: Any) -> Any:
    """A value of a mixed column, as JSON carries it with its type: ``[tag, text]``."""
    if value is None:
        return None
    return [_TAGS[type(value)], _text(value)]


def _unjson(value: Any) -> Any:
    if value is None:
        return None
    tag, text = value
    return _PARSERS[tag](text)


def _built(kind: type[Row], count: int, columns: Sequence[tuple[str, Iterable[Any]]]) -> list[Row]:
    """`count` rows of `kind`, filled a column at a time: each made empty (no ``__init__``)
    and each field stored through its slot's own setter, mapped over the column in C (no
    Python frame per row, and not the frozen class's ``__setattr__``, which refuses)."""
    rows: list[Row] = list(map(object.__new__, repeat(kind, count)))
    for name, values in columns:
        deque(map(getattr(kind, name).__set__, rows, values), maxlen=0)
    return rows


def _encoded(column: list[Any]) -> tuple[dict[str, Any], bytes, bytes]:
    """A column as (its description, its distinct values' bytes, its index bytes)."""
    seen: dict[tuple[type, Any], int] = {}
    values: list[Any] = []
    index: list[int] = []
    for value in column:
        key = (type(value), value)  # 1 and True, 1 and Decimal(1) stay apart
        found = seen.get(key)
        if found is None:
            found = seen[key] = len(values)
            values.append(value)
        index.append(found)
    types = {type(v) for v in values if v is not None}
    texts = [_text(v) for v in values if v is not None]
    tag = _TAGS.get(types.pop(), "j") if len(types) == 1 else ("j" if types else "s")
    if tag != "j" and any(_SEP in t for t in texts):
        tag = "j"
    none = next((i for i, v in enumerate(values) if v is None), -1)
    if tag == "j":
        blob = json.dumps([_json(v) for v in values], separators=(",", ":")).encode()
    else:
        blob = _SEP.join(texts).encode()
    code = "B" if len(values) <= 1 << 8 else "H" if len(values) <= 1 << 16 else "I"
    numbers = array(code, index)
    if sys.byteorder == "big":
        numbers.byteswap()
    about = {"tag": tag, "none": none, "count": len(values), "code": code}
    return about, blob, numbers.tobytes()


def _texts(about: dict[str, Any], blob: bytes) -> list[Any]:
    """A column's distinct values as their text (None where one is None), not parsed."""
    none, count = about["none"], about["count"]
    texts: list[Any] = blob.decode().split(_SEP) if count > (none >= 0) else []
    if none >= 0:
        texts.insert(none, None)
    if len(texts) != count:
        raise ValueError("a packed column's values are not its count")
    return texts


def _values(about: dict[str, Any], blob: bytes) -> list[Any]:
    """A column's distinct values, parsed."""
    if about["tag"] == "j":
        values = [_unjson(v) for v in json.loads(blob)]
        if len(values) != about["count"]:
            raise ValueError("a packed column's values are not its count")
        return values
    texts = _texts(about, blob)
    if about["tag"] == "s":
        return texts
    parse = _PARSERS[about["tag"]]
    return [None if t is None else parse(t) for t in texts]


def _codes(about: dict[str, Any], index: bytes) -> array[int]:
    numbers = array(about["code"])
    numbers.frombytes(index)
    if sys.byteorder == "big":
        numbers.byteswap()
    return numbers


def _decoded(about: dict[str, Any], blob: bytes, index: bytes) -> Iterable[Any]:
    values = _values(about, blob)
    count = about["count"]
    if count == 1:
        return repeat(values[0], len(index))  # one value (an account, a segment): no lookups
    return map(values.__getitem__, _codes(about, index))  # an index past the values: IndexError


def _section(rows: Sequence[Any], kind: type) -> bytes:
    """Rows of `kind` as one compressed section: a JSON line describing the columns, then
    each column's values and index bytes."""
    about: list[dict[str, Any]] = []
    parts: list[bytes] = []
    for f in fields(kind):
        column, blob, index = _encoded(list(map(attrgetter(f.name), rows)))
        about.append({**column, "name": f.name, "values": len(blob), "index": len(index)})
        parts += [blob, index]
    head = json.dumps({"rows": len(rows), "columns": about}, separators=(",", ":")).encode()
    return zlib.compress(b"\n".join([head, b"".join(parts)]), 1)


Column = tuple[dict[str, Any], bytes, bytes]  # its description, values' bytes, index bytes


def _columns(data: bytes, kind: type) -> tuple[int, dict[str, Column]]:
    """A section's row count and its columns, each still encoded."""
    head, _, body = zlib.decompress(data).partition(b"\n")
    described = json.loads(head)
    columns = described["columns"]
    if [c["name"] for c in columns] != [f.name for f in fields(kind)]:
        raise ValueError(f"packed {kind.__name__} has other fields")
    count = described["rows"]
    found: dict[str, Column] = {}
    at = 0
    for column in columns:
        blob = body[at : at + column["values"]]
        at += column["values"]
        index = body[at : at + column["index"]]
        at += column["index"]
        if len(index) != count * array(column["code"]).itemsize:
            raise ValueError(f"packed {kind.__name__} has columns of other lengths")
        found[column["name"]] = (column, blob, index)
    if at != len(body):
        raise ValueError(f"packed {kind.__name__} has bytes after its columns")
    return count, found


def _rows(data: bytes, kind: type[Row]) -> list[Row]:
    count, columns = _columns(data, kind)
    decoded = [(name, _decoded(*column)) for name, column in columns.items()]
    return _built(kind, count, decoded)


class PackedTrips:
    """A kept book's round trips read as columns (`journal.trip_table.Trips`): a column is
    decoded when first asked for, and only the rows asked for are built (a page of 50 of
    100,000 parses no decimal of the others)."""

    def __init__(self, data: bytes) -> None:
        self.count, self._columns = _columns(data, RoundTrip)
        self._decoded: dict[str, list[Any]] = {}

    def __len__(self) -> int:
        return self.count

    def column(self, name: str) -> list[Any]:
        found = self._decoded.get(name)
        if found is None:
            about, blob, index = self._columns[name]
            try:
                values = _values(about, blob)
                if about["count"] == 1:
                    found = values * self.count
                else:
                    found = list(map(values.__getitem__, _codes(about, index)))
            except (UnicodeDecodeError, json.JSONDecodeError, IndexError) as problem:
                raise ValueError(f"not a packed book: {problem}") from None
            self._decoded[name] = found
        return found

    def rows(self, positions: Sequence[int]) -> list[RoundTrip]:
        columns = []
        for name, (about, blob, index) in self._columns.items():
            if name in self._decoded:
                column = self._decoded[name]
                columns.append((name, [column[i] for i in positions]))
                continue
            codes = _codes(about, index) if about["count"] > 1 else None
            picked = [0 if codes is None else codes[i] for i in positions]
            if about["tag"] in ("j", "s"):
                values = _values(about, blob)
                columns.append((name, [values[c] for c in picked]))
                continue
            texts, parse = _texts(about, blob), _PARSERS[about["tag"]]
            columns.append((name, [None if texts[c] is None else parse(texts[c]) for c in picked]))
        return _built(RoundTrip, len(positions), columns)


def pack(
    book: Book,
    closes: Sequence[Trade] | None = None,
    years: bytes | None = None,
    sums: bytes | None = None,
) -> bytes:
    """The book (and, when given, its analytics' closes, its kept tax years' bytes,
    `journal.tax_answers`, and its trips' sums' bytes, `journal.trip_table`) as bytes
    `unpack` reads back to an equal book (`unpack_closes` to the closes, `kept_years` to
    the years' bytes, `unpack_pages` to what the P&L page reads)."""
    sections = {
        "trips": _section(book.trips, RoundTrip),
        "open": _section(book.open, OpenPosition),
        "applied": zlib.compress(json.dumps(book.applied).encode(), 1),
    }
    if closes is not None:
        sections["closes"] = _section(closes, Trade)
    if years is not None:
        sections["years"] = zlib.compress(years, 1)
    if sums is not None:
        sections["sums"] = zlib.compress(sums, 1)
    table: dict[str, list[int]] = {}
    at = 0
    for name, data in sections.items():
        table[name] = [at, len(data)]
        at += len(data)
    contents = json.dumps(table, separators=(",", ":")).encode()
    return b"".join([_HEAD.pack(_MAGIC, FORMAT, len(contents)), contents, *sections.values()])


def _earlier(data: bytes) -> None:
    """Raise the `ValueError` for bytes with no mark: a book packed by an earlier release
    (compressed JSON with its format's number, kept before this layout) or none."""
    try:
        body = json.loads(zlib.decompress(data))
    except (zlib.error, UnicodeDecodeError, json.JSONDecodeError) as problem:
        raise ValueError(f"not a packed book: {problem}") from None
    if isinstance(body, dict) and "format" in body:
        raise ValueError("a packed book of another format")
    raise ValueError("not a packed book: no mark")


def _sections(data: bytes) -> tuple[dict[str, Any], memoryview]:
    if len(data) < _HEAD.size:
        raise ValueError("not a packed book: too short")
    magic, version, size = _HEAD.unpack_from(data)
    if magic != _MAGIC:
        _earlier(data)
    if version != FORMAT:
        raise ValueError("a packed book of another format")
    try:
        table = json.loads(bytes(data[_HEAD.size : _HEAD.size + size]))
    except (UnicodeDecodeError, json.JSONDecodeError) as problem:
        raise ValueError(f"not a packed book: {problem}") from None
    if not isinstance(table, dict):
        raise ValueError("not a packed book: no table of contents")
    return table, memoryview(data)[_HEAD.size + size :]


def _part(table: dict[str, Any], body: memoryview, name: str) -> bytes:
    at, length = table[name]
    if at + length > len(body):
        raise ValueError(f"not a packed book: its {name} are cut short")
    return bytes(body[at : at + length])


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while rows are built: every few hundred new
    rows it would walk the young ones, and as the heap grows the old ones too, again and
    again (about a third of a cold page's CPU at 100,000 trips). Rows hold no cycles; the
    collector sees them once, after. Process-wide: only switched back on if it was on."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _read(data: bytes, read: Callable[[dict[str, Any], memoryview], Any]) -> Any:
    table, body = _sections(data)
    try:
        with _collector_paused():
            return read(table, body)
    except (zlib.error, UnicodeDecodeError, json.JSONDecodeError) as problem:
        raise ValueError(f"not a packed book: {problem}") from None
    except (IndexError, TypeError, KeyError, ValueError) as problem:
        raise ValueError(f"not a packed book: {problem}") from None


def unpack(data: bytes) -> Book:
    """The book `pack` made; `ValueError` when the bytes are not one (another format)."""

    def read(table: dict[str, Any], body: memoryview) -> Book:
        applied = json.loads(zlib.decompress(_part(table, body, "applied")))
        if not isinstance(applied, list):
            raise ValueError("applied is a list")
        return Book(
            trips=_rows(_part(table, body, "trips"), RoundTrip),
            open=_rows(_part(table, body, "open"), OpenPosition),
            applied=applied,
        )

    book: Book = _read(data, read)
    return book


def unpack_closes(data: bytes) -> list[Trade] | None:
    """The closes `pack` was given, without building the book; None when it was given
    none. `ValueError` when the bytes are not a packed book."""

    def read(table: dict[str, Any], body: memoryview) -> list[Trade] | None:
        if "closes" not in table:
            return None
        return _rows(_part(table, body, "closes"), Trade)

    closes: list[Trade] | None = _read(data, read)
    return closes


def kept_years(data: bytes) -> bytes | None:
    """The tax years' bytes `pack` was given, without reading the book; None when it was
    given none. `ValueError` when the bytes are not a packed book."""

    def read(table: dict[str, Any], body: memoryview) -> bytes | None:
        if "years" not in table:
            return None
        return zlib.decompress(_part(table, body, "years"))

    years: bytes | None = _read(data, read)
    return years


def unpack_pages(data: bytes) -> tuple[PackedTrips, list[OpenPosition], list[str], bytes] | None:
    """What the P&L page reads of a kept book, no trip built: its trips as columns, its
    open positions, the corporate actions applied and its trips' sums' bytes; None when it
    was given no sums. `ValueError` when the bytes are not a packed book."""

    def read(
        table: dict[str, Any], body: memoryview
    ) -> tuple[PackedTrips, list[OpenPosition], list[str], bytes] | None:
        if "sums" not in table:
            return None
        applied = json.loads(zlib.decompress(_part(table, body, "applied")))
        if not isinstance(applied, list):
            raise ValueError("applied is a list")
        return (
            PackedTrips(_part(table, body, "trips")),
            _rows(_part(table, body, "open"), OpenPosition),
            applied,
            zlib.decompress(_part(table, body, "sums")),
        )

    found: tuple[PackedTrips, list[OpenPosition], list[str], bytes] | None = _read(data, read)
    return found
