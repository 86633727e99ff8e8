"""Candles of one instrument as columns, and the rules every stored candle obeys.

Columns, not rows: a year of minute bars is ~94,000 candles, and a backtest wants them as
NumPy arrays anyway. Day bars carry ``datetime64[D]`` dates (the IST trading day); minute
bars carry ``datetime64[s]`` UTC instants of the minute's start, so that nothing depends on
the machine's time zone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from tradertape.domain.market import Interval
from tradertape.errors import InvalidField
from tradertape.ports.broker import DailyBar

FloatArray = npt.NDArray[np.float64]
TimeArray = npt.NDArray[np.datetime64]

#: The NumPy time unit each interval is stored in.
TIME_UNIT = {Interval.DAY: "datetime64[D]", Interval.MINUTE: "datetime64[s]"}


class CandleSource(StrEnum):
    """Where a stored series came from; shown wherever its data is shown."""

    SYNTHETIC = "synthetic"  # the simulated market: never real prices
    IMPORT = "import"  # a CSV/Parquet file the user imported
    BROKER = "broker"  # fetched from a broker's historical API

    @property
    def is_real(self) -> bool:
        """Whether the prices were traded somewhere (everything but the simulation)."""
        return self is not CandleSource.SYNTHETIC


#: What a result computed from several series says it was computed from.
MIXED = "mixed"


@dataclass(frozen=True, slots=True)
class DataLabel:
    """Where the candles behind a result came from, for every result shown to a person.

    ``data_source`` is the one source all the series share (``synthetic``, ``import``,
    ``broker``), ``mixed`` when they differ, None when no series was found; ``synthetic`` is
    true when any of them is simulated, so a mixed result is never taken for a real one.
    """

    data_source: str | None
    synthetic: bool

    @classmethod
    def of(cls, sources: Iterable[str | None]) -> DataLabel:
        """The label of a result drawn from series of these ``sources`` (None: no series)."""
        found = {s for s in sources if s is not None}
        source = (next(iter(found)) if len(found) == 1 else MIXED) if found else None
        return cls(source, CandleSource.SYNTHETIC.value in found)


@dataclass(frozen=True, slots=True, eq=False)
class Bars:
    """OHLCV candles of one instrument, time-ascending, one array per field.

    Volume is float64 like the prices so that a panel can hold NaN for missing days; stored
    volumes are whole numbers.
    """

    time: TimeArray
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray

    def __len__(self) -> int:
        return int(self.time.shape[0])

    @classmethod
    def from_arrays(
        cls,
        interval: Interval,
        *,
        time: npt.ArrayLike,
        open: npt.ArrayLike,  # noqa: A002 - the OHLCV names are the vocabulary
        high: npt.ArrayLike,
        low: npt.ArrayLike,
        close: npt.ArrayLike,
        volume: npt.ArrayLike,
    ) -> Bars:
        """Coerce array-likes to the stored dtypes (validation is `validate_bars`)."""
        return cls(
            time=np.asarray(time).astype(TIME_UNIT[interval]),
            open=np.asarray(open, dtype=np.float64),
            high=np.asarray(high, dtype=np.float64),
            low=np.asarray(low, dtype=np.float64),
            close=np.asarray(close, dtype=np.float64),
            volume=np.asarray(volume, dtype=np.float64),
        )

    @classmethod
    def from_daily(cls, bars: Sequence[DailyBar]) -> Bars:
        """Columns from `DailyBar` rows (the domain's row type)."""
        return cls.from_arrays(
            Interval.DAY,
            time=np.array([b.day for b in bars], dtype="datetime64[D]"),
            open=[b.open for b in bars],
            high=[b.high for b in bars],
            low=[b.low for b in bars],
            close=[b.close for b in bars],
            volume=[b.volume for b in bars],
        )

    @classmethod
    def empty(cls, interval: Interval) -> Bars:
        """No candles."""
        none: list[float] = []
        return cls.from_arrays(
            interval, time=none, open=none, high=none, low=none, close=none, volume=none
        )

    def to_daily(self) -> list[DailyBar]:
        """Rows for code that wants `DailyBar` (day bars only)."""
        days: list[date] = self.time.astype("datetime64[D]").tolist()
        return [
            DailyBar(day=d, open=o, high=h, low=lo, close=c, volume=int(v))
            for d, o, h, lo, c, v in zip(
                days,
                self.open.tolist(),
                self.high.tolist(),
                self.low.tolist(),
                self.close.tolist(),
                self.volume.tolist(),
                strict=True,
            )
        ]

    def take(self, index: npt.NDArray[np.intp] | npt.NDArray[np.bool_] | slice) -> Bars:
        """The candles selected by a mask, an index array or a slice."""
        return Bars(
            time=self.time[index],
            open=self.open[index],
            high=self.high[index],
            low=self.low[index],
            close=self.close[index],
            volume=self.volume[index],
        )

    def between(self, start: np.datetime64, end: np.datetime64) -> Bars:
        """Candles with ``start <= time <= end`` (the columns are sorted, so this is a slice)."""
        lo = int(np.searchsorted(self.time, start, side="left"))
        hi = int(np.searchsorted(self.time, end, side="right"))
        return self.take(slice(lo, hi))


PRICE_FIELDS = ("open", "high", "low", "close")


def _first(mask: npt.NDArray[np.bool_]) -> int | None:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else None


def validate_bars(
    bars: Bars,
    *,
    time_field: str = "time",
    describe_row: Callable[[int], str] = lambda i: f"row {i + 1}",
) -> None:
    """Raise `InvalidField` naming the first bad column and row; return if all candles are sound.

    Rules: equal lengths, strictly increasing time, finite positive prices,
    ``low <= open, close <= high``, whole non-negative volumes.
    """
    n = len(bars)
    for name in (*PRICE_FIELDS, "volume"):
        if getattr(bars, name).shape != (n,):
            raise InvalidField(name, f"has {getattr(bars, name).size} values for {n} times")
    if (row := _first(np.diff(bars.time) <= np.timedelta64(0))) is not None:
        previous, current = bars.time[row], bars.time[row + 1]
        problem = "repeats" if previous == current else f"goes back from {previous}"
        raise InvalidField(time_field, f"{describe_row(row + 1)}: {current} {problem}")
    for name in PRICE_FIELDS:
        values = getattr(bars, name)
        if (row := _first(~(np.isfinite(values) & (values > 0)))) is not None:
            raise InvalidField(name, f"{describe_row(row)}: {values[row]} is not a positive price")
    if (row := _first(bars.high < np.maximum(bars.open, bars.close))) is not None:
        raise InvalidField("high", f"{describe_row(row)}: {bars.high[row]} is below open/close")
    if (row := _first(bars.low > np.minimum(bars.open, bars.close))) is not None:
        raise InvalidField("low", f"{describe_row(row)}: {bars.low[row]} is above open/close")
    volume = bars.volume
    with np.errstate(invalid="ignore"):  # inf and NaN are reported below, not warned about
        bad_volume = ~np.isfinite(volume) | (volume < 0) | (np.mod(volume, 1) != 0)
    if (row := _first(bad_volume)) is not None:
        raise InvalidField(
            "volume", f"{describe_row(row)}: {volume[row]} is not a whole number >= 0"
        )
