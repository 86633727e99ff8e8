"""A FIFO `Book` as compact bytes and back, exactly: what the journal keeps in the database.

Columnar JSON, compressed, each column dictionary-encoded: its distinct values once, then
one index per row. A history repeats most of its values (40 symbols, 750 days, one
account), so each distinct decimal, day and time is parsed once, not once per trip; a
100,000-trade book unpacks in a fraction of what a value per row took. Decimals travel as
their own text (``Decimal(str(d)) == d``, exponent and all), dates and times as ISO text
(an aware time keeps its offset, a naive one stays naive). No pickle: the bytes are data,
never code.

A cold page (another process, after a restart) is mostly this unpacking, and most of that
was building the frozen rows: a frozen dataclass's ``__init__`` stores each field through
``object.__setattr__``, about three times a plain one's cost. The rows are built as a plain
twin with the same slots and then labelled as the frozen class (`_Builder`); what comes out
is a `RoundTrip` or `OpenPosition` like any other, frozen.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, make_dataclass
from datetime import date, datetime
from decimal import Decimal
from operator import attrgetter
from typing import Any, Generic, TypeVar

from tradertape.journal.pnl import Book, OpenPosition, RoundTrip

FORMAT = 5  # bump when a field is added, removed or changes meaning, or the layout changes

_DECIMALS = {"quantity", "open_value", "close_value", "charges", "cost", "mark", "stt"}
_DATES = {"opened", "closed", "expired_on"}
_TIMES = {"opened_at", "closed_at"}

Row = TypeVar("Row", RoundTrip, OpenPosition)


def _parser(name: str) -> Callable[[str], Any] | None:
    if name in _DECIMALS:
        return Decimal
    if name in _DATES:
        return date.fromisoformat
    if name in _TIMES:
        return datetime.fromisoformat
    return None


def _text(value: Any) -> Any:
    """A value as JSON carries it: decimals as their text, days and times as ISO text."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):  # a datetime too
        return value.isoformat()
    return value


@dataclass(frozen=True, slots=True)
class _Builder(Generic[Row]):
    """Builds `kind`'s rows through a plain twin of the same fields and slots, then relabels
    each as `kind` (CPython allows the assignment between classes of identical layout)."""

    kind: type[Row]
    twin: type

    @classmethod
    def of(cls, kind: type[Row]) -> _Builder[Row]:
        twin = make_dataclass(
            f"_Plain{kind.__name__}", [(f.name, f.type, f) for f in fields(kind)], slots=True
        )
        return cls(kind, twin)

    def rows(self, columns: Sequence[list[Any]]) -> list[Row]:
        built: list[Any] = list(map(self.twin, *columns))
        kind = self.kind
        for row in built:
            row.__class__ = kind
        return built


_BUILDERS: dict[type, _Builder[Any]] = {
    RoundTrip: _Builder.of(RoundTrip),
    OpenPosition: _Builder.of(OpenPosition),
}


def _encoded(column: list[Any]) -> list[list[Any]]:
    """A column as [its distinct values, each row's index among them]."""
    seen: dict[Any, int] = {}
    values: list[Any] = []
    index: list[int] = []
    for value in column:
        text = _text(value)
        key = (type(value), text)  # 1 and True, "1" and Decimal(1) stay apart
        found = seen.get(key)
        if found is None:
            found = seen[key] = len(values)
            values.append(text)
        index.append(found)
    return [values, index]


def _decoded(name: str, column: Any) -> list[Any]:
    if not (isinstance(column, list) and len(column) == 2):
        raise ValueError("a packed column is [values, index]")
    values, index = column
    parse = _parser(name)
    if parse is not None:
        values = [None if v is None else parse(v) for v in values]
    return list(map(values.__getitem__, index))


def _columns(rows: Sequence[Any], kind: type) -> dict[str, list[list[Any]]]:
    return {f.name: _encoded(list(map(attrgetter(f.name), rows))) for f in fields(kind)}


def _rows(columns: dict[str, Any], kind: type[Row]) -> list[Row]:
    names = [f.name for f in fields(kind)]
    if sorted(columns) != sorted(names):
        raise ValueError(f"packed {kind.__name__} has other fields")
    decoded = [_decoded(n, columns[n]) for n in names]
    if len({len(c) for c in decoded}) > 1:
        raise ValueError(f"packed {kind.__name__} has columns of other lengths")
    built: list[Row] = _BUILDERS[kind].rows(decoded)
    return built


def pack(book: Book) -> bytes:
    """The book as bytes `unpack` reads back to an equal book."""
    body = {
        "format": FORMAT,
        "trips": _columns(book.trips, RoundTrip),
        "open": _columns(book.open, OpenPosition),
        "applied": book.applied,
    }
    return zlib.compress(json.dumps(body, separators=(",", ":")).encode(), 1)


def unpack(data: bytes) -> Book:
    """The book `pack` made; `ValueError` when the bytes are not one (another format)."""
    try:
        body = json.loads(zlib.decompress(data))
    except (zlib.error, UnicodeDecodeError, json.JSONDecodeError) as problem:
        raise ValueError(f"not a packed book: {problem}") from None
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise ValueError("a packed book of another format")
    try:
        return Book(
            trips=_rows(body["trips"], RoundTrip),
            open=_rows(body["open"], OpenPosition),
            applied=list(body["applied"]),
        )
    except (IndexError, TypeError) as problem:
        raise ValueError(f"not a packed book: {problem}") from None
