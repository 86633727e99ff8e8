"""A score's first weighted scorer writes its grid whole (``unset``) rather than adding into
a grid zeroed first: the same bits as ``zeros + nan_to_num(values × weight)``, signed
zeros, NaN and infinities included."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tradertape.strategies.score_kernels import add_weighted

_VALUES = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0.0, -0.0, np.nan])
_WEIGHTS = st.floats(allow_nan=False, allow_infinity=False, width=64) | st.sampled_from(
    [0.0, -0.0, -1.0, 1.0, 1e308]
)


@settings(max_examples=200, deadline=None)
@given(
    values=arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 9)), elements=_VALUES),
    weight=_WEIGHTS,
    garbage=st.floats(allow_nan=True),
)
def test_an_unset_grid_is_a_zeroed_one(values: np.ndarray, weight: float, garbage: float):
    zeroed = np.zeros_like(values)
    add_weighted(zeroed, values, weight, False)
    with np.errstate(all="ignore"):  # (inf × 0, overflow: the cells the test is about)
        numpy = np.zeros_like(values) + np.nan_to_num(values * weight)
    unset = np.full_like(values, garbage)
    add_weighted(unset, values, weight, True)
    assert unset.view(np.int64).tolist() == zeroed.view(np.int64).tolist()
    assert unset.view(np.int64).tolist() == numpy.view(np.int64).tolist()
