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

import openpyxl  # type: ignore[import-untyped]

FIRST_YEAR, LAST_YEAR = 2018, 2026
MUHURAT = "Diwali Laxmi Pujan (Muhurat trading only)"
OUT = Path(__file__).resolve().parents[1] / "src" / "tradertape" / "domain" / "data"

NAMES: dict[str, str] = {
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
WEEKEND_MUHURAT = {"2019-10-27", "2020-11-14", "2023-11-12"}

SPECIAL_NAMES: dict[str, str] = {
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
    return {_as_date(r[0]): r[1] for r in rows}


def derive(days: dict[dt.date, int | None]) -> tuple[set[dt.date], set[dt.date]]:
    closed: set[dt.date] = set()
    special: set[dt.date] = set()
    day = dt.date(FIRST_YEAR, 1, 1)
    while day <= dt.date(LAST_YEAR, 12, 31):
        weekday = day.weekday() < 5
        if weekday and (day not in days or days[day] == 1):
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
    if {NAMES[d.isoformat()] for d in muhurat_weekdays} - {MUHURAT}:
        sys.exit("a Type 1 weekday is not a Muhurat day; decide how to treat it")
    if {d.isoformat() for d in closed} != set(NAMES):
        sys.exit(f"NAMES mismatch: {sorted({d.isoformat() for d in closed} ^ set(NAMES))}")
    weekend = {d.isoformat() for d in special}
    if weekend != set(SPECIAL_NAMES):
        sys.exit(f"SPECIAL_NAMES mismatch: {sorted(weekend ^ set(SPECIAL_NAMES))}")
    if any(days.get(dt.date.fromisoformat(d)) != 1 for d in WEEKEND_MUHURAT):
        sys.exit("a WEEKEND_MUHURAT date is not a Type 1 row of the workbook")
    check_2026(NAMES)
    write(OUT / "nse_holidays.csv", NAMES)
    write(OUT / "nse_special_sessions.csv", SPECIAL_NAMES)
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        print(year, sum(d.startswith(str(year)) for d in NAMES))


if __name__ == "__main__":
    main()
