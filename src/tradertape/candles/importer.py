"""Reading candles from a CSV or Parquet file (``tradertape data import``).

Accepted shape: a time column (``date``, ``datetime``, ``timestamp`` or ``time``) and
``open, high, low, close, volume`` — Kite's historical-data CSV (``date`` like
``2024-01-01T09:15:00+0530``, an optional ``oi``) is one such file. Column names are matched
case-insensitively; other columns are ignored. Naive times are taken as IST. Rows may come in
any order; a repeated time is an error. Every failure names the column and the line (CSV) or
row (Parquet), and nothing is returned, so nothing is written. A broker's historical-candle
answer saved as JSON (Kite's and Upstox's ``data.candles`` rows) is read too (`read_json`).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from tradertape.candles.bars import Bars, FloatArray, TimeArray, validate_bars
from tradertape.domain.calendar import IST
from tradertape.domain.market import Interval
from tradertape.errors import InvalidField

TIME_COLUMNS = ("date", "datetime", "timestamp", "time")
VALUE_COLUMNS = ("open", "high", "low", "close", "volume")


@dataclass(frozen=True, slots=True)
class ImportedFile:
    """Candles read from a file, and the file's name for the series' origin."""

    bars: Bars
    time_column: str
    origin: str


def _find_columns(names: list[str]) -> tuple[str, dict[str, str]]:
    lower = {n.strip().lower(): n for n in names}
    time_column = next((lower[c] for c in TIME_COLUMNS if c in lower), None)
    if time_column is None:
        raise InvalidField("date", f"no time column: expected one of {', '.join(TIME_COLUMNS)}")
    missing = [c for c in VALUE_COLUMNS if c not in lower]
    if missing:
        raise InvalidField(missing[0], f"missing column(s) {', '.join(missing)}")
    return time_column, {c: lower[c] for c in VALUE_COLUMNS}


def _to_moment(value: object, interval: Interval) -> np.datetime64:
    if isinstance(value, str):
        text = value.strip()
        value = datetime.fromisoformat(text) if len(text) > 10 else date.fromisoformat(text)
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=IST)
        if interval is Interval.DAY:
            return np.datetime64(aware.astimezone(IST).date(), "D")
        return np.datetime64(aware.astimezone(UTC).replace(tzinfo=None), "s")
    if isinstance(value, date):
        if interval is Interval.MINUTE:
            raise ValueError("a date without a time cannot be a minute candle")
        return np.datetime64(value, "D")
    raise ValueError(f"{value!r} is not a date or time")


def _times(
    values: list[object], interval: Interval, column: str, where: Callable[[int], str]
) -> TimeArray:
    out = []
    for row, value in enumerate(values):
        try:
            out.append(_to_moment(value, interval))
        except (ValueError, TypeError) as exc:
            raise InvalidField(column, f"{where(row)}: {value!r}: {exc}") from exc
    return np.array(out, dtype="datetime64[D]" if interval is Interval.DAY else "datetime64[s]")


def _numbers(values: list[object], column: str, where: Callable[[int], str]) -> FloatArray:
    out = np.empty(len(values))
    for row, value in enumerate(values):
        try:
            out[row] = float(value)  # type: ignore[arg-type]  # a bad type is reported below
        except (ValueError, TypeError) as exc:
            raise InvalidField(column, f"{where(row)}: {value!r} is not a number") from exc
    return out


def _assemble(
    columns: dict[str, list[object]],
    time_column: str,
    names: dict[str, str],
    interval: Interval,
    where: Callable[[int], str],
) -> Bars:
    time = _times(columns[time_column], interval, time_column, where)
    values = {c: _numbers(columns[names[c]], names[c], where) for c in VALUE_COLUMNS}
    order = np.argsort(time, kind="stable")
    bars = Bars.from_arrays(interval, time=time[order], **{c: v[order] for c, v in values.items()})

    def original(row: int) -> str:  # rows were sorted: report the file's own line
        return where(int(order[row]))

    validate_bars(bars, time_field=time_column, describe_row=original)
    return bars


def read_csv(path: Path, interval: Interval) -> ImportedFile:
    """Candles from a CSV file with a header row."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise InvalidField("file", f"{path.name} is empty")
        rows = [r for r in reader if any(cell.strip() for cell in r)]
    time_column, names = _find_columns(header)
    for number, row in enumerate(rows, start=2):
        if len(row) != len(header):
            raise InvalidField(
                "file", f"line {number}: {len(row)} fields, header has {len(header)}"
            )
    columns: dict[str, list[object]] = {name: [] for name in header}
    for row in rows:
        for name, cell in zip(header, row, strict=True):
            columns[name].append(cell)
    bars = _assemble(columns, time_column, names, interval, lambda i: f"line {i + 2}")
    return ImportedFile(bars=bars, time_column=time_column, origin=path.name)


def read_parquet(path: Path, interval: Interval) -> ImportedFile:
    """Candles from a Parquet file."""
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InvalidField("file", f"{path.name} is not a readable Parquet file: {exc}") from exc
    time_column, names = _find_columns(table.column_names)
    columns: dict[str, list[object]] = {
        name: table.column(name).to_pylist() for name in [time_column, *names.values()]
    }
    bars = _assemble(columns, time_column, names, interval, lambda i: f"row {i + 1}")
    return ImportedFile(bars=bars, time_column=time_column, origin=path.name)


def read_json(path: Path, interval: Interval) -> ImportedFile:
    """Candles from a broker's historical-candle answer saved as JSON: Kite's and Upstox's
    ``{"data": {"candles": [[timestamp, open, high, low, close, volume(, oi)], …]}}``, or
    the bare list of rows."""
    try:
        body = json.loads(path.read_text(encoding="utf-8-sig"))
    except (ValueError, OSError) as exc:
        raise InvalidField("file", f"{path.name} is not readable JSON: {exc}") from exc
    rows = body
    if isinstance(body, dict):
        data = body.get("data", body)
        rows = data.get("candles") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise InvalidField("file", f"{path.name}: expected data.candles, a list of candle rows")
    columns: dict[str, list[object]] = {c: [] for c in ("date", *VALUE_COLUMNS)}
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, list) or len(row) < len(columns):
            raise InvalidField(
                "file", f"candle {number}: expected [timestamp, open, high, low, close, volume]"
            )
        for name, cell in zip(columns, row, strict=False):
            columns[name].append(cell)
    names = {c: c for c in VALUE_COLUMNS}
    bars = _assemble(columns, "date", names, interval, lambda i: f"candle {i + 1}")
    return ImportedFile(bars=bars, time_column="date", origin=path.name)


def read_candle_file(path: Path, interval: Interval) -> ImportedFile:
    """Candles from ``path`` by its extension (``.csv``, ``.parquet``/``.pq`` or ``.json``)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_csv(path, interval)
    if suffix in (".parquet", ".pq"):
        return read_parquet(path, interval)
    if suffix == ".json":
        return read_json(path, interval)
    raise InvalidField("file", f"{path.name}: expected a .csv, .parquet or .json file")
