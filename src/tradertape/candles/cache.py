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


@dataclass(frozen=True, slots=True, eq=False)
class CachedSeries:
    """A daily series ready for alignment: integer day numbers and the five fields."""

    stamp: Stamp
    source: CandleSource
    days: npt.NDArray[np.int64]
    fields: tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]

    @classmethod
    def of(
        cls, stamp: Stamp, source: CandleSource, bars: Bars, days: npt.NDArray[np.int64]
    ) -> CachedSeries:
        """Freeze ``bars`` into an entry (arrays made read-only: entries are shared)."""
        fields = (bars.open, bars.high, bars.low, bars.close, bars.volume)
        for array in (days, *fields):
            array.flags.writeable = False
        return cls(stamp=stamp, source=source, days=days, fields=fields)


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
