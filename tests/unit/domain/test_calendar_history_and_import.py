"""The NSE calendar back to 2005, what happens after its last year, and importing NSE's list."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from tradertape.candles.synthetic import SyntheticMarket
from tradertape.domain.calendar_data import (
    calendar_from_tables,
    calendar_warning,
    import_holidays,
    merge_years,
    nse_calendar,
    shipped_tables,
)
from tradertape.domain.holiday_file import parse_holiday_file
from tradertape.domain.instruments_data import reference_catalog

NSE = nse_calendar()


@pytest.mark.parametrize(
    ("day", "trades"),
    [
        pytest.param(date(2005, 1, 26), False, id="republic-day-2005"),
        pytest.param(date(2008, 11, 27), False, id="closed-after-26-11"),
        pytest.param(date(2009, 4, 30), False, id="lok-sabha-poll-mumbai"),
        pytest.param(date(2012, 11, 13), False, id="muhurat-only-weekday"),
        pytest.param(date(2013, 11, 14), True, id="muharram-moved-off"),
        pytest.param(date(2013, 11, 15), False, id="muharram-moved-to"),
        pytest.param(date(2015, 2, 28), True, id="budget-saturday-2015"),
        pytest.param(date(2016, 10, 30), False, id="muhurat-only-sunday"),
        pytest.param(date(2017, 7, 10), True, id="outage-day-still-traded"),
        pytest.param(date(2010, 3, 1), False, id="holi-2010"),
    ],
)
def test_history_back_to_2005(day: date, trades: bool):
    assert NSE.is_trading_day(day) is trades


def test_extending_the_calendar_backwards_changes_no_synthetic_price():
    holidays, special = shipped_tables()
    since_2018 = calendar_from_tables(
        {d: n for d, n in holidays.items() if d.year >= 2018},
        {d: n for d, n in special.items() if d.year >= 2018},
    )
    catalog = reference_catalog()
    keys = ["NSE:INFY", "NSE:RELIANCE", "NSE:HDFCBANK"]
    end = date(2026, 6, 30)
    start = date(2018, 1, 1)
    now = SyntheticMarket(catalog, NSE).generate(keys, start, end)
    before = SyntheticMarket(catalog, since_2018).generate(keys, start, end)
    assert now.days[0] == np.datetime64("2018-01-01")
    np.testing.assert_array_equal(now.days, before.days)
    np.testing.assert_array_equal(now.close, before.close)
    np.testing.assert_array_equal(now.volume, before.volume)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        pytest.param(date(2026, 6, 1), None, id="covered"),
        pytest.param(date(2026, 11, 23), "ends 2026-12-31 (38 days left)", id="ending"),
        pytest.param(date(2027, 3, 3), "every weekday since is treated", id="run-out"),
    ],
)
def test_calendar_warning(today: date, expected: str | None):
    warning = calendar_warning(NSE, today)
    if expected is None:
        assert warning is None
    else:
        assert warning is not None
        assert expected in warning
        assert "tradertape calendar import FILE" in warning


def test_after_the_list_weekdays_trade():
    assert NSE.is_trading_day(date(2027, 3, 22))  # Holi 2027: a moving holiday, not known yet
    assert not NSE.is_trading_day(date(2027, 1, 26))  # Republic Day: the same date every year
    assert NSE.trading_days(date(2027, 3, 1), date(2027, 3, 7)) == tuple(
        date(2027, 3, d) for d in range(1, 6)
    )


def test_past_the_list_weekdays_are_provisional():
    assert not NSE.is_provisional(date(2026, 12, 31))
    assert NSE.is_provisional(date(2027, 1, 1))
    assert NSE.uses_provisional(date(2026, 12, 1), date(2027, 1, 4))
    assert not NSE.uses_provisional(date(2026, 1, 1), date(2026, 12, 31))
    assert not NSE.uses_provisional(date(2027, 1, 5), date(2027, 1, 4))  # an empty range
    assert NSE.provisional_until == date(2036, 12, 31)
    assert not NSE.uses_provisional(date(2037, 1, 1), date(2037, 2, 1))  # not answered at all


CSV_2027 = "date,description\n2027-01-26,Republic Day\n2027-03-22,Holi\n"
NSE_JSON_2027 = json.dumps(
    {
        "CM": [
            {"Sr_no": 1, "tradingDate": "26-Jan-2027", "weekDay": "Tuesday",
             "description": "Republic Day"},
            {"Sr_no": 2, "tradingDate": "22-Mar-2027", "weekDay": "Monday",
             "description": "Holi"},
        ],
        "FO": [],
    }
)  # fmt: skip


@pytest.mark.parametrize("text", [CSV_2027, NSE_JSON_2027], ids=["csv", "nse-json"])
def test_parse_holiday_file(text: str):
    assert parse_holiday_file(text).holidays == {
        date(2027, 1, 26): "Republic Day",
        date(2027, 3, 22): "Holi",
    }


@pytest.mark.parametrize(
    ("text", "match"),
    [
        pytest.param("date,description\n2027-01-30,Sat\n", "no weekday holidays", id="weekend"),
        pytest.param("date,description\n", "no weekday holidays", id="empty"),
        pytest.param("when,what\n2027-01-26,x\n", "header", id="header"),
        pytest.param('{"CM": [{"tradingDate": "26/01/2027"}]}', "26-Jan-2027", id="json-date"),
        pytest.param('{"CM": [{"tradingDate": "٢٦-Jan-2027"}]}', "26-Jan-2027", id="digits"),
        pytest.param('{"XX": 1}', "expected NSE", id="json-shape"),
    ],
)
def test_bad_holiday_files_are_refused(text: str, match: str):
    with pytest.raises(ValueError, match=match):
        parse_holiday_file(text)


def test_an_import_is_used_by_every_calendar_of_the_data_folder(tmp_path: Path):
    assert import_holidays(tmp_path, parse_holiday_file(CSV_2027).holidays) == (2027,)
    calendar = nse_calendar(tmp_path)
    assert calendar.last_day == date(2027, 12, 31)
    assert not calendar.is_trading_day(date(2027, 1, 26))
    assert calendar.holiday_name(date(2027, 3, 22)) == "Holi"
    assert calendar.first_day == date(2005, 1, 1)
    assert nse_calendar() is NSE  # other folders, and the shipped one, are untouched
    # A later file for the same year replaces it; a year beyond a gap is refused.
    import_holidays(tmp_path, {date(2027, 1, 26): "Republic Day"})
    assert nse_calendar(tmp_path).is_trading_day(date(2027, 3, 22))
    with pytest.raises(ValueError, match=r"no holiday rows for \[2028\]"):
        import_holidays(tmp_path, {date(2029, 1, 26): "Republic Day"})
    assert nse_calendar(tmp_path).last_day == date(2027, 12, 31)


def test_merge_years_replaces_whole_years():
    base = {date(2026, 1, 26): "a", date(2027, 1, 26): "b"}
    assert merge_years(base, {date(2027, 3, 22): "c"}) == {
        date(2026, 1, 26): "a",
        date(2027, 3, 22): "c",
    }
