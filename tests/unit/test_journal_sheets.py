"""The XLSX reader reads what openpyxl reads: texts, exact numbers, dates, gaps."""

from __future__ import annotations

import io
import zipfile
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


def _dense(sheet: sheets.Sheet) -> list[list[sheets.Cell]]:
    """The rows as a spreadsheet shows them: ``[i]`` is row ``i + 1``, gaps empty."""
    rows: list[list[sheets.Cell]] = [[] for _ in range(max(sheet.numbers, default=0))]
    for number, row in zip(sheet.numbers, sheet.rows, strict=True):
        rows[number - 1] = row
    return rows


def test_the_fast_reader_agrees_with_openpyxl():
    content = _book()
    fast = sheets.Sheet(_dense(sheets._fast_xlsx(content)), [])
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


def test_the_scanner_and_the_element_tree_read_alike():
    with zipfile.ZipFile(io.BytesIO(_book())) as book:
        xml = book.read("xl/worksheets/sheet1.xml")
        assert "xl/sharedStrings.xml" not in book.namelist()  # openpyxl writes strings inline
        strings: list[str] = []
        dates = sheets._date_styles(book)
    tree = sheets._tree(xml, strings, dates)
    assert sheets._scanned(xml.decode(), strings, dates) == tree
    assert _dense(tree)[5][1] == FILLED
    escaped = sheets._scanned(
        '<row r="1"><c r="B1" t="inlineStr"><is><t>P&amp;L &lt;EQ&gt;</t></is></c>'
        '<c r="D1"><v>1E-2</v></c><c r="E1"/></row><row r="3"/>',
        [],
        set(),
    )
    assert escaped.rows == [[None, "P&L <EQ>", None, Decimal("0.01"), None], []]
    assert escaped.numbers == [1, 3]  # a row's number kept, not the rows between


def _excel_like() -> bytes:
    """A workbook as Excel writes one: shared strings, a styled date, a custom date format."""
    main = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    parts = {
        "xl/workbook.xml": f"<workbook {main} {rel}><sheets>"
        '<sheet name="Trades" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/'
        'package/2006/relationships"><Relationship Id="rId1" Type="worksheet" '
        'Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/sharedStrings.xml": f"<sst {main}><si><t>Trade Date</t></si>"
        "<si><r><t>Sym</t></r><r><t>bol</t></r></si><si><t>M&amp;M</t></si></sst>",
        "xl/styles.xml": f'<styleSheet {main}><numFmts><numFmt numFmtId="164" '
        'formatCode="dd\\-mm\\-yyyy"/></numFmts><cellXfs><xf numFmtId="0"/>'
        '<xf numFmtId="164"/><xf numFmtId="14"/></cellXfs></styleSheet>',
        "xl/worksheets/sheet1.xml": f"<worksheet {main}><sheetData>"
        '<row r="2"><c r="B2" t="s"><v>0</v></c><c r="C2" t="s"><v>1</v></c></row>'
        '<row r="3"><c r="B3" s="1"><v>45384</v></c><c r="C3" t="s"><v>2</v></c>'
        '<c r="D3" s="2"><v>45384.5</v></c><c r="E3"><v>10</v></c></row>'
        "</sheetData></worksheet>",
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as book:
        for name, text in parts.items():
            book.writestr(name, text)
    return out.getvalue()


def test_shared_strings_and_date_styles_as_excel_writes_them():
    sheet = sheets.read_sheet(_excel_like())
    assert sheet.numbers == [2, 3]
    assert sheet.rows == [
        [None, "Trade Date", "Symbol"],
        [None, datetime(2024, 4, 2), "M&M", datetime(2024, 4, 2, 12, 0), Decimal(10)],  # noqa: DTZ001
    ]
