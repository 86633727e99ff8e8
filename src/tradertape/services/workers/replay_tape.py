"""A replay's prices: one instrument's candles over the period, read as ticks at an instant.

Imported minute candles when the store has them (an F&O contract's or an index's from the
F&O minute store, `tradertape data import-fo-minutes`); else day candles (bhavcopies) played at
minute resolution through the synthetic minutes of `candles.synthetic_minutes`, or as they
are at day resolution; else the synthetic market, seeded by the instrument's name. The
price at an instant never looks ahead: a bar that has not closed shows its open.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from tradertape.candles import CandleSource, CandleStore
from tradertape.candles.bars import Bars
from tradertape.candles.fo_minutes import FoMinuteStore, contract_of
from tradertape.candles.synthetic_minutes import day_minutes
from tradertape.domain.market import Interval, Tick
from tradertape.domain.replay import Resolution, open_of
from tradertape.errors import InvalidField

SYNTHETIC = "synthetic"
_EPOCH = np.datetime64(0, "s")


@dataclass(frozen=True, slots=True)
class Tape:
    """One instrument's bars as start instants (UTC seconds) and prices."""

    key: str
    token: int
    starts: npt.NDArray[np.int64]
    bar_secs: int
    open: npt.NDArray[np.float64]
    high: npt.NDArray[np.float64]
    low: npt.NDArray[np.float64]
    close: npt.NDArray[np.float64]
    volume: npt.NDArray[np.float64]
    source: str

    def index_at(self, when: datetime) -> int:
        """The bar open at `when` (or the last one started), -1 before the first."""
        return int(np.searchsorted(self.starts, int(when.timestamp()), side="right")) - 1

    def tick_at(self, when: datetime) -> Tick | None:
        """The price at `when`: the bar's close once it ended, its open while it is open."""
        i = self.index_at(when)
        if i < 0:
            return None
        stamp = int(when.timestamp())
        done = stamp >= self.starts[i] + self.bar_secs
        price = self.close[i] if done else self.open[i]
        day = self.starts[i] - (self.starts[i] + 19_800) % 86_400  # the IST day's 00:00
        first = int(np.searchsorted(self.starts, day, side="left"))
        upto = i + 1 if done else i
        highs = [*self.high[first:upto], price]
        lows = [*self.low[first:upto], price]
        prev = self.close[first - 1] if first > 0 else self.open[first]
        # What traded in the last bar that closed: the paper exchange's fill cap (a share
        # of it) at this price, as a feed's last trade is.
        traded = self.volume[upto - 1] if upto > first else self.volume[i]
        return Tick(
            key=self.key,
            instrument_token=self.token,
            ts=when,
            last_price=_money(price),
            last_quantity=max(int(traded), 1),
            volume=int(self.volume[first:upto].sum()),
            open=_money(self.open[first]),
            high=_money(max(highs)),
            low=_money(min(lows)),
            prev_close=_money(prev),
            bid=_money(price),
            ask=_money(price),
            bid_quantity=1_000,
            ask_quantity=1_000,
        )

    def starts_between(self, after: datetime, upto: datetime) -> list[datetime]:
        """Bar starts in (`after`, `upto`]: the instants a working order is matched at."""
        lo = int(np.searchsorted(self.starts, int(after.timestamp()), side="right"))
        hi = int(np.searchsorted(self.starts, int(upto.timestamp()), side="right"))
        return [datetime.fromtimestamp(int(s), UTC) for s in self.starts[lo:hi]]


def _money(value: float) -> Decimal:
    return Decimal(str(round(float(value), 2)))


def _seconds(bars: Bars, resolution: Resolution) -> npt.NDArray[np.int64]:
    if resolution is Resolution.DAY:
        days = bars.time.astype("datetime64[D]").tolist()
        return np.array([int(open_of(d).timestamp()) for d in days], dtype=np.int64)
    return ((bars.time.astype("datetime64[s]") - _EPOCH) // np.timedelta64(1, "s")).astype(np.int64)


def synthetic_days(key: str, days: tuple[date, ...]) -> Bars:
    """Day candles of the synthetic market: a seeded walk from a price the name picks."""
    rng = np.random.default_rng(zlib.crc32(key.encode()))
    price = 100.0 + float(zlib.crc32(key.encode()) % 2_900)
    opens, highs, lows, closes = [], [], [], []
    for _ in days:
        close = price * float(np.exp(rng.normal(0.0, 0.015)))
        opens.append(price)
        closes.append(close)
        highs.append(max(price, close) * (1 + abs(float(rng.normal(0, 0.004)))))
        lows.append(min(price, close) * (1 - abs(float(rng.normal(0, 0.004)))))
        price = close
    return Bars.from_arrays(
        Interval.DAY,
        time=np.array(days, dtype="datetime64[D]"),
        open=np.round(opens, 2),
        high=np.round(highs, 2),
        low=np.round(lows, 2),
        close=np.round(closes, 2),
        volume=np.full(len(days), 1_000_000.0),
    )


def fo_minutes(fo: FoMinuteStore, symbol: str, days: tuple[date, ...]) -> Bars:
    """The F&O minute store's bars of a contract (or an index) over `days` (may be empty)."""
    try:
        contract = contract_of(symbol)
    except InvalidField:
        return Bars.empty(Interval.MINUTE)
    parts = [(day, fo.bars(contract, day)) for day in days]
    found = [(day, table) for day, table in parts if table is not None]
    if not found:
        return Bars.empty(Interval.MINUTE)
    starts = np.concatenate(
        [
            np.datetime64(open_of(day).replace(tzinfo=None), "s")
            + table.column("minute").to_numpy().astype("timedelta64[m]")
            for day, table in found
        ]
    )
    column = {
        name: np.concatenate([t.column(name).to_numpy().astype(np.float64) for _, t in found])
        for name in ("open", "high", "low", "close", "volume")
    }
    return Bars.from_arrays(Interval.MINUTE, time=starts, **column)


def load(
    store: CandleStore,
    key: str,
    token: int,
    days: tuple[date, ...],
    resolution: Resolution,
    fo: FoMinuteStore | None = None,
) -> Tape:
    """The tape of `key` over `days`, from the best source there is (see the module)."""
    start, end = days[0], days[-1]
    source = SYNTHETIC
    bars = Bars.empty(Interval.DAY)
    if resolution is Resolution.MINUTE:
        bars = store.read(key, Interval.MINUTE, start, end)
        info = store.info(key, Interval.MINUTE)
        source = info.source.value if bars.time.size and info is not None else SYNTHETIC
        if not bars.time.size and fo is not None:
            bars = fo_minutes(fo, key.partition(":")[2], days)
            source = CandleSource.IMPORT.value if bars.time.size else SYNTHETIC
    if not bars.time.size:
        daily = store.read_daily(key, start, end)
        info = store.info(key, Interval.DAY)
        real = daily.time.size and info is not None and info.source.is_real
        daily = daily if daily.time.size else synthetic_days(key, days)
        source = info.source.value if real and info is not None else SYNTHETIC
        if resolution is Resolution.MINUTE:
            source = SYNTHETIC  # minutes drawn through day candles are not traded prices
            parts = [
                day_minutes(key, d, *_row(daily, i), seed=0)
                for i, d in enumerate(daily.time.astype("datetime64[D]").tolist())
            ]
            bars = Bars.from_arrays(
                Interval.MINUTE,
                **{f: np.concatenate([getattr(p, f) for p in parts]) for f in Bars.__slots__},
            )
        else:
            bars = daily
    return _tape(key, token, bars, resolution, source)


def contract_tape(
    fo: FoMinuteStore | None, key: str, token: int, days: tuple[date, ...]
) -> Tape | None:
    """An F&O contract's tape from its imported minutes over `days`; None without them (an
    option has no day candles to draw minutes through: the replay models its price)."""
    if fo is None:
        return None
    bars = fo_minutes(fo, key.partition(":")[2], days)
    if not bars.time.size:
        return None
    return _tape(key, token, bars, Resolution.MINUTE, CandleSource.IMPORT.value)


def _tape(key: str, token: int, bars: Bars, resolution: Resolution, source: str) -> Tape:
    bar = timedelta(minutes=1) if resolution is Resolution.MINUTE else resolution.bar
    return Tape(
        key=key,
        token=token,
        starts=_seconds(bars, resolution),
        bar_secs=int(bar.total_seconds()),
        open=bars.open.astype(np.float64),
        high=bars.high.astype(np.float64),
        low=bars.low.astype(np.float64),
        close=bars.close.astype(np.float64),
        volume=bars.volume.astype(np.float64),
        source=source,
    )


def _row(bars: Bars, i: int) -> tuple[float, float, float, float, float]:
    return (
        float(bars.open[i]),
        float(bars.high[i]),
        float(bars.low[i]),
        float(bars.close[i]),
        float(bars.volume[i]),
    )
