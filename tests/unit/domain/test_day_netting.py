"""Shares bought and sold the same day are intraday whatever the product: worked examples.

Zerodha's contract-note rule: of one scrip on one exchange, the quantity both bought and
sold on a day is a day trade (STT 0.025 % on the sell only, stamp 0.003 % on the buy,
intraday brokerage, no DP charge); only the day's net buy or net sell is delivery. Each
side's day-traded part is valued at that side's average price.

All NSE at the rates in force on 2026-06-01 (docs/charges.md): STT delivery 0.1 % both
sides, intraday 0.025 % sell; transaction ₹2.97/lakh; IPFT ₹0.10/lakh; SEBI ₹10/crore;
stamp 0.015 % delivery, 0.003 % intraday; GST 18 % on brokerage, transaction, IPFT, SEBI.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tradertape.domain.charge_day import ChargeDay
from tradertape.domain.charges import (
    GROWW_SCHEDULES,
    SCHEDULES,
    UPSTOX_SCHEDULES,
    ChargeSchedule,
    Fill,
    Segment,
    Side,
    compute_charges,
)

D = Decimal
DAY = date(2026, 6, 1)
INFY = "INE009A01021"
CNC = Segment.EQUITY_DELIVERY


def fill(order: str, side: Side, qty: int, price: str, book: str = "manual") -> Fill:
    return Fill(order, CNC, side, qty, D(price), instrument=INFY, book=book)


def running(schedules: tuple[ChargeSchedule, ...], *fills: Fill) -> ChargeDay:
    """The day's note built fill by fill, as the ledger builds it."""
    note = ChargeDay(DAY, schedules=schedules)
    for f in fills:
        note = note.with_fill(f, order_value_before=D(0))
    return note


# --- buy 10 INFY CNC @ ₹1,500, sell 4 @ ₹1,510 the same day: 4 intraday, 6 delivery ---------
# Turnover 15,000 + 6,040 = 21,040. Day-traded 4: the buy's intraday part is 15,000 × 4/10 =
# ₹6,000 and its delivery part ₹9,000; the sell (₹6,040) is all intraday.
#   STT: 0.1 % × 9,000 = 9 (delivery buy) + 0.025 % × 6,040 = 1.51 (intraday sell)
#        = 10.51 → ₹11 on the note (the buy's intraday part pays none)
#   txn 0.00297 % × 21,040 = 0.624888; IPFT 0.02104; SEBI 0.02104
#   stamp 0.015 % × 9,000 = 1.35 + 0.003 % × 6,000 = 0.18 → 1.53
#   DP: none (nothing left the demat account)
# Brokerage, per executed order, intraday rule on the day-traded part, delivery on the rest:
#   Zerodha: 0.03 % × 6,000 = 1.80 + 0 (delivery free); sell 0.03 % × 6,040 = 1.812 → 3.612
#     GST 18 % × (3.612 + 0.666968) = 0.77021424
#     total 3.612 + 11 + 0.666968 + 1.53 + 0.77021424 = 17.57918224 → ₹17.58
#     (as two delivery trades it was ₹39.38: STT ₹21, stamp ₹2.25 and a DP charge of ₹15.34)
#   Upstox: buy min(0.1 % × 6,000, 20) = 6 + min(2.5 % × 9,000, 20) = 20 → 26, at most ₹20
#     per order → 20; sell min(6.04, 20) = 6.04 → 26.04
#     GST 18 % × (26.04 + 0.666968) = 4.80725424
#     total 26.04 + 11 + 0.666968 + 1.53 + 4.80725424 = 44.04422224 → ₹44.04
#   Groww: buy 0.1 % × 6,000 = 6 + 0.1 % × 9,000 = 9 → 15 (each above the ₹5 minimum);
#     sell 6.04 → 21.04; GST 18 % × (21.04 + 0.666968) = 3.90725424
#     total 21.04 + 11 + 0.666968 + 1.53 + 3.90725424 = 38.14422224 → ₹38.14
PARTLY_SOLD = (fill("b", Side.BUY, 10, "1500"), fill("s", Side.SELL, 4, "1510"))


@pytest.mark.parametrize(
    ("schedules", "brokerage", "total"),
    [
        pytest.param(SCHEDULES, "3.612", "17.58", id="zerodha"),
        pytest.param(UPSTOX_SCHEDULES, "26.04", "44.04", id="upstox"),
        pytest.param(GROWW_SCHEDULES, "21.04", "38.14", id="groww"),
    ],
)
def test_a_same_day_cnc_sale_is_intraday_and_the_rest_delivery(schedules, brokerage, total):
    got = compute_charges(PARTLY_SOLD, DAY, schedules=schedules)

    assert (got.brokerage, got.stt, got.stamp, got.dp) == (D(brokerage), D(11), D("1.53"), D(0))
    assert got.exchange_txn + got.ipft + got.sebi == D("0.666968")
    assert got.total == D(total)
    # fill by fill, in either order, the ledger's note comes to the same
    assert running(schedules, *PARTLY_SOLD).total == D(total)
    assert running(schedules, *reversed(PARTLY_SOLD)).total == D(total)


# --- held from before: sell 10 CNC @ ₹1,510, buy 4 back @ ₹1,500 the same day (Zerodha) -------
# Day-traded 4: the sell's intraday part 15,100 × 4/10 = 6,040, delivery part 9,060 (sold from
# demat: the DP charge is due); the buy (₹6,000) is all intraday.
#   brokerage 0.03 % × 6,040 = 1.812 + 0.03 % × 6,000 = 1.80 → 3.612
#   STT 0.025 % × 6,040 = 1.51 + 0.1 % × 9,060 = 9.06 → 10.57 → ₹11
#   txn 0.00297 % × 21,100 = 0.62667; IPFT 0.0211; SEBI 0.0211; stamp 0.003 % × 6,000 = 0.18
#   GST 18 % × (3.612 + 0.62667 + 0.0211 + 0.0211) = 0.7705566; DP ₹13 + GST = ₹15.34
#   total 3.612 + 11 + 0.66887 + 0.18 + 0.7705566 + 15.34 = 31.5714266 → ₹31.57
def test_selling_holdings_and_buying_back_pays_dp_on_the_net_sale_only():
    fills = (fill("s", Side.SELL, 10, "1510"), fill("b", Side.BUY, 4, "1500"))

    got = compute_charges(fills, DAY)

    assert (got.brokerage, got.stt, got.stamp, got.dp) == (D("3.612"), D(11), D("0.18"), D("15.34"))
    assert got.total == D("31.57")
    assert running(SCHEDULES, *fills).total == D("31.57")


def test_a_full_cnc_round_trip_costs_what_the_same_mis_round_trip_costs():
    # buy 100 @ ₹1,400, sell 100 @ ₹1,410: the reference's intraday example, ₹96.91
    as_cnc = (fill("b", Side.BUY, 100, "1400"), fill("s", Side.SELL, 100, "1410"))
    as_mis = [
        Fill(f.order_id, Segment.EQUITY_INTRADAY, f.side, f.quantity, f.price) for f in as_cnc
    ]

    assert compute_charges(as_cnc, DAY).total == compute_charges(as_mis, DAY).total == D("96.91")
    assert running(SCHEDULES, *as_cnc).total == D("96.91")


def test_books_are_netted_apart():
    # a buy in one book and a sale from another book's holdings are no day trade
    fills = (fill("b", Side.BUY, 10, "1500"), fill("s", Side.SELL, 4, "1510", book="run:7"))

    got = compute_charges(fills, DAY)

    assert got.dp == D("15.34")
    assert got.stt == D(21)  # 0.1 % × 21,040 = 21.04 → ₹21
