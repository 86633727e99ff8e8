"""The on-disk format of one candle file: Parquet columns plus a few key-value facts.

Columns: ``date`` (date32, day bars) or ``time`` (timestamp[s, UTC], minute bars), then
``open high low close`` (float64) and ``volume`` (int64). The schema metadata records the
instrument, the interval, the source (``synthetic``/``import``/``broker``), a free-text
origin (generator and seed, or the imported file) and the first and last bar, so coverage is
known from the footer without reading a column. Files are written to a temporary name and
renamed over the target, so a reader never sees half a file.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from tradertape.candles.bars import Bars, CandleSource
from tradertape.domain.market import Interval

FORMAT_VERSION = "1"
_PREFIX = "tradertape."
_TIME_COLUMN = {Interval.DAY: "date", Interval.MINUTE: "time"}


@dataclass(frozen=True, slots=True)
class FileFacts:
    """What a candle file's footer says about it."""

    key: str
    interval: Interval
    source: CandleSource
    origin: str
    first: datetime | date | None
    last: datetime | date | None
    rows: int


def _iso(value: np.datetime64) -> str:
    return str(value)


def _parse_bound(interval: Interval, text: str) -> date | datetime | None:
    if not text:
        return None
    if interval is Interval.DAY:
        return date.fromisoformat(text)
    return datetime.fromisoformat(text + "+00:00")


def write_file(
    path: Path, interval: Interval, bars: Bars, *, key: str, source: CandleSource, origin: str
) -> None:
    """Write ``bars`` (already validated) to ``path`` atomically."""
    metadata = {
        f"{_PREFIX}format": FORMAT_VERSION,
        f"{_PREFIX}key": key,
        f"{_PREFIX}interval": interval.value,
        f"{_PREFIX}source": source.value,
        f"{_PREFIX}origin": origin,
        f"{_PREFIX}first": _iso(bars.time[0]) if len(bars) else "",
        f"{_PREFIX}last": _iso(bars.time[-1]) if len(bars) else "",
    }
    time: pa.Array[Any]
    if interval is Interval.DAY:
        time = pa.array(bars.time, type=pa.date32())
    else:
        time = pa.array(bars.time, type=pa.timestamp("s", tz="UTC"))
    table = pa.table(
        {
            _TIME_COLUMN[interval]: time,
            "open": pa.array(bars.open),
            "high": pa.array(bars.high),
            "low": pa.array(bars.low),
            "close": pa.array(bars.close),
            "volume": pa.array(bars.volume.astype(np.int64)),
        },
        metadata=metadata,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        pq.write_table(table, temporary, compression="zstd")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def read_file(path: Path, interval: Interval) -> Bars:
    """All candles of one file."""
    return read_with_facts(path, interval)[0]


def read_with_facts(path: Path, interval: Interval) -> tuple[Bars, FileFacts]:
    """All candles of one file and its footer facts, opening it once."""
    # No pre-buffering and no thread pool: for files this small both cost more than they save.
    parquet = pq.ParquetFile(path, pre_buffer=False)
    table = parquet.read(use_threads=False)
    bars = Bars.from_arrays(
        interval,
        time=_times(table, interval),
        open=_values(table, "open"),
        high=_values(table, "high"),
        low=_values(table, "low"),
        close=_values(table, "close"),
        volume=_values(table, "volume").astype(np.float64),
    )
    return bars, _facts(parquet)


def _times(table: pa.Table, interval: Interval) -> npt.NDArray[np.datetime64]:
    """The time column in its stored NumPy unit (Parquet keeps seconds as milliseconds)."""
    if interval is Interval.DAY:
        return _values(table, "date").astype("datetime64[D]")
    seconds = table.column("time").cast(pa.timestamp("s", tz="UTC"))
    return _values(pa.table({"time": seconds}), "time").view("datetime64[s]")


def _values(table: pa.Table, name: str) -> npt.NDArray[Any]:
    """One column's values as a NumPy view of its Arrow buffer (a date as days since 1970).

    Arrow's own ``to_numpy`` imports pandas on first use, which costs a fresh process a second
    or more; the candle columns are plain fixed-width values, so their buffer is the array.
    """
    column = table.column(name).combine_chunks()
    if column.null_count:
        raise ValueError(f"candle column {name!r} has missing values")
    kind = column.type
    width = kind.bit_width // 8
    dtype = (
        np.dtype(f"i{width}")
        if pa.types.is_integer(kind) or pa.types.is_temporal(kind)
        else np.dtype(f"f{width}")
    )
    data = column.buffers()[1]
    assert data is not None
    return np.frombuffer(
        memoryview(data), dtype=dtype, count=len(column), offset=column.offset * width
    )


def read_facts(path: Path) -> FileFacts:
    """The footer facts of one file, without reading its columns."""
    return _facts(pq.ParquetFile(path))


def _facts(parquet: pq.ParquetFile) -> FileFacts:
    raw = parquet.schema_arrow.metadata or {}
    meta = {k.decode(): v.decode() for k, v in raw.items() if k.startswith(_PREFIX.encode())}
    interval = Interval(meta[f"{_PREFIX}interval"])
    return FileFacts(
        key=meta[f"{_PREFIX}key"],
        interval=interval,
        source=CandleSource(meta[f"{_PREFIX}source"]),
        origin=meta.get(f"{_PREFIX}origin", ""),
        first=_parse_bound(interval, meta.get(f"{_PREFIX}first", "")),
        last=_parse_bound(interval, meta.get(f"{_PREFIX}last", "")),
        rows=parquet.metadata.num_rows,
    )
