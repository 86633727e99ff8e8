"""A day's contract note built up one fill at a time, with exactly `compute_charges`' result.

Recomputing the whole day for every fill makes a busy day quadratic. `ChargeDay` keeps
the running parts instead: the proportional charges as exact sums, STT per contract-note
group before its rupee rounding, the value sold from demat per ISIN, and brokerage per order
(the caller passes the order's traded value before this fill, since brokerage is capped
per order). ``total`` applies the same rounding as `compute_charges`, and a property test
holds the two equal for any sequence of fills.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from tradertape.domain.charge_rates import (
    SCHEDULES,
    ChargeSchedule,
    Exchange,
    Segment,
    schedule_for,
)
from tradertape.domain.charges import Fill, Side, demat_sales, dp_charge
from tradertape.domain.money import ZERO, paise, whole_rupees


def order_brokerage(segment: Segment, order_value: Decimal, rates: ChargeSchedule) -> Decimal:
    """Brokerage of one executed order with this traded value (0 before its first fill)."""
    return rates.brokerage.of(segment).of(order_value)


def stt_group(fill: Fill) -> str:
    """The contract note a fill's STT is rounded on: exchange and cash-or-F&O."""
    return f"{fill.exchange.value}:{'fo' if fill.segment.is_derivative else 'cash'}"


@dataclass(frozen=True, slots=True)
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
    dp_sold: dict[str, Decimal] = field(default_factory=dict)  # value sold from demat per ISIN
    women_first_holder: bool = False
    schedules: tuple[ChargeSchedule, ...] = SCHEDULES

    @property
    def rates(self) -> ChargeSchedule:
        """The broker's schedule in force that day."""
        return schedule_for(self.trade_date, self.schedules)

    def with_fill(self, fill: Fill, *, order_value_before: Decimal) -> ChargeDay:
        """The day after `fill`; `order_value_before` is its order's traded value so far."""
        rates = self.rates
        value = fill.value
        before = order_brokerage(fill.segment, order_value_before, rates)
        after = order_brokerage(fill.segment, order_value_before + value, rates)
        stt_rate = (rates.stt_buy if fill.side is Side.BUY else rates.stt_sell).of(fill.segment)
        group = stt_group(fill)
        stt_raw = dict(self.stt_raw)
        stt_raw[group] = stt_raw.get(group, ZERO) + value * stt_rate
        dp_sold = self.dp_sold
        for isin, sold in demat_sales([fill]).items():
            dp_sold = {**dp_sold, isin: dp_sold.get(isin, ZERO) + sold}
        nse = fill.exchange is Exchange.NSE
        return replace(
            self,
            brokerage=self.brokerage + after - before,
            exchange_txn=self.exchange_txn + value * rates.txn(fill.exchange).of(fill.segment),
            ipft=self.ipft + (value * rates.ipft_nse.of(fill.segment) if nse else ZERO),
            sebi=self.sebi + value * rates.sebi,
            stamp=self.stamp
            + (value * rates.stamp_buy.of(fill.segment) if fill.side is Side.BUY else ZERO),
            stt_raw=stt_raw,
            dp_sold=dp_sold,
        )

    @property
    def total(self) -> Decimal:
        """The day's charges to the paisa, rounded as `compute_charges` rounds them."""
        rates = self.rates
        gst = (self.brokerage + self.exchange_txn + self.ipft + self.sebi) * rates.gst
        stt = sum((whole_rupees(raw) for raw in self.stt_raw.values()), ZERO)
        dp = dp_charge(self.dp_sold, rates, self.women_first_holder)
        parts = (self.brokerage, stt, self.exchange_txn, self.ipft, self.sebi, self.stamp, gst, dp)
        return paise(sum(parts, ZERO))
