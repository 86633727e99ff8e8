"""Market data values: candles for research, ticks for trading.

Candles are float64 (they feed NumPy backtests and indicators); ticks carry `Decimal`
prices on the tick grid because orders fill at them and money is booked from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum


class Interval(StrEnum):
    """Candle intervals the store keeps (Kite's names)."""

    DAY = "day"
    MINUTE = "minute"


class ChartInterval(StrEnum):
    """Candle intervals a chart shows (Kite's names, and ``week``), each folded from a
    stored interval: intraday ones from minutes, ``week`` from days."""

    MINUTE = "minute"
    MINUTE_3 = "3minute"
    MINUTE_5 = "5minute"
    MINUTE_15 = "15minute"
    MINUTE_30 = "30minute"
    MINUTE_60 = "60minute"
    DAY = "day"
    WEEK = "week"

    @property
    def stored(self) -> Interval:
        """The stored interval the candles are folded from."""
        return Interval.DAY if self in (ChartInterval.DAY, ChartInterval.WEEK) else Interval.MINUTE

    @property
    def minutes(self) -> int | None:
        """An intraday candle's length in minutes (None for a day or a week)."""
        if self.stored is Interval.DAY:
            return None
        return 1 if self is ChartInterval.MINUTE else int(self.value.removesuffix("minute"))


@dataclass(frozen=True, slots=True)
class DepthLevel:
    """One price level of the order book (Kite's ``depth`` entries)."""

    price: Decimal
    quantity: int
    orders: int


@dataclass(frozen=True, slots=True)
class Tick:
    """A trade print plus the top of the book, as a feed delivers it.

    ``open``/``high``/``low`` are the day's so far; ``prev_close`` is yesterday's close
    (Kite's ``ohlc.close``); ``volume`` is cumulative for the day. ``bids``/``asks`` are the
    market depth, best level first, when the feed has it (``bid``/``ask`` are its first level).
    """

    key: str  # "NSE:INFY"
    instrument_token: int
    ts: datetime  # aware
    last_price: Decimal
    last_quantity: int
    volume: int
    open: Decimal
    high: Decimal
    low: Decimal
    prev_close: Decimal
    bid: Decimal | None = None
    ask: Decimal | None = None
    bid_quantity: int = 0
    ask_quantity: int = 0
    bids: tuple[DepthLevel, ...] = ()
    asks: tuple[DepthLevel, ...] = ()
    # Where the price came from when not the feed's socket: ``"rest"``, the broker's REST
    # quote while the socket was quiet (`feed.rest_fill`), which quotes say to their readers.
    source: str | None = None

    @property
    def change_pct(self) -> float:
        """Percent change from the previous close."""
        if not self.prev_close:
            return 0.0
        return float((self.last_price - self.prev_close) / self.prev_close * 100)


# A tick this far behind the one held is the session played again (a demo replay back at
# 09:15 after 15:30), not a late print.
REPLAYED = timedelta(minutes=30)


def supersedes(tick: datetime, held: datetime) -> bool:
    """Whether a tick stamped `tick` is the price now over one stamped `held`: a later
    print, or the session played again from well before it. A print a little late (a
    broker's exchange time lagging) is not: the price it carries is older than the one held.
    The quote book and the live candles decide by this one rule."""
    return tick >= held or held - tick > REPLAYED
