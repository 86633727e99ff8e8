"""Kite's own rows as the port's Kite shapes: the SDK parses some fields, we undo it.

``kiteconnect`` turns timestamps into ``datetime`` objects; the port's rows keep Kite's
wire text, so every venue's rows read alike. Candles become `DailyBar`s.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from tradertape_brokers.port import DailyBar


def kite_shaped(value: Any) -> Any:
    """`value` with the datetimes the SDK parsed turned back into Kite's own text."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return value.isoformat()
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dict):
        return {k: kite_shaped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [kite_shaped(v) for v in value]
    return value


def daily_bars(rows: Iterable[Mapping[str, Any]]) -> list[DailyBar]:
    """The SDK's day candles (``date`` a datetime, ``open``…``volume``) as bars."""
    return [
        DailyBar(
            day=row["date"].date(),
            open=float(row["open"]),
            high=float(row["high"]),
            low=float(row["low"]),
            close=float(row["close"]),
            volume=int(row["volume"]),
        )
        for row in rows
    ]
