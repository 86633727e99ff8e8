"""A FIFO `Book` as compact bytes and back, exactly: what the journal keeps in the database.

Columnar JSON, compressed: one list per field of the round trips and the open positions, so
a 20,000-trade history packs into a few hundred kilobytes and unpacks in tens of
milliseconds. Decimals travel as their own text (``Decimal(str(d)) == d``, exponent and
all), dates and times as ISO text (an aware time keeps its offset, a naive one stays
naive). No pickle: the bytes are data, never code.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Sequence
from dataclasses import fields
from datetime import date, datetime
from decimal import Decimal
from operator import attrgetter
from typing import Any

from tradertape.journal.pnl import Book, OpenPosition, RoundTrip

FORMAT = 4  # bump when a field is added, removed or changes meaning

_DECIMALS = {"quantity", "open_value", "close_value", "charges", "cost", "mark", "stt"}
_DATES = {"opened", "closed", "expired_on"}
_TIMES = {"opened_at", "closed_at"}


def _decoded(name: str, column: list[Any]) -> Any:
    parse: Callable[[str], Any]
    if name in _DECIMALS:
        parse = Decimal
    elif name in _DATES:
        parse = date.fromisoformat
    elif name in _TIMES:
        parse = datetime.fromisoformat
    else:
        return column
    if None in column:
        return [None if v is None else parse(v) for v in column]
    return map(parse, column)  # no None: the parser over the column, without a Python call


def _columns(rows: Sequence[Any], kind: type) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for f in fields(kind):
        column = list(map(attrgetter(f.name), rows))
        if f.name in _DECIMALS:
            found[f.name] = [None if v is None else str(v) for v in column]
        elif f.name in _DATES or f.name in _TIMES:
            found[f.name] = [None if v is None else v.isoformat() for v in column]
        else:
            found[f.name] = column
    return found


def _rows(columns: dict[str, list[Any]], kind: type) -> list[Any]:
    names = [f.name for f in fields(kind)]
    if sorted(columns) != sorted(names):
        raise ValueError(f"packed {kind.__name__} has other fields")
    if len({len(columns[n]) for n in names}) > 1:
        raise ValueError(f"packed {kind.__name__} has columns of other lengths")
    return list(map(kind, *(_decoded(n, columns[n]) for n in names)))


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
    return Book(
        trips=_rows(body["trips"], RoundTrip),
        open=_rows(body["open"], OpenPosition),
        applied=list(body["applied"]),
    )
