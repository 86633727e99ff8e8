"""A statement file's cells as rows of text, whatever it came as (XLSX or CSV).

Brokers export the same table as an XLSX workbook (with a preamble above the header) or a
CSV; both become a list of rows of `Cell` here, so each layout is parsed once. Anything
else (a PDF, an old binary .xls, an image, an empty file) is a `NotASpreadsheet` that says
what was sent.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

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
            value = value.strip()
            return value or None
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    return str(value)


def _xlsx(content: bytes) -> Sheet:
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
    rows = [[(cell.strip() or None) for cell in row] for row in csv.reader(io.StringIO(text))]
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
