"""A statement file's cells as rows of text, whatever it came as (XLSX or CSV).

Brokers export the same table as an XLSX workbook (with a preamble above the header) or a
CSV; both become a list of rows of `Cell` here, so each layout is parsed once. Anything
else (a PDF, an old binary .xls, an image, an empty file) is a `NotASpreadsheet` that says
what was sent.

A statement is a user's file, so it is read as a hostile one (docs/limits.md, "Statement
files"): the ZIP's directory and every part's declared and actual unpacked size are checked
before a part is read, no DTD is honoured, a sheet's rows are streamed and counted as they
come (a row numbered 10,000,000 is one row, kept with its number, not ten million), and
columns, sheets and a cell's length are bounded. Past a limit is a `SheetTooLarge` naming it.
"""

from __future__ import annotations

import csv
import html
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import cast
from xml.etree import ElementTree

Cell = str | Decimal | datetime | date | time | None

_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"
_PDF_MAGIC = b"%PDF"


MAX_UNPACKED_BYTES = 64 * 1024 * 1024
"""The parts of a workbook read (sheet, shared strings, styles, workbook), unpacked, together."""
MAX_PARTS = 1_000
MAX_DIRECTORY_BYTES = 1024 * 1024
MAX_SHEETS = 64
MAX_ROWS = 100_000
"""Rows a statement may have (the rows there are, whatever their numbers): a year of an active
trader's tradebook is a few tens of thousands."""
MAX_ROW_NUMBER = 1_048_576  # a spreadsheet's last row
MAX_COLUMNS = 64
MAX_CELLS = 2_000_000
"""Cells a sheet may have: 100,000 rows of a 14-column tradebook are 1.4 million."""
MAX_CELL_CHARS = 4_096
_LAST_SERIAL = 2_958_465  # 9999-12-31 as a spreadsheet's day number


class NotASpreadsheet(ValueError):  # noqa: N818 - reads as the answer: "not a spreadsheet"
    """The bytes are not a workbook or a CSV a statement could be."""


class SheetTooLarge(ValueError):  # noqa: N818 - reads as the answer
    """A workbook or CSV past one of the limits above; the message names which."""


@dataclass(frozen=True, slots=True)
class Sheet:
    """One table of cells: the rows the file has, in order, ``numbers[i]`` the file's number
    of ``rows[i]`` (a spreadsheet skips empty rows; their numbers are kept, not the gaps)."""

    rows: list[list[Cell]]
    numbers: list[int]


def _sheet(rows: dict[int, list[Cell]]) -> Sheet:
    numbers = sorted(rows)
    return Sheet([rows[n] for n in numbers], numbers)


def _text_cell(text: str) -> Cell:
    if len(text) > MAX_CELL_CHARS:
        raise SheetTooLarge(f"a cell of {len(text):,} characters; at most {MAX_CELL_CHARS:,}")
    text = text.replace("\x00", "").strip()  # no database stores a NUL
    return text or None


def _cell(value: object) -> Cell:
    """openpyxl's value as a `Cell`: numbers exact (a float through its shortest text)."""
    if isinstance(value, str):
        return _text_cell(value)
    if value is None or isinstance(value, datetime | date | time):
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
_OFFICE_DOCUMENT = "/officeDocument"
# Built-in number formats that are dates or times (ECMA-376 §18.8.30)
_DATE_FORMAT_IDS = frozenset({*range(14, 23), *range(27, 37), 45, 46, 47, *range(50, 59)})
_EPOCH = datetime(1899, 12, 30)  # noqa: DTZ001 - spreadsheet serials are wall times
_REFERENCE = re.compile(r"([A-Z]{1,3})(\d{1,7})")
_END_OF_DIRECTORY = b"PK\x05\x06"


def _column(ref: str) -> int:
    """A cell reference's column, from 0; past `MAX_COLUMNS` (or no reference) refused."""
    found = _REFERENCE.fullmatch(ref)
    if found is None:
        raise SheetTooLarge(f"a cell reference {ref[:20]!r} that is no spreadsheet cell")
    index = 0
    for letter in found.group(1):
        index = index * 26 + ord(letter) - 64
    if index > MAX_COLUMNS:
        raise SheetTooLarge(f"cell {ref} is past column {MAX_COLUMNS}")
    return index - 1


def _row_number(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_ROW_NUMBER:
        raise SheetTooLarge(f"a row numbered {text[:20]!r}; rows run 1 to {MAX_ROW_NUMBER:,}")
    return int(text)


def _placed(row: list[Cell], where: int, cell: Cell) -> None:
    """`cell` into `row` at column `where` (a gap filled with None; a column repeated or out
    of order takes its place, as a spreadsheet shows it)."""
    if where < len(row):
        row[where] = cell
        return
    if where >= MAX_COLUMNS:
        raise SheetTooLarge(f"a row of more than {MAX_COLUMNS} columns")
    row.extend([None] * (where - len(row)))
    row.append(cell)


def _counted(rows: dict[int, list[Cell]], number: int) -> list[Cell]:
    row = rows.get(number)
    if row is None:
        if len(rows) >= MAX_ROWS:
            raise SheetTooLarge(f"more than {MAX_ROWS:,} rows")
        row = rows[number] = []
    return row


def _check_directory(content: bytes) -> None:
    """The ZIP's own directory, before `zipfile` builds an object per entry: a few hundred
    bytes of end record can declare a million entries."""
    end = content.rfind(_END_OF_DIRECTORY, max(0, len(content) - 65_557))
    if end < 0 or end + 22 > len(content):
        raise NotASpreadsheet("a damaged XLSX workbook (no ZIP directory)")
    entries, size = struct.unpack_from("<HI", content, end + 10)
    if entries == 0xFFFF or size == 0xFFFFFFFF:
        raise SheetTooLarge("a ZIP64 archive; an XLSX workbook is a plain ZIP")
    if entries > MAX_PARTS or size > MAX_DIRECTORY_BYTES:
        raise SheetTooLarge(f"a ZIP of {entries:,} parts; a workbook has at most {MAX_PARTS:,}")


class _Parts:
    """A workbook's parts, each read at most once through a bounded read, all of them
    together at most `MAX_UNPACKED_BYTES` unpacked, whatever their headers declare."""

    def __init__(self, book: zipfile.ZipFile) -> None:
        self.book = book
        self.names = set(book.namelist())
        self.left = MAX_UNPACKED_BYTES

    def read(self, name: str) -> bytes:
        info = self.book.getinfo(name)
        if info.file_size > self.left:
            raise SheetTooLarge(self._past(name, info.file_size))
        with self.book.open(info) as part:  # `zipfile` stops at the declared size
            data = part.read(min(info.file_size, self.left) + 1)
        if len(data) > self.left:
            raise SheetTooLarge(self._past(name, len(data)))
        self.left -= len(data)
        if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"<!DOCTYPE" in data or b"<!ENTITY" in data:
            raise NotASpreadsheet(f"an XLSX workbook whose {name} declares a DTD or entities")
        return data

    def _past(self, name: str, size: int) -> str:
        return (
            f"an XLSX workbook that unpacks past {MAX_UNPACKED_BYTES // 1_048_576} MB "
            f"({name} is {size / 1_048_576:.1f} MB)"
        )


def _parse(data: bytes) -> ElementTree.Element:
    # `_Parts.read` refused any DTD, so there is no entity to expand or fetch.
    return ElementTree.fromstring(data)  # noqa: S314


def _elements(data: bytes, tag: str) -> Iterator[ElementTree.Element]:
    """Each `tag` element of `data` as the parser finishes it, then cleared: a part is
    streamed, never held as a tree of every cell."""
    parser: ElementTree.XMLPullParser[ElementTree.Element] = ElementTree.XMLPullParser(
        events=("end",)
    )
    for start in range(0, len(data), 1 << 20):
        parser.feed(data[start : start + (1 << 20)])
        # ("end", element) only: the one kind of event asked for
        events = cast("Iterator[tuple[str, ElementTree.Element]]", parser.read_events())
        for _, element in events:
            if element.tag == tag:
                yield element
                element.clear()
    parser.close()


def _shared_strings(parts: _Parts) -> list[str]:
    if "xl/sharedStrings.xml" not in parts.names:
        return []
    strings = []
    for item in _elements(parts.read("xl/sharedStrings.xml"), f"{_MAIN}si"):
        text = "".join(t.text or "" for t in item.iter(f"{_MAIN}t"))
        if len(text) > MAX_CELL_CHARS:
            raise SheetTooLarge(f"a shared string of {len(text):,} characters")
        strings.append(text)
    return strings


def _date_styles(book: zipfile.ZipFile | _Parts) -> set[int]:
    parts = book if isinstance(book, _Parts) else _Parts(book)
    if "xl/styles.xml" not in parts.names:
        return set()
    styles = _parse(parts.read("xl/styles.xml"))
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


def _workbook_part(parts: _Parts) -> str:
    """The workbook's part: where the package's relationships point (``xl/workbook.xml`` as
    every writer we know puts it)."""
    if "_rels/.rels" in parts.names:
        for rel in _parse(parts.read("_rels/.rels")).iter(f"{_PACKAGE_REL}Relationship"):
            if rel.get("Type", "").endswith(_OFFICE_DOCUMENT):
                return rel.get("Target", "").lstrip("/")
    return "xl/workbook.xml"


def _first_sheet(parts: _Parts) -> str:
    where = _workbook_part(parts)
    folder = where.rsplit("/", 1)[0] + "/" if "/" in where else ""
    workbook = _parse(parts.read(where))
    sheets = workbook.findall(f"{_MAIN}sheets/{_MAIN}sheet")
    if not sheets:
        raise NotASpreadsheet("an XLSX workbook with no sheet")
    if len(sheets) > MAX_SHEETS:
        raise SheetTooLarge(f"a workbook of {len(sheets):,} sheets; at most {MAX_SHEETS}")
    rid = sheets[0].get(f"{_REL}id")
    rels = _parse(parts.read(f"{folder}_rels/{where.rsplit('/', 1)[-1]}.rels"))
    for rel in rels.iter(f"{_PACKAGE_REL}Relationship"):
        if rel.get("Id") == rid:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else f"{folder}{target}"
    raise NotASpreadsheet("an XLSX workbook whose first sheet is missing")


def _fast_xlsx(content: bytes) -> Sheet:
    """The first sheet read straight from its XML (openpyxl builds an object per cell:
    a quarter's tradebook took seconds)."""
    _check_directory(content)
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        parts = _Parts(book)
        strings = _shared_strings(parts)
        dates = _date_styles(parts)
        data = parts.read(_first_sheet(parts))
    # before a row is read (tags counted, a prefixed one too: `<row`, `<x:row`; `<cols>`
    # and the like count as well, a few at most)
    if data.count(b"<row") + data.count(b":row") > MAX_ROWS:
        raise SheetTooLarge(f"more than {MAX_ROWS:,} rows")
    if data.count(b"<c") + data.count(b":c ") + data.count(b":c/") > MAX_CELLS:
        raise SheetTooLarge(f"more than {MAX_CELLS:,} cells")
    if b"<row" in data and b"<c " in data:  # unprefixed tags, as Excel and most writers do
        xml = data.decode("utf-8")
        return _referenced(xml, strings, dates) or _scanned(xml, strings, dates)
    return _tree(data, strings, dates)


def _tree(data: bytes, strings: list[str], dates: set[int]) -> Sheet:
    """A sheet's rows streamed through the XML parser (any namespace prefix)."""
    rows: dict[int, list[Cell]] = {}
    number = 0
    for row in _elements(data, f"{_MAIN}row"):
        number = _row_number(row.get("r", str(number + 1)))
        cells = _counted(rows, number)
        for cell in row.iter(f"{_MAIN}c"):
            ref = cell.get("r")
            where = _column(ref) if ref else len(cells)
            _placed(cells, where, _fast_cell(cell, strings, dates))
    return _sheet(rows)


_ROW = re.compile(r"<row\b([^>]*?)(?:/>|>(.*?)</row>)", re.DOTALL)
_CELL = re.compile(r"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.DOTALL)
_ATTRIBUTE = re.compile(r'([\w:]+)="([^"]*)"')
_VALUE = re.compile(r"<v>(.*?)</v>", re.DOTALL)
_TEXT = re.compile(r"<t\b[^>]*>(.*?)</t>", re.DOTALL)


_REFERENCED_CELL = re.compile(r'<c r="([A-Z]{1,3})(\d{1,7})"([^>]*?)(?:/>|>(.*?)</c>)', re.DOTALL)


def _referenced(xml: str, strings: list[str], dates: set[int]) -> Sheet | None:
    """A sheet whose every cell starts with its reference (``<c r="B7" ...>``, as Excel,
    Console and openpyxl write them) in one scan of its cells; None for any other sheet.

    A tradebook's cells repeat (symbols, days, sides, exchanges), so each distinct cell is
    read once (as `_scanned_cell` reads it) and shared: cells are immutable.
    """
    columns: dict[str, int] = {}
    read: dict[tuple[str, str], Cell] = {}
    rows: dict[int, list[Cell]] = {}
    found = 0
    current, row = "", []
    for match in _REFERENCED_CELL.finditer(xml):
        letters, number, rest, body = match.groups(default="")
        found += 1
        if number != current:  # a row's cells come together: its number read once
            current, row = number, _counted(rows, _row_number(number))
        where = columns.get(letters)
        if where is None:
            where = columns[letters] = _column(letters + number)
        try:
            cell = read[rest, body]
        except KeyError:
            if len(read) > 4 * MAX_ROWS:  # a sheet of distinct cells: no sharing to be had
                read.clear()
            attributes = dict(_ATTRIBUTE.findall(rest))
            cell = read[rest, body] = _scanned_cell(attributes, body, strings, dates)
        if where == len(row):  # `_column` bounds `where`
            row.append(cell)
        else:
            _placed(row, where, cell)
    if found != xml.count("<c ") + xml.count("<c>"):
        return None
    return _sheet(rows)


def _scanned(xml: str, strings: list[str], dates: set[int]) -> Sheet:
    """A sheet's rows by scanning its XML text (an element tree of a quarter's tradebook is
    most of an upload's time); the cells read as `_fast_cell` reads them."""
    rows: dict[int, list[Cell]] = {}
    number = 0
    for row in _ROW.finditer(xml):
        attributes = dict(_ATTRIBUTE.findall(row.group(1)))
        number = _row_number(attributes.get("r", str(number + 1)))
        cells = _counted(rows, number)
        for cell in _CELL.finditer(row.group(2) or ""):
            attributes = dict(_ATTRIBUTE.findall(cell.group(1)))
            where = _column(attributes["r"]) if "r" in attributes else len(cells)
            _placed(cells, where, _scanned_cell(attributes, cell.group(2) or "", strings, dates))
    return _sheet(rows)


def _shared(strings: list[str], index: str) -> Cell:
    if not index.strip().isdigit() or int(index) >= len(strings):
        raise NotASpreadsheet(
            f"an XLSX workbook whose cell names shared string {index[:20]!r} of {len(strings):,}"
        )
    return _cell(strings[int(index)])


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
        return _shared(strings, value)
    if kind in ("str", "e"):
        return _cell(value)
    if kind == "b":
        return "true" if value == "1" else "false"
    return _number(value, _style(attributes.get("s", "0")) in dates)


def _style(text: str) -> int:
    return int(text) if text.isdigit() and len(text) < 8 else -1


def _number(text: str, is_date: bool) -> Cell:
    """A numeric cell exactly; a date-styled one as its wall time when it is a day a
    spreadsheet can show (else its number, which a date column then refuses). Text that is
    no number stays text (a reader names it)."""
    if len(text) > 64:
        return _cell(text)
    try:
        number = Decimal(text)
    except ArithmeticError:
        return _cell(text)
    if not number.is_finite():
        return _cell(text)
    if is_date and 0 <= number <= _LAST_SERIAL:
        moment = _EPOCH + timedelta(days=float(number))
        return moment.replace(microsecond=0)
    if number == number.to_integral() and abs(number.adjusted()) < 30:
        return Decimal(format(number.normalize(), "f"))
    return number


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
        return _shared(strings, value)
    if kind in ("str", "e"):
        return _cell(value)
    if kind == "b":
        return "true" if value == "1" else "false"
    return _number(value, _style(cell.get("s", "0")) in dates)


def _xlsx(content: bytes) -> Sheet:
    try:
        return _fast_xlsx(content)
    except KeyError as missing:
        raise NotASpreadsheet(f"a damaged XLSX workbook (no part {missing})") from None
    except (zipfile.BadZipFile, zlib.error, ElementTree.ParseError, UnicodeDecodeError) as error:
        raise NotASpreadsheet(f"a damaged XLSX workbook ({error})") from None
    except (ValueError, OverflowError, NotImplementedError, RuntimeError, EOFError) as error:
        if isinstance(error, NotASpreadsheet | SheetTooLarge):
            raise
        raise NotASpreadsheet(f"a damaged XLSX workbook ({error})") from None


def _csv(content: bytes) -> Sheet:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise NotASpreadsheet("neither an XLSX workbook nor a UTF-8 CSV") from error
    if "\x00" in text:
        raise NotASpreadsheet("neither an XLSX workbook nor a CSV (binary content)")
    rows: list[list[Cell]] = []
    cells = 0
    reader = csv.reader(io.StringIO(text))
    try:
        for row in reader:
            if len(rows) >= MAX_ROWS:
                raise SheetTooLarge(f"more than {MAX_ROWS:,} rows")
            if len(row) > MAX_COLUMNS:
                raise SheetTooLarge(
                    f"line {reader.line_num} has {len(row):,} columns; at most {MAX_COLUMNS}"
                )
            if row and max(map(len, row)) > MAX_CELL_CHARS:
                raise SheetTooLarge(
                    f"line {reader.line_num} has a cell of more than {MAX_CELL_CHARS:,} characters"
                )
            cells += len(row)
            if cells > MAX_CELLS:
                raise SheetTooLarge(f"more than {MAX_CELLS:,} cells")
            rows.append([cell.strip() or None for cell in row])  # as `_cell` reads text
    except csv.Error as error:
        raise SheetTooLarge(f"a CSV whose line {reader.line_num} does not read ({error})") from None
    if not any(len(row) > 1 for row in rows):
        raise NotASpreadsheet("neither an XLSX workbook nor a CSV (no comma-separated table)")
    return Sheet(rows, list(range(1, len(rows) + 1)))


def read_sheet(content: bytes) -> Sheet:
    """The first sheet of an XLSX workbook, or a CSV's table; `NotASpreadsheet` or
    `SheetTooLarge` (a limit crossed, named) otherwise."""
    if not content.strip():
        raise NotASpreadsheet("an empty file")
    if content.startswith(_XLSX_MAGIC):
        return _xlsx(content)
    if content.startswith(_XLS_MAGIC):
        raise NotASpreadsheet("an old binary .xls workbook; save it as XLSX or CSV")
    if content.startswith(_PDF_MAGIC):
        raise NotASpreadsheet("a PDF, not a spreadsheet")
    return _csv(content)
