"""Load NSE's F&O freeze-quantity list into the database (``instruments import-freeze``):
its ``qtyfreeze.xls`` as NSE publishes it (read with python-calamine), an ``.xlsx``, or CSV.

Imported figures override the shipped ones (`domain.freeze_quantities`) underlying by
underlying; the order path reads them in `oms.slicing`.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from tradertape.db.models.instruments import FreezeQuantityRow
from tradertape.domain.freeze_quantities import FreezeLimit, parse_freeze_csv, parse_freeze_rows
from tradertape.errors import InvalidField
from tradertape.ports.clock import Clock, SystemClock

MAX_FILE_BYTES = 5 * 1024 * 1024  # NSE's list is about 30 kB; a file 150× that is not it
_SPREADSHEETS = (b"\xd0\xcf\x11\xe0", b"PK\x03\x04")  # .xls (OLE2 BIFF), .xlsx (zip)


def _cell(value: object) -> str:
    """A sheet's cell as the CSV would write it (a whole number without its ``.0``)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _sheet_rows(data: bytes) -> list[list[str]]:
    """The first sheet of an ``.xls`` or ``.xlsx`` file as rows of text; 422 naming
    ``file`` when it cannot be read."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        return [[_cell(v) for v in row] for row in sheet.to_python(skip_empty_area=True)]
    except (CalamineError, ValueError, IndexError) as exc:
        raise InvalidField("file", f"not a readable spreadsheet ({exc})") from None


def read_freeze_file(data: bytes, *, as_of: date | None) -> list[FreezeLimit]:
    """The limits of NSE's list as it is published (``qtyfreeze.xls``), as XLSX, or saved
    as CSV: the format is told by the file's first bytes, not its name."""
    if len(data) > MAX_FILE_BYTES:
        raise InvalidField("file", f"is over {MAX_FILE_BYTES // 1024 // 1024} MB: not NSE's list")
    if data.startswith(_SPREADSHEETS):
        return parse_freeze_rows(_sheet_rows(data), as_of=as_of)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidField("file", "is neither a spreadsheet nor UTF-8 CSV") from None
    return parse_freeze_csv(text, as_of=as_of)


def import_freeze_csv(
    db: Session, source: str | Path, *, as_of: date | None = None, clock: Clock | None = None
) -> list[FreezeLimit]:
    """Upsert every limit of the file at `source` (NSE's ``.xls``, an ``.xlsx`` or a CSV;
    all or none: a bad line stores nothing); the limits stored. Without an ``as_of``
    column or argument the figures are of today."""
    now = (clock or SystemClock()).now()
    path = Path(source)
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InvalidField("file", f"is over {MAX_FILE_BYTES // 1024 // 1024} MB: not NSE's list")
    limits = read_freeze_file(path.read_bytes(), as_of=as_of or now.date())
    for limit in limits:
        row = db.get(FreezeQuantityRow, limit.underlying)
        if row is None:
            db.add(
                FreezeQuantityRow(
                    underlying=limit.underlying,
                    freeze_quantity=limit.freeze_quantity,
                    as_of=limit.as_of,
                    imported_at=now,
                )
            )
        else:
            row.freeze_quantity = limit.freeze_quantity
            row.as_of = limit.as_of
            row.imported_at = now
    db.commit()
    return limits
