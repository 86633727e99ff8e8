"""A portfolio's benchmark on its own equity curve's dates: the universe index rebased to the
curve's first equity, so the dashboard can draw "what buy-and-hold of the index would be"."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np

from tradertape.candles import CandleStore
from tradertape.domain.calendar import OutsideCalendarError
from tradertape.domain.money import paise
from tradertape.services.research.simulation import universe_keys


def benchmark_curve(
    store: CandleStore, universe: str, curve: list[dict[str, Any]]
) -> tuple[str, list[dict[str, Any]]]:
    """The universe's index key and its closes on ``curve``'s dates, scaled so the first
    point equals the curve's first equity (empty when either has no data)."""
    _, key = universe_keys(store, universe)
    days = [date.fromisoformat(str(p["date"])) for p in curve if p.get("equity") is not None]
    if not days:
        return key, []
    start = max(min(days), store.calendar.first_day)
    try:
        panel = store.load_panel([key], start, max(days))
    except OutsideCalendarError:
        return key, []
    closes = {
        d.astype(object): float(c)
        for d, c in zip(panel.days, panel.close[:, 0], strict=True)
        if not np.isnan(c)
    }
    points = [(p, closes.get(date.fromisoformat(str(p["date"])))) for p in curve]
    anchored = [(p, c) for p, c in points if c is not None and p.get("equity") is not None]
    if not anchored:
        return key, []
    first, base = anchored[0]
    scale = Decimal(str(first["equity"])) / Decimal(str(base))
    out = []
    for point, close in anchored:
        if close is None or not math.isfinite(close):
            continue
        out.append({"date": str(point["date"]), "value": paise(Decimal(str(close)) * scale)})
    return key, out
