"""Charges of NSE/BSE equity and equity-derivative fills, as a pure date-windowed function.

Zerodha's schedule is the default; pass ``schedules=schedules_of(broker)`` for another
broker's (each broker's brokerage and DP charges differ; see ``docs/charges.md``).

One call prices one trading day
-------------------------------
``compute_charges(fills, trade_date)`` prices the fills of one trading day: one contract note per
exchange and segment group, plus the DP ledger postings that the day's delivery sells cause.
Brokerage is levied per executed order, so fills are grouped by ``Fill.order_id``; every other
charge is proportional to turnover. A delivery round trip spans two days and so two calls; add
the two breakdowns with ``+``. Delivery-product fills bought and sold the same day are netted
per book, exchange and instrument (`day_netting`): the quantity traded both ways is intraday,
whatever the product, and only the rest is delivery (DP charged on a net sell).

Rounding, and why
-----------------
* STT is rounded to the nearest rupee per contract note. Exchanges and segments settle apart, so
  we round once per (exchange, cash-or-F&O) group of the call; a day in one segment on one
  exchange, like each of the reference's examples, is a single group.
* DP charges are ledger postings of (base + 18 % GST) per ISIN per day, each rounded to the paisa.
* Brokerage is per executed order, from the order's traded value (a cap, a floor, a flat
  fee, by segment and broker: :class:`~tradertape.domain.charge_rates.Brokerage`).
* Every other part is carried at full precision and only ``total`` is rounded to the paisa. The
  reference's worked examples imply this rule: the delivery example's exact parts sum to
  ₹337.18774 and it quotes ₹337.19, while rounding each line first would give ₹337.18. So the
  breakdown's fields are exact; pass one to :func:`~tradertape.domain.money.paise` to display it.

Rates live in :mod:`tradertape.domain.charge_rates`, one schedule per dated change; the enums
and the schedule lookup are re-exported here so callers need one import.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields
from datetime import date
from decimal import Decimal
from enum import StrEnum

from tradertape.domain.charge_rates import (
    GROWW_SCHEDULES,
    SCHEDULES,
    UPSTOX_SCHEDULES,
    ZERODHA_SCHEDULES,
    Brokerage,
    ChargeSchedule,
    Exchange,
    Segment,
    SegmentBrokerage,
    SegmentRates,
    schedule_for,
    schedules_of,
)
from tradertape.domain.day_netting import DeliveryFlow, flow_key, flow_parts, net_delivery
from tradertape.domain.money import ZERO, paise, whole_rupees
from tradertape.domain.values import value_class

__all__ = [
    "GROWW_SCHEDULES",
    "NO_CHARGES",
    "SCHEDULES",
    "UPSTOX_SCHEDULES",
    "ZERODHA_SCHEDULES",
    "Brokerage",
    "ChargeSchedule",
    "ChargesBreakdown",
    "Exchange",
    "Fill",
    "Segment",
    "SegmentBrokerage",
    "SegmentRates",
    "Side",
    "charge_segment",
    "compute_charges",
    "exercise_stt",
    "schedule_for",
    "schedules_of",
]


class Side(StrEnum):
    BUY = "BUY"
    SELL = "SELL"


@value_class
class Fill:
    """One execution. Options: ``price`` is the premium per unit. ``quantity`` is in units.

    ``instrument`` (the ISIN) is what DP charges are counted by, so delivery sells need it.
    """

    order_id: str
    segment: Segment
    side: Side
    quantity: int
    price: Decimal
    exchange: Exchange = Exchange.NSE
    instrument: str = ""
    book: str = ""  # same-day delivery fills are netted per book (`day_netting`)

    def __post_init__(self) -> None:
        if not isinstance(self.price, Decimal):
            raise TypeError("price must be a Decimal")
        if not self.price.is_finite() or self.price <= 0:
            raise ValueError(f"price must be positive, got {self.price}")
        if isinstance(self.quantity, bool) or self.quantity <= 0:
            raise ValueError(f"quantity must be a positive int, got {self.quantity!r}")
        if not self.order_id:
            raise ValueError("order_id is required: brokerage is charged per executed order")
        if (
            self.segment is Segment.EQUITY_DELIVERY
            and self.side is Side.SELL
            and not self.instrument
        ):
            raise ValueError("a delivery sell needs its instrument (ISIN) to count DP charges")

    @property
    def value(self) -> Decimal:
        """Turnover of the fill (premium turnover for options)."""
        return self.price * self.quantity


@value_class
class ChargesBreakdown:
    """Charges of one or more contract notes; see the module docstring for the rounding rules."""

    brokerage: Decimal
    stt: Decimal  # STT/CTT, whole rupees per contract note
    exchange_txn: Decimal
    ipft: Decimal
    sebi: Decimal
    stamp: Decimal  # buy side only
    gst: Decimal  # on brokerage, exchange_txn, ipft and sebi (DP's GST is inside `dp`)
    dp: Decimal  # ledger postings, GST included
    total: Decimal  # to the paisa

    @property
    def exchange_turnover_charge(self) -> Decimal:
        """The figure Zerodha's virtual contract note reports: it folds IPFT into it."""
        return self.exchange_txn + self.ipft

    @property
    def parts(self) -> tuple[Decimal, ...]:
        return tuple(getattr(self, f.name) for f in fields(self) if f.name != "total")

    def __add__(self, other: ChargesBreakdown) -> ChargesBreakdown:
        """Charges of two days (or notes): each note was already rounded, so totals just add."""
        return ChargesBreakdown(
            *(getattr(self, f.name) + getattr(other, f.name) for f in fields(self))
        )


NO_CHARGES = ChargesBreakdown(*(ZERO,) * 9)


def _sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, ZERO)


def _order_brokerage(order: Sequence[Fill], rates: ChargeSchedule) -> Decimal:
    segment = order[0].segment
    if any(f.segment is not segment for f in order):
        raise ValueError(f"order {order[0].order_id} mixes segments")
    return rates.brokerage.of(segment).of(_sum(f.value for f in order))


def _stt_raw(fills: Sequence[Fill], rates: ChargeSchedule) -> dict[str, Decimal]:
    """STT before its rounding, per contract-note group (`stt_group`)."""
    notes: dict[str, Decimal] = defaultdict(Decimal)
    for f in fills:
        table = rates.stt_buy if f.side is Side.BUY else rates.stt_sell
        notes[stt_group(f)] += f.value * table.of(f.segment)
    return notes


def stt_group(fill: Fill) -> str:
    """The contract note a fill's STT is rounded on: exchange and cash-or-F&O."""
    # the member's own field: `.value` is a Python-level property (two frames)
    return f"{fill.exchange._value_}:{'fo' if fill.segment.is_derivative else 'cash'}"


def rounded_stt(*groups: Mapping[str, Decimal]) -> Decimal:
    """STT of a day: each group's raw STT (added across `groups`) to the rupee, summed."""
    notes: dict[str, Decimal] = defaultdict(Decimal)
    for raw in groups:
        for group, amount in raw.items():
            notes[group] += amount
    return _sum(whole_rupees(amount) for amount in notes.values())


def add_flow(flows: dict[str, DeliveryFlow], fill: Fill) -> str:
    """Put a delivery-product fill into the day's flows (`day_netting`); its flow's key."""
    key = flow_key(fill.book, fill.exchange, fill.instrument)
    flow = flows.get(key) or DeliveryFlow(fill.exchange, fill.instrument)
    flows[key] = flow.with_fill(
        buy=fill.side is Side.BUY, order_id=fill.order_id, quantity=fill.quantity, value=fill.value
    )
    return key


def merged_sales(*sales: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Values sold from demat per ISIN, added across sources."""
    merged: dict[str, Decimal] = defaultdict(Decimal)
    for sold in sales:
        for isin, value in sold.items():
            merged[isin] += value
    return merged


def dp_charge(
    sold: Mapping[str, Decimal], rates: ChargeSchedule, women_first_holder: bool
) -> Decimal:
    """DP charges, GST included: one per ISIN sold from the demat account that day (`sold`:
    its sales' value), less the broker's share it waives on a small sale (the ISIN's sales of
    the day under `dp_waived_under`)."""
    base = rates.dp_base_women if women_first_holder else rates.dp_base
    small = rates.dp_waived_under
    return _sum(
        paise(
            (base - rates.dp_waived if small is not None and value < small else base)
            * (1 + rates.gst)
        )
        for value in sold.values()
    )


def compute_charges(
    fills: Sequence[Fill],
    trade_date: date,
    *,
    women_first_holder: bool = False,
    schedules: Sequence[ChargeSchedule] = SCHEDULES,
) -> ChargesBreakdown:
    """Price one trading day's fills with the rates in force on ``trade_date``.

    ``schedules`` is the broker's (`schedules_of`); Zerodha's by default.
    """
    rates = schedule_for(trade_date, schedules)
    flows: dict[str, DeliveryFlow] = {}
    orders: dict[str, list[Fill]] = defaultdict(list)
    for f in fills:
        if f.segment is Segment.EQUITY_DELIVERY:
            add_flow(flows, f)
        else:
            orders[f.order_id].append(f)
    rest = [f for order in orders.values() for f in order]
    netted = net_delivery(flow_parts(flow, rates) for flow in flows.values())
    brokerage = _sum(_order_brokerage(order, rates) for order in orders.values())
    brokerage += netted.brokerage
    exchange_txn = netted.exchange_txn + _sum(
        f.value * rates.txn(f.exchange).of(f.segment) for f in rest
    )
    ipft = netted.ipft + _sum(
        f.value * rates.ipft_nse.of(f.segment) for f in rest if f.exchange is Exchange.NSE
    )
    sebi = netted.sebi + _sum(f.value for f in rest) * rates.sebi
    stamp = netted.stamp + _sum(
        f.value * rates.stamp_buy.of(f.segment) for f in rest if f.side is Side.BUY
    )
    gst = (brokerage + exchange_txn + ipft + sebi) * rates.gst
    stt = rounded_stt(_stt_raw(rest, rates), netted.stt_raw)
    dp = dp_charge(netted.demat_sold, rates, women_first_holder)
    parts = (brokerage, stt, exchange_txn, ipft, sebi, stamp, gst, dp)
    return ChargesBreakdown(*parts, total=paise(_sum(parts)))


def exercise_stt(
    intrinsic_value: Decimal, trade_date: date, schedules: Sequence[ChargeSchedule] = SCHEDULES
) -> Decimal:
    """STT on exercised in-the-money long options: a rate on the intrinsic value, whole rupees."""
    if intrinsic_value < 0:
        raise ValueError("intrinsic value cannot be negative")
    return whole_rupees(intrinsic_value * schedule_for(trade_date, schedules).stt_exercise)


def charge_segment(*, derivative_kind: str | None, intraday: bool) -> Segment:
    """How a fill is priced: options and futures by kind, equity by delivery vs intraday.

    ``derivative_kind`` is ``"FUT"``, ``"CE"``/``"PE"`` or ``None`` for equity; ``intraday``
    is true for MIS (and CO) fills, false for CNC/MTF.
    """
    if derivative_kind == "FUT":
        return Segment.FUTURES
    if derivative_kind in ("CE", "PE"):
        return Segment.OPTIONS
    if derivative_kind is not None:
        raise ValueError(f"unknown derivative kind {derivative_kind!r}")
    return Segment.EQUITY_INTRADAY if intraday else Segment.EQUITY_DELIVERY
