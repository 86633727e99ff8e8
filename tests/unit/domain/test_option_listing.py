"""NSE-like index option listing: Tuesday expiries, Kite symbols both ways, the strike grid."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.option_listing import (
    SERIES,
    Expiry,
    OptionTerms,
    contracts,
    expiries,
    option_symbol,
    parse_option_symbol,
    round_premium,
    smile_vol,
    strikes,
)
from tradertape.domain.option_math import OptionKind

FRIDAY = date(2026, 11, 20)
NAMES = tuple(SERIES)


def test_an_expiry_past_the_holiday_list_avoids_republic_day_and_says_provisional() -> None:
    # 26 Jan 2027 is January's last Tuesday and Republic Day: NSE moves such an expiry to
    # the trading day before, Monday 25 January. 2027's list is not shipped: provisional.
    listed = expiries(SERIES["NIFTY"], date(2026, 12, 28), nse_calendar(), weeklies=5)

    days = {e.day: e for e in listed}
    assert date(2027, 1, 26) not in days
    assert days[date(2027, 1, 25)] == Expiry(date(2027, 1, 25), True, provisional=True)
    assert days[date(2026, 12, 29)].provisional is False


def test_nifty_lists_four_weeklies_and_three_monthlies() -> None:
    listed = expiries(SERIES["NIFTY"], FRIDAY, nse_calendar())
    assert [(e.key, e.monthly) for e in listed] == [
        # November's last Tuesday (24th) is Guru Nanak Jayanti: the monthly moves to Monday.
        ("2026-11-23", True),
        ("2026-12-01", False),
        ("2026-12-08", False),
        ("2026-12-15", False),
        ("2026-12-29", True),
        ("2027-01-25", True),
    ]


def test_banknifty_lists_monthlies_only_and_expiry_day_is_still_listed() -> None:
    listed = expiries(SERIES["BANKNIFTY"], date(2026, 12, 29), nse_calendar())
    assert [e.key for e in listed] == ["2026-12-29", "2027-01-25", "2027-02-23"]
    assert all(e.monthly for e in listed)


def test_expiry_on_a_holiday_moves_to_the_previous_trading_day() -> None:
    calendar = nse_calendar()
    # 2026-03-31 (the last Tuesday of March) is an NSE holiday (Mahavir Jayanti).
    assert not calendar.is_trading_day(date(2026, 3, 31))
    listed = expiries(SERIES["NIFTY"], date(2026, 3, 20), calendar)
    assert Expiry(date(2026, 3, 30), monthly=True) in listed


@pytest.mark.parametrize(
    ("expiry", "strike", "kind", "symbol"),
    [
        pytest.param(Expiry(date(2026, 12, 1), False), "25000", "CE", "NIFTY26D0125000CE", id="w"),
        pytest.param(Expiry(date(2026, 11, 24), True), "25000", "PE", "NIFTY26NOV25000PE", id="m"),
        pytest.param(Expiry(date(2027, 1, 5), False), "24950", "PE", "NIFTY2710524950PE", id="jan"),
        pytest.param(Expiry(date(2026, 10, 6), False), "25000.5", "CE", "NIFTY26O0625000.5CE"),
    ],
)
def test_symbols_round_trip(expiry: Expiry, strike: str, kind: str, symbol: str) -> None:
    assert option_symbol("NIFTY", expiry, Decimal(strike), OptionKind(kind)) == symbol
    assert parse_option_symbol(symbol, NAMES) == OptionTerms(
        "NIFTY", expiry.day, Decimal(strike), OptionKind(kind)
    )


def test_parse_prefers_the_longest_underlying_and_listed_monthly_days() -> None:
    terms = parse_option_symbol("NIFTYNXT5026NOV68000CE", NAMES)
    assert terms is not None
    assert terms.underlying == "NIFTYNXT50"
    moved = parse_option_symbol("NIFTY26MAR22000PE", NAMES, (date(2026, 3, 30),))
    assert moved is not None
    assert moved.expiry == date(2026, 3, 30)
    for bad in ("NIFTY26NOVFUT", "INFY", "NIFTY26XYZ25000CE", "NIFTY26N3125000CE", "SENSEX1CE"):
        assert parse_option_symbol(bad, NAMES) is None


def test_strike_grid_and_contracts() -> None:
    grid = strikes(SERIES["NIFTY"], Decimal("25012.35"))
    assert grid[0] == Decimal(22000)
    assert grid[-1] == Decimal(28000)
    assert Decimal(25000) in grid
    assert len(grid) == 121
    listed = contracts(
        SERIES["NIFTY"],
        lot_size=65,
        anchor=Decimal(25000),
        listed=[Expiry(date(2026, 11, 24), True)],
    )
    assert len(listed) == 2 * 121
    ce = next(i for i in listed if i.tradingsymbol == "NIFTY26NOV25000CE")
    assert (ce.lot_size, ce.tick_size, ce.segment, ce.underlying) == (
        65,
        Decimal("0.05"),
        "NFO-OPT",
        "NIFTY",
    )


def test_smile_is_skewed_and_bounded_and_premiums_are_on_the_grid() -> None:
    nifty = SERIES["NIFTY"]
    atm = smile_vol(nifty, 25_000, 25_000, 7 / 365)
    assert atm == pytest.approx(nifty.base_vol)
    assert smile_vol(nifty, 25_000, 24_000, 7 / 365) > smile_vol(nifty, 25_000, 26_000, 7 / 365)
    assert smile_vol(nifty, 25_000, 5_000, 7 / 365) == pytest.approx(3 * nifty.base_vol)
    assert round_premium(123.4567) == Decimal("123.45")
    assert round_premium(123.475) == Decimal("123.50")
    assert round_premium(0.0001) == Decimal("0.05")
