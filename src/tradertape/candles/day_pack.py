"""Every daily series in one file beside the Parquet ones, so a cold panel reads one file.

An import rewrites the series it touches, so the first panel after it (the after-close scan
of every portfolio over the NIFTY 500) found its whole cache stale and read and decoded 500
Parquet files. The import now ends by packing (`write_pack`): each series' days and five
fields, stored raw in one file, with the stamp (mtime, size, inode) its Parquet file had
when it was packed. A load takes a series from the pack only while its Parquet file's stamp
is still that one, so the pack can never serve old candles: a series rewritten since, or
one the pack lacks, is read from its Parquet file as before. A pack that cannot be read
(missing, truncated, another format) is no pack at all.

Layout: ``MAGIC``, the header's length (8 bytes, little-endian), the header (JSON: each
series' file name under the day folder, stamp, source, first value and count), padding to
8 bytes, then one float64 array of shape (6, values): day numbers, open, high, low, close,
volume. Written to a temporary name and renamed over the target, as the Parquet files are.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tradertape.candles.bars import CandleSource
from tradertape.candles.cache import CachedSeries, Stamp, stamp_of

MAGIC = b"TTDAYPACK1\n"
NAME = "day.pack"  # under the store's root, beside the ``day/`` folder
_WIDTH = 8


@dataclass(frozen=True, slots=True)
class Packed:
    """One series as the pack holds it."""

    stamp: Stamp
    source: CandleSource
    start: int
    count: int


@dataclass(frozen=True, slots=True, eq=False)
class DayPack:
    """A pack as read: its own file's stamp, the series by file name, and the values."""

    stamp: Stamp
    series: dict[str, Packed]
    values: npt.NDArray[np.float64]  # (6, values), read-only

    def entry(self, name: str, stamp: Stamp, axis: npt.NDArray[np.int64]) -> CachedSeries | None:
        """The series of file ``name`` if it was packed from the file as it is now
        (``stamp``), indexed against ``axis``; None otherwise."""
        packed = self.series.get(name)
        if packed is None or packed.stamp != stamp:
            return None
        block = self.values[:, packed.start : packed.start + packed.count]
        days = block[0].astype(np.int64)
        o, h, lo, c, v = (block[k] for k in range(1, 6))
        return CachedSeries.of_days(stamp, packed.source, days, (o, h, lo, c, v), axis)


def read_pack(path: Path) -> DayPack | None:
    """The pack at ``path``, or None when there is none or it cannot be read whole."""
    stamp = stamp_of(path)
    if stamp is None:
        return None
    try:
        with path.open("rb") as handle:
            if handle.read(len(MAGIC)) != MAGIC:
                return None
            size = int.from_bytes(handle.read(_WIDTH), "little")
            header = json.loads(handle.read(size))
            handle.seek(-(len(MAGIC) + _WIDTH + size) % _WIDTH, os.SEEK_CUR)
            total = int(header["values"])
            values = np.fromfile(handle, dtype="<f8", count=6 * total)
        if values.size != 6 * total:
            return None
        series = {
            str(name): Packed(
                (int(st[0]), int(st[1]), int(st[2])), CandleSource(source), int(a), int(n)
            )
            for name, st, source, a, n in header["series"]
        }
        if any(p.start < 0 or p.count < 0 or p.start + p.count > total for p in series.values()):
            return None
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None  # torn, truncated or foreign: read the Parquet files instead
    values = values.reshape(6, total)
    values.flags.writeable = False
    return DayPack(stamp, series, values)


def write_pack(path: Path, entries: Iterable[tuple[str, CachedSeries]]) -> int:
    """Pack ``entries`` (file name under the day folder, the series as read with its file's
    stamp) into ``path`` atomically; how many series it holds."""
    header: list[list[Any]] = []
    blocks: list[npt.NDArray[np.float64]] = []
    start = 0
    for name, entry in entries:
        count = int(entry.days.size)
        block = np.empty((6, count))
        block[0] = entry.days
        for k, values in enumerate(entry.fields, start=1):
            block[k] = values
        blocks.append(block)
        header.append([name, list(entry.stamp), entry.source.value, start, count])
        start += count
    values = np.concatenate(blocks, axis=1) if blocks else np.empty((6, 0))
    encoded = json.dumps({"values": start, "series": header}).encode()
    lead = len(MAGIC) + _WIDTH + len(encoded)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with temporary.open("wb") as handle:
            handle.write(MAGIC)
            handle.write(len(encoded).to_bytes(_WIDTH, "little"))
            handle.write(encoded)
            handle.write(b"\0" * (-lead % _WIDTH))
            handle.write(np.ascontiguousarray(values, dtype="<f8").tobytes())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return len(header)
