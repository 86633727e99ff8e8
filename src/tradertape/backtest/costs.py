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

import numpy as np
import numpy.typing as npt

from tradertape.domain.charge_rates import Segment
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


def rate_table(days: npt.NDArray[np.datetime64]) -> npt.NDArray[np.int64]:
    """One `rate_row` per trading day (rows repeat: schedules change a few times a decade)."""
    rows: dict[date, tuple[int, int, int, int, int]] = {}
    table = np.empty((len(days), 5), dtype=np.int64)
    for t, day in enumerate(days.astype("datetime64[D]").tolist()):
        schedule_start = schedule_for(day).valid_from
        if schedule_start not in rows:
            rows[schedule_start] = rate_row(day)
        table[t] = rows[schedule_start]
    return table
