"""Putting float price paths on the NSE tick grid, month by month, as the exchange does.

The tick that applies to a stock is chosen by last month's close (`tradertape.domain.ticks`),
and the tables themselves change on given dates. So the days are cut into segments (one per
month, split again where a table changes) and each segment takes, per stock, the tick of the
previous segment's month-end close under the rules in force at the segment's first day. The
exact Decimal rule decides the tick; the rounding itself is vectorised in float and snapped to
two decimals, so ``Decimal(repr(price))`` is an exact multiple of the tick.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np

from tradertape.candles.bars import FloatArray, TimeArray
from tradertape.domain.ticks import tick_size

#: Dates on which the equity tick table changed (see `tradertape.domain.ticks`).
RULE_CHANGES = (date(2024, 6, 10), date(2025, 4, 15))


def segments(days: TimeArray) -> list[tuple[int, int]]:
    """``[start, stop)`` row ranges sharing one month and one tick table."""
    months = days.astype("datetime64[M]").astype(np.int64)
    regime = np.searchsorted(np.array(RULE_CHANGES, dtype="datetime64[D]"), days, side="right")
    key = months * 8 + regime
    edges = np.flatnonzero(np.diff(key)) + 1
    bounds = [0, *edges.tolist(), int(days.shape[0])]
    return [(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a]


def _tick(price: float, as_of: date) -> float:
    return float(tick_size(Decimal(repr(round(price, 2))), as_of=as_of))


def ticks_for(prices: FloatArray, as_of: date) -> FloatArray:
    """The tick of each price under the rules of ``as_of``, with few calls to the Decimal rule.

    The tick never shrinks as the price rises, so over the sorted prices a run whose ends
    share a tick shares it throughout: bisecting finds the band edges in O(bands · log n).
    """
    order = np.argsort(prices, kind="stable")
    ordered = prices[order]
    ticks = np.empty_like(ordered)

    def fill(lo: int, hi: int, tick_lo: float, tick_hi: float) -> None:
        if tick_lo == tick_hi:
            ticks[lo : hi + 1] = tick_lo
            return
        if hi - lo <= 1:
            ticks[lo], ticks[hi] = tick_lo, tick_hi
            return
        mid = (lo + hi) // 2
        tick_mid = _tick(float(ordered[mid]), as_of)
        fill(lo, mid, tick_lo, tick_mid)
        fill(mid, hi, tick_mid, tick_hi)

    if ordered.size:
        last = ordered.size - 1
        fill(0, last, _tick(float(ordered[0]), as_of), _tick(float(ordered[last]), as_of))
    out = np.empty_like(ticks)
    out[order] = ticks
    return out


def snap(values: FloatArray, tick: FloatArray, how: str) -> FloatArray:
    """Round onto multiples of ``tick`` (``nearest``/``up``/``down``), then to the paisa."""
    units = values / tick
    if how == "up":
        units = np.ceil(units - 1e-9)
    elif how == "down":
        units = np.floor(units + 1e-9)
    else:
        units = np.floor(units + 0.5)
    return np.round(units * tick, 2)


def round_prices_to_ticks(
    days: TimeArray,
    start_prices: FloatArray,
    open_: FloatArray,
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Grid-rounded (open, high, low, close, tick); arrays are (days, stocks).

    Open and close round to the nearest tick, high up and low down, so the candle still
    contains its open and close; every price is at least one tick.
    """
    out = [np.empty_like(open_) for _ in range(5)]
    reference = np.asarray(start_prices, dtype=np.float64)
    month_of_reference = None
    for a, b in segments(days):
        month = days[a].astype("datetime64[M]")
        if month_of_reference is not None and month != month_of_reference and a > 0:
            reference = out[3][a - 1]  # the previous month's last close, already on the grid
        month_of_reference = month
        as_of: date = days[a].item()
        tick = ticks_for(reference, as_of)
        o = np.maximum(snap(open_[a:b], tick, "nearest"), tick)
        c = np.maximum(snap(close[a:b], tick, "nearest"), tick)
        out[0][a:b] = o
        out[3][a:b] = c
        out[1][a:b] = np.maximum(snap(high[a:b], tick, "up"), np.maximum(o, c))
        out[2][a:b] = np.minimum(np.maximum(snap(low[a:b], tick, "down"), tick), np.minimum(o, c))
        out[4][a:b] = tick
    return out[0], out[1], out[2], out[3], out[4]
