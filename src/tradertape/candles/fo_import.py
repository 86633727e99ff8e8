"""Importing many F&O bhavcopies into `FoStore` (``tradertape data import-fo-bhavcopy`` and the
web app's upload).

Files are read in date order (NSE's names say the date) and written a month at a time: a
month's days are gathered, then each underlying's month file is rewritten once, so a year of
~250 files costs one write per underlying and month. With ``whole`` (the web upload) every
file is read and checked before anything is written. Without it (the command line, a year of
files), a bad file stops the import before its month is written; the months before it are
stored, and running the import again after fixing the file adds nothing twice (a day imported
again replaces itself).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from tradertape.candles.fo_bhavcopy import FoDay, FoFile, FoFormat, read_fo_file
from tradertape.candles.fo_store import FoStore, Progress
from tradertape.errors import InvalidField

_UDIFF_NAME = re.compile(r"BhavCopy_NSE_FO_\d+_\d+_\d+_(\d{8})_F_\d+\.csv", re.IGNORECASE)
_LEGACY_NAME = re.compile(r"fo(\d{2})([A-Za-z]{3})(\d{4})bhav\.csv", re.IGNORECASE)
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


@dataclass(frozen=True, slots=True)
class FoImportReport:
    """What an import did."""

    files: int
    days: tuple[date, ...]
    underlyings: tuple[str, ...]
    rows: int  # contracts stored
    skipped: int  # rows of another instrument type
    replaced_days: int  # (underlying, day) pairs already stored, replaced
    formats: dict[str, int]  # layout → files

    @property
    def first(self) -> date | None:
        return self.days[0] if self.days else None

    @property
    def last(self) -> date | None:
        return self.days[-1] if self.days else None


def _named_date(name: str) -> date | None:
    """The trade date NSE's file name gives (None for another name)."""
    base = name.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
    try:
        if found := _UDIFF_NAME.search(base):
            text = found.group(1)
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        if found := _LEGACY_NAME.search(base):
            month = _MONTHS.index(found.group(2).upper()) + 1
            return date(int(found.group(3)), month, int(found.group(1)))
    except ValueError:
        return None
    return None


def _in_order(files: Sequence[FoFile]) -> list[FoFile]:
    named = [(_named_date(f.name) or date.max, n, f) for n, f in enumerate(files)]
    return [f for _, _, f in sorted(named, key=lambda t: (t[0], t[1]))]


def import_fo_bhavcopies(
    store: FoStore,
    files: Sequence[FoFile],
    *,
    whole: bool = False,
    progress: Progress | None = None,
) -> FoImportReport:
    """Read the F&O bhavcopies `files` into `store` (see the module docstring)."""
    report = progress or (lambda stage, done, total: None)
    if not files:
        raise InvalidField("file", "no F&O bhavcopy given")
    sources: dict[date, str] = {}
    buffer: list[FoDay] = []
    underlyings: set[str] = set()
    rows = skipped = replaced = 0
    formats: Counter[FoFormat] = Counter()

    def flush() -> None:
        nonlocal rows, replaced
        if buffer:
            written = store.write_days(buffer, progress=report)
            rows += written.rows
            replaced += written.replaced_days
            buffer.clear()

    ordered = _in_order(files)
    report("read", 0, len(ordered))
    for done, file in enumerate(ordered, start=1):
        day = read_fo_file(file)
        if day.day in sources:
            raise InvalidField(
                "file", f"{sources[day.day]} and {day.source} are both the bhavcopy of {day.day}"
            )
        if (
            not whole
            and buffer
            and (buffer[-1].day.year, buffer[-1].day.month)
            != (
                day.day.year,
                day.day.month,
            )
        ):
            flush()
        sources[day.day] = day.source
        formats[day.format] += 1
        skipped += day.skipped
        underlyings.update(str(s) for s in day.table.column("symbol").unique().to_pylist())
        buffer.append(day)
        report("read", done, len(ordered))
    flush()
    return FoImportReport(
        files=len(files),
        days=tuple(sorted(sources)),
        underlyings=tuple(sorted(underlyings)),
        rows=rows,
        skipped=skipped,
        replaced_days=replaced,
        formats={k.value: v for k, v in sorted(formats.items())},
    )
