"""XIRR against a published worked example, AMFI's NAV file, index histories and the
benchmark's metrics against hand-worked figures."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from tradertape.journal.benchmark import BadIndexFile, compare, curve, parse_index_closes
from tradertape.journal.fmv import BadFmvFile, parse_fmv_rows
from tradertape.journal.navs import BadNavFile, parse_navs
from tradertape.journal.xirr import xirr


def test_xirr_matches_the_spreadsheet_documentation_example():
    # Microsoft's XIRR documentation: these flows give 0.373362535 (37.34 %)
    flows = [
        (date(2008, 1, 1), Decimal(-10000)),
        (date(2008, 3, 1), Decimal(2750)),
        (date(2008, 10, 30), Decimal(4250)),
        (date(2009, 2, 15), Decimal(3250)),
        (date(2009, 4, 1), Decimal(2750)),
    ]
    assert xirr(flows) == Decimal("0.373363")


def test_xirr_of_a_hand_worked_series():
    # ₹1,00,000 in, ₹1,10,000 out exactly 365 days later: 10 % a year
    assert xirr([(date(2023, 1, 1), Decimal(-100000)), (date(2024, 1, 1), Decimal(110000))]) == (
        Decimal("0.100000")
    )
    # two SIPs of ₹10,000 half a year apart, ₹21,000 a year after the first: r solves
    # 10000 (1+r) + 10000 (1+r)^(181/365) = 21000 → r ≈ 6.6 % (checked by its NPV)
    flows = [
        (date(2023, 1, 1), Decimal(-10000)),
        (date(2023, 7, 2), Decimal(-10000)),
        (date(2024, 1, 1), Decimal(21000)),
    ]
    rate = xirr(flows)
    assert rate is not None
    npv = sum(float(a) / (1 + float(rate)) ** ((d - date(2023, 1, 1)).days / 365) for d, a in flows)
    assert abs(npv) < 0.05
    assert Decimal("0.06") < rate < Decimal("0.07")
    # a loss, and flows that never change sign
    assert xirr([(date(2023, 1, 1), Decimal(-1000)), (date(2024, 1, 1), Decimal(500))]) == (
        Decimal("-0.500000")
    )
    assert xirr([(date(2023, 1, 1), Decimal(-1000)), (date(2024, 1, 1), Decimal(-5))]) is None
    assert xirr([]) is None


NAVALL = """\
Scheme Code;ISIN Div Payout/ ISIN Growth;ISIN Div Reinvestment;Scheme Name;Net Asset Value;\
Date

Open Ended Schemes(Equity Scheme - Flexi Cap Fund)

Example Mutual Fund

100001;INF000X01010;-;Example Flexi Cap Fund - Direct Plan - Growth;120.5000;22-Nov-2026
100002;INF000X01028;INF000X01036;Example Flexi Cap Fund - IDCW;N.A.;22-Nov-2026
"""


def test_amfi_nav_file_is_read_and_na_lines_skipped():
    (nav,), skipped = parse_navs(NAVALL)
    assert (nav.amfi, nav.isin, nav.isin_reinvest, nav.nav, nav.day, skipped) == (
        "100001",
        "INF000X01010",
        None,
        Decimal("120.5000"),
        date(2026, 11, 22),
        1,
    )
    with pytest.raises(BadNavFile, match="header"):
        parse_navs("isin,nav\nX,1\n")
    with pytest.raises(BadNavFile, match="line 3"):
        parse_navs("Scheme Code;a;b;c;d;e\n\n1;2;3\n")


def test_index_histories_nse_csv_and_the_daily_bhavcopy():
    nse = (
        "Date ,Open ,High ,Low ,Close ,Shares Traded ,Turnover (₹ Cr)\n"
        '"01-JAN-2024","21727.75","21834.35","21680.85","21741.90","1","2"\n'
        '02-JAN-2024,1,1,1,"21,665.80",1,1\n'
    )
    assert parse_index_closes(nse, name="Nifty 50") == [
        ("NIFTY 50", date(2024, 1, 1), Decimal("21741.90")),
        ("NIFTY 50", date(2024, 1, 2), Decimal("21665.80")),
    ]
    with pytest.raises(ValueError, match="name the index"):
        parse_index_closes(nse, name=None)
    bhav = (
        "Index Name,Index Date,Open Index Value,High Index Value,Low Index Value,"
        "Closing Index Value,Points Change,Change(%)\n"
        "Nifty 50,22-11-2026,1,1,1,24000.5,1,1\nNifty Next 50,22-11-2026,1,1,1,68000,1,1\n"
    )
    assert [r[0] for r in parse_index_closes(bhav, name=None)] == ["NIFTY 50", "NIFTY NEXT 50"]
    assert parse_index_closes(bhav, name="nifty next 50") == [
        ("NIFTY NEXT 50", date(2026, 11, 22), Decimal(68000))
    ]
    with pytest.raises(BadIndexFile, match="line 3: date"):
        parse_index_closes("date,close\n2024-01-01,1\nyesterday,2\n", name="X")
    with pytest.raises(BadIndexFile, match="line 2: close"):
        parse_index_closes("date,close\n2024-01-01,-1\n", name="X")
    with pytest.raises(BadIndexFile, match="under 10"):
        parse_index_closes("date,close\n2024-01-01,1E+999\n", name="X")
    with pytest.raises(BadIndexFile, match="no header"):
        parse_index_closes("a,b\n1,2\n", name="X")


def test_fmv_rows_name_the_bad_line():
    assert parse_fmv_rows('isin,symbol,fmv\nINE009A01021,INFY,"1,150.50"\n') == [
        ("INE009A01021", "INFY", Decimal("1150.50"))
    ]
    with pytest.raises(BadFmvFile, match="line 2: 'NOTANISIN' is not an ISIN"):
        parse_fmv_rows("isin,symbol,fmv\nnotanisin,X,10\n")


def test_benchmark_metrics_against_hand_worked_figures():
    """₹1,00,000 in on day 1, realised +₹10,000 on day 3, ₹50,000 more added on day 4 (not
    a gain), −₹5,500 realised on day 5. The index: 100, 100, 105, 110, 99."""
    start = date(2024, 1, 1)
    days = [start + timedelta(days=i) for i in range(5)]
    account = curve(
        flows=[(days[0], Decimal(100000)), (days[3], Decimal(50000))],
        pnl=[(days[2], Decimal(10000)), (days[4], Decimal(-5500))],
    )
    closes = list(
        zip(
            days, [Decimal(100), Decimal(100), Decimal(105), Decimal(110), Decimal(99)], strict=True
        )
    )
    found = compare(account, closes, days[0], days[-1])
    assert found is not None
    # your daily returns: 0, +10 %, 0 (the ₹50,000 is a flow), −5500/160000 = −3.4375 %
    assert [p[1] for p in found.points] == [
        Decimal("1.0000"),
        Decimal("1.0000"),
        Decimal("1.1000"),
        Decimal("1.1000"),
        Decimal("1.0622"),  # 1.1 × (1 − 0.034375) = 1.0621875
    ]
    assert [p[2] for p in found.points][-1] == Decimal("0.9900")
    assert found.you.total_return == Decimal("0.0622")
    assert found.benchmark.total_return == Decimal("-0.0100")
    assert found.you.max_drawdown == Decimal("-0.0344")  # 1.0621875 / 1.1 − 1
    assert found.benchmark.max_drawdown == Decimal("-0.1000")  # 99 / 110 − 1
    # beta = cov(you, index) / var(index) over the four daily returns
    you = [0.0, 0.1, 0.0, -0.034375]
    them = [0.0, 0.05, 110 / 105 - 1, 0.9 - 1]
    mean_you, mean_them = sum(you) / 4, sum(them) / 4
    cov = sum((a - mean_you) * (b - mean_them) for a, b in zip(you, them, strict=True))
    var = sum((b - mean_them) ** 2 for b in them)
    assert found.beta == Decimal(repr(cov / var)).quantize(Decimal("0.0001"))
    assert found.correlation is not None
    assert Decimal(-1) <= found.correlation <= Decimal(1)
    assert compare(account, closes[:1], days[0], days[0]) is None


def test_an_index_close_of_year_1_is_refused_by_line():
    with pytest.raises(BadIndexFile, match="line 3: date 0001-01-01 is not between 1900-01-01"):
        parse_index_closes("Date,Close\n2024-01-01,100\n0001-01-01,100\n", name="X")
    assert xirr([(date(1, 1, 1), Decimal(-100)), (date(2024, 1, 1), Decimal(200))]) is None
