"""A tax year as tables for an accountant: CSV (sections one after another) or XLSX (a sheet
each): the summary, the income by head after the Act's set-offs (`journal.carry_forward`,
the return's), every round trip with its head of income, and Schedule 112A laid out with the
return's columns (1a/1b … 14)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from tradertape.domain.money import paise
from tradertape.journal.carry_forward import SetOffYear
from tradertape.journal.return_figures import line_label
from tradertape.journal.schedule_112a import has_transfer_column, utility_headers, utility_row
from tradertape.journal.tax import TaxYear

Table = tuple[str, list[str], list[list[Any]]]
_FORMULA_LEAD = frozenset("=+-@\t\r")

NOTE = (
    "Facts to check, not tax advice: rates by transfer date (STCG 15% / 20% and LTCG "
    "10% / 12.5% either side of 23 July 2024), the s.112A exemption, buybacks from "
    "1 October 2024 as dividend. Capital gains are after the transfer expenses (every charge "
    "but STT, which is not deductible); business income is before its charges. Tax is after "
    "the set-offs (the year's F&O loss against its capital gains, s.71; earlier years' "
    "losses, s.72-74), before surcharge and cess, as in the return."
)


def _money(value: Decimal | None) -> str:
    return "" if value is None else str(paise(value))


def tables(year: TaxYear, done: SetOffYear) -> list[Table]:
    """The year's tables: (title, header, rows); `done` its set-offs."""
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
            [f"{label}: transfer expenses deducted", _money(bucket.expenses), ""],
            [f"{label}: net", _money(bucket.net), ""],
        ]
    summary += [
        [
            "Tax at special rates after set-off (before surcharge and cess)",
            _money(done.special_rate_tax),
            "",
        ],
        ["Income at your slab after set-off", _money(done.slab_income), ""],
        ["Buyback proceeds taxed as dividend", _money(year.buyback_dividend), ""],
        ["Buyback gains exempt (before 1 Oct 2024)", _money(year.buyback_exempt_gain), ""],
        ["Charges not deducted (STT on capital gains)", _money(year.charges_not_deducted), ""],
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
        utility_row(r, with_transfer=has_transfer_column(year.fy)) for r in year.schedule_112a
    ]
    income = [
        [
            line_label(x),
            _money(x.net),
            _money(x.within_head),
            _money(x.across_heads),
            _money(x.brought_forward),
            _money(x.left),
            _money(x.exemption),
            _money(x.taxable),
            _money(x.tax),
        ]
        for x in [x for x in done.lines if x.rate is None and x.net] + done.gains()
    ]
    return [
        ("Summary", ["Item", "Amount", ""], summary),
        (
            "Set-off",
            [
                "Income",
                "Net before set-off",
                "Same head's losses (s.70)",
                "F&O loss of the year (s.71)",
                "Earlier years' losses (s.72-74)",
                "Left",
                "Exemption (s.112A)",
                "Taxable",
                "Tax",
            ],
            income,
        ),
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
        ("Schedule 112A", utility_headers(year.fy), schedule),
    ]


def to_csv(year: TaxYear, done: SetOffYear) -> bytes:
    """The tables one after another, each under its title, a blank line between."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for index, (title, header, rows) in enumerate(tables(year, done)):
        if index:
            writer.writerow([])
        writer.writerow([title])
        writer.writerow(header)
        writer.writerows([_inert(cell) for cell in row] for row in rows)
    return out.getvalue().encode()


def to_xlsx(year: TaxYear, done: SetOffYear) -> bytes:
    """A workbook with a sheet per table."""
    from openpyxl import Workbook

    book = Workbook()
    first = True
    for title, header, rows in tables(year, done):
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
