"""NSE's published holiday list, as people download it, imports; a malformed one names its line."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradertape.domain.calendar_data import import_holidays, nse_calendar
from tradertape.domain.holiday_file import parse_day, parse_holiday_file

# The holidays page's CSV download: quoted cells, a BOM, CRLF, NSE's date form, the weekday,
# and the holidays that fall on a weekend listed among the others.
NSE_CSV_2027 = (
    "\ufeff"
    '"Sr. No","Date","Day","Description"\r\n'
    '"1","26-Jan-2027","Tuesday","Republic Day"\r\n'
    '"2","06-Mar-2027","Saturday","Mahashivratri"\r\n'
    '"3","22-Mar-2027","Monday","Holi"\r\n'
    '"4","26-Mar-2027","Friday","Good Friday"\r\n'
    '"5","15-Aug-2027","Sunday","Independence Day"\r\n'
    '"6","02-Oct-2027","Saturday","Mahatma Gandhi Jayanti"\r\n'
    '"7","25-Dec-2027","Saturday","Christmas"\r\n'
    '"8","29-Oct-2027","Friday","Diwali Laxmi Pujan, Muhurat Trading",,\r\n'
    "\r\n"
)


def test_nse_csv_download_imports(tmp_path: Path):
    downloaded = tmp_path / "NSE-holidays-2027.csv"
    downloaded.write_bytes(NSE_CSV_2027.encode("utf-8"))
    parsed = parse_holiday_file(downloaded.read_text(encoding="utf-8"))
    assert parsed.holidays == {
        date(2027, 1, 26): "Republic Day",
        date(2027, 3, 22): "Holi",
        date(2027, 3, 26): "Good Friday",
        date(2027, 10, 29): "Diwali Laxmi Pujan, Muhurat Trading",
    }
    assert sorted(parsed.weekend) == [
        date(2027, 3, 6),
        date(2027, 8, 15),
        date(2027, 10, 2),
        date(2027, 12, 25),
    ]
    import_holidays(tmp_path / "data", parsed.holidays)
    calendar = nse_calendar(tmp_path / "data")
    assert not calendar.is_trading_day(date(2027, 3, 22))
    assert not calendar.is_provisional(date(2027, 3, 23))
    assert calendar.is_provisional(date(2028, 1, 3))


@pytest.mark.parametrize(
    ("text", "match"),
    [
        pytest.param(
            "Sr. No,Date,Day,Description\n1,26-Jan-2027,Tuesday,Republic Day\n"
            "2,31-Feb-2027,Monday,Holi\n",
            r"^line 3: '31-Feb-2027': day is out of range",
            id="impossible-date",
        ),
        pytest.param(
            "Sr. No,Date,Day,Description\n1,26-Jan-2027,Tuesday,Republic Day\n\n"
            "2,22-Mar-2027,Tuesday,Holi\n",
            r"^line 4: 22-Mar-2027 is a Monday, the file says 'Tuesday'",
            id="weekday-disagrees",
        ),
        pytest.param(
            "Sr. No,Date,Day,Description\n1,26-Jan-2027,Tuesday,Diwali, Muhurat\n",
            r"^line 2: expected 4 cells like the header, got 5",
            id="unquoted-comma",
        ),
        pytest.param(
            "Sr. No,Date,Day,Description\n1,26-Jan-2027,Tuesday\n",
            r"^line 2: expected 4 cells like the header, got 3",
            id="short-row",
        ),
        pytest.param(
            "Sr. No,Date,Day,Description\n1,26-Jan-2027,Tuesday,\n",
            r"^line 2: no description",
            id="no-name",
        ),
        pytest.param(
            "date,description\n2027-01-26,Republic Day\n2027-01-26,Again\n",
            r"^line 3: 2027-01-26 repeats",
            id="repeat",
        ),
        pytest.param(
            "date,description\n2027-01-26,Republic Day\n26.01.2027,x\n",
            r"^line 3: '26.01.2027' is not a date like 26-Jan-2027 or 2027-01-26",
            id="unknown-date-form",
        ),
        pytest.param(
            "Sr. No,Day,Holiday Name\n1,Tuesday,Republic Day\n",
            r"^line 1: expected a header with a date and a description column",
            id="no-date-column",
        ),
        pytest.param(
            "\n\nSr. No,Date,Day,Description,\n1,26-Jan-2027,Tuesday,Republic Day\n"
            "2,22-Mar-2027,Monday,\n",
            r"^line 5: no description",
            id="lines-counted-from-the-top",
        ),
        pytest.param(
            '{"CM": [\n{"tradingDate": "26-Jan-2027" "description": "R"}]}',
            r"^line 2: not JSON",
            id="json",
        ),
        pytest.param(
            '{"CM": [{"tradingDate": "26-Jan-2027", "weekDay": "Tuesday", "description": "R"},'
            ' {"tradingDate": "22-Mar-2027", "weekDay": "Sunday", "description": "Holi"}]}',
            r"^row 2: 22-Mar-2027 is a Monday, the file says 'Sunday'",
            id="json-weekday",
        ),
    ],
)
def test_a_malformed_file_names_its_line(text: str, match: str):
    with pytest.raises(ValueError, match=match):
        parse_holiday_file(text)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("26-Jan-2027", date(2027, 1, 26)),
        ("6-MAR-2027", date(2027, 3, 6)),
        ("26 January 2027", date(2027, 1, 26)),
        ("01-Sept-2027", date(2027, 9, 1)),
        ("2027-01-26", date(2027, 1, 26)),
    ],
)
def test_date_forms(text: str, day: date):
    assert parse_day(text) == day


@pytest.mark.parametrize("text", ["26-Ja-2027", "26-Jux-2027", "26-01-2027", ""])
def test_dates_that_are_not(text: str):
    with pytest.raises(ValueError, match="26-Jan-2027|unknown month"):
        parse_day(text)


@given(
    st.dictionaries(
        st.dates(date(2027, 1, 1), date(2030, 12, 31)),
        st.text(st.characters(codec="utf-8", exclude_categories=("C", "Z")), min_size=1),
        min_size=1,
        max_size=20,
    )
)
def test_nse_csv_round_trips(rows: dict[date, str]):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Sr. No", "Date", "Day", "Description"])
    for number, day in enumerate(sorted(rows), start=1):
        writer.writerow([number, f"{day:%d-%b-%Y}", f"{day:%A}", rows[day]])
    parsed = parse_holiday_file(buffer.getvalue()) if _weekdays(rows) else None
    if parsed is None:
        with pytest.raises(ValueError, match="no weekday holidays"):
            parse_holiday_file(buffer.getvalue())
        return
    assert {**parsed.holidays, **parsed.weekend} == rows
    assert all(d.weekday() < 5 for d in parsed.holidays)
    assert all(d.weekday() >= 5 for d in parsed.weekend)


def _weekdays(rows: dict[date, str]) -> bool:
    return any(d.weekday() < 5 for d in rows)
