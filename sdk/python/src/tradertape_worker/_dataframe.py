"""Candles as a pandas DataFrame or NumPy arrays (the ``[dataframe]`` extra).

pandas and NumPy are imported when these are called, so the base SDK never needs them.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tradertape_worker._models import WorkerCandle, WorkerHistoricalCandles

OHLCV_COLUMNS = ("open", "high", "low", "close", "volume", "oi", "is_complete")


def _require(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"{module} is needed here: pip install 'tradertape-worker[dataframe]'"
        ) from exc


def _rows(source: Any) -> list[dict[str, Any]]:
    if isinstance(source, WorkerHistoricalCandles):
        candles: list[Any] = [*source.candles, *([source.current] if source.current else [])]
    elif isinstance(source, Mapping):
        current = source.get("current")
        candles = [*(source.get("candles") or []), *([current] if current else [])]
    elif isinstance(source, Iterable):
        candles = list(source)
    else:
        raise TypeError("pass a candles response, a typed snapshot, or a list of candles")
    rows = []
    for candle in candles:
        data = candle.model_dump() if isinstance(candle, WorkerCandle) else dict(candle)
        rows.append({"ts": data["ts"], **{c: data.get(c) for c in OHLCV_COLUMNS}})
    return rows


def candles_to_df(source: Any) -> Any:
    """A DataFrame indexed by ``ts`` (aware timestamps), oldest first, one row per candle."""
    pd = _require("pandas")
    frame = pd.DataFrame(_rows(source), columns=["ts", *OHLCV_COLUMNS])
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    # A candle without the flag is complete; built per value, not with fillna on an object
    # column (pandas 2 warns that it will stop downcasting there).
    frame["is_complete"] = [True if pd.isna(v) else bool(v) for v in frame["is_complete"]]
    return frame.drop_duplicates("ts", keep="last").set_index("ts").sort_index()


@dataclass(frozen=True)
class OhlcvArrays:
    """Candle columns as NumPy arrays."""

    index: Any
    open: Any
    high: Any
    low: Any
    close: Any
    volume: Any
    is_complete: Any


def ohlcv_arrays(source: Any) -> OhlcvArrays:
    """The candles' columns as float arrays (``is_complete`` as bools)."""
    frame = candles_to_df(source)
    np = _require("numpy")

    def column(name: str) -> Any:
        return frame[name].to_numpy(dtype=np.float64)

    return OhlcvArrays(
        index=frame.index.to_numpy(),
        open=column("open"),
        high=column("high"),
        low=column("low"),
        close=column("close"),
        volume=column("volume"),
        is_complete=frame["is_complete"].to_numpy(dtype=bool),
    )
