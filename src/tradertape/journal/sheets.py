"""A statement file's cells as rows of text, whatever it came as (XLSX or CSV).

Brokers export the same table as an XLSX workbook (with a preamble above the header) or a
CSV; both become a list of rows of `Cell` here, so each layout is parsed once. Anything
else (a PDF, an old binary .xls, an image, an empty file) is a `NotASpreadsheet` that says
what was sent.
"""

from __future__ import annotations

import csv
import html
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from xml.etree import ElementTree

Cell = str | Decimal | datetime | date | time | None

_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"
_PDF_MAGIC = b"%PDF"


class NotASpreadsheet(ValueError):  # noqa: N818 - reads as the answer: "not a spreadsheet"
    """The bytes are not a workbook or a CSV a statement could be."""


@dataclass(frozen=True, slots=True)
class Sheet:
    """One table of cells; ``rows[i]`` is the file's row ``i + 1``."""

    rows: list[list[Cell]]


def _cell(value: object) -> Cell:
    """openpyxl's value as a `Cell`: numbers exact (a float through its shortest text)."""
    if value is None or isinstance(value, str | datetime | date | time):
        if isinstance(value, str):
            value = value.replace("\x00", "").strip()  # no database stores a NUL
            return value or None
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    return str(value)


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# Built-in number formats that are dates or times (ECMA-376 §18.8.30)
_DATE_FORMAT_IDS = frozenset({*range(14, 23), *range(27, 37), 45, 46, 47, *range(50, 59)})
_EPOCH = datetime(1899, 12, 30)  # noqa: DTZ001 - spreadsheet serials are wall times
_COLUMN = re.compile(r"[A-Z]+")


def _column(ref: str) -> int:
    letters = _COLUMN.match(ref)
    index = 0
    for letter in letters.group(0) if letters else "A":
        index = index * 26 + ord(letter) - 64
    return index - 1


def _parse(data: bytes) -> ElementTree.Element:
    # expat refuses external entities and (since Python 3.11's expat 2.4) entity expansion
    # bombs; a workbook is a user's file, so no DTD is honoured anyway.
    return ElementTree.fromstring(data)  # noqa: S314


def _date_styles(book: zipfile.ZipFile) -> set[int]:
    try:
        styles = _parse(book.read("xl/styles.xml"))
    except KeyError:
        return set()
    custom = {}
    for fmt in styles.iter(f"{_MAIN}numFmt"):
        code = re.sub(r'"[^"]*"|\[[^\]]*\]', "", fmt.get("formatCode", "")).lower()
        custom[int(fmt.get("numFmtId", "0"))] = "d" in code or "y" in code
    xfs = styles.find(f"{_MAIN}cellXfs")
    dates = set()
    for index, xf in enumerate(xfs if xfs is not None else []):
        number = int(xf.get("numFmtId", "0"))
        if number in _DATE_FORMAT_IDS or custom.get(number, False):
            dates.add(index)
    return dates


def _first_sheet(book: zipfile.ZipFile) -> str:
    workbook = _parse(book.read("xl/workbook.xml"))
    sheet = workbook.find(f"{_MAIN}sheets/{_MAIN}sheet")
    if sheet is None:
        raise NotASpreadsheet("an XLSX workbook with no sheet")
    rid = sheet.get(f"{_REL}id")
    rels = _parse(book.read("xl/_rels/workbook.xml.rels"))
    for rel in rels.iter(f"{_PACKAGE_REL}Relationship"):
        if rel.get("Id") == rid:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    raise NotASpreadsheet("an XLSX workbook whose first sheet is missing")


def _fast_xlsx(content: bytes) -> Sheet:
    """The first sheet read straight from its XML (openpyxl builds an object per cell:
    a quarter's tradebook took seconds)."""
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        names = set(book.namelist())
        strings = []
        if "xl/sharedStrings.xml" in names:
            for item in _parse(book.read("xl/sharedStrings.xml")).iter(f"{_MAIN}si"):
                strings.append("".join(t.text or "" for t in item.iter(f"{_MAIN}t")))
        dates = _date_styles(book)
        data = book.read(_first_sheet(book))
    if b"<row" in data and b"<c " in data:  # unprefixed tags, as Excel and most writers do
        xml = data.decode("utf-8")
        return _referenced(xml, strings, dates) or _scanned(xml, strings, dates)
    return _tree(data, strings, dates)


def _tree(data: bytes, strings: list[str], dates: set[int]) -> Sheet:
    """A sheet's rows through an element tree (any namespace prefix)."""
    sheet = _parse(data)
    rows: dict[int, list[Cell]] = {}
    for row in sheet.iter(f"{_MAIN}row"):
        number = int(row.get("r", len(rows) + 1))
        cells: list[Cell] = []
        for cell in row.iter(f"{_MAIN}c"):
            where = _column(cell.get("r", "")) if cell.get("r") else len(cells)
            cells.extend([None] * (where - len(cells)))
            cells.append(_fast_cell(cell, strings, dates))
        rows[number] = cells
    last = max(rows, default=0)
    return Sheet([rows.get(n, []) for n in range(1, last + 1)])


_ROW = re.compile(r"<row\b([^>]*?)(?:/>|>(.*?)</row>)", re.DOTALL)
_CELL = re.compile(r"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.DOTALL)
_ATTRIBUTE = re.compile(r'([\w:]+)="([^"]*)"')
_VALUE = re.compile(r"<v>(.*?)</v>", re.DOTALL)
_TEXT = re.compile(r"<t\b[^>]*>(.*?)</t>", re.DOTALL)


_REFERENCED_CELL = re.compile(r'<c r="([A-Z]{1,3})(\d+)"([^>]*?)(?:/>|>(.*?)</c>)', re.DOTALL)


def _referenced(xml: str, strings: list[str], dates: set[int]) -> Sheet | None:
    """A sheet whose every cell starts with its reference (``<c r="B7" ...>``, as Excel,
    Console and openpyxl write them) in one scan of its cells; None for any other sheet.

    A tradebook's cells repeat (symbols, days, sides, exchanges), so each distinct cell is
    read once (as `_scanned_cell` reads it) and shared: cells are immutable.
    """
    found = _REFERENCED_CELL.findall(xml)
    if len(found) != xml.count("<c ") + xml.count("<c>"):
        return None
    columns: dict[str, int] = {}
    read: dict[tuple[str, str], Cell] = {}
    rows: dict[int, list[Cell]] = {}
    for letters, number, rest, body in found:
        where = columns.get(letters)
        if where is None:
            where = columns[letters] = _column(letters)
        try:
            cell = read[rest, body]
        except KeyError:
            attributes = dict(_ATTRIBUTE.findall(rest))
            cell = read[rest, body] = _scanned_cell(attributes, body, strings, dates)
        row = rows.get(int(number))
        if row is None:
            row = rows[int(number)] = []
        if where > len(row):
            row.extend([None] * (where - len(row)))
        row.append(cell)
    last = max(rows, default=0)
    return Sheet([rows.get(n, []) for n in range(1, last + 1)])


def _scanned(xml: str, strings: list[str], dates: set[int]) -> Sheet:
    """A sheet's rows by scanning its XML text (an element tree of a quarter's tradebook is
    most of an upload's time); the cells read as `_fast_cell` reads them."""
    rows: dict[int, list[Cell]] = {}
    for row in _ROW.finditer(xml):
        number = int(dict(_ATTRIBUTE.findall(row.group(1))).get("r", len(rows) + 1))
        cells: list[Cell] = []
        for cell in _CELL.finditer(row.group(2) or ""):
            attributes = dict(_ATTRIBUTE.findall(cell.group(1)))
            where = _column(attributes["r"]) if "r" in attributes else len(cells)
            cells.extend([None] * (where - len(cells)))
            cells.append(_scanned_cell(attributes, cell.group(2) or "", strings, dates))
        rows[number] = cells
    last = max(rows, default=0)
    return Sheet([rows.get(n, []) for n in range(1, last + 1)])


def _scanned_cell(
    attributes: dict[str, str], body: str, strings: list[str], dates: set[int]
) -> Cell:
    kind = attributes.get("t", "n")
    if kind == "inlineStr":
        return _cell(html.unescape("".join(_TEXT.findall(body))))
    found = _VALUE.search(body)
    if found is None:
        return None
    value = html.unescape(found.group(1))
    if kind == "s":
        return _cell(strings[int(value)])
    if kind in ("str", "e"):
        return _cell(value)
    if kind == "b":
        return "true" if value == "1" else "false"
    return _number(Decimal(value), int(attributes.get("s", "0")) in dates)


def _number(number: Decimal, is_date: bool) -> Cell:
    if is_date:
        moment = _EPOCH + timedelta(days=float(number))
        return moment.replace(microsecond=0)
    return Decimal(format(number.normalize(), "f")) if number == number.to_integral() else number


def _fast_cell(cell: ElementTree.Element, strings: list[str], dates: set[int]) -> Cell:
    kind = cell.get("t", "n")
    value = cell.findtext(f"{_MAIN}v")
    if kind == "inlineStr":
        found = cell.find(f"{_MAIN}is")
        text = "".join(t.text or "" for t in found.iter(f"{_MAIN}t")) if found is not None else ""
        return _cell(text)
    if value is None:
        return None
    if kind == "s":
        return _cell(strings[int(value)])
    if kind in ("str", "e"):
        return _cell(value)
    if kind == "b":
        return "true" if value == "1" else "false"
    return _number(Decimal(value), int(cell.get("s", "0")) in dates)


def _xlsx(content: bytes) -> Sheet:
    try:
        return _fast_xlsx(content)
    except (KeyError, ValueError, IndexError, zipfile.BadZipFile, ElementTree.ParseError):
        pass  # a workbook our reader does not follow: openpyxl reads any
    from openpyxl import load_workbook  # a heavy import, needed only for a workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise NotASpreadsheet(f"a damaged XLSX workbook ({error})") from error
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise NotASpreadsheet("an XLSX workbook with no sheet")
        rows = [[_cell(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    return Sheet(rows)


def _csv(content: bytes) -> Sheet:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise NotASpreadsheet("neither an XLSX workbook nor a UTF-8 CSV") from error
    if "\x00" in text:
        raise NotASpreadsheet("neither an XLSX workbook nor a CSV (binary content)")
    rows = [[_cell(cell) for cell in row] for row in csv.reader(io.StringIO(text))]
    if not any(len(row) > 1 for row in rows):
        raise NotASpreadsheet("neither an XLSX workbook nor a CSV (no comma-separated table)")
    return Sheet([list(row) for row in rows])


def read_sheet(content: bytes) -> Sheet:
    """The first sheet of an XLSX workbook, or a CSV's table."""
    if not content.strip():
        raise NotASpreadsheet("an empty file")
    if content.startswith(_XLSX_MAGIC):
        return _xlsx(content)
    if content.startswith(_XLS_MAGIC):
        raise NotASpreadsheet("an old binary .xls workbook; save it as XLSX or CSV")
    if content.startswith(_PDF_MAGIC):
        raise NotASpreadsheet("a PDF, not a spreadsheet")
    return _csv(content)
