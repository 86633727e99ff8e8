"""Settlement of F&O contracts on their expiry day (`domain.expiry`), worked to the paisa.

Charges: Zerodha's schedule (`docs/charges.md`): exercise STT 0.125 % of the intrinsic
value until 31-Mar-2026, 0.15 % from 1-Apr-2026 (Finance Act 2026; reference §4), whole
rupees per note; ₹20 F&O brokerage per order of the exchange's closing of an in-the-money
option and 18 % GST on it (Zerodha staff on Trading Q&A, "ITM options, index options expiry,
brokerage/STT", Aug 2023: "a brokerage of Rs. 20 per order applies ... the exit, which is
settled by the Exchange"; Zerodha support: "if you sold options that expire: no additional
STT").
"""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradertape.domain.expiry import (
    NO_EXPIRY_CHARGES,
    Contract,
    Delivery,
    DeliveryCharges,
    contract_of,
    monthly_expiry,
    settle,
    settlement_price,
)
from tradertape.domain.money import ZERO

INDICES = frozenset({"NIFTY", "BANKNIFTY"})
DEC_2024 = date(2024, 12, 26)  # NIFTY's December 2024 monthly expiry, a Thursday
NIFTY_CLOSE = Decimal("23750.20")  # NIFTY 50's close on 26-Dec-2024


def nifty(strike: str, kind: str, expiry: date = DEC_2024) -> Contract:
    return Contract("NIFTY", expiry, kind, Decimal(strike), physical=False)


def test_an_index_call_out_of_the_money_expires_worthless_with_no_charges() -> None:
    # 24000 CE with NIFTY at 23,750.20: max(23750.20 - 24000, 0) = 0; nothing changes hands
    settled = settle(nifty("24000", "CE"), 25, NIFTY_CLOSE)
    assert settled.price == Decimal(0)
    assert settled.value == Decimal(0)
    assert settled.side == "SELL"
    assert not settled.in_the_money
    assert settled.charges == NO_EXPIRY_CHARGES
    assert settled.charges.total == Decimal("0.00")
    assert settled.delivery is None


def test_a_long_index_call_in_the_money_settles_at_intrinsic_with_exercise_stt() -> None:
    # 23500 CE, 75 units: intrinsic 23750.20 - 23500 = 250.20 a unit; 250.20 × 75 = 18,765.00
    # STT on exercise 0.125 % × 18,765.00 = 23.45625 → ₹23 (whole rupees)
    # brokerage ₹20 (one order); GST 18 % × 20 = 3.60; total 23 + 20 + 3.60 = ₹46.60
    settled = settle(nifty("23500", "CE"), 75, NIFTY_CLOSE)
    assert settled.price == Decimal("250.20")
    assert settled.value == Decimal("18765.00")
    assert settled.in_the_money
    assert settled.charges.stt == Decimal(23)
    assert settled.charges.brokerage == Decimal(20)
    assert settled.charges.gst == Decimal("3.60")
    assert settled.charges.total == Decimal("46.60")


def test_exercise_stt_follows_the_2026_rate() -> None:
    # NIFTY 24000 PE of 28-Apr-2026 (a Tuesday), 65 units, NIFTY at 23,800.55:
    # intrinsic 24000 - 23800.55 = 199.45; × 65 = 12,964.25
    # STT 0.15 % × 12,964.25 = 19.446375 → ₹19; brokerage 20; GST 3.60; total ₹42.60
    settled = settle(nifty("24000", "PE", date(2026, 4, 28)), 65, Decimal("23800.55"))
    assert settled.value == Decimal("12964.25")
    assert settled.charges.stt == Decimal(19)
    assert settled.charges.total == Decimal("42.60")


def test_a_short_option_assigned_pays_brokerage_but_no_stt() -> None:
    # the seller paid STT on the premium when selling; assignment adds none
    # brokerage 20 + GST 3.60 = ₹23.60; the short is bought back at 250.20
    settled = settle(nifty("23500", "CE"), -75, NIFTY_CLOSE)
    assert settled.side == "BUY"
    assert settled.price == Decimal("250.20")
    assert settled.charges.stt == Decimal(0)
    assert settled.charges.total == Decimal("23.60")


def test_brokerage_is_per_freeze_slice() -> None:
    # a position over the freeze quantity closes in two orders: 2 × ₹20, GST 7.20
    # STT 0.125 % × (250.20 × 3000 = 7,50,600.00) = 938.25 → ₹938; total 938 + 40 + 7.20
    settled = settle(nifty("23500", "CE"), 3000, NIFTY_CLOSE, orders=2)
    assert settled.charges.brokerage == Decimal(40)
    assert settled.charges.stt == Decimal(938)
    assert settled.charges.total == Decimal("985.20")


def test_a_future_settles_at_the_close_without_charges() -> None:
    future = Contract("NIFTY", DEC_2024, "FUT", None, physical=False)
    settled = settle(future, -75, NIFTY_CLOSE)
    assert settled.price == NIFTY_CLOSE
    assert settled.side == "BUY"
    assert settled.charges.total == Decimal("0.00")
    assert settled.delivery is None


@pytest.mark.parametrize(
    ("kind", "held", "side"),
    [
        pytest.param("CE", 500, "BUY", id="long-call-takes-shares"),
        pytest.param("CE", -500, "SELL", id="short-call-gives-shares"),
        pytest.param("PE", 500, "SELL", id="long-put-gives-shares"),
        pytest.param("PE", -500, "BUY", id="short-put-takes-shares"),
    ],
)
def test_a_stock_option_in_the_money_is_a_delivery_at_the_strike(
    kind: str, held: int, side: str
) -> None:
    strike = "1200" if kind == "CE" else "1250"
    option = Contract("RELIANCE", DEC_2024, kind, Decimal(strike), physical=True)
    settled = settle(option, held, Decimal("1220.90"))
    assert settled.delivery == Delivery("RELIANCE", side, 500, Decimal(strike))


def test_an_itm_long_call_buys_its_shares_at_the_strike_with_a_delivery_note() -> None:
    # RELIANCE 1200 CE, 500 long, close 1,220.90 on 26-Dec-2024: BUY 500 at ₹1,200 =
    # ₹6,00,000.00. The call closes at ₹0 (its value is in the shares at the strike), no
    # exercise STT. Delivery note: brokerage 0.25 % = 1,500.00; STT 0.1 % = 600 (whole
    # rupees); stamp 0.015 % = 90.00; GST 18 % × 1,500 = 270.00; no DP on a buy: ₹2,460.00
    option = Contract("RELIANCE", DEC_2024, "CE", Decimal(1200), physical=True)
    settled = settle(option, 500, Decimal("1220.90"))
    assert (settled.price, settled.value, settled.charges.total) == (
        Decimal(0),
        Decimal(0),
        Decimal("0.00"),
    )
    assert settled.in_the_money
    assert settled.delivery == Delivery("RELIANCE", "BUY", 500, Decimal(1200))
    assert settled.delivery.value == Decimal("600000")
    note = settled.delivery_charges
    assert note == DeliveryCharges(
        Decimal("1500.00"), Decimal("600"), Decimal("90.00"), Decimal("270.00"), Decimal(0)
    )
    assert note.total == Decimal("2460.00")


def test_an_itm_short_put_is_assigned_a_buy_at_the_strike() -> None:
    # RELIANCE 1250 PE, 500 short, close 1,220.90: BUY 500 at ₹1,250 = ₹6,25,000.00; the
    # put bought back at ₹0 (the premium kept). Brokerage 1,562.50; STT 625; stamp 93.75;
    # GST 281.25: ₹2,562.50
    option = Contract("RELIANCE", DEC_2024, "PE", Decimal(1250), physical=True)
    settled = settle(option, -500, Decimal("1220.90"))
    assert (settled.side, settled.price) == ("BUY", Decimal(0))
    assert settled.delivery == Delivery("RELIANCE", "BUY", 500, Decimal(1250))
    assert settled.delivery_charges is not None
    assert settled.delivery_charges.total == Decimal("2562.50")


def test_an_itm_long_put_sells_its_shares_and_pays_the_dp_charge() -> None:
    # RELIANCE 1250 PE, 500 long: SELL 500 at ₹1,250 = ₹6,25,000.00. Brokerage 1,562.50;
    # STT 625; no stamp on a sale; GST 281.25; DP ₹13 + 18 % = 15.34: ₹2,484.09
    option = Contract("RELIANCE", DEC_2024, "PE", Decimal(1250), physical=True)
    settled = settle(option, 500, Decimal("1220.90"))
    assert settled.delivery == Delivery("RELIANCE", "SELL", 500, Decimal(1250))
    assert settled.delivery_charges is not None
    assert settled.delivery_charges.dp == Decimal("15.34")
    assert settled.delivery_charges.total == Decimal("2484.09")


def test_a_stock_option_out_of_the_money_delivers_nothing() -> None:
    option = Contract("RELIANCE", DEC_2024, "CE", Decimal(1300), physical=True)
    settled = settle(option, 500, Decimal("1220.90"))
    assert settled.delivery is None
    assert settled.delivery_charges is None
    assert settled.charges.total == Decimal("0.00")
    assert not settled.in_the_money


def test_a_stock_future_is_delivered_at_its_settlement_price() -> None:
    # RELIANCE FUT, 500 short, settles at 1,220.90: the future closes there and SELLs 500
    # at ₹1,220.90 = ₹6,10,450.00. Brokerage 0.25 % = 1,526.125; STT 610.45 → 610; GST
    # 274.7025; DP 15.34: 2,426.1675 → ₹2,426.17
    future = Contract("RELIANCE", DEC_2024, "FUT", None, physical=True)
    settled = settle(future, -500, Decimal("1220.90"))
    assert settled.price == Decimal("1220.90")
    assert settled.delivery == Delivery("RELIANCE", "SELL", 500, Decimal("1220.90"))
    assert settled.delivery_charges is not None
    assert settled.delivery_charges.total == Decimal("2426.17")


@given(
    kind=st.sampled_from(["CE", "PE", "FUT"]),
    held=st.integers(-5000, 5000).filter(bool),
    strike=st.integers(1, 5000),
    close=st.decimals(Decimal("0.05"), Decimal("9999"), places=2),
)
def test_a_physical_settlement_moves_the_cash_that_changes_hands(
    kind: str, held: int, strike: int, close: Decimal
) -> None:
    # whatever the contract, the cash of closing it and of its shares is what the exchange
    # moves: an option's holder pays (receives) strike × quantity for the shares, a future's
    # holder the close; nothing else changes hands (the premium was paid at the open)
    contract = Contract(
        "RELIANCE", DEC_2024, kind, None if kind == "FUT" else Decimal(strike), True
    )
    settled = settle(contract, held, close)
    close_cash = settled.price * held  # selling a long (buying back a short) at the close
    delivery = settled.delivery
    share_cash = (
        ZERO
        if delivery is None
        else (-delivery.value if delivery.side == "BUY" else delivery.value)
    )
    if kind == "FUT":
        assert close_cash + share_cash == 0
    elif delivery is not None:
        assert close_cash == 0
        sign = 1 if delivery.side == "SELL" else -1
        assert share_cash == sign * Decimal(strike) * abs(held)


@pytest.mark.parametrize(
    ("year", "month", "expected"),
    [
        pytest.param(2024, 12, date(2024, 12, 26), id="thursday-before-sep-2025"),
        pytest.param(2025, 8, date(2025, 8, 28), id="august-2025-last-thursday"),
        pytest.param(2025, 9, date(2025, 9, 30), id="tuesday-from-sep-2025"),
        pytest.param(2026, 4, date(2026, 4, 28), id="april-2026"),
    ],
)
def test_monthly_expiry_follows_nse_weekday(year: int, month: int, expected: date) -> None:
    assert monthly_expiry(year, month) == expected


def test_contract_of_reads_kite_symbols() -> None:
    monthly = contract_of("NIFTY24DEC24000CE", expiry=None, indices=INDICES)
    assert monthly == Contract("NIFTY", DEC_2024, "CE", Decimal(24000), physical=False)
    weekly = contract_of("NIFTY26D0125000PE", expiry=None, indices=INDICES)
    assert weekly is not None
    assert weekly.expiry == date(2026, 12, 1)
    given_day = contract_of("BANKNIFTY24DECFUT", expiry=date(2024, 12, 24), indices=INDICES)
    assert given_day == Contract("BANKNIFTY", date(2024, 12, 24), "FUT", None, physical=False)
    stock = contract_of("RELIANCE24DEC1300CE", expiry=None, indices=INDICES)
    assert stock is not None
    assert stock.physical
    assert contract_of("RELIANCE", expiry=None, indices=INDICES) is None


def test_a_contract_is_expired_from_its_expiry_days_close() -> None:
    option = nifty("24000", "CE")
    assert not option.expired(date(2024, 12, 25))
    assert not option.expired(DEC_2024)
    assert not option.expired(DEC_2024, time(15, 29))
    assert option.expired(DEC_2024, time(15, 30))
    assert option.expired(date(2024, 12, 27))


def test_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="nothing is held"):
        settle(nifty("24000", "CE"), 0, NIFTY_CLOSE)
    with pytest.raises(ValueError, match="positive"):
        settlement_price(nifty("24000", "CE"), Decimal(0))


closes = st.decimals(min_value=Decimal("0.05"), max_value=Decimal(100000), places=2)


@given(close=closes, strike=st.integers(min_value=1, max_value=100000))
def test_call_less_put_at_expiry_is_close_less_strike(close: Decimal, strike: int) -> None:
    # put-call parity at expiry: C - P = S - K, and neither is negative
    call = settlement_price(nifty(str(strike), "CE"), close)
    put = settlement_price(nifty(str(strike), "PE"), close)
    assert call >= 0
    assert put >= 0
    assert call - put == close - strike
