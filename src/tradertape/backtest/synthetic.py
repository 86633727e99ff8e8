"""Daily panels from plain per-symbol lists: the backtest warm-up's tiny panel, and the
fixtures of tests and benchmarks.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from tradertape.candles.panel import Panel
from tradertape.domain.calendar_data import nse_calendar


def make_panel(
    close: dict[str, list[float]],
    *,
    open_: dict[str, list[float]] | None = None,
    high: dict[str, list[float]] | None = None,
    low: dict[str, list[float]] | None = None,
    sectors: dict[str, str] | None = None,
    start: date = date(2024, 1, 1),
) -> Panel:
    """A daily panel from per-symbol lists on consecutive NSE trading days from ``start``.

    Missing opens default to the close, highs and lows to the larger and smaller of open
    and close; NaN marks a day without a bar. Keys are sorted, as the backtester expects.
    """
    from tradertape.candles.panel import axis_between

    keys = sorted(close)
    n_days = len(close[keys[0]])
    days = axis_between(nse_calendar(), start, start + timedelta(days=n_days * 2 + 10))[:n_days]

    def grid(source: dict[str, list[float]] | None, fallback: npt.NDArray[np.float64]) -> Any:
        if source is None:
            return fallback
        out = fallback.copy()
        for j, key in enumerate(keys):
            if key in source:
                out[:, j] = source[key]
        return out

    c = np.array([close[k] for k in keys], dtype=np.float64).T.copy()
    o = grid(open_, c)
    h = grid(high, np.fmax(o, c))
    lo = grid(low, np.fmin(o, c))
    return Panel(
        days=days,
        keys=tuple(keys),
        sectors=tuple((sectors or {}).get(k) for k in keys),
        sources=tuple("synthetic" for _ in keys),
        open=o,
        high=h,
        low=lo,
        close=c,
        volume=np.full(c.shape, 1e5),
    )
