"""The XLSX reader reads what openpyxl reads: texts, exact numbers, dates, gaps."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook

from tradertape.journal import sheets

# A spreadsheet's date cell is a wall time with no zone
FILLED = datetime(2024, 4, 2, 10, 15, 30)  # noqa: DTZ001
NEXT_DAY = datetime(2024, 4, 3)  # noqa: DTZ001


def _book() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["B2"] = "Client ID"
    sheet["C2"] = "ZX1234"
    sheet.append([])
    sheet["B5"] = "Trade Date"
    sheet["C5"] = "Quantity"
    sheet["D5"] = "Price"
    sheet["E5"] = "Order ID"
    sheet["F5"] = "Auction"
    sheet["B6"] = FILLED
    sheet["C6"] = 10
    sheet["D6"] = 1450.05
    sheet["E6"] = "1300000000000000001"
    sheet["F6"] = False
    sheet["B7"] = date(2024, 4, 3)
    sheet["D7"] = 0.1 + 0.2
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_fast_reader_agrees_with_openpyxl():
    content = _book()
    fast = sheets._fast_xlsx(content)
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    slow = [
        [sheets._cell(v) for v in row] for row in book.worksheets[0].iter_rows(values_only=True)
    ]

    def trimmed(rows: list[list[sheets.Cell]]) -> list[list[sheets.Cell]]:
        out = [list(row) for row in rows]
        for row in out:
            while row and row[-1] is None:
                row.pop()
        return out

    assert trimmed(fast.rows) == trimmed(slow)
    assert fast.rows[5][1:6] == [
        FILLED,
        Decimal(10),
        Decimal("1450.05"),
        "1300000000000000001",
        "false",
    ]
    assert fast.rows[6][1] == NEXT_DAY
