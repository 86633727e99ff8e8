"""No look-ahead: the rows up to ``t`` are the same whether or not later rows exist, to the
last bit, including when the later rows are off the tick grid (the exact paths decide per
window, never per column)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.indicators.conftest import SAMPLE_NAMES, tick_walk

LONG_NAMES = ("sma30", "ema40", "wma20", "stddev30", "bb30_pctb", "high52w", "cci20")


@settings(max_examples=80, deadline=None)
@given(
    name=st.sampled_from(SAMPLE_NAMES + LONG_NAMES),
    seed=st.integers(0, 2**16),
    days=st.integers(1, 140),
    cut=st.floats(0.0, 1.0),
    holes=st.sampled_from([0.0, 0.1, 0.3]),
    later_off_grid=st.booleans(),
)
def test_truncating_the_future_changes_nothing(
    name: str, seed: int, days: int, cut: float, holes: float, later_off_grid: bool
):
    ohlcv = tick_walk(seed, days)
    missing = np.random.default_rng(seed).random(ohlcv.close.shape) < holes
    ohlcv = ohlcv.with_missing(missing)
    t = int(cut * (days - 1))
    if later_off_grid:
        nudged = [a.copy(order="F") for a in ohlcv.fields]
        for a in nudged[:4]:
            a[t + 1 :] *= 1.0000001
        ohlcv = type(ohlcv)(*nudged)
    full = ohlcv.book().get(name)
    past = ohlcv.rows(slice(0, t + 1)).book().get(name)
    np.testing.assert_array_equal(full[: t + 1], past)
