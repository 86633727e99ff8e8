"""A holding's day change: from the close for shares held overnight, the buy price for today's."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tradertape.domain.day_change import day_base, day_change

D = Decimal


def test_shares_bought_today_count_from_their_price():
    # 6 bought today at ₹1,500, yesterday's close ₹1,480, last ₹1,510: +₹10 a share, not +₹30
    base = day_base(settled=D(0), t1=D(6), close=D(1480), bought_at=D(1500))
    assert base == D(1500)
    assert day_change(D(1510), base) == (D(10), D(10) / D(1500) * 100)


def test_a_row_of_both_is_measured_from_the_blend():
    # 4 held from yesterday (close ₹100) and 6 bought today at ₹110: the day is
    # 4 × (105 − 100) + 6 × (105 − 110) = −₹10, so −₹1 a share on a base of ₹106
    base = day_base(settled=D(4), t1=D(6), close=D(100), bought_at=D(110))
    assert base == D(106)
    assert day_change(D(105), base)[0] * 10 == D(-10)


prices = st.decimals(min_value=D("0.05"), max_value=D(50_000), places=2)


@settings(max_examples=50)
@given(st.integers(0, 100), st.integers(0, 100), prices, prices, prices)
def test_rupees_and_percentage_agree_in_sign(settled, t1, close, bought_at, last):
    base = day_base(settled=D(settled), t1=D(t1), close=close, bought_at=bought_at)
    change, percentage = day_change(last, base)
    assert (change > 0) == (percentage > 0)
    assert (change < 0) == (percentage < 0)
