"""NSE calendar: shipped holiday data, day arithmetic, IST sessions by market and date."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from importlib.resources import files

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradertape.domain.calendar import (
    _TIMETABLES,
    IST,
    Market,
    OutsideCalendarError,
    Session,
    TradingCalendar,
    timetable,
)
from tradertape.domain.calendar_data import calendar_from_tables, nse_calendar, parse_dated_csv

NSE = nse_calendar()
S = Session
M = Market


def ist(day: date, at: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(at), IST)


# --- shipped data ---------------------------------------------------------------------------


def test_shipped_calendar_covers_2005_to_2026():
    assert (NSE.first_day, NSE.last_day) == (date(2005, 1, 1), date(2026, 12, 31))


def test_holiday_rows_per_year():
    shipped = files("tradertape.domain") / "data" / "nse_holidays.csv"
    rows = parse_dated_csv(shipped.read_text(encoding="utf-8"))

    assert Counter(d.year for d in rows) == {
        2005: 12, 2006: 13, 2007: 13, 2008: 17, 2009: 19, 2010: 11, 2011: 14, 2012: 15,
        2013: 13, 2014: 19, 2015: 15, 2016: 15, 2017: 13,
        2018: 16, 2019: 17, 2020: 12, 2021: 14, 2022: 13,
        2023: 15, 2024: 17, 2025: 14, 2026: 16,
    }  # fmt: skip
    assert all(d.weekday() < 5 for d in rows)


@pytest.mark.parametrize(
    ("day", "name"),
    [
        pytest.param(date(2024, 1, 22), "Special holiday", id="ram-mandir-special-holiday"),
        pytest.param(date(2025, 3, 14), "Holi", id="holi-2025"),
        pytest.param(date(2024, 11, 1), "Muhurat", id="diwali-2024-muhurat-only"),
        pytest.param(date(2025, 10, 21), "Muhurat", id="diwali-2025-muhurat-only"),
        pytest.param(date(2018, 11, 7), "Muhurat", id="diwali-2018-muhurat-only"),
        pytest.param(date(2024, 5, 20), "Elections", id="lok-sabha-2024-mumbai"),
        pytest.param(date(2026, 1, 15), "Municipal", id="bmc-election-2026"),
    ],
)
def test_known_holidays_are_closed_and_named(day, name):
    assert not NSE.is_trading_day(day)
    assert name in (NSE.holiday_name(day) or "")


def test_2026_holidays_match_the_published_list():
    published = {
        "01-15", "01-26", "03-03", "03-26", "03-31", "04-03", "04-14", "05-01",
        "05-28", "06-26", "09-14", "10-02", "10-20", "11-10", "11-24", "12-25",
    }  # fmt: skip
    closed_weekdays = {
        d.strftime("%m-%d")
        for d in (date(2026, 1, 1) + timedelta(n) for n in range(365))
        if d.weekday() < 5 and not NSE.is_trading_day(d)
    }

    assert closed_weekdays == published


@pytest.mark.parametrize(
    "day",
    [
        pytest.param(date(2020, 2, 1), id="budget-2020-saturday"),
        pytest.param(date(2024, 1, 20), id="special-saturday-2024"),
        pytest.param(date(2024, 5, 18), id="dr-drill-saturday-2024"),
        pytest.param(date(2025, 2, 1), id="budget-2025-saturday"),
        pytest.param(date(2026, 2, 1), id="budget-2026-sunday"),
    ],
)
def test_weekend_special_sessions_are_trading_days(day):
    assert day.weekday() >= 5
    assert NSE.is_trading_day(day)
    assert NSE.holiday_name(day)


@pytest.mark.parametrize(
    "day",
    [
        pytest.param(date(2026, 2, 7), id="ordinary-saturday"),
        pytest.param(date(2023, 11, 12), id="diwali-sunday-muhurat-not-modelled"),
    ],
)
def test_ordinary_weekends_are_closed(day):
    assert not NSE.is_trading_day(day)


def test_ordinary_weekday_is_open_and_unnamed():
    assert NSE.is_trading_day(date(2025, 3, 13))
    assert NSE.holiday_name(date(2025, 3, 13)) is None


# --- day arithmetic -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "following", "preceding"),
    [
        pytest.param(date(2024, 1, 19), date(2024, 1, 20), date(2024, 1, 18), id="into-saturday"),
        pytest.param(date(2024, 1, 20), date(2024, 1, 23), date(2024, 1, 19), id="over-jan-22"),
        pytest.param(date(2025, 3, 13), date(2025, 3, 17), date(2025, 3, 12), id="over-holi"),
        pytest.param(date(2025, 3, 15), date(2025, 3, 17), date(2025, 3, 13), id="from-saturday"),
    ],
)
def test_next_and_previous_trading_day(day, following, preceding):
    assert NSE.next_trading_day(day) == following
    assert NSE.previous_trading_day(day) == preceding


def test_trading_days_is_inclusive_and_empty_when_reversed():
    assert NSE.trading_days(date(2025, 3, 12), date(2025, 3, 17)) == (
        date(2025, 3, 12),
        date(2025, 3, 13),
        date(2025, 3, 17),
    )
    assert NSE.trading_days(date(2025, 3, 17), date(2025, 3, 12)) == ()


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: NSE.is_trading_day(date(2004, 12, 31)), id="before-coverage"),
        pytest.param(lambda: NSE.is_trading_day(date(2037, 1, 1)), id="after-provisional"),
        pytest.param(lambda: NSE.next_trading_day(date(2036, 12, 31)), id="next-runs-off-end"),
        pytest.param(lambda: NSE.previous_trading_day(date(2005, 1, 1)), id="prev-runs-off"),
        pytest.param(lambda: NSE.holiday_name(date(2040, 1, 1)), id="name-outside"),
    ],
)
def test_dates_outside_the_published_lists_are_refused_not_guessed(call):
    with pytest.raises(OutsideCalendarError):
        call()


def test_years_after_the_published_list_are_provisional_weekdays():
    assert not NSE.is_provisional(date(2026, 12, 31))
    assert NSE.is_provisional(date(2027, 1, 1))
    assert NSE.is_trading_day(date(2027, 1, 1))  # a Friday, no list yet: assumed open
    assert not NSE.is_trading_day(date(2027, 1, 2))  # Saturday
    assert NSE.next_trading_day(date(2026, 12, 31)) == date(2027, 1, 1)
    assert NSE.is_provisional(date(2028, 12, 29))
    assert NSE.is_trading_day(date(2036, 12, 31))  # ten years on, a server still runs


@pytest.mark.parametrize(
    ("day", "name"),
    [
        pytest.param(date(2027, 1, 26), "Republic Day", id="republic-day-tuesday"),
        pytest.param(date(2029, 5, 1), "Maharashtra Day", id="maharashtra-day"),
        pytest.param(date(2028, 8, 15), "Independence Day", id="independence-day"),
        pytest.param(date(2028, 10, 2), "Mahatma Gandhi Jayanti", id="gandhi-jayanti"),
        pytest.param(date(2028, 12, 25), "Christmas", id="christmas"),
    ],
)
def test_past_the_list_the_fixed_date_holidays_are_still_closed(day: date, name: str):
    assert (NSE.is_provisional(day), day.weekday() < 5) == (True, True)
    assert not NSE.is_trading_day(day)
    assert NSE.holiday_name(day) == name
    assert NSE.holiday_name(day + timedelta(days=1)) is None


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        pytest.param(
            {"holidays": [date(2020, 1, 6)], "special_sessions": [date(2020, 1, 6)]},
            "both",
            id="holiday-and-special",
        ),
        pytest.param({"holidays": [date(2021, 1, 6)]}, "outside", id="holiday-outside"),
        pytest.param({"first_day": date(2021, 1, 1)}, "after", id="reversed-range"),
    ],
)
def test_calendar_construction_is_validated(kwargs, match):
    args: dict[str, object] = {
        "holidays": [],
        "first_day": date(2020, 1, 1),
        "last_day": date(2020, 12, 31),
    }
    args.update(kwargs)

    with pytest.raises(ValueError, match=match):
        TradingCalendar(**args)  # type: ignore[arg-type]


covered_days = st.dates(min_value=date(2018, 1, 10), max_value=date(2026, 12, 20))


@given(covered_days)
def test_next_trading_day_is_the_first_trading_day_after(day):
    following = NSE.next_trading_day(day)

    assert following > day
    assert NSE.is_trading_day(following)
    assert NSE.trading_days(day + timedelta(1), following - timedelta(1)) == ()


@given(covered_days)
def test_previous_trading_day_is_the_last_trading_day_before(day):
    preceding = NSE.previous_trading_day(day)

    assert preceding < day
    assert NSE.is_trading_day(preceding)
    assert NSE.trading_days(preceding + timedelta(1), day - timedelta(1)) == ()


@given(covered_days, st.integers(min_value=0, max_value=20))
def test_trading_days_lists_exactly_the_trading_days(start, span):
    end = start + timedelta(span)
    expected = tuple(
        d for d in (start + timedelta(n) for n in range(span + 1)) if NSE.is_trading_day(d)
    )

    assert NSE.trading_days(start, end) == expected


# --- sessions -------------------------------------------------------------------------------

OCT_2026 = date(2026, 10, 5)  # a Monday after the CAS and pre-open changes
JUN_2025 = date(2025, 6, 2)  # a Monday before them
DEC_2026 = date(2026, 12, 7)  # the day the CAS revision starts


@pytest.mark.parametrize(
    ("market", "day", "at", "session"),
    [
        pytest.param(M.EQUITY, JUN_2025, "08:44:59", S.CLOSED, id="before-block-window"),
        pytest.param(M.EQUITY, JUN_2025, "08:45", S.BLOCK_DEAL, id="block-window"),
        pytest.param(M.EQUITY, JUN_2025, "09:07:59", S.PRE_OPEN_ORDER_ENTRY, id="2025-entry"),
        pytest.param(M.EQUITY, JUN_2025, "09:08", S.PRE_OPEN_MATCHING, id="2025-matching"),
        pytest.param(M.EQUITY, JUN_2025, "09:12", S.PRE_OPEN_BUFFER, id="2025-buffer"),
        pytest.param(M.EQUITY, JUN_2025, "09:15", S.NORMAL, id="open"),
        pytest.param(M.EQUITY, JUN_2025, "15:29:59", S.NORMAL, id="last-second"),
        pytest.param(M.EQUITY, JUN_2025, "15:30", S.CLOSING, id="closing"),
        pytest.param(M.EQUITY, JUN_2025, "15:40", S.POST_CLOSE, id="2025-post-close"),
        pytest.param(M.EQUITY, JUN_2025, "16:00", S.CLOSED, id="after-post-close"),
        pytest.param(M.EQUITY, OCT_2026, "09:04", S.PRE_OPEN_ORDER_ENTRY, id="2026-entry"),
        pytest.param(M.EQUITY, OCT_2026, "09:05", S.PRE_OPEN_LIMIT_ONLY, id="2026-limit-only"),
        pytest.param(M.EQUITY, OCT_2026, "09:10", S.PRE_OPEN_MATCHING, id="2026-matching"),
        pytest.param(M.EQUITY, OCT_2026, "15:15", S.NORMAL, id="non-fo-no-auction"),
        pytest.param(M.EQUITY, OCT_2026, "15:45", S.CLOSING, id="2026-closing"),
        pytest.param(M.EQUITY, OCT_2026, "15:50", S.POST_CLOSE, id="2026-post-close"),
        pytest.param(M.EQUITY_FO, JUN_2025, "15:20", S.NORMAL, id="fo-stock-before-cas"),
        pytest.param(M.EQUITY_FO, OCT_2026, "15:14:59", S.NORMAL, id="cas-continuous-end"),
        pytest.param(M.EQUITY_FO, OCT_2026, "15:15", S.CAS_REFERENCE_PRICE, id="cas-reference"),
        pytest.param(M.EQUITY_FO, OCT_2026, "15:20", S.CAS_ORDER_ENTRY, id="cas-entry"),
        pytest.param(M.EQUITY_FO, OCT_2026, "15:25", S.CAS_LIMIT_ONLY, id="cas-limit-only"),
        pytest.param(M.EQUITY_FO, OCT_2026, "15:30", S.CAS_MATCHING, id="cas-matching"),
        pytest.param(M.EQUITY_FO, OCT_2026, "15:35", S.CLOSING, id="cas-closing"),
        pytest.param(M.EQUITY_FO, DEC_2026, "15:29", S.NORMAL, id="dec-continuous"),
        pytest.param(M.EQUITY_FO, DEC_2026, "15:30", S.CAS_REFERENCE_PRICE, id="dec-reference"),
        pytest.param(M.EQUITY_FO, DEC_2026, "15:31", S.CAS_ORDER_ENTRY, id="dec-entry"),
        pytest.param(M.EQUITY_FO, DEC_2026, "15:36", S.CAS_LIMIT_ONLY, id="dec-limit-only"),
        pytest.param(M.EQUITY_FO, DEC_2026, "15:40", S.CLOSING, id="dec-closing"),
        pytest.param(M.FUTURES, date(2025, 12, 5), "09:05", S.CLOSED, id="fut-no-pre-open"),
        pytest.param(
            M.FUTURES, date(2025, 12, 8), "09:05", S.PRE_OPEN_ORDER_ENTRY, id="fut-pre-open"
        ),
        pytest.param(M.FUTURES, JUN_2025, "15:30", S.CLOSED, id="fut-closes-1530"),
        pytest.param(M.FUTURES, OCT_2026, "15:39", S.NORMAL, id="fut-to-1540"),
        pytest.param(M.FUTURES, DEC_2026, "15:44", S.NORMAL, id="fut-to-1545"),
        pytest.param(M.OPTIONS, OCT_2026, "09:05", S.CLOSED, id="opt-no-pre-open"),
        pytest.param(M.OPTIONS, OCT_2026, "15:40", S.CLOSED, id="opt-closes-1540"),
        pytest.param(M.OPTIONS, DEC_2026, "15:45", S.CLOSED, id="opt-closes-1545"),
    ],
)
def test_session_at(market, day, at, session):
    assert NSE.session_at(ist(day, at), market) is session


def test_session_at_converts_other_timezones_to_ist():
    assert NSE.session_at(datetime(2026, 10, 5, 3, 45, tzinfo=UTC)) is S.NORMAL  # 09:15 IST


def test_session_at_uses_the_ist_date_not_the_utc_date():
    # 2026-10-04 20:00 UTC is 01:30 IST on Monday the 5th: closed by time, not by date.
    assert NSE.session_at(datetime(2026, 10, 4, 20, 0, tzinfo=UTC)) is S.CLOSED
    assert NSE.session_at(datetime(2026, 10, 5, 4, 0, tzinfo=UTC)) is S.NORMAL


def test_session_at_is_closed_on_holidays():
    assert NSE.session_at(ist(date(2025, 3, 14), "11:00")) is S.CLOSED


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="naive"):
        NSE.session_at(datetime(2026, 10, 5, 10, 0))  # noqa: DTZ001


def test_order_entry_sessions():
    assert S.NORMAL.accepts_orders
    assert S.PRE_OPEN_LIMIT_ONLY.accepts_orders
    assert not S.CAS_REFERENCE_PRICE.accepts_orders
    assert not S.PRE_OPEN_MATCHING.accepts_orders
    assert not S.CLOSED.accepts_orders


@pytest.mark.parametrize(
    ("moment", "market", "expected"),
    [
        pytest.param(ist(JUN_2025, "08:00"), M.EQUITY, ist(JUN_2025, "09:15"), id="before-open"),
        pytest.param(ist(JUN_2025, "09:15"), M.EQUITY, ist(JUN_2025, "09:15"), id="at-open"),
        pytest.param(
            ist(date(2025, 3, 13), "15:31"), M.EQUITY, ist(date(2025, 3, 17), "09:15"),
            id="after-close-over-holi-weekend",
        ),
        pytest.param(
            ist(date(2024, 1, 19), "16:00"), M.OPTIONS, ist(date(2024, 1, 20), "09:15"),
            id="into-special-saturday",
        ),
        pytest.param(
            datetime(2025, 6, 1, 22, 0, tzinfo=UTC), M.FUTURES, ist(JUN_2025, "09:15"),
            id="from-utc",
        ),
    ],
)  # fmt: skip
def test_next_open(moment, market, expected):
    got = NSE.next_open(moment, market)

    assert got == expected
    assert got.tzinfo is IST


@given(
    st.datetimes(min_value=datetime(2018, 1, 2), max_value=datetime(2026, 12, 20)),  # noqa: DTZ001
    st.sampled_from(Market),
)
def test_next_open_is_a_normal_session_start_not_before_the_moment(naive, market):
    moment = naive.replace(tzinfo=IST)
    opened = NSE.next_open(moment, market)

    assert opened >= moment
    assert NSE.session_at(opened, market) is S.NORMAL
    assert NSE.session_at(opened - timedelta(seconds=1), market) is not S.NORMAL


@pytest.mark.parametrize(
    ("market", "starts"),
    [(market, starts) for market, table in _TIMETABLES.items() for starts, _ in table],
)
def test_timetables_are_ordered_without_overlaps_and_one_normal_phase(market, starts):
    phases = timetable(market, max(starts, date(2018, 1, 1)))

    assert all(p.start < p.end for p in phases)
    assert all(a.end <= b.start for a, b in zip(phases, phases[1:], strict=False))
    assert sum(p.session is S.NORMAL for p in phases) == 1


# --- data loading ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "match"),
    [
        pytest.param("day,name\n", "header", id="bad-header"),
        pytest.param("", "header", id="empty"),
        pytest.param("date,name\n2024-01-22,A\n2024-01-22,B\n", "repeats", id="duplicate"),
        pytest.param("date,name\n2024-01-22,\n", "name", id="missing-name"),
        pytest.param("date,name\n22-01-2024,Holiday\n", "line 2: .* ISO date", id="bad-date"),
    ],
)
def test_parse_dated_csv_rejects_malformed_rows(text, match):
    with pytest.raises(ValueError, match=match):
        parse_dated_csv(text)


def test_parse_dated_csv_reads_quoted_names():
    assert parse_dated_csv('date,name\n2024-01-22,"A, B"\n') == {date(2024, 1, 22): "A, B"}


def test_a_year_without_rows_is_refused_rather_than_read_as_holiday_free():
    holidays = {date(2020, 1, 1): "x", date(2022, 1, 3): "y"}

    with pytest.raises(ValueError, match=r"\[2021\]"):
        calendar_from_tables(holidays, {})


def test_building_a_calendar_needs_holidays():
    with pytest.raises(ValueError, match="no holidays"):
        calendar_from_tables({}, {})
