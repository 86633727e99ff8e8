"""The options backtester's hot loop: walk the bars of a set of open legs, exit each one at
its stop-loss, target or trailing stop, and the whole set at the strategy's stop or target.

One kernel serves both resolutions: a bar is a minute (minute data) or a day (bhavcopy).
Within a bar the order is unknown, so the check is conservative: the stop before the target,
a bar that opens through a level fills at the open (a gap), else at the level; a level moved
by the bar's own extreme (trailing, break-even, move to cost) takes effect from the next
bar. Every fill lies in its bar's [low, high].

Levels are in premium per unit, tick-rounded by the caller; side is +1 bought, -1 sold.
A stop that fills after it moved (trailed, to break-even, to cost) is a ``TRAIL`` exit.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from tradertape.jit import kernel

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# exit reasons (also the results' words, `engine.REASONS`)
OPEN, STOP, TARGET, TRAIL, STRATEGY_STOP, STRATEGY_TARGET, LOCK_PROFIT = 0, 1, 2, 3, 4, 5, 6
# what ended a scan
SCAN_END, SCAN_LEG_STOPPED, SCAN_STRATEGY = 0, 1, 2


@kernel
def scan(  # noqa: PLR0913, C901, PLR0912, PLR0915 - one flat loop over plain arrays, for numba
    bar_open: FloatArray,  # (legs, bars)
    bar_high: FloatArray,
    bar_low: FloatArray,
    bar_close: FloatArray,
    start: int,
    stop_at: int,  # exclusive
    first_bar: IntArray,  # per leg: the first bar it is checked on
    side: FloatArray,
    quantity: FloatArray,
    entry: FloatArray,
    stop: FloatArray,  # NaN: none; updated in place as it trails
    initial_stop: FloatArray,
    target: FloatArray,  # NaN: none
    trail_every: FloatArray,  # 0: no trailing
    trail_by: FloatArray,
    break_even_at: FloatArray,  # NaN: none
    best: FloatArray,  # the most favourable price since entry (state, in place)
    last: FloatArray,  # the last close seen (state, in place)
    hand_back: BoolArray,  # per leg: return when its stop fills (a re-entry to make)
    move_to_cost: bool,
    realised: float,  # P&L of the set's legs already closed, rupees
    strategy_stop: float,  # rupees of loss; NaN: none
    strategy_target: float,  # rupees of profit; NaN: none
    lock: FloatArray,  # [reach, lock, every, by, peak]: the profit lock; reach NaN: none,
    # every 0: no trail; peak (state, in place): the best P&L on a close so far
    exit_bar: IntArray,  # out: -1 while open
    exit_price: FloatArray,  # out
    reason: IntArray,  # out
) -> tuple[int, int, float]:
    """Walk bars [start, stop_at); return (what ended it, the bar, realised P&L so far)."""
    legs = bar_open.shape[0]
    for m in range(start, stop_at):
        handed = False
        for k in range(legs):
            if exit_bar[k] >= 0 or m < first_bar[k]:
                continue
            o = bar_open[k, m]
            if math.isnan(o):
                continue
            h = bar_high[k, m]
            lo = bar_low[k, m]
            s = side[k]
            fill = math.nan
            why = OPEN
            sl = stop[k]
            if not math.isnan(sl):
                if s < 0:
                    if o >= sl:
                        fill = o
                    elif h >= sl:
                        fill = sl
                elif o <= sl:
                    fill = o
                elif lo <= sl:
                    fill = sl
                if not math.isnan(fill):
                    why = TRAIL if sl != initial_stop[k] else STOP
            tg = target[k]
            if math.isnan(fill) and not math.isnan(tg):
                if s < 0:
                    if o <= tg:
                        fill = o
                    elif lo <= tg:
                        fill = tg
                elif o >= tg:
                    fill = o
                elif h >= tg:
                    fill = tg
                if not math.isnan(fill):
                    why = TARGET
            if not math.isnan(fill):
                exit_bar[k] = m
                exit_price[k] = fill
                reason[k] = why
                realised += s * (fill - entry[k]) * quantity[k]
                if why != TARGET:
                    if move_to_cost:
                        for j in range(legs):
                            if j != k and exit_bar[j] < 0 and not math.isnan(stop[j]):
                                if side[j] < 0:
                                    stop[j] = min(stop[j], entry[j])
                                else:
                                    stop[j] = max(stop[j], entry[j])
                    if hand_back[k]:
                        handed = True
                continue
            # still open: the bar's favourable extreme moves the stop from the next bar on
            favourable = lo if s < 0 else h
            if math.isnan(best[k]):
                best[k] = favourable
            elif s < 0:
                best[k] = min(best[k], favourable)
            else:
                best[k] = max(best[k], favourable)
            gain = s * (best[k] - entry[k])
            if trail_every[k] > 0 and gain >= trail_every[k]:
                steps = math.floor(gain / trail_every[k] + 1e-9)
                moved = initial_stop[k] + s * steps * trail_by[k]
                stop[k] = min(stop[k], moved) if s < 0 else max(stop[k], moved)
            if not math.isnan(break_even_at[k]) and gain >= break_even_at[k]:
                stop[k] = min(stop[k], entry[k]) if s < 0 else max(stop[k], entry[k])
            c = bar_close[k, m]
            if not math.isnan(c):
                last[k] = c
        locking = not math.isnan(lock[0])
        if locking or not (math.isnan(strategy_stop) and math.isnan(strategy_target)):
            open_pnl = 0.0
            any_open = False
            for k in range(legs):
                if exit_bar[k] < 0 and m >= first_bar[k] and not math.isnan(last[k]):
                    open_pnl += side[k] * (last[k] - entry[k]) * quantity[k]
                    any_open = True
            total = realised + open_pnl
            hit = -1
            if not math.isnan(strategy_stop) and total <= -strategy_stop:
                hit = STRATEGY_STOP
            elif not math.isnan(strategy_target) and total >= strategy_target:
                hit = STRATEGY_TARGET
            elif locking and lock[4] >= lock[0]:  # reached on an earlier close
                floor = lock[1]
                if lock[2] > 0:
                    floor += math.floor((lock[4] - lock[0]) / lock[2] + 1e-9) * lock[3]
                if total <= floor:
                    hit = LOCK_PROFIT
            if locking and any_open and (math.isnan(lock[4]) or total > lock[4]):
                lock[4] = total
            if hit >= 0 and any_open:
                for k in range(legs):
                    if exit_bar[k] < 0 and m >= first_bar[k] and not math.isnan(last[k]):
                        exit_bar[k] = m
                        exit_price[k] = last[k]
                        reason[k] = hit
                        realised += side[k] * (last[k] - entry[k]) * quantity[k]
                return SCAN_STRATEGY, m, realised
        if handed:  # after the strategy's check: its exit on this bar leaves nothing to re-enter
            return SCAN_LEG_STOPPED, m, realised
    return SCAN_END, stop_at, realised
