"""Regenerate the NSE calendar data files from the ``nse-trading-calendar`` package (dev only).

Run with the staging venv, which has ``nse-trading-calendar`` and ``openpyxl`` (and optionally
``aion-indian-market-calendar`` for the 2026 cross-check)::

    ../venv/bin/python tools/extract_nse_holidays.py

The package ships ``nse_calendar/data/trading_days.xlsx``: one row per *trading* date,
1990-01-01 … 2026-12-31, columns "Trading Dates" and "Type". Its dates are mostly Excel dates but
the rows from 2025-04-07 on are ISO strings. "Type" is blank before 2016; from 2016 it is 0 for an
ordinary session and 1 for an abnormal one: Muhurat-only Diwali days (weekday or weekend), the
two Saturday disaster-recovery drill sessions of 2024 and the 2017-07-10 outage day.

What we derive:

* ``nse_holidays.csv``: every weekday absent from the workbook, plus every weekday whose only
  session was Muhurat trading (Type 1 on Diwali), because the normal session was closed then.
* ``nse_special_sessions.csv``: weekend dates present in the workbook (Budget-day and special
  Saturday/Sunday sessions), except weekend Diwali dates that only had Muhurat trading.

The workbook has no names, so names come from ``NAMES`` below; the script fails unless the dates
in ``NAMES`` are exactly the dates derived from the workbook, so a name can never invent a date.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from importlib.resources import files
from pathlib import Path

import openpyxl

FIRST_YEAR, LAST_YEAR = 2005, 2026
MUHURAT = "Diwali Laxmi Pujan (Muhurat trading only)"
OUT = Path(__file__).resolve().parents[1] / "src" / "tradertape" / "domain" / "data"

# Names before 2018 are best effort: the dates come from the workbook, the names from NSE's
# yearly lists as remembered; where a name was not established it is "Trading holiday".
NAMES: dict[str, str] = {
    # 2005
    "2005-01-21": "Bakri Id",
    "2005-01-26": "Republic Day",
    "2005-03-25": "Good Friday",
    "2005-04-14": "Dr. Baba Saheb Ambedkar Jayanti",
    "2005-07-28": "Trading holiday",
    "2005-08-15": "Independence Day",
    "2005-09-07": "Ganesh Chaturthi",
    "2005-10-12": "Dussehra",
    "2005-11-01": MUHURAT,
    "2005-11-03": "Trading holiday",
    "2005-11-04": "Trading holiday",
    "2005-11-15": "Gurunanak Jayanti",
    # 2006
    "2006-01-11": "Bakri Id",
    "2006-01-26": "Republic Day",
    "2006-02-09": "Muharram",
    "2006-03-15": "Holi",
    "2006-04-06": "Ram Navami",
    "2006-04-11": "Mahavir Jayanti",
    "2006-04-14": "Good Friday / Dr. Baba Saheb Ambedkar Jayanti",
    "2006-05-01": "Maharashtra Day",
    "2006-08-15": "Independence Day",
    "2006-10-02": "Mahatma Gandhi Jayanti / Dussehra",
    "2006-10-24": "Trading holiday",
    "2006-10-25": "Trading holiday",
    "2006-12-25": "Christmas",
    # 2007
    "2007-01-01": "Bakri Id",
    "2007-01-26": "Republic Day",
    "2007-01-30": "Muharram",
    "2007-02-16": "Mahashivratri",
    "2007-03-27": "Ram Navami",
    "2007-04-06": "Good Friday",
    "2007-05-01": "Maharashtra Day",
    "2007-05-02": "Buddha Pournima",
    "2007-08-15": "Independence Day",
    "2007-10-02": "Mahatma Gandhi Jayanti",
    "2007-11-09": MUHURAT,
    "2007-12-21": "Bakri Id",
    "2007-12-25": "Christmas",
    # 2008
    "2008-03-06": "Mahashivratri",
    "2008-03-20": "Trading holiday",
    "2008-03-21": "Good Friday",
    "2008-04-14": "Dr. Baba Saheb Ambedkar Jayanti",
    "2008-04-18": "Mahavir Jayanti",
    "2008-05-01": "Maharashtra Day",
    "2008-05-19": "Buddha Pournima",
    "2008-08-15": "Independence Day",
    "2008-09-03": "Ganesh Chaturthi",
    "2008-10-02": "Mahatma Gandhi Jayanti / Id-Ul-Fitr (Ramzan Id)",
    "2008-10-09": "Dussehra",
    "2008-10-28": MUHURAT,
    "2008-10-30": "Diwali Balipratipada",
    "2008-11-13": "Gurunanak Jayanti",
    "2008-11-27": "Closed after the Mumbai terror attacks",
    "2008-12-09": "Bakri Id",
    "2008-12-25": "Christmas",
    # 2009
    "2009-01-08": "Muharram",
    "2009-01-26": "Republic Day",
    "2009-02-23": "Mahashivratri",
    "2009-03-10": "Trading holiday",
    "2009-03-11": "Holi",
    "2009-04-03": "Ram Navami",
    "2009-04-07": "Mahavir Jayanti",
    "2009-04-10": "Good Friday",
    "2009-04-14": "Dr. Baba Saheb Ambedkar Jayanti",
    "2009-04-30": "General Elections (Lok Sabha, Mumbai)",
    "2009-05-01": "Maharashtra Day",
    "2009-09-21": "Id-Ul-Fitr (Ramzan Id)",
    "2009-09-28": "Dussehra",
    "2009-10-02": "Mahatma Gandhi Jayanti",
    "2009-10-13": "Maharashtra Assembly Elections",
    "2009-10-19": "Diwali Balipratipada",
    "2009-11-02": "Gurunanak Jayanti",
    "2009-12-25": "Christmas",
    "2009-12-28": "Muharram",
    # 2010
    "2010-01-01": "Trading holiday",
    "2010-01-26": "Republic Day",
    "2010-02-12": "Mahashivratri",
    "2010-03-01": "Holi",
    "2010-03-24": "Ram Navami",
    "2010-04-02": "Good Friday",
    "2010-04-14": "Dr. Baba Saheb Ambedkar Jayanti",
    "2010-09-10": "Id-Ul-Fitr (Ramzan Id)",
    "2010-11-05": MUHURAT,
    "2010-11-17": "Bakri Id",
    "2010-12-17": "Muharram",
    # 2011
    "2011-01-26": "Republic Day",
    "2011-03-02": "Mahashivratri",
    "2011-04-12": "Ram Navami",
    "2011-04-14": "Dr. Baba Saheb Ambedkar Jayanti",
    "2011-04-22": "Good Friday",
    "2011-08-15": "Independence Day",
    "2011-08-31": "Id-Ul-Fitr (Ramzan Id)",
    "2011-09-01": "Ganesh Chaturthi",
    "2011-10-06": "Dussehra",
    "2011-10-26": MUHURAT,
    "2011-10-27": "Diwali Balipratipada",
    "2011-11-07": "Bakri Id",
    "2011-11-10": "Gurunanak Jayanti",
    "2011-12-06": "Muharram",
    # 2012
    "2012-01-26": "Republic Day",
    "2012-02-20": "Mahashivratri",
    "2012-03-08": "Holi",
    "2012-04-05": "Mahavir Jayanti",
    "2012-04-06": "Good Friday",
    "2012-05-01": "Maharashtra Day",
    "2012-08-15": "Independence Day",
    "2012-08-20": "Id-Ul-Fitr (Ramzan Id)",
    "2012-09-19": "Ganesh Chaturthi",
    "2012-10-02": "Mahatma Gandhi Jayanti",
    "2012-10-24": "Dussehra",
    "2012-11-13": MUHURAT,
    "2012-11-14": "Diwali Balipratipada",
    "2012-11-28": "Gurunanak Jayanti",
    "2012-12-25": "Christmas",
    # 2013
    "2013-03-27": "Holi",
    "2013-03-29": "Good Friday",
    "2013-04-19": "Ram Navami",
    "2013-04-24": "Mahavir Jayanti",
    "2013-05-01": "Maharashtra Day",
    "2013-08-09": "Id-Ul-Fitr (Ramzan Id)",
    "2013-08-15": "Independence Day",
    "2013-09-09": "Ganesh Chaturthi",
    "2013-10-02": "Mahatma Gandhi Jayanti",
    "2013-10-16": "Bakri Id",
    "2013-11-04": "Diwali Balipratipada",
    "2013-11-15": "Muharram",
    "2013-12-25": "Christmas",
    # 2014
    "2014-02-27": "Mahashivratri",
    "2014-03-17": "Holi",
    "2014-04-08": "Ram Navami",
    "2014-04-14": "Dr. Baba Saheb Ambedkar Jayanti",
    "2014-04-18": "Good Friday",
    "2014-04-24": "General Elections (Lok Sabha, Mumbai)",
    "2014-05-01": "Maharashtra Day",
    "2014-07-29": "Id-Ul-Fitr (Ramzan Id)",
    "2014-08-15": "Independence Day",
    "2014-08-29": "Ganesh Chaturthi",
    "2014-10-02": "Mahatma Gandhi Jayanti",
    "2014-10-03": "Dussehra",
    "2014-10-06": "Bakri Id",
    "2014-10-15": "Maharashtra Assembly Elections",
    "2014-10-23": MUHURAT,
    "2014-10-24": "Diwali Balipratipada",
    "2014-11-04": "Muharram",
    "2014-11-06": "Gurunanak Jayanti",
    "2014-12-25": "Christmas",
    # 2015
    "2015-01-26": "Republic Day",
    "2015-02-17": "Mahashivratri",
    "2015-03-06": "Holi",
    "2015-04-02": "Mahavir Jayanti",
    "2015-04-03": "Good Friday",
    "2015-04-14": "Dr. Baba Saheb Ambedkar Jayanti",
    "2015-05-01": "Maharashtra Day",
    "2015-09-17": "Ganesh Chaturthi",
    "2015-09-25": "Bakri Id",
    "2015-10-02": "Mahatma Gandhi Jayanti",
    "2015-10-22": "Dussehra",
    "2015-11-11": MUHURAT,
    "2015-11-12": "Diwali Balipratipada",
    "2015-11-25": "Gurunanak Jayanti",
    "2015-12-25": "Christmas",
    # 2016
    "2016-01-26": "Republic Day",
    "2016-03-07": "Mahashivratri",
    "2016-03-24": "Holi",
    "2016-03-25": "Good Friday",
    "2016-04-14": "Dr. Baba Saheb Ambedkar Jayanti",
    "2016-04-15": "Ram Navami",
    "2016-04-19": "Mahavir Jayanti",
    "2016-07-06": "Id-Ul-Fitr (Ramzan Id)",
    "2016-08-15": "Independence Day",
    "2016-09-05": "Ganesh Chaturthi",
    "2016-09-13": "Bakri Id",
    "2016-10-11": "Dussehra",
    "2016-10-12": "Muharram",
    "2016-10-31": "Diwali Balipratipada",
    "2016-11-14": "Gurunanak Jayanti",
    # 2017
    "2017-01-26": "Republic Day",
    "2017-02-24": "Mahashivratri",
    "2017-03-13": "Holi",
    "2017-04-04": "Ram Navami",
    "2017-04-14": "Good Friday / Dr. Baba Saheb Ambedkar Jayanti",
    "2017-05-01": "Maharashtra Day",
    "2017-06-26": "Id-Ul-Fitr (Ramzan Id)",
    "2017-08-15": "Independence Day",
    "2017-08-25": "Ganesh Chaturthi",
    "2017-10-02": "Mahatma Gandhi Jayanti",
    "2017-10-19": MUHURAT,
    "2017-10-20": "Diwali Balipratipada",
    "2017-12-25": "Christmas",
    # 2018
    "2018-01-26": "Republic Day",
    "2018-02-13": "Mahashivratri",
    "2018-03-02": "Holi",
    "2018-03-29": "Mahavir Jayanti",
    "2018-03-30": "Good Friday",
    "2018-05-01": "Maharashtra Day",
    "2018-08-15": "Independence Day",
    "2018-08-22": "Bakri Id",
    "2018-09-13": "Ganesh Chaturthi",
    "2018-09-20": "Muharram",
    "2018-10-02": "Mahatma Gandhi Jayanti",
    "2018-10-18": "Dussehra",
    "2018-11-07": MUHURAT,
    "2018-11-08": "Diwali Balipratipada",
    "2018-11-23": "Gurunanak Jayanti",
    "2018-12-25": "Christmas",
    # 2019
    "2019-03-04": "Mahashivratri",
    "2019-03-21": "Holi",
    "2019-04-17": "Mahavir Jayanti",
    "2019-04-19": "Good Friday",
    "2019-04-29": "General Elections (Lok Sabha, Mumbai)",
    "2019-05-01": "Maharashtra Day",
    "2019-06-05": "Id-Ul-Fitr (Ramzan Id)",
    "2019-08-12": "Bakri Id",
    "2019-08-15": "Independence Day",
    "2019-09-02": "Ganesh Chaturthi",
    "2019-09-10": "Muharram",
    "2019-10-02": "Mahatma Gandhi Jayanti",
    "2019-10-08": "Dussehra",
    "2019-10-21": "Maharashtra Assembly Elections",
    "2019-10-28": "Diwali Balipratipada",
    "2019-11-12": "Gurunanak Jayanti",
    "2019-12-25": "Christmas",
    # 2020
    "2020-02-21": "Mahashivratri",
    "2020-03-10": "Holi",
    "2020-04-02": "Ram Navami",
    "2020-04-06": "Mahavir Jayanti",
    "2020-04-10": "Good Friday",
    "2020-04-14": "Dr. Baba Saheb Ambedkar Jayanti",
    "2020-05-01": "Maharashtra Day",
    "2020-05-25": "Id-Ul-Fitr (Ramzan Id)",
    "2020-10-02": "Mahatma Gandhi Jayanti",
    "2020-11-16": "Diwali Balipratipada",
    "2020-11-30": "Gurunanak Jayanti",
    "2020-12-25": "Christmas",
    # 2021
    "2021-01-26": "Republic Day",
    "2021-03-11": "Mahashivratri",
    "2021-03-29": "Holi",
    "2021-04-02": "Good Friday",
    "2021-04-14": "Dr. Baba Saheb Ambedkar Jayanti",
    "2021-04-21": "Ram Navami",
    "2021-05-13": "Id-Ul-Fitr (Ramzan Id)",
    "2021-07-21": "Bakri Id",
    "2021-08-19": "Muharram",
    "2021-09-10": "Ganesh Chaturthi",
    "2021-10-15": "Dussehra",
    "2021-11-04": MUHURAT,
    "2021-11-05": "Diwali Balipratipada",
    "2021-11-19": "Gurunanak Jayanti",
    # 2022
    "2022-01-26": "Republic Day",
    "2022-03-01": "Mahashivratri",
    "2022-03-18": "Holi",
    "2022-04-14": "Dr. Baba Saheb Ambedkar Jayanti / Mahavir Jayanti",
    "2022-04-15": "Good Friday",
    "2022-05-03": "Id-Ul-Fitr (Ramzan Id)",
    "2022-08-09": "Muharram",
    "2022-08-15": "Independence Day",
    "2022-08-31": "Ganesh Chaturthi",
    "2022-10-05": "Dussehra",
    "2022-10-24": MUHURAT,
    "2022-10-26": "Diwali Balipratipada",
    "2022-11-08": "Gurunanak Jayanti",
    # 2023
    "2023-01-26": "Republic Day",
    "2023-03-07": "Holi",
    "2023-03-30": "Ram Navami",
    "2023-04-04": "Mahavir Jayanti",
    "2023-04-07": "Good Friday",
    "2023-04-14": "Dr. Baba Saheb Ambedkar Jayanti",
    "2023-05-01": "Maharashtra Day",
    "2023-06-29": "Bakri Id",
    "2023-08-15": "Independence Day",
    "2023-09-19": "Ganesh Chaturthi",
    "2023-10-02": "Mahatma Gandhi Jayanti",
    "2023-10-24": "Dussehra",
    "2023-11-14": "Diwali Balipratipada",
    "2023-11-27": "Gurunanak Jayanti",
    "2023-12-25": "Christmas",
    # 2024
    "2024-01-22": "Special holiday (Ram Lalla Pran Pratishtha, Ayodhya)",
    "2024-01-26": "Republic Day",
    "2024-03-08": "Mahashivratri",
    "2024-03-25": "Holi",
    "2024-03-29": "Good Friday",
    "2024-04-11": "Id-Ul-Fitr (Ramzan Id)",
    "2024-04-17": "Shri Ram Navami",
    "2024-05-01": "Maharashtra Day",
    "2024-05-20": "General Elections (Lok Sabha, Mumbai)",
    "2024-06-17": "Bakri Id",
    "2024-07-17": "Muharram",
    "2024-08-15": "Independence Day",
    "2024-10-02": "Mahatma Gandhi Jayanti",
    "2024-11-01": MUHURAT,
    "2024-11-15": "Gurunanak Jayanti",
    "2024-11-20": "Maharashtra Assembly Elections",
    "2024-12-25": "Christmas",
    # 2025
    "2025-02-26": "Mahashivratri",
    "2025-03-14": "Holi",
    "2025-03-31": "Id-Ul-Fitr (Ramzan Id)",
    "2025-04-10": "Shri Mahavir Jayanti",
    "2025-04-14": "Dr. Baba Saheb Ambedkar Jayanti",
    "2025-04-18": "Good Friday",
    "2025-05-01": "Maharashtra Day",
    "2025-08-15": "Independence Day",
    "2025-08-27": "Ganesh Chaturthi",
    "2025-10-02": "Mahatma Gandhi Jayanti / Dussehra",
    "2025-10-21": MUHURAT,
    "2025-10-22": "Diwali Balipratipada",
    "2025-11-05": "Prakash Gurpurb Sri Guru Nanak Dev",
    "2025-12-25": "Christmas",
    # 2026 (names as published by NSE; cross-checked against aion-indian-market-calendar)
    "2026-01-15": "Municipal Corporation Election - Maharashtra",
    "2026-01-26": "Republic Day",
    "2026-03-03": "Holi",
    "2026-03-26": "Shri Ram Navami",
    "2026-03-31": "Shri Mahavir Jayanti",
    "2026-04-03": "Good Friday",
    "2026-04-14": "Dr. Baba Saheb Ambedkar Jayanti",
    "2026-05-01": "Maharashtra Day",
    "2026-05-28": "Bakri Id",
    "2026-06-26": "Muharram",
    "2026-09-14": "Ganesh Chaturthi",
    "2026-10-02": "Mahatma Gandhi Jayanti",
    "2026-10-20": "Dussehra",
    "2026-11-10": "Diwali-Balipratipada",
    "2026-11-24": "Prakash Gurpurb Sri Guru Nanak Dev",
    "2026-12-25": "Christmas",
}

# Weekend Diwali dates whose only session was Muhurat trading: not modelled, so in neither file.
WEEKEND_MUHURAT = {
    "2006-10-21",
    "2009-10-17",
    "2013-11-03",
    "2016-10-30",
    "2019-10-27",
    "2020-11-14",
    "2023-11-12",
}
# Before 2016 "Type" is blank, so Muhurat-only weekdays (Diwali Laxmi Pujan) are listed here.
UNTYPED_MUHURAT_WEEKDAYS = {
    "2005-11-01",
    "2007-11-09",
    "2008-10-28",
    "2010-11-05",
    "2011-10-26",
    "2012-11-13",
    "2014-10-23",
    "2015-11-11",
}
# Type 1 weekdays that traded: 2017-07-10 opened late after an outage, a trading day all the same.
ABNORMAL_TRADING_DAYS = {"2017-07-10"}

SPECIAL_NAMES: dict[str, str] = {
    "2005-06-04": "Special weekend session",
    "2005-11-26": "Special weekend session",
    "2006-04-29": "Special weekend session",
    "2006-06-25": "Special weekend session",
    "2010-02-06": "Special weekend session",
    "2010-05-16": "Special weekend session",
    "2012-01-07": "Special weekend session",
    "2012-03-03": "Special weekend session",
    "2012-04-28": "Special weekend session",
    "2012-09-08": "Special weekend session",
    "2012-11-11": "Special weekend session",
    "2013-05-11": "Special weekend session",
    "2014-03-22": "Special weekend session",
    "2015-02-28": "Union Budget (Saturday session)",
    "2020-02-01": "Union Budget (Saturday session)",
    "2024-01-20": "Special Saturday session (full day)",
    "2024-03-02": "Special Saturday session (DR site drill; shortened segments)",
    "2024-05-18": "Special Saturday session (DR site drill; shortened segments)",
    "2025-02-01": "Union Budget (Saturday session)",
    "2026-02-01": "Union Budget (Sunday session)",
}


def _as_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        return dt.date.fromisoformat(value.strip())
    raise TypeError(f"unexpected cell {value!r}")


def read_workbook() -> dict[dt.date, int | None]:
    path = files("nse_calendar") / "data" / "trading_days.xlsx"
    with path.open("rb") as handle:
        sheet = openpyxl.load_workbook(handle, read_only=True).worksheets[0]
        rows = list(sheet.iter_rows(min_row=2, values_only=True))
    return {_as_date(r[0]): int(r[1]) if isinstance(r[1], int | float) else None for r in rows}


def derive(days: dict[dt.date, int | None]) -> tuple[set[dt.date], set[dt.date]]:
    closed: set[dt.date] = set()
    special: set[dt.date] = set()
    day = dt.date(FIRST_YEAR, 1, 1)
    while day <= dt.date(LAST_YEAR, 12, 31):
        weekday = day.weekday() < 5
        iso = day.isoformat()
        muhurat = (days.get(day) == 1 and iso not in ABNORMAL_TRADING_DAYS) or (
            iso in UNTYPED_MUHURAT_WEEKDAYS
        )
        if weekday and (day not in days or muhurat):
            closed.add(day)  # Type 1 weekdays are checked to be Muhurat days below
        elif not weekday and day in days and day.isoformat() not in WEEKEND_MUHURAT:
            special.add(day)
        day += dt.timedelta(days=1)
    return closed, special


def check_2026(names: dict[str, str]) -> None:
    try:
        data_dir = files("aion_indian_market_calendar") / "data"
    except ModuleNotFoundError:
        print("aion-indian-market-calendar not installed; 2026 cross-check skipped")
        return
    events = json.loads((data_dir / "holidays_2026.json").read_text("utf-8"))["events"]
    aion = {
        e["start"][:10]
        for e in events
        if e.get("category") == "EXCHANGE_HOLIDAY" and "NSE_EQUITY" in e["applies_to"]
    }
    ours = {d for d in names if d.startswith("2026")}
    if aion != ours:
        sys.exit(f"2026 differs from aion: only aion {aion - ours}, only ours {ours - aion}")
    print(f"2026 matches aion-indian-market-calendar ({len(ours)} dates)")


def write(path: Path, rows: dict[str, str]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["date", "name"])
        writer.writerows(sorted(rows.items()))


def main() -> None:
    days = read_workbook()
    closed, special = derive(days)
    muhurat_weekdays = {d for d in closed if days.get(d) == 1}
    muhurat_weekdays |= {dt.date.fromisoformat(d) for d in UNTYPED_MUHURAT_WEEKDAYS}
    if {NAMES[d.isoformat()] for d in muhurat_weekdays} - {MUHURAT}:
        sys.exit("a Type 1 weekday is not a Muhurat day; decide how to treat it")
    if {d.isoformat() for d in closed} != set(NAMES):
        sys.exit(f"NAMES mismatch: {sorted({d.isoformat() for d in closed} ^ set(NAMES))}")
    weekend = {d.isoformat() for d in special}
    if weekend != set(SPECIAL_NAMES):
        sys.exit(f"SPECIAL_NAMES mismatch: {sorted(weekend ^ set(SPECIAL_NAMES))}")
    typed = {d for d in WEEKEND_MUHURAT if d >= "2016"}  # the workbook types rows from 2016
    if any(days.get(dt.date.fromisoformat(d)) != 1 for d in typed):
        sys.exit("a WEEKEND_MUHURAT date is not a Type 1 row of the workbook")
    check_2026(NAMES)
    write(OUT / "nse_holidays.csv", NAMES)
    write(OUT / "nse_special_sessions.csv", SPECIAL_NAMES)
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        print(year, sum(d.startswith(str(year)) for d in NAMES))


if __name__ == "__main__":
    main()
