"""Each broker's charge rates as date-windowed schedules (the data behind :mod:`.charges`).

Zerodha's come first and are the reference; the paper broker (Kite-shaped) and ``kite``
use them. Upstox's and Groww's differ only in what the broker sets (brokerage and DP
charges); the statutory fees are the same windows. Sources and reading dates are in
``docs/charges.md``.

``SCHEDULES`` holds one :class:`ChargeSchedule` per change, each derived from the one before with
``dataclasses.replace`` so that every change reads as a diff. A trade uses the schedule whose
``valid_from`` is the latest one not after its trade date.

Tags: [ref] brokers-and-nse-market.md §4; [2nd] a secondary source (news quoting an exchange
circular, or Zerodha's published rate card), to recheck. Before 2024-10-01 exchanges charged by
turnover slab and brokers passed on rates of their choosing, so those windows hold the rates
Zerodha published rather than an exchange's single figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Generic, TypeVar

from tradertape.domain.brokers import BROKERS, BrokerName, ScheduleName, is_broker
from tradertape.domain.money import ZERO, percent

T = TypeVar("T")


class Exchange(StrEnum):
    NSE = "NSE"
    BSE = "BSE"


class Segment(StrEnum):
    """How Zerodha prices a fill; the Kite product alone (CNC/MIS/NRML) does not tell this."""

    EQUITY_DELIVERY = "equity_delivery"  # CNC
    EQUITY_INTRADAY = "equity_intraday"  # MIS
    FUTURES = "futures"
    OPTIONS = "options"

    @property
    def is_derivative(self) -> bool:
        return self in _DERIVATIVE_SEGMENTS


# Module constants, not `Segment.X` in the calls: on Python 3.11 an enum class's attribute
# passes through `EnumType.__getattr__`'s hook, and a paper order prices its segment often.
_DERIVATIVE_SEGMENTS = frozenset({Segment.FUTURES, Segment.OPTIONS})
_FIELD_OF = {
    Segment.EQUITY_DELIVERY: "delivery",
    Segment.EQUITY_INTRADAY: "intraday",
    Segment.FUTURES: "futures",
    Segment.OPTIONS: "options",
}


@dataclass(frozen=True)  # no slots: a subscripted generic sets __orig_class__ on its instances
class PerSegment(Generic[T]):
    """One value per segment: a rate as a fraction of turnover, or a brokerage rule."""

    delivery: T
    intraday: T
    futures: T
    options: T

    def of(self, segment: Segment) -> T:
        value: T = getattr(self, _FIELD_OF[segment])
        return value


@dataclass(frozen=True, slots=True)
class Brokerage:
    """One segment's brokerage per executed order, from the order's traded value.

    ``pct`` of the value, at most ``cap``; ``pct=None`` is a flat ``cap``. Then at least
    ``floor``, and never above ``ceiling_pct`` of the value (SEBI's 2.5 % on delivery).
    """

    pct: Decimal | None
    cap: Decimal
    floor: Decimal = ZERO
    ceiling_pct: Decimal | None = None

    def of(self, order_value: Decimal) -> Decimal:
        """Brokerage of an order that has traded `order_value` (0 before its first fill)."""
        if order_value <= 0:
            return ZERO
        fee = self.cap if self.pct is None else min(order_value * self.pct, self.cap)
        fee = max(fee, self.floor)
        if self.ceiling_pct is not None:
            fee = min(fee, order_value * self.ceiling_pct)
        return fee


SegmentRates = PerSegment[Decimal]  # rates as fractions of turnover
SegmentBrokerage = PerSegment[Brokerage]  # a broker's brokerage rule per segment


@dataclass(frozen=True, slots=True)
class ChargeSchedule:
    """Every rate in force from ``valid_from`` until the next schedule starts."""

    valid_from: date
    change: str
    stt_buy: SegmentRates
    stt_sell: SegmentRates
    stt_exercise: Decimal  # on the intrinsic value of exercised long options
    txn_nse: SegmentRates  # NSE's own transaction charge, IPFT excluded
    txn_bse: SegmentRates
    ipft_nse: SegmentRates  # NSE Investor Protection Fund Trust levy; Zerodha adds GST to it
    sebi: Decimal
    stamp_buy: SegmentRates
    gst: Decimal  # on brokerage, transaction charges, IPFT, SEBI fee and DP charges
    brokerage: SegmentBrokerage  # per executed order
    dp_base: Decimal  # per ISIN per day, before GST
    dp_base_women: Decimal  # when the first holder is a woman
    # The broker's share of the DP charge it waives when an ISIN's sales of the day come to
    # less than `dp_waived_under` (Groww: its ₹16.50 under ₹100); the depository's stays.
    dp_waived_under: Decimal | None = None
    dp_waived: Decimal = ZERO
    # Brokerage on a stock F&O contract's physical delivery, a share of the delivery value
    # (Zerodha: 0.25 %, its staff on Trading Q&A [2nd]; not on the reference's card). Upstox's
    # and Groww's figures are not read: their schedules carry Zerodha's (`_at_broker`).
    physical_delivery_brokerage: Decimal = Decimal("0.0025")

    def txn(self, exchange: Exchange) -> SegmentRates:
        return self.txn_nse if exchange is Exchange.NSE else self.txn_bse


_NIL = ZERO
_FIRST = ChargeSchedule(
    valid_from=date(2020, 7, 1),
    change="Uniform stamp duty under the amended Indian Stamp Act; before this date the duty "
    "varied by state, so earlier trades are refused. SEBI fee ₹10/crore. NSE rates: top slab "
    "[2nd].",
    stt_buy=SegmentRates(percent("0.1"), _NIL, _NIL, _NIL),
    stt_sell=SegmentRates(percent("0.1"), percent("0.025"), percent("0.01"), percent("0.05")),
    stt_exercise=percent("0.125"),
    txn_nse=SegmentRates(
        percent("0.00325"), percent("0.00325"), percent("0.0019"), percent("0.05")
    ),
    txn_bse=SegmentRates(percent("0.003"), percent("0.003"), _NIL, percent("0.005")),  # [2nd]
    ipft_nse=SegmentRates(*[percent("0.0000001")] * 4),  # ₹0.01/crore, all segments
    sebi=percent("0.0001"),
    stamp_buy=SegmentRates(percent("0.015"), percent("0.003"), percent("0.002"), percent("0.003")),
    gst=Decimal("0.18"),
    # ₹0 delivery; 0.03 % or ₹20 (lower) intraday and futures; flat ₹20 options
    brokerage=SegmentBrokerage(
        delivery=Brokerage(ZERO, ZERO),
        intraday=Brokerage(percent("0.03"), Decimal("20")),
        futures=Brokerage(percent("0.03"), Decimal("20")),
        options=Brokerage(None, Decimal("20")),
    ),
    # [ref] ₹13 (₹3.50 CDSL + ₹9.50 Zerodha). Zerodha's card long read ₹13.50; the date it changed
    # is not established, so every window uses ₹13. Pass custom schedules to model ₹13.50.
    dp_base=Decimal("13"),
    dp_base_women=Decimal("12.75"),
)
# Backtests reach back before July 2020, when stamp duty still varied by state. Rather than
# refuse them, price those years with the first uniform schedule and say so in `change`.
_APPROX_BEFORE_2020_07 = replace(
    _FIRST,
    valid_from=date(2015, 1, 1),
    change="Approximation for history before the uniform stamp duty of 2020-07-01: the "
    "2020-07 rates applied to earlier trades (backtests only; no broker note to match).",
)
_NSE_6PCT_HIKE = replace(
    _FIRST,
    valid_from=date(2021, 1, 1),
    change="NSE raises cash and F&O transaction charges by 6 % [2nd: Zerodha card 2021-23].",
    txn_nse=SegmentRates(
        percent("0.00345"), percent("0.00345"), percent("0.002"), percent("0.053")
    ),
)
_BSE_375 = replace(
    _NSE_6PCT_HIKE,
    valid_from=date(2022, 12, 1),
    change="BSE cash charge for groups A/B becomes a flat ₹375/crore [2nd: BSE notice].",
    txn_bse=replace(_FIRST.txn_bse, delivery=percent("0.00375"), intraday=percent("0.00375")),
)
_FINANCE_ACT_2023 = replace(
    _BSE_375,
    valid_from=date(2023, 4, 1),
    change="Finance Act 2023: STT futures 0.01→0.0125 %, options 0.05→0.0625 %. NSE rolls back "
    "the 6 % hike and raises IPFT to ₹10/crore (₹50 on option premium) [2nd: NSE, 2023-03-24]; "
    "transaction rates as on Zerodha's card until 2024-09-30 [2nd].",
    stt_sell=replace(_FIRST.stt_sell, futures=percent("0.0125"), options=percent("0.0625")),
    txn_nse=SegmentRates(
        percent("0.00322"), percent("0.00322"), percent("0.00183"), percent("0.0495")
    ),
    ipft_nse=SegmentRates(
        percent("0.0001"), percent("0.0001"), percent("0.0001"), percent("0.0005")
    ),
)
_TRUE_TO_LABEL_2024 = replace(
    _FINANCE_ACT_2023,
    valid_from=date(2024, 10, 1),
    change="Budget 2024: STT futures 0.0125→0.02 %, options 0.0625→0.1 %. SEBI 'true to label' "
    "flat exchange fees: NSE ₹2.97/lakh cash, ₹1.73 futures, ₹35.03 option premium; BSE "
    "SENSEX/BANKEX options ₹3,250/crore [2nd: NSE and BSE circulars of 2024-09-27].",
    stt_sell=replace(_FINANCE_ACT_2023.stt_sell, futures=percent("0.02"), options=percent("0.1")),
    txn_nse=SegmentRates(
        percent("0.00297"), percent("0.00297"), percent("0.00173"), percent("0.03503")
    ),
    txn_bse=replace(_BSE_375.txn_bse, options=percent("0.0325")),
)
_BUDGET_2026 = replace(
    _TRUE_TO_LABEL_2024,
    valid_from=date(2026, 4, 1),
    change="Budget 2026 [ref]: STT futures 0.02→0.05 %, options 0.1→0.15 %, exercise 0.125→0.15 %.",
    stt_sell=replace(
        _TRUE_TO_LABEL_2024.stt_sell, futures=percent("0.05"), options=percent("0.15")
    ),
    stt_exercise=percent("0.15"),
)

SCHEDULES: tuple[ChargeSchedule, ...] = (
    _APPROX_BEFORE_2020_07,
    _FIRST,
    _NSE_6PCT_HIKE,
    _BSE_375,
    _FINANCE_ACT_2023,
    _TRUE_TO_LABEL_2024,
    _BUDGET_2026,
)


# --- Upstox and Groww: their own brokerage and DP charges on the same statutory windows ---------
# Each broker's tariff as read on 2026-11-24 (docs/charges.md) is applied to every window: live
# trading at these brokers starts now, so older windows only price backtests and replays.

UPSTOX_BROKERAGE = SegmentBrokerage(
    delivery=Brokerage(percent("2.5"), Decimal("20")),  # ₹20 or 2.5 %, lower
    intraday=Brokerage(percent("0.1"), Decimal("20")),  # ₹20 or 0.1 %, lower
    futures=Brokerage(percent("0.05"), Decimal("20")),  # ₹20 or 0.05 %, lower
    options=Brokerage(None, Decimal("20")),  # flat ₹20
)
# Equity: ₹20 or 0.1 % (lower), at least ₹5, never above 2.5 % of the order (SEBI's cap).
_GROWW_EQUITY = Brokerage(percent("0.1"), Decimal("20"), Decimal("5"), percent("2.5"))
GROWW_BROKERAGE = SegmentBrokerage(
    delivery=_GROWW_EQUITY,
    intraday=_GROWW_EQUITY,
    futures=Brokerage(None, Decimal("20")),  # flat ₹20
    options=Brokerage(None, Decimal("20")),  # flat ₹20
)


def _at_broker(
    brokerage: SegmentBrokerage,
    dp_base: Decimal,
    dp_base_women: Decimal,
    name: str,
    *,
    dp_waived_under: Decimal | None = None,
    dp_waived: Decimal = ZERO,
) -> tuple[ChargeSchedule, ...]:
    """Zerodha's statutory windows with another broker's brokerage and DP charges."""
    return tuple(
        replace(
            s,
            change=f"{s.change} {name}'s brokerage and DP charges as read on 2026-11-24.",
            brokerage=brokerage,
            dp_base=dp_base,
            dp_base_women=dp_base_women,
            dp_waived_under=dp_waived_under,
            dp_waived=dp_waived,
        )
        for s in SCHEDULES
    )


# ₹18.50 per scrip per day; no lower figure for women first holders is published.
UPSTOX_SCHEDULES: tuple[ChargeSchedule, ...] = _at_broker(
    UPSTOX_BROKERAGE, Decimal("18.50"), Decimal("18.50"), "Upstox"
)
# ₹3.50 CDSL + ₹16.50 Groww (₹3.25 + ₹16.50 for women); Groww waives its ₹16.50 when the
# ISIN's sales of the day are under ₹100 (docs/charges.md).
GROWW_SCHEDULES: tuple[ChargeSchedule, ...] = _at_broker(
    GROWW_BROKERAGE,
    Decimal("20.00"),
    Decimal("19.75"),
    "Groww",
    dp_waived_under=Decimal(100),
    dp_waived=Decimal("16.50"),
)
ZERODHA_SCHEDULES = SCHEDULES

# Each published schedule by the name a broker's row gives it (`BrokerFacts.charges`).
_BY_NAME: dict[ScheduleName, tuple[ChargeSchedule, ...]] = {
    "zerodha": ZERODHA_SCHEDULES,
    "upstox": UPSTOX_SCHEDULES,
    "groww": GROWW_SCHEDULES,
}


def schedules_of(broker: str) -> tuple[ChargeSchedule, ...]:
    """The schedules a broker's fills are charged by: its row's (`domain.brokers`), or
    Zerodha's for the paper broker (and any other name, all of them Kite-shaped)."""
    return _BY_NAME[schedule_name(broker)]


def schedule_name(broker: str) -> ScheduleName:
    """Whose published schedule prices `broker`'s fills (as `schedules_of` picks it): the
    ledger's broker names; paper trading is Kite-shaped, so it pays Zerodha's charges."""
    return BROKERS[BrokerName(broker)].charges if is_broker(broker) else "zerodha"


def schedule_for(
    trade_date: date, schedules: Sequence[ChargeSchedule] = SCHEDULES
) -> ChargeSchedule:
    """The schedule in force on ``trade_date``; ``schedules`` must be sorted by ``valid_from``.

    Found from the newest back: a fill is almost always charged by the newest schedule,
    one comparison, where a bisection first listed every schedule's start (a paper order
    asks four times)."""
    for schedule in reversed(schedules):
        if schedule.valid_from <= trade_date:
            return schedule
    raise ValueError(f"no charge schedule covers {trade_date}")
