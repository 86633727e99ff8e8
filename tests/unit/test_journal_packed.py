"""A packed book reads back equal, to the last digit of every decimal."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradertape.journal import packed
from tradertape.journal.pnl import LONG, SHORT, Book, OpenPosition, RoundTrip

TRIP = RoundTrip(
    account="ZX1234",
    symbol="INFY",
    isin="INE009A01021",
    segment="EQ",
    direction=LONG,
    quantity=Decimal("1"),
    opened=date(2024, 4, 2),
    opened_at=None,
    closed=date(2024, 9, 2),
    closed_at=datetime(2024, 9, 2, 9, 30, tzinfo=UTC),
    open_value=Decimal("1300.033333333333333333333333"),  # a third of a lot's cost
    close_value=Decimal("1.5E+3"),
    charges=Decimal("0.0000"),
    open_source="upload",
    close_source="paper",
    via="split",
    intraday=False,
)


def test_a_book_reads_back_equal():
    book = Book(
        trips=[
            TRIP,
            RoundTrip(
                **{
                    **{f: getattr(TRIP, f) for f in TRIP.__slots__},
                    "isin": None,
                    "direction": SHORT,
                    # naive, as SQLite hands times back: stays naive
                    "opened_at": datetime(2024, 4, 2, 10, 1, 2, 345, tzinfo=UTC).replace(
                        tzinfo=None
                    ),
                    "kind": "buyback",
                    "intraday": True,
                    "stt": Decimal("24.000"),  # the STT inside its charges, where known
                }
            ),
        ],
        open=[
            OpenPosition("paper", "TCS", None, "EQ", LONG, Decimal(3), Decimal("11700.3"), None),
            OpenPosition("ZX1234", "SBIN", None, "EQ", SHORT, Decimal(1), Decimal(800), Decimal(9)),
        ],
        applied=["split 1:5 INFY 2024-06-03 (ZX1234)"],
    )
    again = packed.unpack(packed.pack(book))
    assert again == book
    assert [str(t.close_value) for t in again.trips] == ["1.5E+3", "1.5E+3"]
    assert again.trips[1].opened_at is not None
    assert again.trips[1].opened_at.tzinfo is None
    assert packed.unpack(packed.pack(Book())) == Book()


@pytest.mark.parametrize(
    "data", [b"", b"not a book", packed.pack(Book())[:-4], b"x\x01" + b"{}" * 3]
)
def test_bytes_that_are_not_a_packed_book_are_a_value_error(data: bytes):
    with pytest.raises(ValueError, match="packed book"):
        packed.unpack(data)


def test_a_book_of_another_format_is_a_value_error():
    import json
    import zlib

    other = zlib.compress(json.dumps({"format": packed.FORMAT + 1}).encode())
    with pytest.raises(ValueError, match="another format"):
        packed.unpack(other)


def test_unpacked_rows_are_the_frozen_classes_themselves():
    """The rows are built through a plain twin (`packed._Builder`) for speed; what comes
    out must still be a frozen `RoundTrip`, hashable and equal to the original."""
    import dataclasses

    book = Book(
        trips=[TRIP, TRIP],
        open=[OpenPosition("a", "TCS", None, "EQ", LONG, Decimal(1), Decimal(5), None)],
    )
    again = packed.unpack(packed.pack(book))
    trip = again.trips[0]
    assert type(trip) is RoundTrip
    assert type(again.open[0]) is OpenPosition
    with pytest.raises(dataclasses.FrozenInstanceError):
        trip.charges = Decimal(1)  # type: ignore[misc]
    assert hash(trip) == hash(TRIP)
    assert {trip, again.trips[1]} == {TRIP}
    assert dataclasses.replace(trip, charges=Decimal(2)).charges == Decimal(2)


def test_repeated_values_are_stored_once():
    """Dictionary-encoded columns: a thousand trips of one symbol carry it once, and each
    trip's index among the distinct values is one byte."""
    import zlib

    data = packed.pack(Book(trips=[TRIP] * 1000))
    table, body = packed._sections(data)
    trips = zlib.decompress(packed._part(table, body, "trips"))
    assert trips.count(b"INFY") == 1
    assert trips.count(b"1.5E+3") == 1
    assert len(trips) < 1000 * 25  # 20 columns, a byte per row each, and the values once


def test_a_page_reads_the_closes_without_the_book():
    """The Edge Finder's closes are kept beside the book and read back equal on their own;
    a book packed without them has none to read (the page makes them from the book)."""
    from tradertape.journal import analytics

    book = Book(trips=[TRIP, TRIP])
    closes = analytics.trades_of(book.trips)
    data = packed.pack(book, closes)
    assert packed.unpack_closes(data) == closes
    assert packed.unpack(data) == book
    assert packed.unpack_closes(packed.pack(book)) is None
    with pytest.raises(ValueError, match="packed book"):
        packed.unpack_closes(data[:-3])


_DECIMALS = st.decimals(allow_nan=False, allow_infinity=False, places=None)
_TEXT = st.text(max_size=8)  # NUL and separators too
_TRIPS = st.lists(
    st.builds(
        lambda base, symbol, quantity, value, note, stt, closed_at: dataclasses.replace(
            base,
            symbol=symbol,
            quantity=quantity,
            close_value=value,
            charges_note=note,
            stt=stt,
            closed_at=closed_at,
        ),
        st.just(TRIP),
        st.sampled_from(["INFY", "TCS", "SBIN"]) | _TEXT,
        _DECIMALS,
        _DECIMALS,
        _TEXT,
        st.none() | _DECIMALS,
        st.none() | st.datetimes(),
    ),
    max_size=300,
)


@settings(max_examples=60, deadline=None)
@given(_TRIPS)
def test_any_book_and_its_closes_read_back_equal(trips: list[RoundTrip]):
    """Whatever the values (repeated or not, None, text holding NUL, decimals of any
    exponent, naive times), a packed book and its closes read back equal, each value its
    own type."""
    from tradertape.journal import analytics

    book = Book(trips=trips, open=[], applied=["split 1:5 INFY 2024-06-03 (ZX1234)"])
    closes = analytics.trades_of(trips)
    data = packed.pack(book, closes)
    again = packed.unpack(data)
    assert again == book
    assert [list(map(type, vars_of(t))) for t in again.trips] == [
        list(map(type, vars_of(t))) for t in trips
    ]
    assert [str(t.close_value) for t in again.trips] == [str(t.close_value) for t in trips]
    assert packed.unpack_closes(data) == closes


def vars_of(row: RoundTrip) -> list[object]:
    return [getattr(row, f) for f in row.__slots__]
