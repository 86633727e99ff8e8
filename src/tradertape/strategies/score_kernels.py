"""Conviction scoring, compiled: each scorer adds its points into the score grid in one pass.

`tradertape.strategies.compile` sums a document's scorers into one (days × symbols) score;
each kernel here adds one scorer's contribution, cell by cell, exactly as the NumPy
expression it replaces would (``total += nan_to_num(points)``): the same operations in the
same order, so a score is the same double to the last bit, and no temporary grid is made.

Grids arrive symbol-major, ``(symbols, days)`` and C-contiguous: the transposed view of the
candle store's Fortran-ordered panels, so no copy is made and every kernel has one build.
One module for all of them: numba's disk cache follows the defining file only.
"""

from __future__ import annotations

import numpy as np

from tradertape.indicators.layout import FloatArray
from tradertape.jit import inlined, kernel

_LARGEST = np.finfo(np.float64).max


@inlined
def _finite(value: float) -> float:
    """``np.nan_to_num``: NaN → 0, ±inf → ± the largest double."""
    if np.isnan(value):
        return 0.0
    if value == np.inf:
        return float(_LARGEST)
    if value == -np.inf:
        return float(-_LARGEST)
    return value


@kernel
def add_weighted(total: FloatArray, values: FloatArray, weight: float, unset: bool) -> None:
    """``weight × values``; ``unset``: ``total`` holds nothing yet and counts as zeros (the
    first scorer: its grid is not zeroed in a pass of its own first)."""
    for j in range(total.shape[0]):
        for t in range(total.shape[1]):
            before = 0.0 if unset else total[j, t]
            total[j, t] = before + _finite(values[j, t] * weight)


@kernel
def add_buckets(
    total: FloatArray,
    values: FloatArray,
    bounds: FloatArray,
    limited: np.ndarray,
    points: FloatArray,
) -> None:
    """The points of the first bucket ``values`` falls in (``bounds[k] = (min, max)``, each
    checked where ``limited[k]`` says it is set); 0 in none, and for NaN."""
    for j in range(total.shape[0]):
        for t in range(total.shape[1]):
            v = values[j, t]
            found = 0.0
            if not np.isnan(v):
                for k in range(points.shape[0]):
                    if limited[k, 0] and not v >= bounds[k, 0]:
                        continue
                    if limited[k, 1] and not v < bounds[k, 1]:
                        continue
                    found = points[k]
                    break
            total[j, t] += _finite(found)


@kernel
def add_categories(
    total: FloatArray, codes: FloatArray, labels: FloatArray, points: FloatArray
) -> None:
    """``points[k]`` where the code is ``labels[k]`` (the last such label), else 0."""
    for j in range(total.shape[0]):
        for t in range(total.shape[1]):
            code = codes[j, t]
            found = 0.0
            for k in range(labels.shape[0]):
                if code == labels[k]:
                    found = points[k]
            total[j, t] += _finite(found)


@kernel
def add_when(total: FloatArray, truth: np.ndarray, points: float) -> None:
    """``points`` where the condition holds (``truth × points``, so 0 × points elsewhere)."""
    for j in range(total.shape[0]):
        for t in range(total.shape[1]):
            total[j, t] += _finite((1.0 if truth[j, t] else 0.0) * points)
