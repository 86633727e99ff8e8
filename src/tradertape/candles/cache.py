"""The warm cache behind `CandleStore.load_panel`: whole daily series, checked against the file.

An entry is trusted only while its file's (mtime, size, inode) stamp is unchanged, so a series
rewritten by another process (``tradertape data import`` while the server runs) is re-read
on the next load, and a warm load costs one ``stat`` per instrument plus the alignment.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tradertape.candles.bars import Bars, CandleSource, FloatArray

Stamp = tuple[int, int, int]


def stamp_of(path: Path) -> Stamp | None:
    """The file's identity right now, or None if it does not exist."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


Fields = tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]


@dataclass(frozen=True, slots=True, eq=False)
class CachedSeries:
    """A daily series ready for alignment.

    ``days`` and ``fields`` hold every bar; ``pos`` holds, for the bars that fall on the
    calendar's trading-day axis, their row on that axis, with ``axis_fields`` the matching
    values. A panel is then a slice of ``pos`` and five array copies per instrument.
    """

    stamp: Stamp
    source: CandleSource
    days: npt.NDArray[np.int64]
    fields: Fields
    pos: npt.NDArray[np.int64]
    axis_fields: Fields

    @classmethod
    def of(
        cls, stamp: Stamp, source: CandleSource, bars: Bars, axis: npt.NDArray[np.int64]
    ) -> CachedSeries:
        """Index ``bars`` against ``axis`` (day numbers); arrays are made read-only."""
        days = (bars.time.astype("datetime64[D]") - np.datetime64(0, "D")).astype(np.int64)
        fields: Fields = (bars.open, bars.high, bars.low, bars.close, bars.volume)
        return cls.of_days(stamp, source, days, fields, axis)

    @classmethod
    def of_days(
        cls,
        stamp: Stamp,
        source: CandleSource,
        days: npt.NDArray[np.int64],
        fields: Fields,
        axis: npt.NDArray[np.int64],
    ) -> CachedSeries:
        """`of` from the bars' day numbers and fields (a packed series, `day_pack`)."""
        pos = np.searchsorted(axis, days).astype(np.int64)
        on = axis[np.minimum(pos, axis.size - 1)] == days if axis.size else days < 0
        if on.all():
            axis_fields = fields
        else:  # bars off the calendar (a Muhurat session, an import from before it) drop out
            pos = pos[on]
            o, h, lo, c, v = (f[on] for f in fields)
            axis_fields = (o, h, lo, c, v)
        for array in (days, pos, *fields, *axis_fields):
            array.flags.writeable = False
        return cls(stamp, source, days, fields, pos, axis_fields)


class SeriesCache:
    """A thread-safe LRU of `CachedSeries` keyed by file path."""

    def __init__(self, max_series: int) -> None:
        self._max = max_series
        self._entries: OrderedDict[Path, CachedSeries] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, path: Path, stamp: Stamp) -> CachedSeries | None:
        """The entry for ``path`` if it was cached from the file as it is now."""
        with self._lock:
            entry = self._entries.get(path)
            if entry is None or entry.stamp != stamp:
                return None
            self._entries.move_to_end(path)
            return entry

    def put(self, path: Path, entry: CachedSeries) -> None:
        """Remember an entry, evicting the least recently used beyond the limit."""
        with self._lock:
            self._entries[path] = entry
            self._entries.move_to_end(path)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def forget(self, path: Path) -> None:
        """Drop an entry (after this process rewrote the file)."""
        with self._lock:
            self._entries.pop(path, None)

    def __len__(self) -> int:
        return len(self._entries)
