"""Reading candle files: Kite's CSV shape, Parquet, and errors that name the column and line."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tradertape.candles.importer import read_candle_file
from tradertape.domain.calendar import IST
from tradertape.domain.market import Interval
from tradertape.errors import InvalidField

KITE_DAY = """date,open,high,low,close,volume,oi
2024-01-02T00:00:00+0530,1500.5,1520,1490.05,1510,123456,0
2024-01-01T00:00:00+0530,1495,1505,1480,1500,100000,0
"""
KITE_MINUTE = """Date,Open,High,Low,Close,Volume
2024-01-01 09:15:00+05:30,100,101,99.5,100.5,1200
2024-01-01 09:16:00,100.5,100.9,100.1,100.2,800
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_kite_day_csv_sorted_by_date(tmp_path: Path):
    imported = read_candle_file(_write(tmp_path, "INFY.csv", KITE_DAY), Interval.DAY)
    bars = imported.bars
    assert bars.time.tolist() == [date(2024, 1, 1), date(2024, 1, 2)]
    assert bars.close.tolist() == [1500.0, 1510.0]
    assert bars.volume.tolist() == [100000.0, 123456.0]
    assert (imported.origin, imported.time_column) == ("INFY.csv", "date")


def test_minute_csv_takes_naive_times_as_ist(tmp_path: Path):
    bars = read_candle_file(_write(tmp_path, "m.csv", KITE_MINUTE), Interval.MINUTE).bars
    utc = np.array(["2024-01-01T03:45:00", "2024-01-01T03:46:00"], dtype="datetime64[s]")
    assert np.array_equal(bars.time, utc)


def test_parquet_with_dates_and_aware_times(tmp_path: Path):
    day = tmp_path / "d.parquet"
    pq.write_table(
        pa.table(
            {
                "date": [date(2024, 1, 1)],
                "open": [1.0],
                "high": [2.0],
                "low": [0.5],
                "close": [1.5],
                "volume": [10],
            }
        ),
        day,
    )
    assert read_candle_file(day, Interval.DAY).bars.close.tolist() == [1.5]
    minute = tmp_path / "m.pq"
    moment = datetime(2024, 1, 1, 9, 15, tzinfo=IST)
    pq.write_table(
        pa.table(
            {
                "timestamp": pa.array([moment], pa.timestamp("s", tz="Asia/Kolkata")),
                "open": [1.0],
                "high": [2.0],
                "low": [0.5],
                "close": [1.5],
                "volume": [10],
            }
        ),
        minute,
    )
    bars = read_candle_file(minute, Interval.MINUTE).bars
    assert bars.time[0] == np.datetime64("2024-01-01T03:45:00")


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        pytest.param("day,open\n", "date", "no time column", id="no-time-column"),
        pytest.param("date,open,high,low,close\n", "volume", "missing", id="missing-volume"),
        pytest.param(
            "date,open,high,low,close,volume\n2024-01-01,1,2,0.5,x,3\n",
            "close",
            "line 2: 'x' is not a number",
            id="not-a-number",
        ),
        pytest.param(
            "date,open,high,low,close,volume\n2024-01-01,1,2,0.5,1,3\n2024-01-02,1,0.9,0.5,1,3\n",
            "high",
            "line 3",
            id="high-below-close",
        ),
        pytest.param(
            "date,open,high,low,close,volume\n2024-01-01,1,2,0.5,1,3\n2024-01-01,1,2,0.5,1,3\n",
            "date",
            "repeats",
            id="duplicate-date",
        ),
        pytest.param(
            "date,open,high,low,close,volume\n2024-13-01,1,2,0.5,1,3\n",
            "date",
            "line 2",
            id="bad-date",
        ),
        pytest.param(
            "date,open,high,low,close,volume\n2024-01-01,1,2,0.5,1\n",
            "file",
            "5 fields",
            id="short-row",
        ),
        pytest.param("", "file", "empty", id="empty"),
    ],
)
def test_bad_csv_names_the_column_and_line(tmp_path: Path, text: str, field: str, message: str):
    with pytest.raises(InvalidField) as caught:
        read_candle_file(_write(tmp_path, "x.csv", text), Interval.DAY)
    assert caught.value.field == field
    assert message in caught.value.message


def test_minute_candles_need_a_time(tmp_path: Path):
    path = _write(tmp_path, "x.csv", "date,open,high,low,close,volume\n2024-01-01,1,2,0.5,1,3\n")
    with pytest.raises(InvalidField, match="without a time"):
        read_candle_file(path, Interval.MINUTE)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param("x.xlsx", "whatever", id="unknown-extension"),
        pytest.param("x.parquet", "not parquet", id="not-parquet"),
    ],
)
def test_unreadable_files(tmp_path: Path, name: str, content: str):
    with pytest.raises(InvalidField) as caught:
        read_candle_file(_write(tmp_path, name, content), Interval.DAY)
    assert caught.value.field == "file"


def test_parquet_nulls_are_reported(tmp_path: Path):
    path = tmp_path / "n.parquet"
    pq.write_table(
        pa.table(
            {
                "date": [date(2024, 1, 1)],
                "open": [None],
                "high": [2.0],
                "low": [0.5],
                "close": [1.5],
                "volume": [10],
            }
        ),
        path,
    )
    with pytest.raises(InvalidField) as caught:
        read_candle_file(path, Interval.DAY)
    assert (caught.value.field, "row 1" in caught.value.message) == ("open", True)


KITE_MINUTE_JSON = """{"status": "success", "data": {"candles": [
  ["2024-01-01T09:16:00+0530", 100.5, 100.9, 100.1, 100.2, 800],
  ["2024-01-01T09:15:00+0530", 100, 101, 99.5, 100.5, 1200, 0]
]}}"""


def test_a_brokers_historical_candle_json(tmp_path: Path):
    # Kite's (and Upstox's) answer as saved: data.candles rows, an optional oi column
    imported = read_candle_file(_write(tmp_path, "infy.json", KITE_MINUTE_JSON), Interval.MINUTE)
    bars = imported.bars
    # 09:15 and 09:16 IST, stored as UTC instants
    assert (
        bars.time.tolist()
        == np.array(["2024-01-01T03:45:00", "2024-01-01T03:46:00"], dtype="datetime64[s]").tolist()
    )
    assert bars.open.tolist() == [100.0, 100.5]
    assert bars.volume.tolist() == [1200.0, 800.0]
    assert imported.origin == "infy.json"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1, 2", "not readable JSON"),
        ('{"data": {}}', "expected data.candles"),
        ('{"data": {"candles": [["2024-01-01T09:15:00+0530", 1, 2]]}}', "candle 1: expected"),
    ],
)
def test_bad_json_says_what_it_expected(tmp_path: Path, text: str, message: str):
    with pytest.raises(InvalidField, match=message) as caught:
        read_candle_file(_write(tmp_path, "bad.json", text), Interval.MINUTE)
    assert caught.value.field == "file"
