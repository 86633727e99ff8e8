"""Zerodha delivery charges as integers, so the backtest kernel prices a fill exactly as
`tradertape.domain.charges.compute_charges` does, without Decimal in the hot loop.

A fill's value is taken in paise (an integer). Then, with the rates of its trade date:

* STT in whole rupees = round-half-up(value_paise × stt / 100), the rate scaled by 10⁶;
* the proportional rest (exchange charge, IPFT, SEBI fee, GST on those three, stamp duty on a
  buy) is exact with the rates scaled by 10¹¹ — every rate in the schedule has at most nine
  decimals and GST adds two;
* a delivery sell adds the DP charge (₹13 + GST, to the paisa) for its ISIN and day;
* the total is rounded to the paisa once, as the contract note does.

Delivery brokerage is zero at Zerodha, and a backtest fill is always a delivery (CNC) fill:
each is priced as its own contract note (one order per symbol per day).
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
STT_BUY, STT_SELL, REST_BUY, REST_SELL, DP_PAISE = range(5)


def _scaled(rate: Decimal, scale: int) -> int:
    value = rate * scale
    if value != value.to_integral_value():
        raise ValueError(f"rate {rate} needs more precision than 1/{scale}")
    return int(value)


def rate_row(day: date) -> tuple[int, int, int, int, int]:
    """The integer rates of one trade date (see the module docstring)."""
    rates = schedule_for(day)
    delivery = Segment.EQUITY_DELIVERY
    proportional = (rates.txn_nse.of(delivery) + rates.ipft_nse.of(delivery) + rates.sebi) * (
        1 + rates.gst
    )
    dp = paise(rates.dp_base * (1 + rates.gst)) * 100
    return (
        _scaled(rates.stt_buy.of(delivery), STT_SCALE),
        _scaled(rates.stt_sell.of(delivery), STT_SCALE),
        _scaled(proportional + rates.stamp_buy.of(delivery), REST_SCALE),
        _scaled(proportional, REST_SCALE),
        int(dp),
    )


@cache
def _schedule_starts() -> npt.NDArray[np.datetime64]:
    return np.array([s.valid_from for s in SCHEDULES], dtype="datetime64[D]")


@cache
def _schedule_row(index: int) -> tuple[int, int, int, int, int]:
    return rate_row(SCHEDULES[index].valid_from)


def rate_table(days: npt.NDArray[np.datetime64]) -> npt.NDArray[np.int64]:
    """One `rate_row` per trading day (read-only: the table of a run's days is kept for the
    next run on the same days, a sweep's variants say)."""
    return _rate_table(days.astype("datetime64[D]").tobytes())


@lru_cache(maxsize=16)
def _rate_table(day_bytes: bytes) -> npt.NDArray[np.int64]:
    """Each day's schedule found by a binary search of the schedules' first days, each
    schedule's row worked out once per process."""
    days = np.frombuffer(day_bytes, dtype="datetime64[D]")
    which = np.searchsorted(_schedule_starts(), days, side="right") - 1
    if which.size and which.min() < 0:
        uncovered = days[int(np.argmax(which < 0))].astype(object)
        raise ValueError(f"no charge schedule covers {uncovered}")
    table = np.empty((len(days), 5), dtype=np.int64)
    for index in np.unique(which).tolist():
        table[which == index] = _schedule_row(index)
    table.flags.writeable = False
    return table
