"""The summary's means and deviations are NumPy's to the last bit (they skip its wrappers,
not its arithmetic): figures stored before stay the figures a run gives now."""

from __future__ import annotations

import numpy as np
import pytest

from tradertape.backtest.metrics import _mean, _std


@pytest.mark.parametrize("size", [2, 3, 7, 8, 9, 127, 128, 129, 300, 1487, 5000])
def test_mean_and_std_are_numpys_to_the_bit(size: int):
    rng = np.random.default_rng(size)
    for values in (
        rng.normal(0.0005, 0.02, size),  # daily returns
        rng.normal(0, 1, size) * 10.0 ** rng.integers(-8, 9, size),  # wide magnitudes
        np.minimum(rng.normal(0, 0.01, size), 0.0) ** 2,  # the downside's squares
    ):
        assert _mean(values) == float(np.mean(values))
        assert _std(values) == float(np.std(values, ddof=1))


def test_mean_of_one_value_is_that_value():
    assert _mean(np.array([0.125])) == 0.125
