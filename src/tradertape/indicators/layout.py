"""Which rows of each column hold a bar, and how kernels read and write just those rows.

An indicator is computed on an instrument's present rows only (non-NaN close), as if the
days without a bar did not exist: a three-day suspension shifts the window, it does not
poison it. Most columns are one unbroken run of present rows (maybe after a listing date),
and for those kernels work on a slice of the panel itself, without copying; only a column
with holes is gathered into a scratch buffer and its results scattered back.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from tradertape.indicators.jit import kernel

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class Rows(NamedTuple):
    """Present rows of every column of a (T, N) panel.

    Column ``j`` holds ``present[j]`` bars. If ``gap_offset[j]`` is -1 they are the rows
    ``start[j] .. start[j] + present[j] - 1``; otherwise they are listed in ``gap_rows``
    from ``gap_offset[j]`` on (the rows of every column with holes, one after another).
    """

    start: IntArray
    present: IntArray
    gap_offset: IntArray
    gap_rows: IntArray


def present_rows(close: FloatArray) -> Rows:
    """The layout of a panel: a row is present in a column when its close is not NaN."""
    if close.ndim != 2:
        raise ValueError(f"expected a (days, instruments) array, got shape {close.shape}")
    days, columns = close.shape
    mask = ~np.isnan(close)
    count = mask.sum(axis=0).astype(np.int64)
    start = np.where(count > 0, mask.argmax(axis=0), 0).astype(np.int64)
    last = days - 1 - mask[::-1].argmax(axis=0)
    gapped = np.flatnonzero((count > 0) & (last - start + 1 != count))
    gap_offset = np.full(columns, -1, dtype=np.int64)
    chunks: list[IntArray] = []
    offset = 0
    for j in gapped:
        gap_offset[j] = offset
        chunks.append(np.flatnonzero(mask[:, j]).astype(np.int64))
        offset += int(count[j])
    gap_rows = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int64)
    return Rows(start, count, gap_offset, gap_rows)


@kernel
def column(x: FloatArray, j: int, rows: Rows) -> FloatArray:
    """Column ``j``'s values on its present rows: a view when they are contiguous, else a copy."""
    g = rows.gap_offset[j]
    values: FloatArray
    if g < 0:
        values = x[rows.start[j] : rows.start[j] + rows.present[j], j]
    else:
        values = x[rows.gap_rows[g : g + rows.present[j]], j]
    return values


@kernel
def target(out: FloatArray, j: int, rows: Rows, scratch: FloatArray) -> FloatArray:
    """Where a kernel writes column ``j``'s results (NaN-filled): the output itself when the
    column is contiguous, else the front of ``scratch`` (then `scatter` it)."""
    if rows.gap_offset[j] < 0:
        return out[rows.start[j] : rows.start[j] + rows.present[j], j]
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
