"""What a capital-gains round trip may deduct as expenditure on the transfer (s.48(i)).

A trip's charges are its buy's and sell's contract-note charges (brokerage, exchange and
SEBI fees, stamp duty, GST, DP charges), shared by quantity (`journal.pnl`). Every one of
them is deductible in computing capital gains except the securities transaction tax (s.48,
fourth proviso), so the transfer expenses are the charges less the trip's STT.

Where the trip knows the STT inside its charges (an uploaded row priced as its contract note
prices it, `journal.costs`), that STT is taken out and the rest is deducted as it is: the
expenses are real, never clipped. Where it does not (a booked fill's charges, or a day the
uploaded ledger settled, hold one figure), the STT is taken at the delivery rates of the
charges schedule on each side's day (0.1 % of the buy and of the sale value since 2013;
`domain.charge_rates`; a day before the first schedule takes the first one), each side to
the rupee as a contract note rounds it, and never more than the charges that hold it. That
is the note's STT when the trip is the note's only cash trade; a trip that shares a note (a
partial close, two buys in a day) may differ from it by under a rupee a side. A buyback is
no sale on the exchange: it pays no STT and deducts nothing here.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tradertape.domain.charge_rates import SCHEDULES, ChargeSchedule, Segment, schedule_for
from tradertape.domain.money import whole_rupees
from tradertape.journal.pnl import RoundTrip

ZERO = Decimal(0)


def _rates(day: date) -> ChargeSchedule:
    return schedule_for(max(day, SCHEDULES[0].valid_from))


def stt(trip: RoundTrip) -> Decimal:
    """The STT a delivery round trip paid: its buy value and sale value at each day's rate,
    each to the rupee."""
    bought = trip.opened if trip.direction == "long" else trip.closed
    sold = trip.closed if trip.direction == "long" else trip.opened
    on_buy = trip.buy_value * _rates(bought).stt_buy.of(Segment.EQUITY_DELIVERY)
    on_sale = trip.sell_value * _rates(sold).stt_sell.of(Segment.EQUITY_DELIVERY)
    return whole_rupees(on_buy) + whole_rupees(on_sale)


def transfer_expenses(trip: RoundTrip) -> Decimal:
    """The trip's charges other than STT; nil for a buyback."""
    if trip.kind == "buyback":
        return ZERO
    if trip.stt is not None:
        return trip.charges - trip.stt
    return trip.charges - min(stt(trip), trip.charges)
