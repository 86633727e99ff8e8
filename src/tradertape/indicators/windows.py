"""Rolling-window kernels on one column's present values, exact on the NSE tick grid.

Why exact: a strategy rule ``crosses_above(sma20, sma50)`` must see a tie as a tie. Prices
are multiples of 0.05 rupees, so ``x * 100`` rounds to an integer number of paise; sums of
those integers are exact in int64, and the mean is one correctly rounded division, so two
windows with the same rational mean give the same double whatever their length or order.
A window with any value off the 0.01 grid (or too large for the exact path) falls back to
floating point that cannot drift: running sums are recomputed every window, deviations are
summed in two passes. The choice is per window, so a value never depends on later rows.

Every kernel reads a 1-D input and writes a 1-D output of the same length that the caller
filled with NaN; rows before the first full window stay NaN, and a window containing NaN
gives NaN.
"""

from __future__ import annotations

import math

import numpy as np

from tradertape.indicators.jit import kernel
from tradertape.indicators.layout import FloatArray

TICKS_PER_RUPEE = 100.0  # the exact paths count in paise
GRID_TOLERANCE = 1e-6  # |x * 100 - round(x * 100)| below this: x is on the 0.01 grid
FLOAT_EXACT = 2.0**53  # integers below this convert to float64 exactly
INT_HEADROOM = 2.0**62  # int64 intermediates kept below this cannot overflow


@kernel
def tick(value: float, limit: float) -> tuple[int, bool]:
    """``(round(value * 100), True)`` if value is on the 0.01 grid with fewer than ``limit``
    paise (the exact path's headroom), else ``(0, False)``; NaN and inf are off the grid."""
    scaled = value * TICKS_PER_RUPEE
    whole = np.rint(scaled)
    if abs(scaled - whole) < GRID_TOLERANCE and abs(whole) < limit:
        return int(whole), True
    return 0, False


@kernel
def slide_sum(x: FloatArray, n: int, i: int, previous: float) -> float:
    """Floating-point sum of the window ending at ``i``, from the previous window's sum.

    Recomputed from scratch every n bars and whenever the running value is not finite, so
    rounding error never spans more than one window and a NaN leaves with its window.
    """
    if (i - n + 1) % n == 0 or not math.isfinite(previous):
        total = 0.0
        for k in range(i - n + 1, i + 1):
            total += x[k]
        return total
    return float(previous + x[i] - x[i - n])


@kernel
def window_sum(x: FloatArray, n: int, dst: FloatArray) -> None:
    """Floating-point sum of each n-bar window (for series that are not prices)."""
    total = np.nan
    for i in range(n - 1, x.shape[0]):
        total = slide_sum(x, n, i, total)
        dst[i] = total


@kernel
def rolling_mean(x: FloatArray, n: int, dst: FloatArray) -> None:
    """Mean of each n-bar window: exact paise sum / (n * 100) where the window is on the grid.

    Whether a window is exact depends on its own values only, so no row depends on a later
    one, not even in its last bit.
    """
    limit = FLOAT_EXACT / n
    scale = n * TICKS_PER_RUPEE
    total = 0
    off = 0  # values in the window that are off the grid
    running = np.nan
    for i in range(x.shape[0]):
        ticks, exact = tick(x[i], limit)
        total += ticks
        off += 0 if exact else 1
        if i >= n:
            ticks, exact = tick(x[i - n], limit)
            total -= ticks
            off -= 0 if exact else 1
        if i < n - 1:
            continue
        if off == 0:
            dst[i] = total / scale
            running = np.nan
        else:
            running = slide_sum(x, n, i, running)
            dst[i] = running / n


@kernel
def window_mean(w: FloatArray) -> float:
    """Mean of one window, exact on the grid as in `rolling_mean` (an EMA's seed)."""
    n = w.shape[0]
    limit = FLOAT_EXACT / n
    total = 0
    total_f = 0.0
    exact = True
    for i in range(n):
        ticks, on_grid = tick(w[i], limit)
        total += ticks
        total_f += w[i]
        exact = exact and on_grid
    return float(total / (n * TICKS_PER_RUPEE)) if exact else float(total_f / n)


@kernel
def _moments(w: FloatArray, limit: float) -> tuple[int, int]:
    """Σp and ``n·Σp² − (Σp)²`` over the paise of an on-grid window."""
    total = 0
    squares = 0
    for i in range(w.shape[0]):
        p, _ = tick(w[i], limit)
        total += p
        squares += p * p
    return total, w.shape[0] * squares - total * total


@kernel
def _two_pass_std(w: FloatArray) -> float:
    n = w.shape[0]
    mean = 0.0
    for i in range(n):
        mean += w[i]
    mean /= n
    spread = 0.0
    for i in range(n):
        spread += (w[i] - mean) ** 2
    return math.sqrt(spread / n)


@kernel
def rolling_std(x: FloatArray, n: int, dst: FloatArray) -> None:
    """Population standard deviation of each n-bar window.

    On the grid, ``Q = n·Σp² − (Σp)²`` over paise ``p`` is an integer kept exactly in int64
    as the window slides (``ΔQ = d·(n·(new + old) − 2·Σp − d)``, ``d = new − old``) and
    ``std = sqrt(Q / (n²·10⁴))``: a flat window is exactly 0, with no cancellation. A
    window off the grid (or beyond the int64 headroom) takes two passes over its values.
    """
    limit = min(2.0**31 / n, math.sqrt(INT_HEADROOM / (8 * n + 4)))
    scale = float(n * n) * TICKS_PER_RUPEE**2
    off = 0
    exact = False  # whether total and q describe the previous window
    total = 0
    q = 0
    for i in range(x.shape[0]):
        off += 0 if tick(x[i], limit)[1] else 1
        if i >= n:
            off -= 0 if tick(x[i - n], limit)[1] else 1
        if i < n - 1:
            continue
        if off > 0:
            exact = False
            dst[i] = _two_pass_std(x[i - n + 1 : i + 1])
            continue
        if exact:
            new = tick(x[i], limit)[0]
            old = tick(x[i - n], limit)[0]
            d = new - old
            q += d * (n * (new + old) - 2 * total - d)
            total += d
        else:
            total, q = _moments(x[i - n + 1 : i + 1], limit)
            exact = True
        dst[i] = math.sqrt(q / scale)


@kernel
def _weighted(w: FloatArray, limit: float) -> tuple[int, int]:
    """Σ(k+1)·p_k and Σp over the paise of an on-grid window (oldest first)."""
    weighted = 0
    total = 0
    for k in range(w.shape[0]):
        p, _ = tick(w[k], limit)
        weighted += (k + 1) * p
        total += p
    return weighted, total


@kernel
def rolling_wma(x: FloatArray, n: int, dst: FloatArray) -> None:
    """Linearly weighted mean (weights 1..n, newest heaviest), exact on the grid.

    The weighted paise sum slides as ``W += n·new − (sum of the previous window)``.
    """
    divisor = n * (n + 1) // 2
    limit = FLOAT_EXACT / divisor
    scale = divisor * TICKS_PER_RUPEE
    off = 0
    exact = False
    weighted = 0
    total = 0
    for i in range(x.shape[0]):
        off += 0 if tick(x[i], limit)[1] else 1
        if i >= n:
            off -= 0 if tick(x[i - n], limit)[1] else 1
        if i < n - 1:
            continue
        if off > 0:
            exact = False
            acc = 0.0
            for k in range(n):
                acc += (k + 1) * x[i - n + 1 + k]
            dst[i] = acc / divisor
            continue
        if exact:
            new = tick(x[i], limit)[0]
            weighted += n * new - total
            total += new - tick(x[i - n], limit)[0]
        else:
            weighted, total = _weighted(x[i - n + 1 : i + 1], limit)
            exact = True
        dst[i] = weighted / scale


@kernel
def rolling_extreme(
    x: FloatArray, n: int, largest: bool, dst: FloatArray, work: FloatArray
) -> None:
    """Maximum (or minimum) of each n-bar window including the current bar.

    van Herk/Gil-Werman: cut the column into blocks of n; a window spans the tail of one
    block and the head of the next, so its extreme is the larger of a running maximum from
    the right within the first block and one from the left within the second. Three
    branch-light passes, whatever ``n`` is. ``work`` is (2, len) scratch.
    """
    m = x.shape[0]
    if m < n:
        return
    sign = 1.0 if largest else -1.0  # a minimum is minus the maximum of the negated values
    head = work[0, :m]
    tail = work[1, :m]
    for i in range(m):
        value = sign * x[i]
        value = -np.inf if math.isnan(value) else value
        head[i] = value if i % n == 0 else max(head[i - 1], value)
    for i in range(m - 1, -1, -1):
        value = sign * x[i]
        value = -np.inf if math.isnan(value) else value
        tail[i] = value if (i + 1) % n == 0 or i == m - 1 else max(tail[i + 1], value)
    last_nan = -n - 1
    for i in range(m):
        if math.isnan(x[i]):
            last_nan = i
        first = i - n + 1
        if first < 0:
            continue
        best = head[i] if first % n == 0 else max(tail[first], head[i])
        dst[i] = np.nan if last_nan >= first else sign * best
