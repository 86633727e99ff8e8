"""The kernel's integer charges equal the trading core's Decimal contract note, to the paisa."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradertape.backtest import kernel
from tradertape.backtest.costs import rate_table
from tradertape.domain.charges import Fill, Segment, Side, compute_charges

DAYS = np.array(
    ["2019-06-03", "2020-07-01", "2021-03-01", "2023-05-02", "2024-10-01", "2026-04-01"],
    dtype="datetime64[D]",
)
RATES = rate_table(DAYS)


def _decimal_total(day: date, side: Side, quantity: int, price: Decimal) -> Decimal:
    fill = Fill("o1", Segment.EQUITY_DELIVERY, side, quantity, price, instrument="INE000000001")
    return compute_charges([fill], day).total


@settings(max_examples=300, deadline=None)
@given(
    t=st.integers(min_value=0, max_value=len(DAYS) - 1),
    buy=st.booleans(),
    quantity=st.integers(min_value=1, max_value=200_000),
    ticks=st.integers(min_value=1, max_value=2_000_000),  # price in 5-paise ticks
)
def test_equals_compute_charges(t: int, buy: bool, quantity: int, ticks: int):
    price = Decimal(ticks * 5) / 100
    expected = _decimal_total(
        DAYS[t].astype(object), Side.BUY if buy else Side.SELL, quantity, price
    )
    got = kernel._fill_charges(quantity * float(price), buy, t, kernel.ZERODHA, 0.0, RATES)
    assert Decimal(str(round(got, 2))) == expected


@pytest.mark.parametrize(
    ("side", "expected"),
    [
        # ₹1,00,000 of delivery on 2026-04-01: STT ₹100, exchange ₹2.97, IPFT ₹0.10, SEBI
        # ₹0.10, GST 18 % of those three ₹0.5706, stamp (buy) ₹15; DP ₹15.34 (sell)
        pytest.param(Side.BUY, Decimal("118.74"), id="buy"),
        pytest.param(Side.SELL, Decimal("119.08"), id="sell"),
    ],
)
def test_worked_example(side: Side, expected: Decimal):
    assert _decimal_total(date(2026, 4, 1), side, 100, Decimal("1000")) == expected
    got = kernel._fill_charges(100_000.0, side is Side.BUY, 5, kernel.ZERODHA, 0.0, RATES)
    assert got == float(expected)
