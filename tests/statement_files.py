"""Broker statement files built in each layout of reference §6, for the upload tests.

Every name, account and number here is made up; nothing comes from a real client's file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook

from tests.pdf_kit import Line, text_pdf

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
