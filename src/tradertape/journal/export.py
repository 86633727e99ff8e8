"""A tax year as tables for an accountant: CSV (sections one after another) or XLSX (a sheet
each): the summary, every round trip with its head of income, and Schedule 112A laid out
with the return's columns (1a/1b … 14)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from tradertape.domain.money import paise
from tradertape.journal.tax import TaxYear

Table = tuple[str, list[str], list[list[Any]]]
_FORMULA_LEAD = frozenset("=+-@\t\r")

NOTE = (
    "Facts to check, not tax advice: rates by transfer date (STCG 15% / 20% and LTCG "
    "10% / 12.5% either side of 23 July 2024), the s.112A exemption, buybacks from "
    "1 October 2024 as dividend. Gains are before charges (STT is not deductible)."
)
SCHEDULE_112A = [
    "Share/Unit acquired (1a: on or before 31 Jan 2018, 1b: after)",
    "ISIN Code (2)",
    "Name of the Share/Unit (3)",
    "No. of Shares/Units (4)",
    "Sale-price per Share/Unit (5)",
    "Full Value of Consideration (6 = 4 x 5)",
    "Cost of acquisition without indexation (7: higher of 8 and 9)",
    "Cost of acquisition (8)",
    "If acquired before 01.02.2018, lower of 6 and 11 (9)",
    "Fair Market Value per share/unit as on 31 January 2018 (10)",
    "Total Fair Market Value (11 = 4 x 10)",
    "Expenditure wholly and exclusively in connection with transfer (12)",
    "Total deductions (13 = 7 + 12)",
    "Balance (14 = 6 - 13)",
]


def _money(value: Decimal | None) -> str:
    return "" if value is None else str(paise(value))


def tables(year: TaxYear) -> list[Table]:
    """The year's tables: (title, header, rows)."""
    summary: list[list[Any]] = [
        ["Financial year", year.fy, ""],
        ["Speculative business (intraday) P&L", _money(year.speculative.pnl), ""],
        ["Speculative turnover", _money(year.speculative.turnover), ""],
        ["Non-speculative business (F&O) P&L", _money(year.non_speculative.pnl), ""],
        ["Non-speculative turnover", _money(year.non_speculative.turnover), ""],
    ]
    for bucket in year.buckets:
        label = f"{bucket.kind.upper()} at {bucket.rate * 100:g}%"
        summary += [
            [f"{label}: net", _money(bucket.net), ""],
            [f"{label}: exemption", _money(bucket.exemption), ""],
            [f"{label}: indicative tax", _money(bucket.tax), ""],
        ]
    summary += [
        ["Buyback proceeds taxed as dividend", _money(year.buyback_dividend), ""],
        ["Buyback gains exempt (before 1 Oct 2024)", _money(year.buyback_exempt_gain), ""],
        ["Charges not deducted", _money(year.charges_not_deducted), ""],
        ["ISINs without a 31 Jan 2018 FMV", "; ".join(year.unmatched_isins), ""],
        ["Note", NOTE, ""],
    ]
    trips = [
        [
            t.account,
            t.symbol,
            t.isin or "",
            t.segment,
            t.direction,
            str(t.quantity),
            t.opened.isoformat(),
            t.closed.isoformat(),
            _money(t.buy_value),
            _money(t.sell_value),
            _money(t.pnl),
            _money(t.charges),
            head,
            _money(gain),
            t.kind,
            t.via,
        ]
        for t, head, gain in year.lines
    ]
    schedule = [
        [
            "1a" if r.before_2018 else "1b",
            r.isin,
            r.name,
            str(r.units),
            _money(r.sale_price),
            _money(r.consideration),
            _money(r.cost),
            _money(r.actual_cost),
            _money(r.lower_of_fmv_and_sale),
            _money(r.fmv_per_unit),
            _money(r.fmv_total),
            _money(r.expenditure),
            _money(r.deductions),
            _money(r.balance),
        ]
        for r in year.schedule_112a
    ]
    return [
        ("Summary", ["Item", "Amount", ""], summary),
        (
            "Round trips",
            [
                "Account",
                "Symbol",
                "ISIN",
                "Segment",
                "Direction",
                "Quantity",
                "Opened",
                "Closed",
                "Buy value",
                "Sell value",
                "P&L",
                "Charges",
                "Head",
                "Taxable gain",
                "Kind",
                "Via",
            ],
            trips,
        ),
        ("Schedule 112A", SCHEDULE_112A, schedule),
    ]


def to_csv(year: TaxYear) -> bytes:
    """The tables one after another, each under its title, a blank line between."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for index, (title, header, rows) in enumerate(tables(year)):
        if index:
            writer.writerow([])
        writer.writerow([title])
        writer.writerow(header)
        writer.writerows([_inert(cell) for cell in row] for row in rows)
    return out.getvalue().encode()


def to_xlsx(year: TaxYear) -> bytes:
    """A workbook with a sheet per table."""
    from openpyxl import Workbook

    book = Workbook()
    first = True
    for title, header, rows in tables(year):
        sheet = book.active if first and book.active is not None else book.create_sheet()
        first = False
        sheet.title = title
        sheet.append([_inert(cell) for cell in header])
        for row in rows:
            sheet.append(_cells(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _number(cell: str) -> Decimal | None:
    """The cell's text as a finite number, or None when it is text (a symbol, a name)."""
    try:
        number = Decimal(cell)
    except ArithmeticError:
        return None
    return number if number.is_finite() else None


def _inert(cell: Any) -> Any:
    """Text a spreadsheet would run as a formula (it begins with ``=``, ``+``, ``-``, ``@``,
    a tab or a carriage return: a symbol ``=1+2`` from a user's file) behind a quote, so it
    reads as text; a number (``-12.50``) stays a number."""
    if isinstance(cell, str) and cell[:1] in _FORMULA_LEAD and _number(cell) is None:
        return f"'{cell}"
    return cell


def _cells(row: Sequence[Any]) -> list[Any]:
    """Amounts as numbers a spreadsheet can sum (text that reads as one, kept exact); other
    text inert."""
    cells: list[Any] = []
    for cell in row:
        number = _number(cell) if isinstance(cell, str) and cell else None
        cells.append(number if number is not None else _inert(cell))
    return cells
