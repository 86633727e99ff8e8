"""What the reference engines share: exact tick-price arithmetic and a common trade record.

The references are written here, independently of `tradertape.strategies` and
`tradertape.backtest`; they only borrow the candles. Prices on the tick grid are whole paise,
so sums of them are exact integers — used wherever a rule could tie.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import NamedTuple

import backtrader as bt
import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped]  # no stubs installed; frames only

from tradertape.backtest.engine import BacktestResult
from tradertape.candles.panel import Panel

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]


class RoundTrip(NamedTuple):
    """One position from fill to fill; ``reason == "end_of_data"`` is still open, marked at
    the last close."""

    symbol: str
    entry_date: date
    entry_price: float
    quantity: int
    exit_date: date
    exit_price: float
    reason: str


def ours(result: BacktestResult) -> list[RoundTrip]:
    """Our engine's trades as round trips, sorted like the references'."""
    return sorted(
        RoundTrip(
            t.symbol,
            t.entry_date,
            t.entry_price,
            t.quantity,
            t.exit_date,
            t.exit_price,
            t.exit_reason,
        )
        for t in result.trades
    )


def paise(prices: FloatArray) -> IntArray:
    """Prices as whole paise; fails if one is off the grid."""
    scaled = np.rint(prices * 100.0)
    assert np.all(np.abs(prices * 100.0 - scaled) < 1e-6), "a price off the paisa grid"
    return scaled.astype(np.int64)


def rolling_sum(values: IntArray, n: int) -> IntArray:
    """Sum of the last ``n`` values on each day (exact); meaningful from row ``n - 1`` on."""
    total = np.cumsum(values, dtype=np.int64)
    out = total.copy()
    out[n:] -= total[:-n]
    return out


def exact_sma_crosses(close: FloatArray, fast: int, slow: int) -> tuple[BoolArray, BoolArray]:
    """Days SMA(fast) crosses SMA(slow) upwards and downwards, decided on integers.

    SMA(fast) > SMA(slow) exactly when ``sum_fast * slow > sum_slow * fast``. A cross on day
    t: strictly on the new side on t, and on the other side on the last earlier day the two
    differed (a tie carries the previous side). Days before both averages exist have no side.
    """
    cents = paise(close)
    fast_sum, slow_sum = rolling_sum(cents, fast), rolling_sum(cents, slow)
    above = np.zeros(close.shape[0], dtype=np.bool_)
    below = np.zeros(close.shape[0], dtype=np.bool_)
    previous = 0  # the side on the last day the averages differed; 0 before any
    for t in range(slow - 1, close.shape[0]):
        difference = int(fast_sum[t]) * slow - int(slow_sum[t]) * fast
        side = (difference > 0) - (difference < 0)
        if side == 0:
            continue
        above[t] = side > 0 and previous < 0
        below[t] = side < 0 and previous > 0
        previous = side
    return above, below


class ArrayFeed(bt.feed.DataBase):  # type: ignore[misc]
    """One column of a panel as a backtrader feed, read straight from the arrays.

    backtrader's `PandasData` reads a frame cell by cell through ``.iloc``: three quarters of
    a 100-symbol run went there. The values are the same doubles either way.
    """

    params = (("panel", None), ("column", 0))

    def start(self) -> None:
        super().start()
        panel = self.p.panel
        self._rows = zip(
            [
                bt.date2num(datetime(d.year, d.month, d.day, tzinfo=UTC))
                for d in panel.days.tolist()
            ],
            *(getattr(panel, name)[:, self.p.column].tolist() for name in _OHLCV),
            strict=True,
        )

    def _load(self) -> bool:
        row = next(self._rows, None)
        if row is None:
            return False
        when, *values = row
        self.lines.datetime[0] = when
        for name, value in zip(_OHLCV, values, strict=True):
            getattr(self.lines, name)[0] = value
        return True


_OHLCV = ("open", "high", "low", "close", "volume")


def frame(panel: Panel, j: int) -> pd.DataFrame:
    """One column of the panel as an OHLCV frame indexed by date (backtesting.py's names)."""
    return pd.DataFrame(
        {
            "Open": panel.open[:, j],
            "High": panel.high[:, j],
            "Low": panel.low[:, j],
            "Close": panel.close[:, j],
            "Volume": panel.volume[:, j],
        },
        index=pd.DatetimeIndex(panel.days.astype("datetime64[ns]")),
    )
