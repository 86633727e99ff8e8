"""Upstox's and Groww's charges: worked examples to the paisa, written out by hand.

All NSE, at the rates in force on 2026-06-01 (docs/charges.md): STT delivery 0.1 % both
sides, intraday 0.025 % sell, futures 0.05 % sell, options 0.15 % of premium sold; NSE
transaction charges ₹2.97/lakh cash, ₹1.73/lakh futures, ₹35.03/lakh premium; IPFT
₹0.10/lakh (₹0.50/lakh premium); SEBI ₹10/crore; stamp on buys 0.015 % / 0.003 % / 0.002 %
/ 0.003 %; GST 18 % on brokerage, transaction charges, IPFT and SEBI fee.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradertape.domain.charge_day import ChargeDay
from tradertape.domain.charges import (
    GROWW_SCHEDULES,
    SCHEDULES,
    UPSTOX_SCHEDULES,
    ChargeSchedule,
    Exchange,
    Fill,
    Segment,
    Side,
    compute_charges,
    schedules_of,
)

D = Decimal
DAY = date(2026, 6, 1)
NEXT_DAY = date(2026, 6, 2)
ISIN = "INE009A01021"


def buy(segment: Segment, qty: int, price: str, order: str = "b") -> Fill:
    return Fill(order, segment, Side.BUY, qty, D(price), instrument=ISIN)


def sell(segment: Segment, qty: int, price: str, order: str = "s") -> Fill:
    return Fill(order, segment, Side.SELL, qty, D(price), instrument=ISIN)


def note(schedules: tuple[ChargeSchedule, ...], day: date, *fills: Fill) -> Decimal:
    """The day's note built fill by fill, as the ledger builds it."""
    running = ChargeDay(day, schedules=schedules)
    for fill in fills:
        running = running.with_fill(fill, order_value_before=D(0))
    return running.total


def test_paper_and_kite_stay_on_zerodhas_schedule():
    assert schedules_of("paper") is SCHEDULES
    assert schedules_of("kite") is SCHEDULES
    assert schedules_of("upstox") is UPSTOX_SCHEDULES
    assert schedules_of("groww") is GROWW_SCHEDULES


# --- delivery: buy 100 @ ₹1,400 one day, sell 100 @ ₹1,500 the next ---------------------------
# Buy (₹1,40,000): brokerage ₹20 (Upstox: lower of ₹20 and 2.5 %; Groww: lower of ₹20 and
#   0.1 % = ₹140), STT ₹140, txn ₹4.158, IPFT ₹0.14, SEBI ₹0.14, stamp ₹21,
#   GST 18 % × 24.438 = ₹4.39884 → ₹189.83684 → ₹189.84 at both.
# Sell (₹1,50,000): brokerage ₹20, STT ₹150, txn ₹4.455, IPFT ₹0.15, SEBI ₹0.15,
#   GST 18 % × 24.755 = ₹4.4559, and DP: Upstox ₹18.50 + GST = ₹21.83,
#   Groww ₹20 + GST = ₹23.60.
#   Upstox ₹201.0409 → ₹201.04; Groww ₹202.8109 → ₹202.81.
@pytest.mark.parametrize(
    ("schedules", "bought", "sold", "dp"),
    [
        pytest.param(UPSTOX_SCHEDULES, "189.84", "201.04", "21.83", id="upstox"),
        pytest.param(GROWW_SCHEDULES, "189.84", "202.81", "23.60", id="groww"),
    ],
)
def test_delivery_round_trip_with_dp(schedules, bought, sold, dp):
    first = compute_charges([buy(Segment.EQUITY_DELIVERY, 100, "1400")], DAY, schedules=schedules)
    second = compute_charges(
        [sell(Segment.EQUITY_DELIVERY, 100, "1500")], NEXT_DAY, schedules=schedules
    )

    assert (first.brokerage, first.stt, first.stamp, first.dp) == (D(20), D(140), D(21), D(0))
    assert (second.brokerage, second.stt, second.dp) == (D(20), D(150), D(dp))
    assert (first.total, second.total) == (D(bought), D(sold))
    assert (first + second).total == D(bought) + D(sold)
    assert note(schedules, DAY, buy(Segment.EQUITY_DELIVERY, 100, "1400")) == D(bought)
    assert note(schedules, NEXT_DAY, sell(Segment.EQUITY_DELIVERY, 100, "1500")) == D(sold)


# --- intraday: buy 100 @ ₹140, sell 100 @ ₹141 (the percentage bites below ₹20) -------------
# Brokerage 0.1 % at both: ₹14 + ₹14.10 = ₹28.10 (Zerodha's 0.03 % would be ₹8.43).
# STT 0.025 % × 14,100 = ₹3.525 → ₹4; txn 28,100 × 0.00297 % = ₹0.83457; IPFT ₹0.0281;
# SEBI ₹0.0281; stamp 0.003 % × 14,000 = ₹0.42; GST 18 % × 28.99077 = ₹5.2183386.
# Total ₹38.6291086 → ₹38.63.
@pytest.mark.parametrize("schedules", [UPSTOX_SCHEDULES, GROWW_SCHEDULES], ids=["upstox", "groww"])
def test_intraday_round_trip(schedules):
    fills = [buy(Segment.EQUITY_INTRADAY, 100, "140"), sell(Segment.EQUITY_INTRADAY, 100, "141")]

    got = compute_charges(fills, DAY, schedules=schedules)

    assert (got.brokerage, got.stt, got.dp) == (D("28.10"), D(4), D(0))
    assert got.total == D("38.63")
    assert note(schedules, DAY, *fills) == D("38.63")
    assert compute_charges(fills, DAY).brokerage == D("8.43")  # Zerodha, for comparison


# --- NIFTY future, 1 lot of 65: buy @ ₹25,000, sell @ ₹25,100 ---------------------------------
# Brokerage ₹20 + ₹20 (Upstox: 0.05 % is far above ₹20; Groww: flat ₹20).
# STT 0.05 % × 16,31,500 = ₹815.75 → ₹816; txn 32,56,500 × 0.00173 % = ₹56.33745;
# IPFT ₹3.2565; SEBI ₹3.2565; stamp 0.002 % × 16,25,000 = ₹32.50;
# GST 18 % × 102.85045 = ₹18.513081. Total ₹969.863531 → ₹969.86.
# --- NIFTY option, 1 lot of 65: buy @ ₹100, sell @ ₹120 --------------------------------------
# Brokerage flat ₹20 + ₹20. STT 0.15 % × 7,800 = ₹11.70 → ₹12; txn 14,300 × 0.03503 % =
# ₹5.00929; IPFT ₹0.0715; SEBI ₹0.0143; stamp 0.003 % × 6,500 = ₹0.195;
# GST 18 % × 45.09509 = ₹8.1171162. Total ₹65.4072062 → ₹65.41.
@pytest.mark.parametrize("schedules", [UPSTOX_SCHEDULES, GROWW_SCHEDULES], ids=["upstox", "groww"])
@pytest.mark.parametrize(
    ("segment", "bp", "sp", "stt", "total"),
    [
        pytest.param(Segment.FUTURES, "25000", "25100", "816", "969.86", id="future"),
        pytest.param(Segment.OPTIONS, "100", "120", "12", "65.41", id="option"),
    ],
)
def test_fno_round_trips(schedules, segment, bp, sp, stt, total):
    fills = [buy(segment, 65, bp), sell(segment, 65, sp)]

    got = compute_charges(fills, DAY, schedules=schedules)

    assert (got.brokerage, got.stt, got.dp) == (D(40), D(stt), D(0))
    assert got.total == D(total)
    assert note(schedules, DAY, *fills) == D(total)


def test_small_orders_meet_each_brokers_floor_and_ceiling():
    # ₹300 delivery buy: Upstox charges the lower of ₹20 and 2.5 % (₹7.50); Groww's 0.1 %
    # (₹0.30) is raised to its ₹5 minimum, which is under 2.5 % of the order (₹7.50).
    small = [buy(Segment.EQUITY_DELIVERY, 2, "150")]
    assert compute_charges(small, DAY, schedules=UPSTOX_SCHEDULES).brokerage == D("7.50")
    assert compute_charges(small, DAY, schedules=GROWW_SCHEDULES).brokerage == D(5)
    # ₹150: Groww's ₹5 minimum would be 3.3 % of it, so SEBI's 2.5 % ceiling holds: ₹3.75.
    tiny = [buy(Segment.EQUITY_DELIVERY, 1, "150")]
    assert compute_charges(tiny, DAY, schedules=GROWW_SCHEDULES).brokerage == D("3.75")
    assert compute_charges(tiny, DAY).brokerage == D(0)  # Zerodha: free delivery


def test_a_partly_filled_order_pays_its_brokerage_once_at_groww():
    # Two fills of one ₹300 order: ₹0.30 → ₹5 minimum is paid once, on the order's value.
    parts = [buy(Segment.EQUITY_DELIVERY, 1, "150"), buy(Segment.EQUITY_DELIVERY, 1, "150")]
    running = ChargeDay(DAY, schedules=GROWW_SCHEDULES)
    running = running.with_fill(parts[0], order_value_before=D(0))
    running = running.with_fill(parts[1], order_value_before=D(150))
    assert running.breakdown.brokerage == D(5)
    assert running.total == compute_charges(parts, DAY, schedules=GROWW_SCHEDULES).total


fills = st.builds(
    Fill,
    order_id=st.sampled_from(["o1", "o2", "o3"]),
    segment=st.sampled_from(list(Segment)),
    side=st.sampled_from(list(Side)),
    quantity=st.integers(min_value=1, max_value=3000),
    price=st.integers(min_value=1, max_value=200_000).map(lambda n: Decimal(n) / 20),
    exchange=st.sampled_from(list(Exchange)),
    instrument=st.sampled_from(["INE009A01021", "INE002A01018"]),
)


@settings(max_examples=60, deadline=None)
@given(
    schedules=st.sampled_from([UPSTOX_SCHEDULES, GROWW_SCHEDULES]),
    sequence=st.lists(fills, max_size=20),
)
def test_each_fill_is_the_exact_difference_at_every_broker(schedules, sequence):
    segment_of: dict[str, Segment] = {}
    consistent = [f for f in sequence if segment_of.setdefault(f.order_id, f.segment) is f.segment]
    running = ChargeDay(DAY, schedules=schedules)
    traded: dict[str, Decimal] = defaultdict(Decimal)
    for n, fill in enumerate(consistent, start=1):
        running = running.with_fill(fill, order_value_before=traded[fill.order_id])
        traded[fill.order_id] += fill.value
        assert running.total == compute_charges(consistent[:n], DAY, schedules=schedules).total


def test_groww_waives_its_dp_share_on_a_sale_under_100_rupees():
    # ₹60 of an ISIN sold: CDSL's ₹3.50 + 18 % GST = ₹4.13; Groww's ₹16.50 is waived.
    small = [sell(Segment.EQUITY_DELIVERY, 1, "60")]
    assert compute_charges(small, DAY, schedules=GROWW_SCHEDULES).dp == D("4.13")
    assert compute_charges(small, DAY, women_first_holder=True, schedules=GROWW_SCHEDULES).dp == (
        D("3.84")  # ₹3.25 × 1.18 = ₹3.835, to the paisa
    )
    # two sales of the same ISIN that day come to ₹120: the whole ₹20 + GST = ₹23.60
    both = [*small, sell(Segment.EQUITY_DELIVERY, 1, "60", order="s2")]
    assert compute_charges(both, DAY, schedules=GROWW_SCHEDULES).dp == D("23.60")
    # and the ledger's running note charges the difference when the second sale crosses ₹100
    assert (
        note(GROWW_SCHEDULES, DAY, *both)
        == compute_charges(both, DAY, schedules=GROWW_SCHEDULES).total
    )
    # Upstox and Zerodha waive nothing
    assert compute_charges(small, DAY, schedules=UPSTOX_SCHEDULES).dp == D("21.83")
    assert compute_charges(small, DAY).dp == D("15.34")
