"""One alert pass's minute candles of every symbol it judges, as one indicator book (days ×
symbols), so each indicator is computed once for all symbols and every alert of one shape
is judged on it in one vectorised step (`strategies.compile.last_truths`).

A symbol's candles are converted to floats once: the settled minutes are kept between
passes (`Floats`) and only the forming minute, and the minutes settled since, are converted
again. Each column is right-aligned (its last row is the symbol's last candle; earlier rows
of a shorter history are NaN, which the book treats as absent), so a column's indicators
are those of the symbol's own candles.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from tradertape.candles.live import Candle
from tradertape.indicators import IndicatorBook

FloatArray = npt.NDArray[np.float64]
SHIFT = 8  # minutes the front of a series may have moved between passes and still be kept


def _rows(candles: Sequence[Candle]) -> FloatArray:
    """OHLCV rows of candles as floats, (n, 5)."""
    values = [
        (float(c.open), float(c.high), float(c.low), float(c.close), c.volume) for c in candles
    ]
    return np.array(values, dtype=np.float64).reshape(len(candles), 5)


class _Held:
    __slots__ = ("head", "last", "rows")

    def __init__(self, candles: Sequence[Candle], rows: FloatArray) -> None:
        self.head = list(candles[:SHIFT])
        self.last = candles[-1] if candles else None
        self.rows = rows

    def kept_from(self, candles: Sequence[Candle], settled: int) -> int | None:
        """How many rows of the front were dropped, if the rest are the same candles (a
        series only grows at its end and loses its oldest); None if it was replaced."""
        count = len(self.rows)
        if count == 0:
            return 0
        for shift in range(min(len(self.head), count)):
            if candles and candles[0] is self.head[shift]:
                left = count - shift
                if left <= settled and candles[left - 1] is self.last:
                    return shift
                return None
        return None


class Floats:
    """Each symbol's settled minutes as float rows, kept between passes."""

    def __init__(self) -> None:
        self._held: dict[str, _Held] = {}

    def rows(self, key: str, candles: Sequence[Candle]) -> FloatArray:
        """The candles' OHLCV rows (the last one, still forming, converted afresh)."""
        settled = len(candles) - 1
        held = self._held.get(key)
        shift = held.kept_from(candles, settled) if held is not None else None
        if held is None or shift is None:
            kept = _rows(candles[:settled])
        else:
            kept = held.rows[shift:]
            if settled > len(kept):
                kept = np.concatenate([kept, _rows(candles[len(kept) : settled])])
        self._held[key] = _Held(candles[:settled], kept)
        return np.concatenate([kept, _rows(candles[settled:])])

    def forget(self, keep: Iterable[str]) -> None:
        """Drop the symbols not in `keep`."""
        wanted = set(keep)
        for key in [k for k in self._held if k not in wanted]:
            del self._held[key]


class MinutePanel:
    """The pass's symbols' minute candles, one column each, and their indicators."""

    def __init__(
        self, keys: Iterable[str], candles_of: Callable[[str], list[Candle]], floats: Floats
    ) -> None:
        self.column: dict[str, int] = {}
        self.last: dict[str, Candle] = {}
        columns: list[FloatArray] = []
        for key in keys:
            candles = candles_of(key)
            if not candles:
                continue
            self.column[key] = len(columns)
            self.last[key] = candles[-1]
            columns.append(floats.rows(key, candles))
        days = max((len(c) for c in columns), default=0)
        grid: Any = np.full((5, days, len(columns)), np.nan)
        for j, rows in enumerate(columns):
            grid[:, days - len(rows) :, j] = rows.T
        fields = [np.asfortranarray(grid[f]) for f in range(5)]
        self.book = IndicatorBook(*fields) if columns else None
