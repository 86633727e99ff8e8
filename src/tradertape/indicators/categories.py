"""Categorical indicators: small integer codes (as float64, NaN until defined) with labels.

``vol_regime`` compares today's volatility with the instrument's recent normal:
``natr14`` (ATR(14) as % of close) over its own mean across the last 100 present bars,
today included. Below 0.75 × that mean is ``vol_calm`` (0), above 1.5 × is ``vol_spike``
(2), anything between is ``vol_normal`` (1). A ratio rather than a fixed percentage, so that
one threshold suits a sleepy utility and a volatile small-cap alike. Defined from the 114th
present bar on (natr14 needs 15 bars, the mean 100 natr14 values).

``trend_alignment`` counts how many of close > sma20, sma20 > sma50 and sma50 > sma200 hold:
0 ``fully_against`` … 3 ``fully_aligned``; defined once sma200 is (the 200th present bar).
"""

from __future__ import annotations

import numpy as np

from tradertape.indicators.layout import FloatArray

CATEGORY_LABELS: dict[str, dict[str, int]] = {
    "vol_regime": {"vol_calm": 0, "vol_normal": 1, "vol_spike": 2},
    "trend_alignment": {"fully_against": 0, "against": 1, "aligned": 2, "fully_aligned": 3},
}

VOL_NATR_PERIOD = 14
VOL_BASELINE_PERIOD = 100
VOL_CALM_BELOW = 0.75  # natr / its mean below this: vol_calm
VOL_SPIKE_ABOVE = 1.5  # natr / its mean above this: vol_spike
TREND_PERIODS = (20, 50, 200)


def vol_regime(natr: FloatArray, baseline: FloatArray) -> FloatArray:
    """Codes from natr and its trailing mean (NaN where either is undefined or the mean is 0)."""
    codes = CATEGORY_LABELS["vol_regime"]
    ratio = np.full(natr.shape, np.nan, order="F")
    np.divide(natr, baseline, out=ratio, where=baseline != 0)
    out = np.full(natr.shape, float(codes["vol_normal"]), order="F")
    out[ratio < VOL_CALM_BELOW] = codes["vol_calm"]
    out[ratio > VOL_SPIKE_ABOVE] = codes["vol_spike"]
    out[np.isnan(ratio)] = np.nan
    return out


def trend_alignment(
    close: FloatArray, short: FloatArray, medium: FloatArray, long: FloatArray
) -> FloatArray:
    """Codes 0..3: the number of the three orderings that hold (NaN until all are defined)."""
    count = (close > short).astype(np.float64, order="F")
    count += medium > long
    count += short > medium
    count[np.isnan(close) | np.isnan(short) | np.isnan(medium) | np.isnan(long)] = np.nan
    return count
