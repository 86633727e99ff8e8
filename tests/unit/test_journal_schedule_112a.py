"""Schedule 112A's rows keep the form's arithmetic, whatever the sales; the utility's CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.test_journal_pnl import trade
from tradertape.journal.pnl import RoundTrip, fifo
from tradertape.journal.schedule_112a import (
    HEADER_1B,
    Row112A,
    Sale,
    exact_prices,
    rows,
    sale,
    utility_csv,
    utility_row,
)
from tradertape.journal.transfer_expenses import stt, transfer_expenses

D = Decimal
ZERO = D(0)
paise = st.integers(min_value=0, max_value=5_000_000).map(lambda p: D(p) / 100)


@st.composite
def sales(draw: st.DrawFn) -> Sale:
    grandfathered = draw(st.booleans())
    units = D(draw(st.integers(min_value=1, max_value=5_000)))
    return sale(
        isin=draw(st.sampled_from(["INE009A01021", "INE154A01025", None])),
        name=draw(st.sampled_from(["INFY", "ITC"])),
        grandfathered=grandfathered,
        sold_before_rate_change=draw(st.booleans()),
        units=units,
        consideration=draw(paise),
        actual_cost=draw(paise),
        fmv_per_unit=draw(st.none() | st.sampled_from([D("120.50"), D("999.95"), D(300)])),
        expenses=draw(st.integers(min_value=0, max_value=20_000).map(lambda p: D(p) / 100)),
    )


def _total(found: list[Row112A] | list[Sale], pick: str) -> Decimal:
    return sum((getattr(r, pick) for r in found), ZERO)


@settings(max_examples=300, deadline=None)
@given(st.lists(sales(), min_size=1, max_size=12))
def test_every_row_keeps_the_forms_arithmetic_and_adds_up_to_the_sales(sold: list[Sale]):
    schedule = rows(sold)
    for r in schedule:
        if r.acquired == "BE":
            assert r.sale_price is not None
            assert r.consideration == r.units * r.sale_price  # 6 = 4 × 5, to the paisa
            if r.fmv_per_unit is not None:
                assert r.fmv_total == r.units * r.fmv_per_unit  # 11 = 4 × 10
                assert r.fmv_total is not None
                assert r.lower_of_fmv_and_sale == min(r.consideration, r.fmv_total)  # 9
                assert r.cost == max(r.actual_cost, r.lower_of_fmv_and_sale)  # 7
            else:
                assert r.cost == r.actual_cost
        else:
            assert (r.sale_price, r.fmv_total, r.lower_of_fmv_and_sale) == (None, None, None)
            assert r.cost == r.actual_cost
        assert r.actual_cost >= 0
        assert r.deductions == r.cost + r.expenditure  # 13 = 7 + 12
        assert r.balance == r.consideration - r.deductions  # 14 = 6 − 13
    for column in ("units", "consideration", "actual_cost", "cost", "balance"):
        assert _total(schedule, column) == _total(sold, column), column
    assert _total(schedule, "expenditure") == _total(sold, "expenses")


def test_a_price_in_paise_or_two_a_paisa_apart():
    assert exact_prices(D(700), D("1170000.00")) == [(D(100), D("1671.42")), (D(600), D("1671.43"))]
    assert exact_prices(D(100), D("50000.00")) == [(D(100), D("500.00"))]
    assert exact_prices(D("2.5"), D("100.00")) == [(D("2.5"), D("40.00"))]  # not whole: one


def test_the_utilitys_csv_with_and_without_column_1b():
    trips = fifo(
        [
            trade("M&M", "2023-01-02", "buy", 10, "1000", charges="10"),
            trade("M&M", "2024-08-01", "sell", 10, "2000", charges="20"),
        ]
    ).trips
    (only,) = rows(
        [
            sale(
                isin="INE101A01026",
                name=trips[0].symbol,
                grandfathered=False,
                sold_before_rate_change=False,
                units=trips[0].quantity,
                consideration=trips[0].close_value,
                actual_cost=trips[0].open_value,
                fmv_per_unit=None,
                expenses=transfer_expenses(trips[0]),
            )
        ]
    )
    table = list(csv.reader(io.StringIO(utility_csv([only], fy="2024-25").decode())))
    assert table[0][:3] == ["Share/Unit acquired(1a)", HEADER_1B, "ISIN Code(2)"]
    assert table[0][-1] == "Balance(14) = 6 - 13"
    assert len(table[0]) == 15
    # acquired after 31 January 2018: no units, price or FMV; STT ₹10 + ₹20, nothing else
    assert table[1] == [
        "AE",
        "AE",
        "INE101A01026",
        "M and M",
        "",
        "",
        "20000.00",
        "10000.00",
        "10000.00",
        "",
        "",
        "",
        "0.00",
        "10000.00",
        "10000.00",
    ]
    earlier = list(csv.reader(io.StringIO(utility_csv([only], fy="2023-24").decode())))
    assert len(earlier[0]) == 14
    assert HEADER_1B not in earlier[0]
    hostile = utility_row(replace(only, name="=1+2"), with_transfer=False)
    assert hostile[2] == "'=1+2"  # a spreadsheet reads it as text
    text = utility_csv([only], fy="2024-25").decode()
    assert text.startswith('"Share/Unit acquired(1a)","Share/Unit Transferred(1b)"')
    assert '"Fair Market Value per share/unit as on 31st January,2018(10)"' in text


def _trip() -> RoundTrip:
    (made,) = fifo(
        [
            trade("INFY", "2023-05-02", "buy", 10, "1450.50", charges="17.76"),
            trade("INFY", "2024-09-02", "sell", 10, "1500", charges="30.95"),
        ]
    ).trips
    return made


def test_transfer_expenses_are_the_charges_but_stt():
    trip = _trip()
    assert stt(trip) == D(30)  # ₹14.505 and ₹15 of STT, each to the rupee
    assert transfer_expenses(trip) == D("18.71")
    assert transfer_expenses(replace(trip, charges=D(20))) == 0  # below the STT: nothing
    assert transfer_expenses(replace(trip, kind="buyback")) == 0  # no sale on the exchange
    # a buy before the first charges schedule takes the first one's rate (0.1 %)
    assert stt(replace(trip, opened=trip.opened.replace(year=2012))) == D(30)
