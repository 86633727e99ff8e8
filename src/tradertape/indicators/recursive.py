"""Kernels whose every value depends on the previous one (EMA, Wilder smoothing, OBV), and
the oscillators built on windows, on one column's present values.

Each follows TA-Lib's definition, seeding included, so that the tests can hold them to
TA-Lib at 1e-9: an EMA starts at the mean of its first N inputs; RSI and ATR start at the
mean of the first N changes (true ranges) and then smooth with weight 1/N; the DMI family
smooths Wilder *sums* and ADX starts at the mean of the first N DX values. ``TA_IS_ZERO``
(|v| < 1e-14) guards the same divisions TA-Lib guards.

Inputs and outputs are as in `windows`: 1-D, outputs NaN-filled by the caller.
"""

from __future__ import annotations

import math

import numpy as np

from tradertape.indicators import windows
from tradertape.indicators.jit import kernel
from tradertape.indicators.layout import FloatArray
from tradertape.indicators.windows import rolling_extreme, rolling_mean, window_mean, window_sum

EPSILON = 1e-14  # TA-Lib's TA_IS_ZERO: smaller magnitudes count as zero


@kernel
def first_finite(x: FloatArray) -> int:
    """Index of the first finite value (``len(x)`` if none): derived series start late."""
    for i in range(x.shape[0]):
        if math.isfinite(x[i]):
            return i
    return int(x.shape[0])


@kernel
def ema(x: FloatArray, n: int, seed_at: int, dst: FloatArray) -> None:
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
def _strength(gain: float, loss: float) -> float:
    total = gain + loss
    return 100.0 * (gain / total) if abs(total) >= EPSILON else 0.0


@kernel
def rsi(x: FloatArray, n: int, dst: FloatArray) -> None:
    """Wilder's RSI: first value at row n from the plain means of the first n changes."""
    m = x.shape[0]
    if m <= n:
        return
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
    for i in range(n + 1, m):
        change = x[i] - x[i - 1]
        loss *= n - 1
        gain *= n - 1
        if change < 0:
            loss -= change
        else:
            gain += change
        loss /= n
        gain /= n
        dst[i] = _strength(gain, loss)


@kernel
def true_range(high: FloatArray, low: FloatArray, close: FloatArray, i: int) -> float:
    """Range of bar ``i`` stretched to the previous close (defined from the second bar)."""
    prev = close[i - 1]
    greatest = high[i] - low[i]
    greatest = max(greatest, abs(prev - high[i]))
    return float(max(greatest, abs(low[i] - prev)))


@kernel
def trange(high: FloatArray, low: FloatArray, close: FloatArray, dst: FloatArray) -> None:
    """True range of every bar after the first."""
    for i in range(1, close.shape[0]):
        dst[i] = true_range(high, low, close, i)


@kernel
def atr(high: FloatArray, low: FloatArray, close: FloatArray, n: int, dst: FloatArray) -> None:
    """Wilder's average true range: the mean of TR over rows 1..n, then ``(prev·(n−1) + TR)/n``."""
    m = close.shape[0]
    if m <= n:
        return
    prev = 0.0
    for i in range(1, n + 1):
        prev += true_range(high, low, close, i)
    prev /= n
    dst[n] = prev
    for i in range(n + 1, m):
        prev *= n - 1
        prev += true_range(high, low, close, i)
        prev /= n
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
def dmi(
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
def obv(close: FloatArray, volume: FloatArray, dst: FloatArray) -> None:
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
def roc(x: FloatArray, n: int, dst: FloatArray) -> None:
    """Percentage change over n bars (0 where the old value is 0, as TA-Lib)."""
    for i in range(n, x.shape[0]):
        old = x[i - n]
        dst[i] = ((x[i] / old) - 1.0) * 100.0 if old != 0.0 else 0.0


@kernel
def stochastic(
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
    rolling_mean(fast, slow_k, slow)
    rolling_mean(slow, slow_d, d_dst)
    for i in range(n + slow_k + slow_d - 3, m):
        k_dst[i] = slow[i]


@kernel
def willr(
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
    h, h_ok = windows.tick(high, limit)
    lo, lo_ok = windows.tick(low, limit)
    c, c_ok = windows.tick(close, limit)
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
def cci(
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
    limit = windows.FLOAT_EXACT / (6.0 * n * n)
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
def mfi(
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
