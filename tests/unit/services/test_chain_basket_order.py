"""The chain basket's sending order: every bought leg before any sold one, each side in the
order given (`services.baskets.hedge_first`)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tradertape.services.baskets import hedge_first


@given(sides=st.lists(st.sampled_from(["BUY", "SELL"]), max_size=8))
def test_bought_legs_go_first_and_keep_their_order(sides: list[str]):
    order = hedge_first(sides)
    assert sorted(order) == list(range(len(sides)))  # each leg once
    kinds = [sides[i] for i in order]
    assert kinds == sorted(kinds)  # "BUY" < "SELL": no buy after a sell
    for side in ("BUY", "SELL"):
        mine = [i for i in order if sides[i] == side]
        assert mine == sorted(mine)
