"""Every compiled kernel: per-column computations and the panel drivers that run them.

One module on purpose: numba's disk cache checks only the source file of the function it
caches, and a kernel compiled with a helper from another file would keep running the old
helper after that file changed. Sections, in order: reading and writing a column's present
rows; exact rolling windows on the tick grid; recursions and oscillators on one column;
and the panel drivers, which loop over the columns in compiled code and are what
`formulas` calls.

Why exact: a strategy rule ``crosses_above(sma20, sma50)`` must see a tie as a tie. Prices
are multiples of 0.05 rupees, so ``x * 100`` rounds to a whole number of paise; sums of
those are exact, and a mean is then one correctly rounded division, so two windows with the
same rational mean give the same double whatever their length or order. A window with any
value off the 0.01 grid (or too large for the exact path) falls back to floating point that
cannot drift: running sums are recomputed every window, deviations are summed in two
passes. The choice is per window, so a value never depends on later rows.

The recursions follow TA-Lib's definitions, seeding included, so that the tests can hold
them to TA-Lib at 1e-9: an EMA starts at the mean of its first N inputs; RSI and ATR start
at the mean of the first N changes (true ranges) and then smooth with weight 1/N; the DMI
family smooths Wilder *sums* and ADX starts at the mean of the first N DX values.
``TA_IS_ZERO`` (|v| < 1e-14) guards the same divisions TA-Lib guards.

Per-column kernels read 1-D inputs and write 1-D outputs of the same length that the caller
filled with NaN; rows before the first full window stay NaN, and a window containing NaN
gives NaN. Panel drivers write into (T, N) outputs allocated full of NaN.
"""

from __future__ import annotations

import math

import numpy as np

from tradertape.indicators.layout import FloatArray, IntArray, Rows
from tradertape.jit import kernel

TICKS_PER_RUPEE = 100.0  # the exact paths count in paise
GRID_TOLERANCE = 1e-6  # |x * 100 - round(x * 100)| below this: x is on the 0.01 grid
FLOAT_EXACT = 2.0**53  # integers below this convert to float64 exactly
INT_HEADROOM = 2.0**62  # int64 intermediates kept below this cannot overflow
EPSILON = 1e-14  # TA-Lib's TA_IS_ZERO: smaller magnitudes count as zero

# ---- a column's present rows ----


@kernel
def _span(close: FloatArray, j: int) -> tuple[int, int, int]:
    """Column ``j``'s first and last present rows (-1 if none) and how many are present.

    The ends are found from each side (usually at once), and the rows between counted in a
    loop without branches, which compiles to vector code: one branchy pass over every row
    cost more than the indicators of a short panel."""
    column = close.T[j]  # contiguous in the store's (Fortran) layout
    days = column.shape[0]
    first = 0
    while first < days and np.isnan(column[first]):
        first += 1
    if first == days:
        return -1, -1, 0
    last = days - 1
    while np.isnan(column[last]):
        last -= 1
    gaps = 0
    for t in range(first + 1, last):
        gaps += np.isnan(column[t])
    return first, last, last - first + 1 - gaps


@kernel
def present_layout(close: FloatArray) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """`layout.present_rows`' four arrays (start, present, gap_offset, gap_rows) in one pass
    over each column: NumPy takes a dozen calls, which cost more than a short panel's work."""
    days, columns = close.shape
    start = np.zeros(columns, dtype=np.int64)
    present = np.zeros(columns, dtype=np.int64)
    gap_offset = np.full(columns, -1, dtype=np.int64)
    gathered = 0
    for j in range(columns):
        first, last, count = _span(close, j)
        present[j] = count
        if count > 0:
            start[j] = first
            if last - first + 1 != count:
                gap_offset[j] = gathered
                gathered += count
    gap_rows = np.empty(gathered, dtype=np.int64)
    for j in range(columns):
        k = gap_offset[j]
        for t in range(days if k >= 0 else 0):
            if not np.isnan(close[t, j]):
                gap_rows[k] = t
                k += 1
    return start, present, gap_offset, gap_rows


@kernel
def values_of(x: FloatArray, j: int, rows: Rows) -> FloatArray:
    """Column ``j``'s values on its present rows: a view when they are contiguous, else a copy."""
    g = rows.gap_offset[j]
    values: FloatArray
    if g < 0:  # through the transpose, so that numba types both branches as contiguous
        values = x.T[j, rows.start[j] : rows.start[j] + rows.present[j]]
    else:
        values = x.T[j][rows.gap_rows[g : g + rows.present[j]]]
    return values


@kernel
def output_for(out: FloatArray, j: int, rows: Rows, scratch: FloatArray) -> FloatArray:
    """Where a kernel writes column ``j``'s results (NaN-filled): the output itself when the
    column is contiguous, else the front of ``scratch`` (then `scatter` it)."""
    if rows.gap_offset[j] < 0:
        return out.T[j, rows.start[j] : rows.start[j] + rows.present[j]]
    buffer = scratch[: rows.present[j]]
    buffer[:] = np.nan
    return buffer


@kernel
def scatter(out: FloatArray, j: int, rows: Rows, values: FloatArray) -> None:
    """Put a gapped column's results back on its present rows (nothing to do otherwise)."""
    g = rows.gap_offset[j]
    if g < 0:
        return
    for i in range(rows.present[j]):
        out[rows.gap_rows[g + i], j] = values[i]


@kernel
def unset(out: FloatArray, j: int) -> None:
    """Column ``j`` of an unfilled output to NaN, just before its kernel writes it: the
    column is then in cache for those writes, where a fill of the whole output first (and
    the writes after) each made a pass over it in memory."""
    out.T[j, :] = np.nan


# ---- exact rolling windows ----


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
def direct_sum(x: FloatArray, n: int, i: int) -> float:
    """Sum of the n values ending at row ``i``, from scratch."""
    total = 0.0
    for k in range(i - n + 1, i + 1):
        total += x[k]
    return total


@kernel
def window_sum(x: FloatArray, n: int, dst: FloatArray) -> None:
    """Floating-point sum of each n-bar window (for series that are not prices).

    A running sum, recomputed from scratch every n bars and whenever it is not finite, so
    rounding error never spans more than one window and a NaN leaves with its window.
    """
    total = np.nan
    age = 0  # windows since the sum was last recomputed
    for i in range(n - 1, x.shape[0]):
        if age == 0 or not math.isfinite(total):
            total = direct_sum(x, n, i)
            age = n
        else:
            total += x[i] - x[i - n]
        age -= 1
        dst[i] = total


@kernel
def grid_ticks(x: FloatArray, limit: float, ticks: FloatArray) -> None:
    """``ticks[i] = round(x[i] * 100)`` where `tick` would accept it, else NaN: one pass that
    compiles to vector code, so the sliding loops need not convert each value twice."""
    for i in range(x.shape[0]):
        scaled = x[i] * TICKS_PER_RUPEE
        whole = np.rint(scaled)
        exact = (abs(scaled - whole) < GRID_TOLERANCE) & (abs(whole) < limit)
        ticks[i] = whole if exact else np.nan


@kernel
def rolling_mean(x: FloatArray, n: int, dst: FloatArray, ticks: FloatArray) -> None:
    """Mean of each n-bar window: exact paise sum / (n * 100) where the window is on the grid.

    The paise are whole numbers held in float64 below 2^53 even with one extra value, so
    the running sum is exact. Whether a window is exact depends on its own values only, so
    no row depends on a later one, not even in its last bit. ``ticks`` is scratch.
    """
    m = x.shape[0]
    ticks = ticks[:m]
    grid_ticks(x, FLOAT_EXACT / (n + 1), ticks)
    scale = n * TICKS_PER_RUPEE
    total = 0.0
    off = 0  # values in the window that are off the grid
    running = np.nan  # the floating-point sum, as in `window_sum`, while windows are off it
    age = 0
    for i in range(m):
        # One addition a bar on the running sum's chain, not two: the paise are whole
        # numbers below 2^53 / (n + 1), so their difference and every sum are exact in any
        # order (the same doubles), and the loop waits on half as many additions.
        step = ticks[i]
        if math.isnan(step):
            off += 1
            step = 0.0
        if i >= n:
            drop = ticks[i - n]
            if math.isnan(drop):
                off -= 1
            else:
                step -= drop
        total += step
        if i < n - 1:
            continue
        if off == 0:
            dst[i] = total / scale
            age = 0
            continue
        if age == 0 or not math.isfinite(running):
            running = direct_sum(x, n, i)
            age = n
        else:
            running += x[i] - x[i - n]
        age -= 1
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
def _moments(ticks: FloatArray) -> tuple[int, int]:
    """Σp and ``n·Σp² − (Σp)²`` over a window's paise."""
    total = 0
    squares = 0
    for i in range(ticks.shape[0]):
        p = int(ticks[i])
        total += p
        squares += p * p
    return total, ticks.shape[0] * squares - total * total


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
def rolling_std(x: FloatArray, n: int, dst: FloatArray, ticks: FloatArray) -> None:
    """Population standard deviation of each n-bar window.

    On the grid, ``Q = n·Σp² − (Σp)²`` over paise ``p`` is an integer kept exactly in int64
    as the window slides (``ΔQ = d·(n·(new + old) − 2·Σp − d)``, ``d = new − old``) and
    ``std = sqrt(Q / (n²·10⁴))``: a flat window is exactly 0, with no cancellation. A
    window off the grid (or beyond the int64 headroom) takes two passes over its values.
    ``ticks`` is scratch.
    """
    m = x.shape[0]
    ticks = ticks[:m]
    grid_ticks(x, min(2.0**31 / n, math.sqrt(INT_HEADROOM / (8 * n + 4))), ticks)
    scale = float(n * n) * TICKS_PER_RUPEE**2
    off = 0
    exact = False  # whether total and q describe the previous window
    total = 0
    q = 0
    for i in range(m):
        off += 1 if math.isnan(ticks[i]) else 0
        if i >= n:
            off -= 1 if math.isnan(ticks[i - n]) else 0
        if i < n - 1:
            continue
        if off > 0:
            exact = False
            dst[i] = _two_pass_std(x[i - n + 1 : i + 1])
            continue
        if exact:
            new = int(ticks[i])
            old = int(ticks[i - n])
            d = new - old
            q += d * (n * (new + old) - 2 * total - d)
            total += d
        else:
            total, q = _moments(ticks[i - n + 1 : i + 1])
            exact = True
        dst[i] = math.sqrt(q / scale)


@kernel
def _weighted(ticks: FloatArray) -> tuple[int, int]:
    """Σ(k+1)·p_k and Σp over a window's paise (oldest first)."""
    weighted = 0
    total = 0
    for k in range(ticks.shape[0]):
        p = int(ticks[k])
        weighted += (k + 1) * p
        total += p
    return weighted, total


@kernel
def rolling_wma(x: FloatArray, n: int, dst: FloatArray, ticks: FloatArray) -> None:
    """Linearly weighted mean (weights 1..n, newest heaviest), exact on the grid.

    The weighted paise sum slides as ``W += n·new − (sum of the previous window)``.
    ``ticks`` is scratch.
    """
    m = x.shape[0]
    ticks = ticks[:m]
    divisor = n * (n + 1) // 2
    grid_ticks(x, FLOAT_EXACT / divisor, ticks)
    scale = divisor * TICKS_PER_RUPEE
    off = 0
    exact = False
    weighted = 0
    total = 0
    for i in range(m):
        off += 1 if math.isnan(ticks[i]) else 0
        if i >= n:
            off -= 1 if math.isnan(ticks[i - n]) else 0
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
            new = int(ticks[i])
            weighted += n * new - total
            total += new - int(ticks[i - n])
        else:
            weighted, total = _weighted(ticks[i - n + 1 : i + 1])
            exact = True
        dst[i] = weighted / scale


@kernel
def rolling_extreme(
    x: FloatArray, n: int, largest: bool, dst: FloatArray, work: FloatArray
) -> None:
    """Maximum (or minimum) of each n-bar window including the current bar.

    van Herk/Gil-Werman: cut the column into blocks of n; a window spans the tail of one
    block and the head of the next, so its extreme is the larger of a running maximum from
    the right within the first block and one from the left within the second. Two passes,
    whatever ``n`` is. ``work`` is (1, len) scratch.
    """
    m = x.shape[0]
    if m < n:
        return
    sign = 1.0 if largest else -1.0  # a minimum is minus the maximum of the negated values
    tail = work[0, :m]
    place = (m - 1) % n  # i % n, kept by counting (a division per bar is slow)
    for i in range(m - 1, -1, -1):
        value = sign * x[i]
        value = -np.inf if math.isnan(value) else value
        tail[i] = value if place == n - 1 or i == m - 1 else max(tail[i + 1], value)
        place = n - 1 if place == 0 else place - 1
    head = -np.inf
    last_nan = -n - 1
    place = 0
    for i in range(m):
        value = sign * x[i]
        if math.isnan(value):
            last_nan = i
            value = -np.inf
        head = value if place == 0 else max(head, value)
        if i >= n - 1:
            # the window starts a block exactly when it ends one
            best = head if place == n - 1 else max(tail[i - n + 1], head)
            dst[i] = np.nan if last_nan > i - n else sign * best
        place = 0 if place == n - 1 else place + 1


# ---- recursions and oscillators on one column ----


@kernel
def first_finite(x: FloatArray) -> int:
    """Index of the first finite value (``len(x)`` if none): derived series start late."""
    for i in range(x.shape[0]):
        if math.isfinite(x[i]):
            return i
    return int(x.shape[0])


@kernel
def ema_1d(x: FloatArray, n: int, seed_at: int, dst: FloatArray) -> None:
    """EMA with ``k = 2/(n+1)``, seeded at row ``seed_at`` with the mean of the n inputs
    ending there (TA-Lib seeds MACD's fast EMA later than its own start, hence the row)."""
    if seed_at >= x.shape[0] or seed_at < n - 1:
        return
    k = 2.0 / (n + 1)
    prev = window_mean(x[seed_at - n + 1 : seed_at + 1])
    dst[seed_at] = prev
    for i in range(seed_at + 1, x.shape[0]):
        prev = (x[i] - prev) * k + prev
        dst[i] = prev


@kernel
def macd_1d(
    x: FloatArray,
    fast: int,
    slow: int,
    signal: int,
    line: FloatArray,
    trigger: FloatArray,
    hist: FloatArray,
    spread: FloatArray,
) -> None:
    """MACD as TA-Lib computes it: both EMAs are seeded at row slow−1 (the fast one with the
    mean of its last ``fast`` inputs there, not at its own row fast−1), the signal EMA of
    the line at row slow+signal−2, and all three outputs start at that row. ``spread`` is
    scratch."""
    m = x.shape[0]
    seed_at = first_finite(x) + slow - 1
    start = seed_at + signal - 1
    if start >= m:
        return
    fast_k = 2.0 / (fast + 1)
    slow_k = 2.0 / (slow + 1)
    fast_ema = window_mean(x[seed_at - fast + 1 : seed_at + 1])
    slow_ema = window_mean(x[seed_at - slow + 1 : seed_at + 1])
    spread[seed_at] = fast_ema - slow_ema
    for i in range(seed_at + 1, m):  # two independent recurrences, interleaved
        fast_ema = (x[i] - fast_ema) * fast_k + fast_ema
        slow_ema = (x[i] - slow_ema) * slow_k + slow_ema
        spread[i] = fast_ema - slow_ema
    ema_1d(spread[:m], signal, start, trigger)
    for i in range(start, m):
        line[i] = spread[i]
        hist[i] = spread[i] - trigger[i]


@kernel
def _strength(gain: float, loss: float) -> float:
    total = gain + loss
    return 100.0 * (gain / total) if abs(total) >= EPSILON else 0.0


@kernel
def rsi_1d(x: FloatArray, n: int, dst: FloatArray) -> None:
    """Wilder's RSI: first value at row n from the plain means of the first n changes, then
    each mean smoothed as ``(prev·(n−1) + change)/n``."""
    if x.shape[0] <= n:
        return
    gain, loss = rsi_seed(x, n, dst)
    rsi_rest(x, n, dst, n + 1, gain, loss)


@kernel
def rsi_seed(x: FloatArray, n: int, dst: FloatArray) -> tuple[float, float]:
    """RSI's first value, at row n (``x`` has more than n rows): the plain means of the
    first n gains and losses, returned to smooth on from."""
    gain = 0.0
    loss = 0.0
    for i in range(1, n + 1):
        change = x[i] - x[i - 1]
        if change < 0:
            loss -= change
        else:
            gain += change
    gain /= n
    loss /= n
    dst[n] = _strength(gain, loss)
    return gain, loss


@kernel
def rsi_rest(x: FloatArray, n: int, dst: FloatArray, start: int, gain: float, loss: float) -> None:
    """RSI from row ``start`` on, smoothing on from the means at row ``start - 1``."""
    keep = (n - 1) / n  # multiplying by these keeps a division out of the loop's chain
    weight = 1.0 / n
    for i in range(start, x.shape[0]):
        change = x[i] - x[i - 1]
        gain = gain * keep + max(change, 0.0) * weight
        loss = loss * keep + max(-change, 0.0) * weight
        dst[i] = _strength(gain, loss)


@kernel
def true_range(high: FloatArray, low: FloatArray, close: FloatArray, i: int) -> float:
    """Range of bar ``i`` stretched to the previous close (defined from the second bar)."""
    prev = close[i - 1]
    greatest = high[i] - low[i]
    greatest = max(greatest, abs(prev - high[i]))
    return float(max(greatest, abs(low[i] - prev)))


@kernel
def trange_1d(high: FloatArray, low: FloatArray, close: FloatArray, dst: FloatArray) -> None:
    """True range of every bar after the first."""
    for i in range(1, close.shape[0]):
        dst[i] = true_range(high, low, close, i)


@kernel
def atr_1d(high: FloatArray, low: FloatArray, close: FloatArray, n: int, dst: FloatArray) -> None:
    """Wilder's average true range: the mean of TR over rows 1..n, then ``(prev·(n−1) + TR)/n``
    (as ``prev·(n−1)/n + TR/n``: the same to 1e-15, and no division in the recurrence)."""
    m = close.shape[0]
    if m <= n:
        return
    prev = 0.0
    for i in range(1, n + 1):
        prev += true_range(high, low, close, i)
    prev /= n
    dst[n] = prev
    keep = (n - 1) / n
    weight = 1.0 / n
    for i in range(n + 1, m):
        prev = prev * keep + true_range(high, low, close, i) * weight
        dst[i] = prev


@kernel
def _moves(high: FloatArray, low: FloatArray, i: int) -> tuple[float, float]:
    """+DM and −DM of bar ``i``: the larger outward move if it is positive, else 0."""
    up = high[i] - high[i - 1]
    down = low[i - 1] - low[i]
    plus = up if up > 0 and up > down else 0.0
    minus = down if down > 0 and up < down else 0.0
    return plus, minus


@kernel
def _indexes(plus_dm: float, minus_dm: float, tr: float) -> tuple[float, float, float]:
    """+DI, −DI and DX from the smoothed sums; DX is NaN when undefined (no range or no
    movement), and then TA-Lib leaves the ADX as it was."""
    if abs(tr) < EPSILON:
        return 0.0, 0.0, np.nan
    plus = 100.0 * (plus_dm / tr)
    minus = 100.0 * (minus_dm / tr)
    both = minus + plus
    dx = 100.0 * (abs(minus - plus) / both) if abs(both) >= EPSILON else np.nan
    return plus, minus, dx


@kernel
def dmi_1d(
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    n: int,
    plus_di: FloatArray,
    minus_di: FloatArray,
    adx: FloatArray,
) -> None:
    """+DI and −DI from row n, ADX from row 2n−1, as TA-Lib computes them (n ≥ 2).

    Directional movement and true range are Wilder-smoothed *sums* (start: the sum of rows
    1..n−1); ADX starts at the mean of the first n DX values and then smooths with 1/n.
    """
    m = close.shape[0]
    if m <= n:
        return
    plus_dm = 0.0
    minus_dm = 0.0
    tr = 0.0
    sum_dx = 0.0
    level = np.nan
    for i in range(1, m):
        if i >= n:
            plus_dm -= plus_dm / n
            minus_dm -= minus_dm / n
            tr -= tr / n
        plus_move, minus_move = _moves(high, low, i)
        plus_dm += plus_move
        minus_dm += minus_move
        tr += true_range(high, low, close, i)
        if i < n:
            continue
        plus_di[i], minus_di[i], dx = _indexes(plus_dm, minus_dm, tr)
        if i < 2 * n:
            sum_dx += 0.0 if math.isnan(dx) else dx
            if i == 2 * n - 1:
                level = sum_dx / n
                adx[i] = level
            continue
        if not math.isnan(dx):
            level = (level * (n - 1) + dx) / n
        adx[i] = level


@kernel
def obv_1d(close: FloatArray, volume: FloatArray, dst: FloatArray) -> None:
    """On-balance volume: starts at the first bar's volume, adds up-days, subtracts down-days."""
    if close.shape[0] == 0:
        return
    level = volume[0]
    dst[0] = level
    for i in range(1, close.shape[0]):
        if close[i] > close[i - 1]:
            level += volume[i]
        elif close[i] < close[i - 1]:
            level -= volume[i]
        dst[i] = level


@kernel
def roc_1d(x: FloatArray, n: int, dst: FloatArray) -> None:
    """Percentage change over n bars (0 where the old value is 0, as TA-Lib)."""
    for i in range(n, x.shape[0]):
        old = x[i - n]
        dst[i] = ((x[i] / old) - 1.0) * 100.0 if old != 0.0 else 0.0


@kernel
def stochastic_1d(
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    n: int,
    slow_k: int,
    slow_d: int,
    k_dst: FloatArray,
    d_dst: FloatArray,
    work: FloatArray,
) -> None:
    """Slow stochastic: fast %K over n bars, its SMA (slow %K), and that one's SMA (%D).

    Both outputs start where %D does, as TA-Lib's STOCH aligns them. ``work`` is (6, len).
    """
    m = close.shape[0]
    highest, lowest, fast, slow = work[0, :m], work[1, :m], work[2, :m], work[3, :m]
    work[:4, :m] = np.nan
    rolling_extreme(high, n, True, highest, work[4:])
    rolling_extreme(low, n, False, lowest, work[4:])
    for i in range(n - 1, m):
        diff = (highest[i] - lowest[i]) / 100.0
        fast[i] = (close[i] - lowest[i]) / diff if diff != 0.0 else 0.0
    rolling_mean(fast, slow_k, slow, work[4])
    rolling_mean(slow, slow_d, d_dst, work[4])
    for i in range(n + slow_k + slow_d - 3, m):
        k_dst[i] = slow[i]


@kernel
def willr_1d(
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    n: int,
    dst: FloatArray,
    work: FloatArray,
) -> None:
    """Williams %R over n bars: −100 · (highest − close) / (highest − lowest). ``work`` is
    (4, len) scratch."""
    m = close.shape[0]
    highest, lowest = work[0, :m], work[1, :m]
    work[:2, :m] = np.nan
    rolling_extreme(high, n, True, highest, work[2:])
    rolling_extreme(low, n, False, lowest, work[2:])
    for i in range(n - 1, m):
        diff = (highest[i] - lowest[i]) / -100.0
        dst[i] = (highest[i] - close[i]) / diff if diff != 0.0 else 0.0


@kernel
def _paise_sum(high: float, low: float, close: float, limit: float) -> float:
    """``high + low + close`` in paise, exactly (as a float holding an integer), or NaN when
    a price is off the grid or ``limit`` paise or more."""
    h, h_ok = tick(high, limit)
    lo, lo_ok = tick(low, limit)
    c, c_ok = tick(close, limit)
    return float(h + lo + c) if h_ok and lo_ok and c_ok else np.nan


@kernel
def _cci_exact(sums: FloatArray) -> float:
    """CCI of a window of paise sums ``q = h + l + c``: with ``S = Σq`` it is
    ``n·(n·q_last − S) / (0.015·Σ|n·q − S|)``, integers but for the one division."""
    n = sums.shape[0]
    total = 0
    for k in range(n):
        total += int(sums[k])
    spread = 0
    for k in range(n):
        spread += abs(n * int(sums[k]) - total)
    centre = n * int(sums[n - 1]) - total
    if centre == 0 or spread == 0:
        return 0.0
    return float(n * centre / (0.015 * spread))


@kernel
def _cci_float(typical: FloatArray) -> float:
    n = typical.shape[0]
    mean = 0.0
    for k in range(n):
        mean += typical[k]
    mean /= n
    spread = 0.0
    for k in range(n):
        spread += abs(typical[k] - mean)
    deviation = typical[n - 1] - mean
    # a deviation within rounding of the prices themselves is no deviation
    if abs(deviation) > EPSILON * (abs(typical[n - 1]) + abs(mean)) and spread != 0.0:
        return float(deviation / (0.015 * (spread / n)))
    return 0.0


@kernel
def cci_1d(
    high: FloatArray, low: FloatArray, close: FloatArray, n: int, dst: FloatArray, work: FloatArray
) -> None:
    """Commodity channel index: the typical price's deviation from its n-bar mean over
    0.015 × the mean absolute deviation (0 when either is 0).

    The mean absolute deviation of a quiet window is tiny, and in floating point its
    rounding noise would decide the sign and size of the ratio; on the grid the window is
    computed in exact paise (``_cci_exact``) so that "no deviation" is exactly 0. ``work``
    is (2, len) scratch.
    """
    m = close.shape[0]
    typical, sums = work[0, :m], work[1, :m]
    limit = FLOAT_EXACT / (6.0 * n * n)
    for i in range(m):
        typical[i] = (high[i] + low[i] + close[i]) / 3
        sums[i] = _paise_sum(high[i], low[i], close[i], limit)
    off = 0  # bars in the window off the grid
    for i in range(m):
        off += 1 if math.isnan(sums[i]) else 0
        if i >= n:
            off -= 1 if math.isnan(sums[i - n]) else 0
        if i < n - 1:
            continue
        if off == 0:
            dst[i] = _cci_exact(sums[i - n + 1 : i + 1])
        else:
            dst[i] = _cci_float(typical[i - n + 1 : i + 1])


@kernel
def _flow_sum(flows: FloatArray, n: int, dst: FloatArray) -> None:
    """Sum of each n-bar window of non-negative flows; exactly 0 for a window without any
    (a running sum would leave rounding residue of either sign there)."""
    window_sum(flows, n, dst)
    nonzero = 0
    for i in range(flows.shape[0]):
        nonzero += 1 if flows[i] > 0.0 else 0
        if i >= n:
            nonzero -= 1 if flows[i - n] > 0.0 else 0
        if i >= n - 1 and nonzero == 0 and not math.isnan(dst[i]):
            dst[i] = 0.0


@kernel
def mfi_1d(
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    volume: FloatArray,
    n: int,
    dst: FloatArray,
    work: FloatArray,
) -> None:
    """Money flow index: the share of the last n bars' money flow (typical price × volume)
    that came on bars whose typical price rose; 0 for a window without flow.

    As TA-Lib 0.8, a change in typical price within 1e-14 of the two prices' magnitude is
    no change: equal sums ``h + l + c`` can round apart by an ulp after the division by 3,
    and a real change on the tick grid is a third of a paisa at least. ``work`` is (4, len).
    """
    m = close.shape[0]
    if m <= n:
        return
    rising, falling, rising_sum, falling_sum = work[0, :m], work[1, :m], work[2, :m], work[3, :m]
    work[:, :m] = np.nan
    prev = (high[0] + low[0] + close[0]) / 3
    for i in range(1, m):
        typical = (high[i] + low[i] + close[i]) / 3
        change = typical - prev
        flow = 0.0 if abs(change) <= EPSILON * (abs(typical) + abs(prev)) else typical * volume[i]
        rising[i] = flow if change > 0 else 0.0
        falling[i] = flow if change < 0 else 0.0
        prev = typical
    _flow_sum(rising, n, rising_sum)
    _flow_sum(falling, n, falling_sum)
    for i in range(n, m):
        total = rising_sum[i] + falling_sum[i]
        up = min(max(rising_sum[i], 0.0), total)
        dst[i] = 100.0 * (up / total) if total > 0.0 else 0.0


# ---- panel drivers ----


@kernel
def sma(x: FloatArray, n: int, rows: Rows, out: FloatArray) -> None:
    """Simple moving average over n present bars."""
    work = np.empty((2, x.shape[0]))
    for j in range(x.shape[1]):
        unset(out, j)
        dst = output_for(out, j, rows, work[0])
        rolling_mean(values_of(x, j, rows), n, dst, work[1])
        scatter(out, j, rows, dst)


@kernel
def sma_at(x: FloatArray, n: int, rows: Rows, cells: IntArray) -> FloatArray:
    """`sma`'s values at ``cells`` (``column × days + row``, ascending) without its grid:
    each column that has a cell is computed, as `sma` computes it, into one column of
    scratch that stays in cache, and read there."""
    days = x.shape[0]
    values = np.empty(cells.shape[0])
    column = np.empty(days)
    work = np.empty((2, days))
    k = 0
    while k < cells.shape[0]:
        j = cells[k] // days
        column[:] = np.nan
        g, present = rows.gap_offset[j], rows.present[j]
        if g < 0:
            dst = column[rows.start[j] : rows.start[j] + present]
        else:
            dst = work[0, :present]
            dst[:] = np.nan
        rolling_mean(values_of(x, j, rows), n, dst, work[1])
        for i in range(present if g >= 0 else 0):
            column[rows.gap_rows[g + i]] = dst[i]
        while k < cells.shape[0] and cells[k] // days == j:
            values[k] = column[cells[k] - j * days]
            k += 1
    return values


@kernel
def stddev(x: FloatArray, n: int, rows: Rows, out: FloatArray) -> None:
    """Population standard deviation over n present bars."""
    work = np.empty((2, x.shape[0]))
    for j in range(x.shape[1]):
        unset(out, j)
        dst = output_for(out, j, rows, work[0])
        rolling_std(values_of(x, j, rows), n, dst, work[1])
        scatter(out, j, rows, dst)


@kernel
def wma(x: FloatArray, n: int, rows: Rows, out: FloatArray) -> None:
    """Linearly weighted moving average over n present bars."""
    work = np.empty((2, x.shape[0]))
    for j in range(x.shape[1]):
        unset(out, j)
        dst = output_for(out, j, rows, work[0])
        rolling_wma(values_of(x, j, rows), n, dst, work[1])
        scatter(out, j, rows, dst)


@kernel
def extreme(x: FloatArray, n: int, largest: bool, rows: Rows, out: FloatArray) -> None:
    """Rolling maximum (or minimum) over n present bars including the current one."""
    work = np.empty((2, x.shape[0]))
    for j in range(x.shape[1]):
        dst = output_for(out, j, rows, work[1])
        rolling_extreme(values_of(x, j, rows), n, largest, dst, work[:1])
        scatter(out, j, rows, dst)


@kernel
def ema(x: FloatArray, n: int, rows: Rows, out: FloatArray) -> None:
    """Exponential moving average seeded with the SMA of the first n values."""
    scratch = np.empty(x.shape[0])
    for j in range(x.shape[1]):
        unset(out, j)
        dst = output_for(out, j, rows, scratch)
        values = values_of(x, j, rows)
        seed_at = first_finite(values) + n - 1
        ema_1d(values, n, seed_at, dst)
        scatter(out, j, rows, dst)


@kernel
def macd(
    x: FloatArray,
    fast: int,
    slow: int,
    signal: int,
    rows: Rows,
    line: FloatArray,
    trigger: FloatArray,
    hist: FloatArray,
) -> None:
    """MACD line, signal and histogram over present bars (see `macd_1d`)."""
    work = np.empty((4, x.shape[0]))
    for j in range(x.shape[1]):
        line_dst = output_for(line, j, rows, work[0])
        trigger_dst = output_for(trigger, j, rows, work[1])
        hist_dst = output_for(hist, j, rows, work[2])
        macd_1d(values_of(x, j, rows), fast, slow, signal, line_dst, trigger_dst, hist_dst, work[3])
        scatter(line, j, rows, line_dst)
        scatter(trigger, j, rows, trigger_dst)
        scatter(hist, j, rows, hist_dst)


@kernel
def rsi(x: FloatArray, n: int, rows: Rows, out: FloatArray) -> None:
    """Wilder's relative strength index over n present bars.

    Each column's smoothing is a chain of dependent multiply-adds, so one column at a time
    leaves the CPU waiting on it: gap-free columns go four at a time (`rsi_4`), their
    chains interleaved, each column's arithmetic unchanged (the same doubles)."""
    scratch = np.empty(x.shape[0])
    columns = x.shape[1]
    j = 0
    while j + 4 <= columns:
        for k in range(j, j + 4):
            unset(out, k)
        if (
            rows.gap_offset[j] < 0
            and rows.gap_offset[j + 1] < 0
            and rows.gap_offset[j + 2] < 0
            and rows.gap_offset[j + 3] < 0
        ):
            rsi_4(x, n, rows, out, j)
            j += 4
            continue
        for k in range(j, j + 4):
            dst = output_for(out, k, rows, scratch)
            rsi_1d(values_of(x, k, rows), n, dst)
            scatter(out, k, rows, dst)
        j += 4
    for k in range(j, columns):
        unset(out, k)
        dst = output_for(out, k, rows, scratch)
        rsi_1d(values_of(x, k, rows), n, dst)
        scatter(out, k, rows, dst)


@kernel
def rsi_4(x: FloatArray, n: int, rows: Rows, out: FloatArray, j: int) -> None:
    """`rsi_1d` on the gap-free columns j..j+3 at once: each seeded alone, then the bars all
    four have smoothed in one loop, then each column's remaining bars alone."""
    xa, xb = values_of(x, j, rows), values_of(x, j + 1, rows)
    xc, xd = values_of(x, j + 2, rows), values_of(x, j + 3, rows)
    da, db = out.T[j, rows.start[j] :], out.T[j + 1, rows.start[j + 1] :]
    dc, dd = out.T[j + 2, rows.start[j + 2] :], out.T[j + 3, rows.start[j + 3] :]
    shortest = min(xa.shape[0], xb.shape[0], xc.shape[0], xd.shape[0])
    if shortest <= n + 1:  # a column too short to share a loop: each alone
        rsi_1d(xa, n, da[: xa.shape[0]])
        rsi_1d(xb, n, db[: xb.shape[0]])
        rsi_1d(xc, n, dc[: xc.shape[0]])
        rsi_1d(xd, n, dd[: xd.shape[0]])
        return
    ga, la = rsi_seed(xa, n, da)
    gb, lb = rsi_seed(xb, n, db)
    gc, lc = rsi_seed(xc, n, dc)
    gd, ld = rsi_seed(xd, n, dd)
    keep = (n - 1) / n
    weight = 1.0 / n
    for i in range(n + 1, shortest):
        ca = xa[i] - xa[i - 1]
        cb = xb[i] - xb[i - 1]
        cc = xc[i] - xc[i - 1]
        cd = xd[i] - xd[i - 1]
        ga = ga * keep + max(ca, 0.0) * weight
        la = la * keep + max(-ca, 0.0) * weight
        gb = gb * keep + max(cb, 0.0) * weight
        lb = lb * keep + max(-cb, 0.0) * weight
        gc = gc * keep + max(cc, 0.0) * weight
        lc = lc * keep + max(-cc, 0.0) * weight
        gd = gd * keep + max(cd, 0.0) * weight
        ld = ld * keep + max(-cd, 0.0) * weight
        da[i] = _strength(ga, la)
        db[i] = _strength(gb, lb)
        dc[i] = _strength(gc, lc)
        dd[i] = _strength(gd, ld)
    rsi_rest(xa, n, da, shortest, ga, la)
    rsi_rest(xb, n, db, shortest, gb, lb)
    rsi_rest(xc, n, dc, shortest, gc, lc)
    rsi_rest(xd, n, dd, shortest, gd, ld)


@kernel
def roc(x: FloatArray, n: int, rows: Rows, out: FloatArray) -> None:
    """Percentage change over n present bars."""
    scratch = np.empty(x.shape[0])
    for j in range(x.shape[1]):
        unset(out, j)
        dst = output_for(out, j, rows, scratch)
        roc_1d(values_of(x, j, rows), n, dst)
        scatter(out, j, rows, dst)


@kernel
def trange(
    high: FloatArray, low: FloatArray, close: FloatArray, rows: Rows, out: FloatArray
) -> None:
    """True range (from each column's second present bar)."""
    scratch = np.empty(close.shape[0])
    for j in range(close.shape[1]):
        dst = output_for(out, j, rows, scratch)
        trange_1d(values_of(high, j, rows), values_of(low, j, rows), values_of(close, j, rows), dst)
        scatter(out, j, rows, dst)


@kernel
def atr(
    high: FloatArray, low: FloatArray, close: FloatArray, n: int, rows: Rows, out: FloatArray
) -> None:
    """Wilder's average true range over n present bars."""
    scratch = np.empty(close.shape[0])
    for j in range(close.shape[1]):
        dst = output_for(out, j, rows, scratch)
        h, lo, c = values_of(high, j, rows), values_of(low, j, rows), values_of(close, j, rows)
        atr_1d(h, lo, c, n, dst)
        scatter(out, j, rows, dst)


@kernel
def dmi(
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    n: int,
    rows: Rows,
    plus_di: FloatArray,
    minus_di: FloatArray,
    adx: FloatArray,
) -> None:
    """+DI, −DI and ADX over n present bars, in one pass."""
    work = np.empty((3, close.shape[0]))
    for j in range(close.shape[1]):
        plus_dst = output_for(plus_di, j, rows, work[0])
        minus_dst = output_for(minus_di, j, rows, work[1])
        adx_dst = output_for(adx, j, rows, work[2])
        h, lo, c = values_of(high, j, rows), values_of(low, j, rows), values_of(close, j, rows)
        dmi_1d(h, lo, c, n, plus_dst, minus_dst, adx_dst)
        scatter(plus_di, j, rows, plus_dst)
        scatter(minus_di, j, rows, minus_dst)
        scatter(adx, j, rows, adx_dst)


@kernel
def stochastic(
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    n: int,
    slow_k: int,
    slow_d: int,
    rows: Rows,
    k_out: FloatArray,
    d_out: FloatArray,
) -> None:
    """Slow stochastic %K and %D (fast %K over n bars, then two SMAs)."""
    days = close.shape[0]
    work = np.empty((8, days))
    for j in range(close.shape[1]):
        k_dst = output_for(k_out, j, rows, work[6])
        d_dst = output_for(d_out, j, rows, work[7])
        h, lo, c = values_of(high, j, rows), values_of(low, j, rows), values_of(close, j, rows)
        stochastic_1d(h, lo, c, n, slow_k, slow_d, k_dst, d_dst, work[:6])
        scatter(k_out, j, rows, k_dst)
        scatter(d_out, j, rows, d_dst)


@kernel
def willr(
    high: FloatArray, low: FloatArray, close: FloatArray, n: int, rows: Rows, out: FloatArray
) -> None:
    """Williams %R over n present bars."""
    days = close.shape[0]
    work = np.empty((5, days))
    for j in range(close.shape[1]):
        dst = output_for(out, j, rows, work[4])
        h, lo, c = values_of(high, j, rows), values_of(low, j, rows), values_of(close, j, rows)
        willr_1d(h, lo, c, n, dst, work[:4])
        scatter(out, j, rows, dst)


@kernel
def cci(
    high: FloatArray, low: FloatArray, close: FloatArray, n: int, rows: Rows, out: FloatArray
) -> None:
    """Commodity channel index over n present bars."""
    days = close.shape[0]
    work = np.empty((3, days))
    for j in range(close.shape[1]):
        dst = output_for(out, j, rows, work[2])
        h, lo, c = values_of(high, j, rows), values_of(low, j, rows), values_of(close, j, rows)
        cci_1d(h, lo, c, n, dst, work[:2])
        scatter(out, j, rows, dst)


@kernel
def mfi(
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    volume: FloatArray,
    n: int,
    rows: Rows,
    out: FloatArray,
) -> None:
    """Money flow index over n present bars."""
    days = close.shape[0]
    work = np.empty((5, days))
    for j in range(close.shape[1]):
        dst = output_for(out, j, rows, work[4])
        h, lo, c = values_of(high, j, rows), values_of(low, j, rows), values_of(close, j, rows)
        mfi_1d(h, lo, c, values_of(volume, j, rows), n, dst, work[:4])
        scatter(out, j, rows, dst)


@kernel
def obv(close: FloatArray, volume: FloatArray, rows: Rows, out: FloatArray) -> None:
    """On-balance volume from each column's first present bar."""
    scratch = np.empty(close.shape[0])
    for j in range(close.shape[1]):
        dst = output_for(out, j, rows, scratch)
        obv_1d(values_of(close, j, rows), values_of(volume, j, rows), dst)
        scatter(out, j, rows, dst)
