"""Order and trade ids: their form, and the draw behind their digits."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from tradertape.oms import ids


def test_ids_are_the_ist_date_then_digits() -> None:
    evening = datetime(2026, 11, 20, 19, 0, tzinfo=UTC)  # 00:30 on the 21st in IST
    order, trade = ids.new_order_id(evening), ids.new_trade_id(evening)
    assert (order[:6], len(order), order.isdigit()) == ("261121", 15, True)
    assert (trade[:6], len(trade), trade.isdigit()) == ("261121", 14, True)


@given(st.integers(min_value=1, max_value=10**18))
def test_a_draw_keeps_whole_multiples_only(bound: int) -> None:
    limit = ids._limit(bound)  # noqa: SLF001 - the rejection bound itself
    assert limit % bound == 0
    assert 0 <= (1 << 64) - limit < bound  # what is rejected is less than one more multiple


@given(st.integers(min_value=1, max_value=10**12))
def test_a_draw_is_below_its_bound(bound: int) -> None:
    assert 0 <= ids._below(bound, ids._limit(bound)) < bound  # noqa: SLF001


def test_every_digit_is_drawn() -> None:
    digits = {ids._below(10, ids._limit(10)) for _ in range(2000)}  # noqa: SLF001
    assert digits == set(range(10))
