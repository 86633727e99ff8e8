"""Tax P&L of FY 2024-25 from trades on both sides of each line that matters, worked by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from tests.unit.test_journal_pnl import trade
from tradertape.journal.actions import Action, Kind
from tradertape.journal.carry_forward import YearIncome, set_off_year
from tradertape.journal.pnl import fifo
from tradertape.journal.return_figures import capital_gains_figures
from tradertape.journal.tax import (
    LTCG,
    STCG,
    by_financial_year,
    fy_bounds,
    fy_of,
    long_term,
    ltcg_exemption,
    tax_year,
)
from tradertape.journal.trades import JournalTrade

D = Decimal


def _isin(t: JournalTrade, isin: str) -> JournalTrade:
    """The trade with its ISIN."""
    return replace(t, isin=isin)


TRADES = [
    # speculative: same-day round trips, +100 and −30 (turnover 130)
    trade("AAA", "2024-05-02", "buy", 10, "100"),
    trade("AAA", "2024-05-02", "sell", 10, "110"),
    trade("BBB", "2024-05-03", "buy", 10, "50"),
    trade("BBB", "2024-05-03", "sell", 10, "47"),
    # F&O: −1,000 on an option, +3,000 on a future (turnover 4,000)
    trade("NIFTY24AUG24000CE", "2024-07-30", "buy", 50, "120", segment="FO"),
    trade("NIFTY24AUG24000CE", "2024-08-01", "sell", 50, "100", segment="FO"),
    trade("NIFTY24AUGFUT", "2024-08-01", "buy", 25, "24000", segment="FO"),
    trade("NIFTY24AUGFUT", "2024-08-02", "sell", 25, "24120", segment="FO"),
    # STCG before 23 July 2024 at 15 %: +5,000
    trade("XXX", "2024-01-10", "buy", 100, "100"),
    trade("XXX", "2024-06-10", "sell", 100, "150"),
    # STCG from 23 July 2024 at 20 %: +6,000
    trade("YYY", "2024-03-01", "buy", 100, "200"),
    trade("YYY", "2024-08-01", "sell", 100, "260"),
    # the one-year line: sold on the anniversary is short term, a day later long term
    trade("ZZZ", "2023-06-03", "buy", 200, "1000"),
    trade("ZZZ", "2024-06-03", "sell", 100, "1500"),  # +50,000 STCG 15 %
    trade("ZZZ", "2024-06-04", "sell", 100, "1500"),  # +50,000 LTCG 10 %
    # 31 January 2018: bought 2017, FMV 800, sold at 900: cost max(500, min(800, 900)) = 800
    _isin(trade("WWW", "2017-05-02", "buy", 1000, "500"), "INE00000W001"),
    _isin(trade("WWW", "2024-09-02", "sell", 1000, "900"), "INE00000W001"),  # +1,00,000 12.5 %
    # FMV 800 above the sale price 700: cost max(500, min(800, 700)) = 700, no gain
    _isin(trade("VVV", "2017-05-02", "buy", 100, "500"), "INE00000V001"),
    _isin(trade("VVV", "2024-09-03", "sell", 100, "700"), "INE00000V001"),
    # no FMV for this ISIN: its actual cost, and the ISIN reported
    _isin(trade("UUU", "2016-01-04", "buy", 10, "100"), "INE00000U001"),
    _isin(trade("UUU", "2024-10-01", "sell", 10, "300"), "INE00000U001"),  # +2,000 12.5 %
    # buybacks either side of 1 October 2024
    trade("TCS", "2023-06-01", "buy", 50, "3200"),
    # next year: not in FY 2024-25
    trade("XXX", "2025-03-28", "buy", 10, "100"),
    trade("XXX", "2025-04-01", "sell", 10, "200"),
]
ACTIONS = [
    Action("TCS", date(2024, 9, 30), Kind.BUYBACK, (1, 25), price=D(4150)),  # 2 of 50
    Action("TCS", date(2024, 10, 1), Kind.BUYBACK, (1, 24), price=D(4150)),  # 2 of 48
]
FMV = {"INE00000W001": D(800), "INE00000V001": D(800)}


@pytest.fixture(scope="module")
def year():
    return tax_year(fifo(TRADES, actions=ACTIONS).trips, "2024-25", fmv=FMV)


def test_business_income_speculative_and_not(year):
    assert (year.speculative.pnl, year.speculative.turnover, year.speculative.trips) == (
        D(70),
        D(130),
        2,
    )
    assert (year.non_speculative.pnl, year.non_speculative.turnover) == (D(2000), D(4000))


def test_short_term_gains_by_the_rate_on_their_transfer_day(year):
    rates = {(b.kind, b.rate): b for b in year.buckets}
    assert rates[STCG, D("0.15")].net == D(55000)  # XXX 5,000 + ZZZ on its anniversary
    assert rates[STCG, D("0.20")].net == D(6000)  # YYY after 23 July
    # no loss to set off (F&O and intraday are profits): 55,000 × 15 %, 6,000 × 20 %
    done = set_off_year([YearIncome.of(year)], "2024-25")
    assert done.line(STCG, D("0.15")).tax == D(8250)
    assert done.line(STCG, D("0.20")).tax == D(1200)


def test_schedule_cg_takes_the_short_term_gains_of_each_rate_period_whole(year):
    """Schedule CG A2 (s.111A), a block per rate period: consideration − cost − expenses.
    15 % (before 23 July): XXX 100 × 150 and ZZZ 100 × 1,500 = 1,65,000; cost 100 × 100 and
    100 × 1,000 = 1,10,000; no charges: 55,000. 20 %: YYY 26,000 − 20,000 = 6,000."""
    found = {(f.field, f.amount) for f in capital_gains_figures(year)}
    before = "STCG u/s 111A at 15 %, sold before 23 July 2024"
    since = "STCG u/s 111A at 20 %, sold from 23 July 2024"
    assert {
        (f"{before}: full value of consideration", D(165000)),
        (f"{before}: cost of acquisition", D(110000)),
        (f"{before}: expenditure on transfer", D(0)),
        (f"{before}: short-term capital gain", D(55000)),
        (f"{since}: full value of consideration", D(26000)),
        (f"{since}: cost of acquisition", D(20000)),
        (f"{since}: short-term capital gain", D(6000)),
    } <= found


def test_long_term_gains_grandfathering_exemption_and_buyback_as_dividend(year):
    rates = {(b.kind, b.rate): b for b in year.buckets}
    high = rates[LTCG, D("0.125")]
    # WWW 1,00,000 + VVV 0 + UUU 2,000; the 1 October buyback's cost 2 × 3,200 a loss
    assert (high.gains, high.losses, high.net) == (D(102000), D(6400), D(95600))
    low = rates[LTCG, D("0.10")]
    assert low.net == D(50000)  # ZZZ a day past its anniversary
    # ₹1,25,000 for FY 2024-25, against the 12.5 % gains first: 95,600 there, 29,400 here
    done = set_off_year([YearIncome.of(year)], "2024-25")
    high_after, low_after = done.line(LTCG, D("0.125")), done.line(LTCG, D("0.10"))
    assert (high_after.exemption, high_after.tax) == (D(95600), D(0))
    # 50,000 − 29,400 = 20,600 at 10 % = 2,060
    assert (low_after.exemption, low_after.taxable, low_after.tax) == (D(29400), D(20600), D(2060))
    # the buyback's ₹8,300 is income from other sources, taxed at the slab
    assert done.line("other_sources").left == D(8300)
    assert done.special_rate_tax == D(8250) + D(1200) + D(2060)
    assert year.unmatched_isins == ["INE00000U001"]
    assert year.buyback_exempt_gain == D(1900)  # 2 × (4,150 − 3,200), 30 September
    assert year.buyback_dividend == D(8300)  # 2 × 4,150, 1 October


def test_schedule_112a_rows(year):
    rows = {(r.isin or r.name, r.before_2018): r for r in year.schedule_112a}
    w = rows["INE00000W001", True]
    assert (w.units, w.sale_price, w.consideration) == (D(1000), D(900), D(900000))
    assert (w.actual_cost, w.fmv_per_unit, w.fmv_total, w.lower_of_fmv_and_sale) == (
        D(500000),
        D(800),
        D(800000),
        D(800000),
    )
    assert (w.cost, w.balance) == (D(800000), D(100000))
    assert rows["INE00000V001", True].balance == D(0)
    assert rows["INE00000U001", True].fmv_per_unit is None
    assert rows["ZZZ", False].balance == D(50000)


def test_the_dates_and_years():
    assert fy_of(date(2024, 3, 31)) == "2023-24"
    assert fy_of(date(2024, 4, 1)) == "2024-25"
    assert fy_bounds("2024-25") == (date(2024, 4, 1), date(2025, 3, 31))
    with pytest.raises(ValueError, match="not a financial year"):
        fy_bounds("2024-26")
    assert not long_term(date(2023, 6, 3), date(2024, 6, 3))
    assert long_term(date(2023, 6, 3), date(2024, 6, 4))
    assert (ltcg_exemption("2023-24"), ltcg_exemption("2024-25")) == (D(100000), D(125000))
    earlier = tax_year(fifo(TRADES, actions=ACTIONS).trips, "2023-24", fmv=FMV)
    assert earlier.buckets == []  # nothing closed in FY 2023-24


def test_realised_pnl_by_the_financial_year_of_the_close():
    trips = fifo(
        [
            trade("AAA", "2024-03-28", "buy", 10, "100"),
            trade("AAA", "2024-03-29", "sell", 4, "110"),  # FY 2023-24: +40
            trade("AAA", "2024-04-01", "sell", 6, "90"),  # FY 2024-25: −60
            trade("BBB", "2025-03-31", "buy", 2, "500", charges="3.10"),
            trade("BBB", "2025-03-31", "sell", 2, "525", charges="4.25"),  # FY 2024-25: +50
        ]
    ).trips
    years = by_financial_year(trips)
    assert [(y.fy, y.realised, y.trips) for y in years] == [
        ("2024-25", D(-10), 2),
        ("2023-24", D(40), 1),
    ]
    assert years[0].charges == D("7.35")  # the booked charges of BBB's buy and sell
    assert years[0].net == D("-17.35")
    assert by_financial_year([]) == []
