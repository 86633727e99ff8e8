"""Zerodha delivery (CNC) and intraday (MIS) equity charges as integers, so the backtest
kernel prices a fill exactly as `tradertape.domain.charges.compute_charges` does, without
Decimal in the hot loop.

A fill's value is taken in paise (an integer). Then, with the rates of its trade date:

* STT in whole rupees = round-half-up(value_paise × stt / 100), the rate scaled by 10⁶;
* the proportional rest (exchange charge, IPFT, SEBI fee, GST on those three, stamp duty on a
  buy) is exact with the rates scaled by 10¹¹ — every rate in the schedule has at most nine
  decimals and GST adds two;
* brokerage with its GST, ``min(value × pct, cap) × (1 + GST)``, exact at the same 10¹¹
  scale (the rate and the cap are scaled with GST folded in: ``min`` commutes with a positive
  factor); zero for delivery at Zerodha, ``min(0.03 %, ₹20)`` per executed order intraday;
* a delivery sell adds the DP charge (₹13 + GST, to the paisa) for its ISIN and day (an
  intraday sell never leaves the demat account: none);
* the total is rounded to the paisa once, as the contract note does.

Each backtest fill is priced as its own contract note (one order per symbol per fill), in
the segment of the run's product (`rate_table`'s ``segment``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache, lru_cache

import numpy as np
import numpy.typing as npt

from tradertape.domain.charge_rates import SCHEDULES, Segment
from tradertape.domain.charges import schedule_for
from tradertape.domain.money import paise

STT_SCALE = 10**6
REST_SCALE = 10**11

# Columns of the per-day rate table.
STT_BUY, STT_SELL, REST_BUY, REST_SELL, DP_PAISE, BROKERAGE_RATE, BROKERAGE_CAP = range(7)
RATE_COLUMNS = 7
# The kernel multiplies a value below 10¹¹ paise by the brokerage rate: this keeps it in int64.
_MAX_BROKERAGE_RATE = (2**63 - 1) // REST_SCALE


def _scaled(rate: Decimal, scale: int) -> int:
    value = rate * scale
    if value != value.to_integral_value():
        raise ValueError(f"rate {rate} needs more precision than 1/{scale}")
    return int(value)


RateRow = tuple[int, int, int, int, int, int, int]
SEGMENTS = (Segment.EQUITY_DELIVERY, Segment.EQUITY_INTRADAY)  # what a backtest fill can be


def rate_row(day: date, segment: Segment = Segment.EQUITY_DELIVERY) -> RateRow:
    """The integer rates of one trade date in ``segment`` (see the module docstring)."""
    if segment not in SEGMENTS:
        raise ValueError(f"a backtest fill is equity delivery or intraday, not {segment}")
    rates = schedule_for(day)
    proportional = (rates.txn_nse.of(segment) + rates.ipft_nse.of(segment) + rates.sebi) * (
        1 + rates.gst
    )
    delivery = segment is Segment.EQUITY_DELIVERY
    dp = paise(rates.dp_base * (1 + rates.gst)) * 100 if delivery else Decimal(0)
    brokerage = rates.brokerage.of(segment)
    if brokerage.pct is None or brokerage.floor or brokerage.ceiling_pct is not None:
        raise ValueError(f"{segment} brokerage is not min(pct, cap): not in the kernel's form")
    brokerage_rate = _scaled(brokerage.pct * (1 + rates.gst), REST_SCALE)
    if brokerage_rate > _MAX_BROKERAGE_RATE:
        raise ValueError(f"{segment} brokerage rate {brokerage.pct} is too large for int64")
    return (
        _scaled(rates.stt_buy.of(segment), STT_SCALE),
        _scaled(rates.stt_sell.of(segment), STT_SCALE),
        _scaled(proportional + rates.stamp_buy.of(segment), REST_SCALE),
        _scaled(proportional, REST_SCALE),
        int(dp),
        brokerage_rate,
        _scaled(brokerage.cap * 100 * (1 + rates.gst), REST_SCALE),  # paise × 10¹¹
    )


@cache
def _schedule_starts() -> npt.NDArray[np.datetime64]:
    return np.array([s.valid_from for s in SCHEDULES], dtype="datetime64[D]")


@cache
def _schedule_row(index: int, segment: Segment) -> RateRow:
    return rate_row(SCHEDULES[index].valid_from, segment)


def rate_table(
    days: npt.NDArray[np.datetime64], segment: Segment = Segment.EQUITY_DELIVERY
) -> npt.NDArray[np.int64]:
    """One `rate_row` per trading day (read-only: the table of a run's days is kept for the
    next run on the same days, a sweep's variants say). ``days`` may be bars of a day
    (IST dates, repeated): each gets its date's row."""
    dates = days.astype("datetime64[D]")
    if dates.size > 1 and bool((dates[1:] == dates[:-1]).any()):
        unique, inverse = np.unique(dates, return_inverse=True)
        per_bar = _rate_table(unique.tobytes(), segment)[inverse]
        per_bar.flags.writeable = False
        return per_bar
    return _rate_table(dates.tobytes(), segment)


@lru_cache(maxsize=16)
def _rate_table(day_bytes: bytes, segment: Segment) -> npt.NDArray[np.int64]:
    """Each day's schedule found by a binary search of the schedules' first days, each
    schedule's row worked out once per process."""
    days = np.frombuffer(day_bytes, dtype="datetime64[D]")
    which = np.searchsorted(_schedule_starts(), days, side="right") - 1
    if which.size and which.min() < 0:
        uncovered = days[int(np.argmax(which < 0))].astype(object)
        raise ValueError(f"no charge schedule covers {uncovered}")
    table = np.empty((len(days), RATE_COLUMNS), dtype=np.int64)
    for index in np.unique(which).tolist():
        table[which == index] = _schedule_row(index, segment)
    table.flags.writeable = False
    return table
