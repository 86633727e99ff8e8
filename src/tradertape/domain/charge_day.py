"""A day's contract note built up one fill at a time, with exactly `compute_charges`' result.

Recomputing the whole day for every fill makes a busy day quadratic. `ChargeDay` keeps
the running parts instead: the proportional charges as exact sums, STT per contract-note
group before its rupee rounding, and brokerage per order (the caller passes the order's
traded value before this fill, since brokerage is capped per order). Delivery-product fills
are kept as the day's flows per book, exchange and instrument instead (`day_netting`): what
a later sale makes intraday changes how the earlier buy is priced, so their parts are
netted when the total is read. ``total`` applies the same rounding as `compute_charges`,
and a property test holds the two equal for any sequence of fills.

`charge_fill` is how a fill is charged everywhere a day's fills are priced one by one: the
ledger's paper and live fills, and the journal's uploaded tradebook rows (`journal.costs`).
A fill is charged what it adds to its day's note, so it only ever moves its own contract
note (its exchange and segment: STT is rounded per note, DP charged per ISIN sold, the
same-day netting per instrument, brokerage per order) and never takes a share of another's.
"""

from __future__ import annotations

from dataclasses import field, replace
from datetime import date
from decimal import Decimal

from tradertape.domain.charge_rates import (
    SCHEDULES,
    ChargeSchedule,
    Exchange,
    Segment,
    schedule_for,
)
from tradertape.domain.charges import (
    ChargesBreakdown,
    Fill,
    Side,
    add_flow,
    dp_charge,
    merged_sales,
    rounded_stt,
    stt_group,
)
from tradertape.domain.day_netting import DeliveryFlow, NettedParts, flow_parts, net_delivery
from tradertape.domain.money import ZERO, paise
from tradertape.domain.values import value_class


def order_brokerage(segment: Segment, order_value: Decimal, rates: ChargeSchedule) -> Decimal:
    """Brokerage of one executed order with this traded value (0 before its first fill)."""
    return rates.brokerage.of(segment).of(order_value)


@value_class
class ChargeDay:
    """Running charges of one trading day, at one broker (its `schedules`; Zerodha's by
    default: see `schedules_of`)."""

    trade_date: date
    brokerage: Decimal = ZERO
    exchange_txn: Decimal = ZERO
    ipft: Decimal = ZERO
    sebi: Decimal = ZERO
    stamp: Decimal = ZERO
    stt_raw: dict[str, Decimal] = field(default_factory=dict)
    # value sold from demat per ISIN, as a note stored before the day's netting kept it
    dp_sold: dict[str, Decimal] = field(default_factory=dict)
    delivery: dict[str, DeliveryFlow] = field(default_factory=dict)  # `day_netting.flow_key`
    # each flow's netted parts, kept so that a fill re-nets its own flow only
    flow_parts: dict[str, NettedParts] = field(default_factory=dict, compare=False)
    women_first_holder: bool = False
    schedules: tuple[ChargeSchedule, ...] = SCHEDULES
    # the breakdown once read (a new day from `with_fill` starts without one)
    _breakdown: list[ChargesBreakdown] = field(
        default_factory=list, init=False, compare=False, repr=False
    )

    @property
    def rates(self) -> ChargeSchedule:
        """The broker's schedule in force that day."""
        return schedule_for(self.trade_date, self.schedules)

    def with_fill(self, fill: Fill, *, order_value_before: Decimal) -> ChargeDay:
        """The day after `fill`; `order_value_before` is its order's traded value so far."""
        if fill.segment is Segment.EQUITY_DELIVERY:
            delivery = dict(self.delivery)
            key = add_flow(delivery, fill)
            parts = {**self._flow_parts(), key: flow_parts(delivery[key], self.rates)}
            return replace(self, delivery=delivery, flow_parts=parts)
        rates = self.rates
        value = fill.value
        before = order_brokerage(fill.segment, order_value_before, rates)
        after = order_brokerage(fill.segment, order_value_before + value, rates)
        stt_rate = (rates.stt_buy if fill.side is Side.BUY else rates.stt_sell).of(fill.segment)
        group = stt_group(fill)
        stt_raw = dict(self.stt_raw)
        stt_raw[group] = stt_raw.get(group, ZERO) + value * stt_rate
        nse = fill.exchange is Exchange.NSE
        # every field named, not `dataclasses.replace`'s walk of them (a paper order's fill
        # passes here); `test_charge_day` holds this list to the class's fields
        return ChargeDay(
            self.trade_date,
            brokerage=self.brokerage + after - before,
            exchange_txn=self.exchange_txn + value * rates.txn(fill.exchange).of(fill.segment),
            ipft=self.ipft + (value * rates.ipft_nse.of(fill.segment) if nse else ZERO),
            sebi=self.sebi + value * rates.sebi,
            stamp=self.stamp
            + (value * rates.stamp_buy.of(fill.segment) if fill.side is Side.BUY else ZERO),
            stt_raw=stt_raw,
            dp_sold=self.dp_sold,
            delivery=self.delivery,
            flow_parts=self.flow_parts,
            women_first_holder=self.women_first_holder,
            schedules=self.schedules,
        )

    @property
    def total(self) -> Decimal:
        """The day's charges to the paisa, rounded as `compute_charges` rounds them."""
        return self.breakdown.total

    @property
    def breakdown(self) -> ChargesBreakdown:
        """The day's note part by part, as `compute_charges` gives it."""
        if not self._breakdown:
            self._breakdown.append(self._priced())
        return self._breakdown[0]

    def _priced(self) -> ChargesBreakdown:
        rates = self.rates
        netted = self.netted
        brokerage = self.brokerage + netted.brokerage
        exchange_txn = self.exchange_txn + netted.exchange_txn
        ipft = self.ipft + netted.ipft
        sebi = self.sebi + netted.sebi
        gst = (brokerage + exchange_txn + ipft + sebi) * rates.gst
        stt = rounded_stt(self.stt_raw, netted.stt_raw)
        sold = merged_sales(self.dp_sold, netted.demat_sold)
        dp = dp_charge(sold, rates, self.women_first_holder)
        stamp = self.stamp + netted.stamp
        parts = (brokerage, stt, exchange_txn, ipft, sebi, stamp, gst, dp)
        return ChargesBreakdown(*parts, total=paise(sum(parts, ZERO)))

    @property
    def netted(self) -> NettedParts:
        """What the day's delivery-product fills add, netted (`day_netting`)."""
        return net_delivery(self._flow_parts().values())

    def _flow_parts(self) -> dict[str, NettedParts]:
        if len(self.flow_parts) != len(self.delivery):  # a note as read from storage
            rates = self.rates
            self.flow_parts.update((k, flow_parts(f, rates)) for k, f in self.delivery.items())
        return self.flow_parts


@value_class
class FillCharge:
    """What one fill added to its day's note: the day after it, the charges (the change in
    the note's total, to the paisa) and the STT among them (the change in the note's
    STT, each note's STT rounded to the rupee)."""

    day: ChargeDay
    charges: Decimal
    stt: Decimal


def charge_fill(
    day: ChargeDay,
    fill: Fill,
    *,
    order_value_before: Decimal,
    total_before: Decimal | None = None,
) -> FillCharge:
    """Charge `fill` the difference it makes to `day`'s note.

    `order_value_before` is its order's traded value so far (brokerage is capped per order);
    `total_before` is the total already charged for the day where it is stored apart from
    the note (the ledger's stored total), else the note's own.
    """
    after = day.with_fill(fill, order_value_before=order_value_before)
    charged = day.total if total_before is None else total_before
    return FillCharge(after, after.total - charged, after.breakdown.stt - day.breakdown.stt)
