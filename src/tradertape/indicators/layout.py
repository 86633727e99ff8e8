"""Which rows of each column of a panel hold a bar.

An indicator is computed on an instrument's present rows only (non-NaN close), as if the
days without a bar did not exist: a three-day suspension shifts the window, it does not
poison it. Most columns are one unbroken run of present rows (maybe after a listing date),
and for those the kernels work on a slice of the panel itself, without copying; only a
column with holes is gathered into a scratch buffer and its results scattered back (see
`kernels.values_of`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

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
    if days == 0:
        nothing = np.zeros(columns, dtype=np.int64)
        return Rows(nothing, nothing, np.full(columns, -1, dtype=np.int64), nothing[:0])
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
