"""Broker statement files built in each layout of reference §6, for the upload tests.

Every name, account and number here is made up; nothing comes from a real client's file.
"""

from __future__ import annotations

import csv
import io
import struct
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook

from tests.pdf_kit import Line, cyclic_page_tree_pdf, shared_page_pdf, text_pdf

ZERODHA_COLUMNS = (
    "symbol",
    "isin",
    "trade_date",
    "exchange",
    "segment",
    "series",
    "trade_type",
    "auction",
    "quantity",
    "price",
    "trade_id",
    "order_id",
    "order_execution_time",
)
LEDGER_COLUMNS = (
    "particulars",
    "posting_date",
    "cost_center",
    "voucher_type",
    "debit",
    "credit",
    "net_balance",
)


@dataclass(frozen=True)
class Fill:
    """One row of a Zerodha tradebook."""

    symbol: str
    day: str
    side: str
    quantity: int
    price: str
    trade_id: str
    order_id: str
    time: str = "10:15:00"
    isin: str = ""
    segment: str = "EQ"
    exchange: str = "NSE"
    expiry: str = ""

    def cells(self, fo: bool) -> list[str]:
        row = [
            self.symbol,
            self.isin,
            self.day,
            self.exchange,
            self.segment,
            "" if self.segment == "FO" else "EQ",
            self.side,
            "false",
            f"{self.quantity}.000000",
            f"{float(self.price):.6f}",
            self.trade_id,
            self.order_id,
            f"{self.day}T{self.time}",
        ]
        return [*row, self.expiry] if fo else row


def _csv(rows: Sequence[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def _xlsx(rows: Sequence[Sequence[Any]], *, column: int = 1) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=column):
            if value not in ("", None):
                sheet.cell(row=r, column=c, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zerodha_csv(fills: Sequence[Fill], *, fo: bool = False) -> bytes:
    """Console's CSV: the header on row 1."""
    header = [*ZERODHA_COLUMNS, "expiry_date"] if fo else list(ZERODHA_COLUMNS)
    return _csv([header, *(f.cells(fo) for f in fills)])


def _title(name: str) -> str:
    return " ".join(
        word.upper() if word in ("id", "isin") else word.title() for word in name.split("_")
    )


def zerodha_xlsx(
    fills: Sequence[Fill],
    *,
    client_id: str = "ZX1234",
    segment: str = "Equity",
    start: str = "2024-04-01",
    end: str = "2024-06-30",
    fo: bool = False,
) -> bytes:
    """Console's XLSX: a preamble, then Title-Case headers, the table from column B."""
    names = [*ZERODHA_COLUMNS, "expiry_date"] if fo else list(ZERODHA_COLUMNS)
    preamble: list[list[Any]] = [
        [],
        ["Client ID", client_id],
        [],
        [f"Tradebook for {segment} from {start} to {end}"],
        [],
    ]
    rows: list[list[Any]] = [*preamble, [_title(n) for n in names]]
    for fill in fills:
        cells: list[Any] = fill.cells(fo)
        cells[8] = float(fill.quantity)  # Excel keeps numbers as numbers
        cells[9] = float(fill.price)
        rows.append(cells)
    return _xlsx(rows, column=2)


def zerodha_ledger_csv(lines: Sequence[Sequence[str]]) -> bytes:
    """A ledger: dateless opening and closing balances around the dated lines."""
    return _csv(
        [
            LEDGER_COLUMNS,
            ["Opening Balance", "", "", "", "0.000000", "0.000000", "0.000000"],
            *lines,
            ["Closing Balance", "", "", "", "0.000000", "0.000000", lines[-1][-1]],
        ]
    )


UPSTOX_COLUMNS = (
    "Date",
    "Company",
    "Amount",
    "Exchange",
    "Segment",
    "Scrip Code",
    "Instrument Type",
    "Strike Price",
    "Expiry",
    "Trade Num",
    "Trade Time",
    "Side",
    "Quantity",
    "Price",
)


def upstox_xlsx(rows: Sequence[Sequence[Any]]) -> bytes:
    """Upstox's trade report: 14 columns, dd-mm-yyyy dates, no order id."""
    return _xlsx([["Trade Report"], [], list(UPSTOX_COLUMNS), *rows])


GROWW_COLUMNS = (
    "Stock name",
    "Symbol",
    "ISIN",
    "Type",
    "Quantity",
    "Value",
    "Exchange",
    "Exchange Order Id",
    "Execution date and time",
    "Order status",
)


def groww_xlsx(rows: Sequence[Sequence[Any]]) -> bytes:
    """Groww's stock order history: name, client code and title above the header."""
    preamble: list[list[Any]] = [
        ["Name", "A Test Investor"],
        ["Unique Client Code", "GW0000001"],
        [],
        ["Stock Order History"],
        [],
    ]
    return _xlsx([*preamble, list(GROWW_COLUMNS), *rows])


CAS_PASSWORD = "ABCDE1234F"  # a made-up PAN, the usual CAS password
_CAS_X = (30, 110, 200, 420, 490, 560, 620, 680, 760)
_CAS_HEADER = (
    "Folio No.",
    "ISIN",
    "Scheme Name",
    "Cost Value",
    "Unit Balance",
    "NAV Date",
    "NAV",
    "Market Value",
    "Registrar",
)


def cams_summary_pdf(password: str | None = CAS_PASSWORD) -> bytes:
    """A CAMS summary CAS of one made-up scheme, laid out in columns as casparser reads
    them (its markers: ``CAMSCASWS``, "Consolidated Account Summary")."""
    row = (
        "12345678 / 90",
        "INF000X01010",
        "EX01-Example Flexi Cap Fund - Direct Plan - Growth",
        "10000.00",
        "150.123",
        "31-Mar-2024",
        "110.5000",
        "16588.59",
        "CAMS",
    )
    lines: list[Line] = [
        "Consolidated Account Summary",
        "CAMSCASWS",
        "As on 31-Mar-2024",
        "Email Id: investor@example.in",
        "A Test Investor",
        "Example Mutual Fund",
        list(zip(_CAS_X, _CAS_HEADER, strict=True)),
        list(zip(_CAS_X, row, strict=True)),
        "Total",
    ]
    return text_pdf(lines, password=password)


# ----------------------------------------------------------------------------- hostile files
# What an attacker uploads instead of a statement (issue 49): each is built here, small, and
# `HOSTILE` says what the server must answer. The builders write the XLSX parts themselves,
# since no workbook library writes a broken workbook.

_MAIN_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_PKG_NS = 'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"'
HEADER_CELLS = "".join(
    f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{name}</t></is></c>'
    for i, name in enumerate(ZERODHA_COLUMNS)
)


def _workbook_parts(sheets: int = 1) -> dict[str, bytes]:
    listed = "".join(
        f'<sheet name="S{n}" sheetId="{n}" r:id="rId{n}"/>' for n in range(1, sheets + 1)
    )
    workbook = f"<workbook {_MAIN_NS} {_REL_NS}><sheets>{listed}</sheets></workbook>"
    return {
        "xl/workbook.xml": workbook.encode(),
        "xl/_rels/workbook.xml.rels": f'<Relationships {_PKG_NS}><Relationship Id="rId1" '
        'Type="worksheet" Target="worksheets/sheet1.xml"/></Relationships>'.encode(),
    }


def raw_xlsx(sheet_rows: str, *, sheets: int = 1, parts: dict[str, bytes] | None = None) -> bytes:
    """A workbook whose first sheet's ``<sheetData>`` is `sheet_rows`, as written; `parts`
    add or replace parts by name."""
    sheet = f"<worksheet {_MAIN_NS}><sheetData>{sheet_rows}</sheetData></worksheet>".encode()
    files = {**_workbook_parts(sheets), "xl/worksheets/sheet1.xml": sheet}
    files.update(parts or {})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        for name, data in files.items():
            book.writestr(name, data)
    return out.getvalue()


def _row(number: int, cells: Sequence[str]) -> str:
    inner = "".join(
        f'<c r="{chr(65 + i)}{number}" t="inlineStr"><is><t>{value}</t></is></c>'
        for i, value in enumerate(cells)
    )
    return f'<row r="{number}">{inner}</row>'


GOOD_ROW = Fill("INFY", "2024-04-02", "buy", 10, "1450.5", "T1", "1300000000000000001").cells(False)


def _deflated_spaces(megabytes: int) -> bytes:
    """A raw deflate stream of `megabytes` MB of spaces: one compressed megabyte repeated
    (a full flush makes each block stand alone), so a bomb costs no compression time."""
    squeeze = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = squeeze.compress(b" " * 1_048_576) + squeeze.flush(zlib.Z_FULL_FLUSH)
    return block * megabytes + zlib.compressobj(9, zlib.DEFLATED, -15).flush()


def zip_bomb(megabytes: int = 200, *, declared: int | None = None) -> bytes:
    """A workbook whose sheet unpacks to `megabytes` MB (about 1/1000 of that packed); its
    header declares the true size, or `declared` bytes (a lie)."""
    members = [
        (name, zlib.compress(data)[2:-4], zlib.crc32(data), len(data))
        for name, data in _workbook_parts().items()
    ]
    size = megabytes * 1_048_576
    members.append(("xl/worksheets/sheet1.xml", _deflated_spaces(megabytes), 0, declared or size))
    out, directory = bytearray(), bytearray()
    for name, data, crc, unpacked in members:
        encoded = name.encode()
        fields = (20, 0, 8, 0, 0, crc, len(data), unpacked, len(encoded), 0)
        directory += struct.pack(
            "<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, *fields, 0, 0, 0, 0, len(out)
        )
        directory += encoded
        out += struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", *fields) + encoded + data
    start = len(out)
    out += directory
    out += struct.pack(
        "<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(members), len(members), len(directory), start, 0
    )
    return bytes(out)


def _trade_csv(**changed: str) -> bytes:
    cells = dict(zip(ZERODHA_COLUMNS, GOOD_ROW, strict=True))
    cells.update(changed)
    return _csv([ZERODHA_COLUMNS, list(cells.values())])


def _corrupt_deflate() -> bytes:
    """A workbook whose sheet's compressed bytes are garbled (its ZIP headers intact)."""
    book = bytearray(raw_xlsx(_row(1, GOOD_ROW * 3)))
    start = book.find(b"xl/worksheets/sheet1.xml") + len("xl/worksheets/sheet1.xml")
    for at in range(start + 5, start + 40):
        book[at] ^= 0x55
    return bytes(book)


def _many_parts() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as book:
        for n in range(1_001):
            book.writestr(f"x/{n}", b"")
    return out.getvalue()


@dataclass(frozen=True)
class Hostile:
    """A hostile file, where it is sent, and the answer due: a 4xx whose detail holds
    `says`, or (status 201) a report ``rejected`` with an error of row `row` holding `says`,
    or an import (`imported`) whatever its metadata says."""

    name: str
    route: str
    build: Callable[[], bytes]
    status: int
    says: str
    row: int | None = None
    filename: str = "trades.xlsx"
    on_memory: bool = False  # the attack is on memory: the test measures it


def _xxe() -> bytes:
    doctype = '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    sheet = f"{doctype}<worksheet {_MAIN_NS}><sheetData>{_row(1, ['&x;'])}</sheetData></worksheet>"
    return raw_xlsx("", parts={"xl/worksheets/sheet1.xml": sheet.encode()})


TRADEBOOK_ROUTE, LEDGER_ROUTE, CAS_ROUTE = (
    "/api/uploads/tradebook",
    "/api/uploads/ledger",
    "/api/uploads/cas",
)
HOSTILE: tuple[Hostile, ...] = (
    Hostile(
        "row 10,000,000",
        TRADEBOOK_ROUTE,
        lambda: raw_xlsx(_row(10_000_000, GOOD_ROW)),
        422,
        "a row numbered '10000000'",
        on_memory=True,
    ),
    Hostile("zip bomb", TRADEBOOK_ROUTE, zip_bomb, 422, "unpacks past 64 MB", on_memory=True),
    Hostile(
        "zip bomb, size a lie",
        TRADEBOOK_ROUTE,
        lambda: zip_bomb(declared=1_000),
        422,
        "damaged XLSX",
        on_memory=True,
    ),
    Hostile(
        "1,001 zip parts", TRADEBOOK_ROUTE, _many_parts, 422, "a ZIP of 1,001 parts", on_memory=True
    ),
    Hostile(
        "65 sheets",
        TRADEBOOK_ROUTE,
        lambda: raw_xlsx(_row(1, GOOD_ROW), sheets=65),
        422,
        "65 sheets",
    ),
    Hostile(
        "cell ZZZZZZZZZZZZZZ3",
        TRADEBOOK_ROUTE,
        lambda: raw_xlsx('<row r="3"><c r="ZZZZZZZZZZZZZZ3"><v>1</v></c></row>'),
        422,
        "'ZZZZZZZZZZZZZZ3' that is no spreadsheet cell",
        on_memory=True,
    ),
    Hostile(
        "column 16,384",
        TRADEBOOK_ROUTE,
        lambda: raw_xlsx('<row r="1"><c r="XFD1"><v>1</v></c></row>'),
        422,
        "cell XFD1 is past column 64",
        on_memory=True,
    ),
    Hostile(
        "100,001 rows",
        TRADEBOOK_ROUTE,
        lambda: raw_xlsx("<row/>" * 100_001),
        422,
        "more than 100,000 rows",
    ),
    Hostile(
        "2,000,001 cells",
        TRADEBOOK_ROUTE,
        lambda: raw_xlsx('<row r="1">' + "<c/>" * 2_000_001 + "</row>"),
        422,
        "more than 2,000,000 cells",
    ),
    Hostile("external entity", TRADEBOOK_ROUTE, _xxe, 422, "declares a DTD"),
    Hostile(
        "broken sharedStrings",
        TRADEBOOK_ROUTE,
        lambda: raw_xlsx(_row(1, ["a"]), parts={"xl/sharedStrings.xml": b"<sst><si><t>x</sst>"}),
        422,
        "damaged XLSX",
    ),
    Hostile(
        "shared string 99 of 1",
        TRADEBOOK_ROUTE,
        lambda: raw_xlsx(
            '<row r="1"><c r="A1" t="s"><v>99</v></c></row>',
            parts={"xl/sharedStrings.xml": f"<sst {_MAIN_NS}><si><t>x</t></si></sst>".encode()},
        ),
        422,
        "shared string '99' of 1",
    ),
    Hostile(
        "cell of 5,000 characters",
        TRADEBOOK_ROUTE,
        lambda: raw_xlsx(_row(1, ["x" * 5_000])),
        422,
        "a cell of 5,000 characters",
    ),
    Hostile("garbled deflate", TRADEBOOK_ROUTE, _corrupt_deflate, 422, "damaged XLSX"),
    Hostile(
        "not a zip", TRADEBOOK_ROUTE, lambda: b"PK\x03\x04" + b"\x00" * 100, 422, "damaged XLSX"
    ),
    Hostile(
        "CSV field of 200 KiB",
        TRADEBOOK_ROUTE,
        lambda: b"a,b\n" + b"x" * 204_800 + b",y\n",
        422,
        "line 2 does not read",
        filename="t.csv",
        on_memory=True,
    ),
    Hostile(
        "CSV of 100 columns",
        TRADEBOOK_ROUTE,
        lambda: b",".join([b"a"] * 100) + b"\n",
        422,
        "has 100 columns",
        filename="t.csv",
    ),
    Hostile(
        "CSV of 100,001 rows",
        TRADEBOOK_ROUTE,
        lambda: b"a,b\n" * 100_001,
        422,
        "more than 100,000 rows",
        filename="t.csv",
    ),
    Hostile(
        "price 1E+999999",
        TRADEBOOK_ROUTE,
        lambda: _trade_csv(price="1E+999999"),
        201,
        "price '1E+999999' is not a number of sane size",
        row=2,
        filename="t.csv",
    ),
    Hostile(
        "quantity 1E+30",
        TRADEBOOK_ROUTE,
        lambda: _trade_csv(quantity="1E+30"),
        201,
        "quantity '1E+30' is not a number of sane size",
        row=2,
        filename="t.csv",
    ),
    Hostile(
        "price NaN",
        TRADEBOOK_ROUTE,
        lambda: _trade_csv(price="NaN"),
        201,
        "price 'NaN' is not a number",
        row=2,
        filename="t.csv",
    ),
    Hostile(
        "quantity 10^9",
        TRADEBOOK_ROUTE,
        lambda: _trade_csv(quantity="1000000000"),
        201,
        "quantity 1000000000 is above 100,000,000",
        row=2,
        filename="t.csv",
    ),
    Hostile(
        "trade date 0001-01-01",
        TRADEBOOK_ROUTE,
        lambda: _trade_csv(trade_date="0001-01-01", order_execution_time=""),
        201,
        "trade_date 0001-01-01 is not between 1990-01-01",
        row=2,
        filename="t.csv",
    ),
    Hostile(
        "trade date 2090",
        TRADEBOOK_ROUTE,
        lambda: _trade_csv(trade_date="2090-01-01", order_execution_time=""),
        201,
        "trade date 2090-01-01 is in the future",
        row=2,
        filename="t.csv",
    ),
    Hostile(
        "execution time in year 1",
        TRADEBOOK_ROUTE,
        lambda: _trade_csv(order_execution_time="0001-01-01T10:00:00"),
        201,
        "order_execution_time 0001-01-01T10:00:00 is not between",
        row=2,
        filename="t.csv",
    ),
    Hostile(
        "trade id of 41 characters",
        TRADEBOOK_ROUTE,
        lambda: _trade_csv(trade_id="7" * 41),
        201,
        "trade_id 7777777777777777777777777777777777777777… is longer than 40 characters",
        row=2,
        filename="t.csv",
    ),
    Hostile(
        "symbol of 65 characters",
        TRADEBOOK_ROUTE,
        lambda: _trade_csv(symbol="S" * 65),
        201,
        "is longer than 64 characters",
        row=2,
        filename="t.csv",
    ),
    Hostile(
        "client id of 33 characters",
        TRADEBOOK_ROUTE,
        lambda: zerodha_xlsx(
            [Fill("INFY", "2024-04-02", "buy", 1, "1", "T", "O")], client_id="Z" * 33
        ),
        201,
        "client id ZZZZZZZZZZZZZZZZZZZZZZZZ… is longer than 32",
        row=2,
    ),
    Hostile(
        "preamble date 2023-99-99",
        TRADEBOOK_ROUTE,
        lambda: zerodha_xlsx(
            [Fill("INFY", "2024-04-02", "buy", 1, "1", "T", "O")], start="2023-99-99"
        ),
        201,
        "imported",
    ),
    Hostile(
        "file name date 2023-99-99",
        TRADEBOOK_ROUTE,
        lambda: _trade_csv(),
        201,
        "imported",
        filename="tradebook-ZX1234-EQ-2023-99-99-to-2023-12-31.csv",
    ),
    Hostile(
        "ledger credit 1E+999999",
        LEDGER_ROUTE,
        lambda: zerodha_ledger_csv(
            [["Funds added", "2024-04-01", "", "Bank Receipts", "0", "1E+999999", "1E+999999"]]
        ),
        201,
        "credit '1E+999999' is not a number of sane size",
        row=3,
        filename="l.csv",
    ),
    Hostile(
        "ledger day 0001-01-01",
        LEDGER_ROUTE,
        lambda: zerodha_ledger_csv(
            [["Funds added", "0001-01-01", "", "Bank Receipts", "0", "5", "5"]]
        ),
        201,
        "posting_date 0001-01-01 is not between",
        row=3,
        filename="l.csv",
    ),
    Hostile(
        "CAS of 10,000 shared pages",
        CAS_ROUTE,
        lambda: shared_page_pdf(10_000),
        422,
        "10,000 pages; a CAS may have at most 300",
        filename="cas.pdf",
    ),
    Hostile(  # issue 66: PDFium's error on its first page was a 500
        "CAS whose page tree is a cycle",
        CAS_ROUTE,
        cyclic_page_tree_pdf,
        422,
        "could not be opened as a PDF",
        filename="cas.pdf",
    ),
)
"""The corpus: one case each of issue 49's list, and the limits of docs/limits.md."""
