"""The delivery an open stock F&O position would owe at expiry, shown from E-4
(`domain.delivery_obligation`), worked by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tradertape.domain.delivery_obligation import obligation
from tradertape.domain.expiry import Contract, Delivery

EXPIRY = date(2026, 12, 29)
VAR_ELM = Decimal("0.185")  # a NIFTY 50 stock's stand-in: SPAN 15 % + exposure 3.5 %


def contract(kind: str, strike: int | None) -> Contract:
    return Contract("RELIANCE", EXPIRY, kind, None if strike is None else Decimal(strike), True)


@pytest.mark.parametrize(
    ("days_left", "margin"),
    [
        # 500 × ₹1,200 = ₹6,00,000 delivered; VaR + ELM 18.5 % = ₹1,11,000; its share by day
        pytest.param(4, Decimal("11100.00"), id="E-4-10pc"),
        pytest.param(3, Decimal("27750.00"), id="E-3-25pc"),
        pytest.param(2, Decimal("49950.00"), id="E-2-45pc"),
        pytest.param(1, Decimal("77700.00"), id="E-1-70pc"),
        pytest.param(0, Decimal("77700.00"), id="expiry-day-keeps-70pc"),
    ],
)
def test_a_long_itm_call_owes_a_buy_at_the_strike_and_a_growing_margin(
    days_left: int, margin: Decimal
) -> None:
    owed = obligation(
        contract("CE", 1200), 500, Decimal("1220.90"), days_left=days_left, var_elm=VAR_ELM
    )
    assert owed is not None
    assert owed.delivery == Delivery("RELIANCE", "BUY", 500, Decimal(1200))
    assert owed.value == Decimal("600000.00")
    assert owed.margin == margin


def test_nothing_is_shown_before_e_minus_4_or_after_expiry() -> None:
    call = contract("CE", 1200)
    assert obligation(call, 500, Decimal("1220.90"), days_left=5, var_elm=VAR_ELM) is None
    assert obligation(call, 500, Decimal("1220.90"), days_left=-1, var_elm=VAR_ELM) is None


def test_an_otm_option_owes_nothing_and_moves_with_the_mark() -> None:
    call = contract("CE", 1250)
    assert obligation(call, 500, Decimal("1220.90"), days_left=2, var_elm=VAR_ELM) is None
    owed = obligation(call, 500, Decimal("1250.05"), days_left=2, var_elm=VAR_ELM)
    assert owed is not None
    assert owed.delivery.side == "BUY"


def test_a_short_call_gives_shares_and_a_future_delivers_at_the_mark_without_margin() -> None:
    short_call = obligation(
        contract("CE", 1200), -500, Decimal("1220.90"), days_left=1, var_elm=VAR_ELM
    )
    assert short_call is not None
    assert short_call.delivery == Delivery("RELIANCE", "SELL", 500, Decimal(1200))
    assert short_call.margin is None  # a sold option keeps SPAN + exposure already
    future = obligation(
        contract("FUT", None), 500, Decimal("1220.90"), days_left=0, var_elm=VAR_ELM
    )
    assert future is not None
    assert future.delivery == Delivery("RELIANCE", "BUY", 500, Decimal("1220.90"))
    assert future.value == Decimal("610450.00")
    assert future.margin is None
