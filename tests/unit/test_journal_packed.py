"""A packed book reads back equal, to the last digit of every decimal."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

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
