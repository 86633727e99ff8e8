"""Reading a trading-holiday list a person downloaded from NSE, as a pure function of its text.

NSE publishes the list on its holidays page in two forms, and people retype it in a third:

- the page's CSV download: a header naming at least a date and a description column
  (``Sr. No,Date,Day,Description``; other columns are ignored), dates like ``26-Jan-2027``;
- the JSON the page reads, ``{"CM": [{"tradingDate": "26-Jan-2027", "weekDay": "Tuesday",
  "description": "Republic Day"}, ...]}`` (the capital-market segment's rows; a bare list of
  such rows is read too);
- a hand-made CSV ``date,description`` with ISO dates (``2027-01-26``).

NSE's lists name holidays that fall on a Saturday or Sunday too; those are closed anyway, so
they are set aside (and reported), not refused. A ``Day`` column, when present, must agree with
the date: a mistyped date is caught rather than closing the wrong day. Every error names the
line (CSV) or row (JSON) it is about.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_NSE_DATE = re.compile(r"(\d{1,2})[- /]([a-z]+)[- /](\d{4})", re.ASCII | re.IGNORECASE)
# Header names, compared lower-case with everything but letters removed.
_DATE_COLUMNS = ("date", "tradingdate", "holidaydate")
_NAME_COLUMNS = ("description", "name", "holiday", "holidays", "occasion")
_DAY_COLUMNS = ("day", "weekday")


@dataclass(frozen=True, slots=True)
class HolidayFile:
    """The weekday closures of a file, and the holidays it lists on weekends (closed anyway)."""

    holidays: dict[date, str]
    weekend: dict[date, str]


def parse_holiday_file(text: str) -> HolidayFile:
    """The holidays in NSE's CSV or JSON list (or a ``date,description`` CSV of ISO dates).

    Raises ``ValueError`` naming the line or row at fault; a file without a weekday holiday
    is refused (it would import nothing).
    """
    body = text.lstrip("\ufeff")  # not stripped further: line numbers stay the file's
    rows = _json_rows(body) if body.lstrip().startswith(("{", "[")) else _csv_rows(body)
    weekend = {d: n for d, n in rows.items() if d.weekday() >= 5}
    holidays = {d: n for d, n in rows.items() if d not in weekend}
    if not holidays:
        raise ValueError("no weekday holidays in the file")
    return HolidayFile(holidays, weekend)


def parse_day(text: str) -> date:
    """``26-Jan-2027`` (NSE's form; ``26 January 2027`` too) or ``2027-01-26``, read without
    the locale (strptime's ``%b`` follows it)."""
    value = text.strip()
    match = _NSE_DATE.fullmatch(value)
    if match is None:
        if not value.isascii():
            raise ValueError(f"{text!r} is not a date like 26-Jan-2027 or 2027-01-26")
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{text!r} is not a date like 26-Jan-2027 or 2027-01-26") from None
    day, month, year = match.groups()
    word = "sep" if month.lower() == "sept" else month.lower()
    months = [i for i, name in enumerate(_MONTHS) if len(word) >= 3 and name.startswith(word)]
    if not months:
        raise ValueError(f"{text!r}: unknown month {month!r}")
    try:
        return date(int(year), months[0] + 1, int(day))
    except ValueError as exc:
        raise ValueError(f"{text!r}: {exc}") from None


def _check_weekday(day: date, named: str) -> None:
    said = named.strip().lower()
    if said and not _WEEKDAYS[day.weekday()].startswith(said[:3]):
        actual = _WEEKDAYS[day.weekday()].capitalize()
        raise ValueError(f"{day:%d-%b-%Y} is a {actual}, the file says {named.strip()!r}")


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    keys = [re.sub(r"[^a-z]", "", cell.lower()) for cell in header]
    return next((keys.index(name) for name in names if name in keys), None)


def _csv_rows(body: str) -> dict[date, str]:
    reader = csv.reader(io.StringIO(body))
    header = next((row for row in reader if any(cell.strip() for cell in row)), [])
    while header and not header[-1].strip():
        header.pop()
    at_date, at_name = _column(header, _DATE_COLUMNS), _column(header, _NAME_COLUMNS)
    at_day = _column(header, _DAY_COLUMNS)
    if at_date is None or at_name is None:
        raise ValueError(
            f"line {max(reader.line_num, 1)}: expected a header with a date and a description "
            f"column (NSE's 'Sr. No,Date,Day,Description' or 'date,description'), "
            f"got {','.join(header)!r}"
        )
    rows: dict[date, str] = {}
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        line = reader.line_num
        if not any(cell.strip() for cell in row[len(header) :]):
            row = row[: len(header)]  # trailing empty cells, as spreadsheets save them
        try:
            if len(row) != len(header):
                raise ValueError(f"expected {len(header)} cells like the header, got {len(row)}")
            day = parse_day(row[at_date])
            if at_day is not None:
                _check_weekday(day, row[at_day])
            rows[_unique(rows, day)] = _named(row[at_name])
        except ValueError as exc:
            raise ValueError(f"line {line}: {exc}") from None
    return rows


def _json_rows(body: str) -> dict[date, str]:
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ValueError(f"line {exc.lineno}: not JSON ({exc.msg})") from None
    items = data.get("CM", data.get("FO")) if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ValueError('expected NSE\'s JSON: {"CM": [{"tradingDate", "description"}, ...]}')
    rows: dict[date, str] = {}
    for number, item in enumerate(items, start=1):
        try:
            rows.update(_json_row(item, rows))
        except ValueError as exc:
            raise ValueError(f"row {number}: {exc}") from None
    return rows


def _json_row(item: Any, rows: dict[date, str]) -> dict[date, str]:
    if not isinstance(item, dict) or "tradingDate" not in item:
        raise ValueError("expected tradingDate and description")
    day = parse_day(str(item["tradingDate"]))
    _check_weekday(day, str(item.get("weekDay") or ""))
    return {_unique(rows, day): _named(str(item.get("description") or ""))}


def _unique(rows: dict[date, str], day: date) -> date:
    if day in rows:
        raise ValueError(f"{day} repeats")
    return day


def _named(text: str) -> str:
    name = text.strip()
    if not name:
        raise ValueError("no description")
    return name
