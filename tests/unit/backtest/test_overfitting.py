"""The deflated Sharpe ratio against its paper's worked example, and PBO by CSCV against
cases built by hand (and its bounds, by Hypothesis)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tradertape.backtest.overfitting import (
    Moments,
    cscv_pbo,
    deflated_sharpe,
    expected_max_sharpe,
    moments,
)


def test_deflated_sharpe_matches_the_papers_worked_example() -> None:
    # Bailey & López de Prado (2014), the numerical example: 100 independent trials whose
    # annualised Sharpe ratios vary by 1/2, the best at an annualised 2.5 over five years of
    # daily returns (T = 1,250, 250 a year), skewness -3 and kurtosis 10. Recomputed here:
    #   SR0 (annualised) = sqrt(1/2) * ((1 - γ) Z⁻¹(0.99) + γ Z⁻¹(1 - 1/(100e))) ≈ 1.7894
    #   per day: SR = 2.5/√250 ≈ 0.15811, SR0 ≈ 0.11317
    #   DSR = Z((0.15811 - 0.11317) √1249 / √(1 + 3·0.15811 + 9/4·0.15811²)) ≈ 0.9004,
    # the paper's figure: the best trial is significant at 90 %, not at 95 %.
    assert expected_max_sharpe(100, 0.5) == pytest.approx(1.7894, abs=1e-4)
    selected = Moments(sharpe=2.5 / math.sqrt(250), observations=1250, skew=-3.0, kurtosis=10.0)
    found = deflated_sharpe(selected, trials=100, sharpe_variance=0.5 / 250)
    assert found is not None
    assert found.benchmark == pytest.approx(0.11317, abs=1e-5)
    assert found.dsr == pytest.approx(0.9004, abs=1e-4)


def test_one_trial_deflates_nothing_and_more_trials_deflate_more() -> None:
    selected = Moments(sharpe=0.05, observations=500, skew=0.0, kurtosis=3.0)
    alone = deflated_sharpe(selected, trials=1, sharpe_variance=0.001)
    assert alone is not None
    assert alone.benchmark == 0.0
    # No benchmark: the probabilistic Sharpe ratio against 0, Z(0.05 √499 / √(1 + 2/4 · 0.05²))
    # = Z(1.11622) ≈ 0.8678.
    assert alone.dsr == pytest.approx(0.8678, abs=1e-4)
    many = deflated_sharpe(selected, trials=1000, sharpe_variance=0.001)
    assert many is not None
    assert many.dsr < alone.dsr


def test_moments_of_a_series() -> None:
    found = moments(np.array([0.01, -0.01, 0.02, 0.0, 0.03]))
    assert found.observations == 5
    # Population moments of deviations (0, -0.02, 0.01, -0.01, 0.02): m2 = 0.0002, m3 = 0,
    # m4 = 0.0000000680: skew 0, kurtosis 0.000000068 / 0.0002² = 1.7.
    assert found.skew == pytest.approx(0.0, abs=1e-9)
    assert found.kurtosis == pytest.approx(1.7)
    assert found.sharpe == pytest.approx(0.01 / np.std([0.01, -0.01, 0.02, 0.0, 0.03], ddof=1))
    flat = moments(np.zeros(10))
    assert (flat.sharpe, flat.skew, flat.kurtosis) == (0.0, 0.0, 3.0)


def _blocks(means: list[float]) -> np.ndarray:
    """Two rows per block, mean ``m`` each (m + 1, m - 1): configuration A; B is -A, so
    B's Sharpe is -A's on any set of rows and the winner is A where A's mean is positive."""
    a = np.array([v for m in means for v in (m + 1.0, m - 1.0)])
    return np.column_stack([a, -a])


def test_pbo_of_a_case_built_by_hand() -> None:
    # Four blocks with A's means 5, 3, -2, -2 (total 4). Of the six ways to pick two blocks
    # in-sample, A wins in-sample and out-of-sample (or B both) when the in-sample sum x
    # lies strictly between 0 and 4: {1,3}, {1,4}, {2,3}, {2,4} (x = 3, 3, 1, 1). {1,2}
    # (x = 8: A in, B out) and {3,4} (x = -4: B in, A out) flip: PBO = 2/6.
    found = cscv_pbo(_blocks([5, 3, -2, -2]), blocks=4)
    assert found is not None
    assert (found.splits, found.trials, found.observations) == (6, 2, 8)
    assert found.pbo == pytest.approx(1 / 3)
    # With two configurations the winner ranks 2 (ω = 2/3) or 1 (ω = 1/3).
    assert sorted(found.logits) == pytest.approx([-math.log(2)] * 2 + [math.log(2)] * 4, abs=1e-6)


def test_a_winner_that_always_flips_is_overfit_every_time() -> None:
    # A's total is 0: whichever half it wins, it loses the other.
    found = cscv_pbo(_blocks([3, 1, -1, -3]), blocks=4)
    assert found is not None
    assert found.pbo == 1.0


def test_a_configuration_that_dominates_every_split_gives_pbo_zero() -> None:
    rng = np.random.default_rng(7)
    noise = rng.normal(0.0, 0.01, size=(240, 6))
    noise[:, 3] += 0.05  # a steady edge over the noise: the best in every block
    found = cscv_pbo(noise, blocks=8)
    assert found is not None
    assert found.splits == 70
    assert found.pbo == 0.0


def test_blocks_must_be_even_and_the_matrix_large_enough() -> None:
    with pytest.raises(ValueError, match="even"):
        cscv_pbo(np.zeros((40, 3)), blocks=3)
    assert cscv_pbo(np.zeros((40, 1)), blocks=4) is None  # one configuration: nothing chosen
    assert cscv_pbo(np.zeros((7, 3)), blocks=4) is None  # a block of one row


@settings(max_examples=40, deadline=None)
@given(
    matrix=hnp.arrays(
        np.float64,
        st.tuples(st.integers(8, 40), st.integers(2, 6)),
        elements=st.floats(-0.1, 0.1, allow_nan=False, allow_infinity=False),
    ),
    blocks=st.sampled_from([2, 4]),
)
def test_pbo_is_a_probability(matrix: np.ndarray, blocks: int) -> None:
    found = cscv_pbo(matrix, blocks=blocks)
    assert found is not None
    assert 0.0 <= found.pbo <= 1.0
    assert found.splits == math.comb(blocks, blocks // 2)
    assert len(found.logits) == found.splits
