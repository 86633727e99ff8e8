"""Parsing NSE bhavcopies: both layouts, zips, what is skipped, and errors naming file and line."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest

from tradertape.candles.bhavcopy import (
    BhavFormat,
    BhavRow,
    SkipReason,
    file_name,
    parse_bhavcopy,
    read_bhavcopy,
    render,
)
from tradertape.errors import InvalidField

# Hand-made files in NSE's layouts (not real bhavcopies, which may not be redistributed). The
# older one: a trailing comma on every line, DD-MON-YYYY dates, a bond (GS), an SME stock (SM)
# and an untraded row. UDiFF: 34 columns, ISO dates, a REIT (RR).
FIXTURES = Path(__file__).parents[2] / "data" / "bhavcopy"
LEGACY = (FIXTURES / "cm02JAN2024bhav.csv").read_text()
UDIFF = (FIXTURES / "BhavCopy_NSE_CM_0_0_0_20240708_F_0000.csv").read_text()
UDIFF_HEADER = UDIFF.splitlines()[0]


def test_legacy_keeps_equity_series_and_counts_the_rest():
    day = parse_bhavcopy("cm02JAN2024bhav.csv", LEGACY)
    assert (day.format, day.day) == (BhavFormat.LEGACY, date(2024, 1, 2))
    assert day.rows == (
        BhavRow("INFY", "INE009A01021", "EQ", 1500.0, 1520.5, 1490.0, 1510.05, 123456, 2),
        BhavRow("ZEEL", "INE256A01028", "BE", 250.0, 255.0, 248.1, 252.0, 5000, 4),
    )
    assert day.skipped == {SkipReason.SERIES: 2, SkipReason.UNTRADED: 1}


def test_udiff_reads_official_close_not_last_price():
    day = parse_bhavcopy("BhavCopy_NSE_CM_0_0_0_20240708_F_0000.csv", UDIFF)
    assert (day.format, day.day) == (BhavFormat.UDIFF, date(2024, 7, 8))
    infy, reliance = day.rows
    assert infy == BhavRow(
        "INFY", "INE009A01021", "EQ", 1650.0, 1671.95, 1641.1, 1668.2, 4567890, 2
    )
    assert (reliance.symbol, reliance.close, reliance.volume) == ("RELIANCE", 3176.9, 5432100)
    assert day.skipped == {SkipReason.SERIES: 1}


def test_second_equity_row_of_a_symbol_keeps_the_eq_one():
    text = LEGACY.replace("ZEEL,BE", "INFY,BE")
    day = parse_bhavcopy("cm02JAN2024bhav.csv", text)
    assert [(r.symbol, r.series) for r in day.rows] == [("INFY", "EQ")]
    assert day.skipped[SkipReason.DUPLICATE] == 1
    flipped = parse_bhavcopy("f.csv", text.replace("INFY,EQ", "INFY,BZ"))
    assert [(r.symbol, r.series) for r in flipped.rows] == [("INFY", "BE")]


def test_zip_and_csv_files(tmp_path: Path):
    archive = tmp_path / "BhavCopy_NSE_CM_0_0_0_20240708_F_0000.csv.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("BhavCopy_NSE_CM_0_0_0_20240708_F_0000.csv", UDIFF)
    (zipped,) = read_bhavcopy(archive)
    assert zipped.source == f"{archive.name}:BhavCopy_NSE_CM_0_0_0_20240708_F_0000.csv"
    assert [r.symbol for r in zipped.rows] == ["INFY", "RELIANCE"]
    plain = tmp_path / "cm02JAN2024bhav.csv"
    plain.write_bytes(b"\xef\xbb\xbf" + LEGACY.encode())  # a BOM is tolerated
    (day,) = read_bhavcopy(plain)
    assert day.day == date(2024, 1, 2)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            LEGACY.replace("1500,1520.5,1490,1510.05", "1500,1505,1490,1510.05"),
            "HIGH: f.csv line 2: 1505.0 is below open/close",
            id="high-below-close",
        ),
        pytest.param(
            LEGACY.replace("250,255,248.1", "250,255,251"),
            "LOW: f.csv line 4: 251.0 is above open/close",
            id="low-above-open",
        ),
        pytest.param(
            LEGACY.replace("1500,1520.5", "abc,1520.5"),
            "OPEN: f.csv line 2: 'abc' is not a positive price",
            id="bad-number",
        ),
        pytest.param(
            LEGACY.replace("123456,186423456.5", "12.5,186423456.5"),
            "TOTTRDQTY: f.csv line 2: '12.5': not a whole number >= 0",
            id="fractional-volume",
        ),
        pytest.param(
            LEGACY.replace("02-JAN-2024,90", "03-JAN-2024,90"),
            "TIMESTAMP: f.csv line 4: 2024-01-03 in a bhavcopy of 2024-01-02",
            id="two-days",
        ),
        pytest.param(
            LEGACY.replace("02-JAN-2024,4567", "02-JNA-2024,4567"),
            "TIMESTAMP: f.csv line 2: '02-JNA-2024' is not a date",
            id="bad-date",
        ),
        pytest.param(
            LEGACY.replace(
                "ZEEL,BE,250,255,248.1,252,252,249,5000,1260000,02-JAN-2024,90,", "ZEEL"
            ),
            "file: f.csv line 4: 2 fields, the header has 14",
            id="short-row",
        ),
        pytest.param(
            UDIFF.replace("2024-07-08,CM,NSE,STK,2885", "2024-07-08,FO,NSE,STK,2885"),
            "Sgmt: f.csv line 3: segment 'FO': not a cash-market file",
            id="fo-file",
        ),
        pytest.param(
            UDIFF.replace(",CM,NSE,", ",CM,BSE,"),
            "Src: f.csv line 2: exchange 'BSE': not an NSE file",
            id="bse-file",
        ),
        pytest.param(
            "date,open,high,low,close,volume\n2024-01-01,1,1,1,1,1\n",
            "file: f.csv is not an NSE equity bhavcopy",
            id="not-a-bhavcopy",
        ),
        pytest.param(UDIFF_HEADER + "\n", "file: f.csv holds no rows", id="no-rows"),
        pytest.param("", "file: f.csv is empty", id="empty"),
    ],
)
def test_bad_files_name_the_column_file_and_line(text: str, message: str):
    with pytest.raises(InvalidField) as caught:
        parse_bhavcopy("f.csv", text)
    assert str(caught.value).startswith(message)


def test_unreadable_files(tmp_path: Path):
    broken = tmp_path / "x.zip"
    broken.write_bytes(b"not a zip")
    with pytest.raises(InvalidField, match=r"x.zip is not a readable zip"):
        read_bhavcopy(broken)
    empty = tmp_path / "e.zip"
    with zipfile.ZipFile(empty, "w") as z:
        z.writestr("readme.txt", "hi")
    with pytest.raises(InvalidField, match=r"e.zip holds no .csv file"):
        read_bhavcopy(empty)
    other = tmp_path / "x.txt"
    other.write_text(LEGACY)
    with pytest.raises(InvalidField, match=r"expected a bhavcopy .csv or .zip"):
        read_bhavcopy(other)


@pytest.mark.parametrize("kind", list(BhavFormat))
def test_render_writes_what_parse_reads(kind: BhavFormat):
    rows = [
        BhavRow("INFY", "INE009A01021", "EQ", 1500.0, 1520.5, 1490.0, 1510.05, 123456, 2),
        BhavRow("ZEEL", "INE256A01028", "BZ", 250.0, 255.0, 248.1, 252.0, 5000, 3),
    ]
    day = date(2024, 7, 8)
    text = render(kind, day, rows)
    assert {len(line.split(",")) for line in text.splitlines()} == {
        14 if kind is BhavFormat.LEGACY else 34
    }
    parsed = parse_bhavcopy(file_name(kind, day), text)
    assert (parsed.format, parsed.day, parsed.rows) == (kind, day, tuple(rows))
    assert file_name(BhavFormat.LEGACY, day) == "cm08JUL2024bhav.csv"
    assert file_name(BhavFormat.UDIFF, day) == "BhavCopy_NSE_CM_0_0_0_20240708_F_0000.csv"
