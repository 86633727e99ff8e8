"""How likely a chosen configuration's backtest is overfit: two statistics, pure numpy/scipy.

- The **deflated Sharpe ratio** (Bailey and López de Prado, "The Deflated Sharpe Ratio:
  Correcting for Selection Bias, Backtest Overfitting and Non-Normality", Journal of
  Portfolio Management, 2014): the probability that the true Sharpe ratio of the selected
  configuration beats the Sharpe ratio the best of ``trials`` skill-less configurations
  would be expected to show, given the track record's length, skewness and kurtosis.
- The **probability of backtest overfitting** by combinatorially symmetric cross-validation
  (Bailey, Borwein, López de Prado and Zhu, "The Probability of Backtest Overfitting",
  Journal of Computational Finance, 2017): cut the trials' return matrix into ``S`` blocks
  of rows, and for every way of choosing half of them as in-sample, see where the
  in-sample winner ranks out of sample; PBO is the share of choices where it ranks in the
  bottom half.

Sharpe ratios here are per observation (not annualised): a daily series' Sharpe, as the
papers' formulas read them. No database, no engine: callers hand in arrays of returns. The
normal distribution is the standard library's (`statistics.NormalDist`).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
EULER_GAMMA = 0.5772156649015329  # the Euler–Mascheroni constant
NORMAL = NormalDist()
MAX_BLOCKS = 16  # C(16, 8) = 12,870 splits: the most CSCV is asked to enumerate


def sharpe(returns: FloatArray, axis: int = 0) -> FloatArray:
    """Mean over standard deviation (ddof 1) along ``axis``; 0 where a series is flat."""
    mean = returns.mean(axis=axis)
    std = returns.std(axis=axis, ddof=1)
    flat = ~(std > 1e-15)
    out = np.divide(mean, np.where(flat, 1.0, std))
    return np.where(flat, 0.0, out)


@dataclass(frozen=True, slots=True)
class Moments:
    """What the deflated Sharpe ratio reads of one series of returns."""

    sharpe: float  # per observation
    observations: int
    skew: float
    kurtosis: float  # not excess: a normal distribution's is 3


def moments(returns: FloatArray) -> Moments:
    """The Sharpe ratio, length, skewness and kurtosis of ``returns`` (a flat series reads
    as normal: skew 0, kurtosis 3)."""
    values = np.asarray(returns, dtype=np.float64)
    ratio = float(sharpe(values))
    if values.size < 3 or not values.std() > 1e-15:
        return Moments(ratio, int(values.size), 0.0, 3.0)
    centred = values - values.mean()
    variance = float(np.mean(centred**2))
    skew = float(np.mean(centred**3)) / variance**1.5
    kurtosis = float(np.mean(centred**4)) / variance**2
    return Moments(ratio, int(values.size), skew, kurtosis)


def expected_max_sharpe(trials: int, variance: float) -> float:
    """The Sharpe ratio the best of ``trials`` independent skill-less configurations is
    expected to show, when the trials' Sharpe ratios vary by ``variance`` (the deflated
    Sharpe paper's approximation through the Euler–Mascheroni constant). One trial: 0."""
    if trials <= 1 or variance <= 0:
        return 0.0
    z = NORMAL.inv_cdf
    spread = (1 - EULER_GAMMA) * z(1 - 1 / trials) + EULER_GAMMA * z(1 - 1 / (trials * math.e))
    return float(math.sqrt(variance) * spread)


@dataclass(frozen=True, slots=True)
class DeflatedSharpe:
    """The deflated Sharpe ratio with every input it was computed from."""

    dsr: float  # a probability, 0 to 1
    sharpe: float  # the selected configuration's, per observation
    benchmark: float  # SR0: the best skill-less trial's expected Sharpe
    trials: int
    sharpe_variance: float  # of the trials' Sharpe ratios
    observations: int
    skew: float
    kurtosis: float


def deflated_sharpe(
    selected: Moments, *, trials: int, sharpe_variance: float
) -> DeflatedSharpe | None:
    """The probability that ``selected``'s true Sharpe ratio beats the expected best of
    ``trials`` skill-less ones (its probabilistic Sharpe ratio against that benchmark);
    None for fewer than two observations, or moments that leave no variance."""
    n = selected.observations
    benchmark = expected_max_sharpe(trials, sharpe_variance)
    ratio = selected.sharpe
    spread = 1 - selected.skew * ratio + (selected.kurtosis - 1) / 4 * ratio**2
    if n < 2 or spread <= 0:
        return None
    z = (ratio - benchmark) * math.sqrt(n - 1) / math.sqrt(spread)
    return DeflatedSharpe(
        dsr=NORMAL.cdf(z),
        sharpe=ratio,
        benchmark=benchmark,
        trials=trials,
        sharpe_variance=sharpe_variance,
        observations=n,
        skew=selected.skew,
        kurtosis=selected.kurtosis,
    )


@dataclass(frozen=True, slots=True)
class Overfitting:
    """PBO by CSCV with its inputs and the logits it counted."""

    pbo: float  # share of splits whose in-sample winner ranks in the bottom half out of sample
    blocks: int  # S
    splits: int  # C(S, S/2)
    trials: int  # N: the matrix's columns
    observations: int  # T: its rows
    logits: tuple[float, ...]  # λ per split: log(ω / (1 - ω)), ω the winner's relative rank


def cscv_pbo(returns: FloatArray, *, blocks: int = 10) -> Overfitting | None:
    """The probability of backtest overfitting of ``returns`` (a T×N matrix: a row per
    observation, a column per configuration tried), by combinatorially symmetric
    cross-validation over ``blocks`` (S, even) blocks of consecutive rows (sizes differ by
    one row at most when S does not divide T). The performance measure is the Sharpe ratio.
    A split whose in-sample winner lands exactly on the out-of-sample median (λ = 0) counts
    as overfit. None with fewer than two configurations or a block of under two rows."""
    matrix = np.asarray(returns, dtype=np.float64)
    if blocks < 2 or blocks % 2 or blocks > MAX_BLOCKS:
        raise ValueError(f"blocks must be even, from 2 to {MAX_BLOCKS}")
    rows, trials = matrix.shape
    if trials < 2 or rows < 2 * blocks:
        return None
    parts = np.array_split(np.arange(rows), blocks)
    logits: list[float] = []
    for chosen in itertools.combinations(range(blocks), blocks // 2):
        inside = np.concatenate([parts[i] for i in chosen])
        outside = np.concatenate([parts[i] for i in range(blocks) if i not in chosen])
        winner = int(np.argmax(sharpe(matrix[inside])))
        tested = sharpe(matrix[outside])
        # Rank 1 (worst) to N (best), ties sharing their average rank.
        below, level = np.sum(tested < tested[winner]), np.sum(tested == tested[winner])
        rank = float(below) + (float(level) + 1) / 2
        omega = rank / (trials + 1)
        logits.append(math.log(omega / (1 - omega)))
    overfit = sum(1 for value in logits if value <= 0)
    return Overfitting(
        pbo=overfit / len(logits),
        blocks=blocks,
        splits=len(logits),
        trials=trials,
        observations=rows,
        logits=tuple(round(v, 6) for v in logits),
    )
