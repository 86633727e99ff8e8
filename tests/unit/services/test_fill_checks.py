"""A reported fill price is on the tick, or the average of units traded on it."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from tradertape.services.agent.fill_checks import is_average_on_tick

TICK = D("0.05")


@pytest.mark.parametrize(
    ("price", "quantity", "ok"),
    [
        pytest.param(D("1500.05"), 1, True, id="one unit on the tick"),
        pytest.param(D("1500.03"), 1, False, id="one unit off the tick"),
        # 2 at 1,500.00 and 1 at 1,500.05: Kite answers average_price 1500.0167
        pytest.param(D("1500.0167"), 3, True, id="an average Kite rounds to 4 places"),
        pytest.param(D("1500.0333"), 3, True, id="the other split"),
        pytest.param(D("1500.02"), 3, False, id="no split of 3 ticks averages this"),
        pytest.param(D("0.0001"), 8, False, id="absurd"),
    ],
)
def test_an_average_is_on_the_tick_when_its_value_is(price: D, quantity: int, ok: bool):
    assert is_average_on_tick(price, quantity, TICK) is ok
