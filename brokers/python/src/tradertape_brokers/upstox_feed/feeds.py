"""What Upstox's market data feed (V3) says, as typed values.

A server frame (`FeedFrame`) is a market-status snapshot (the first frame of a connection),
the initial snapshot of new subscriptions, or a live update; its ``feeds`` map instrument
keys (``NSE_EQ|INE009A01021``) to one `Feed` each, whose shape follows the key's mode:
`Ltpc` (ltpc), `MarketFull` (full, full_d30), `IndexFull` (an index in full mode) or
`FirstLevel` (option_greeks). Prices arrive as doubles in rupees; they are `Decimal` here,
rounded to the segment's tick precision (see `codec`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import Enum

from tradertape_brokers.compat import StrEnum


class Mode(StrEnum):
    """Subscription modes: what each instrument's feed carries."""

    LTPC = "ltpc"  # last price, time, quantity and the previous close
    FULL = "full"  # plus five levels of depth, the day's OHLC, volume, totals
    OPTION_GREEKS = "option_greeks"  # the first level and the greeks
    FULL_D30 = "full_d30"  # full with thirty levels (Upstox Plus)


class FrameType(Enum):
    """The ``type`` of a server frame."""

    INITIAL_FEED = 0  # the snapshot sent when instruments are subscribed
    LIVE_FEED = 1
    MARKET_INFO = 2  # each segment's status; the first frame of a connection


@dataclass(frozen=True, slots=True)
class Ltpc:
    """Last traded price and time (``ltt``, absent when it never traded), quantity, and the
    previous day's close (``cp``)."""

    ltp: Decimal
    ltt: datetime | None
    ltq: int
    cp: Decimal


@dataclass(frozen=True, slots=True)
class Quote:
    """One level of depth: the bid and the ask at that rank (either may be empty)."""

    bid_quantity: int
    bid_price: Decimal
    ask_quantity: int
    ask_price: Decimal


@dataclass(frozen=True, slots=True)
class Ohlc:
    """A candle: ``1d`` for the day so far, ``I1`` for the current minute."""

    interval: str
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: int
    ts: datetime | None


@dataclass(frozen=True, slots=True)
class MarketFull:
    """A tradable instrument in full mode."""

    ltpc: Ltpc
    depth: tuple[Quote, ...] = ()
    ohlc: tuple[Ohlc, ...] = ()
    average_price: Decimal = Decimal(0)  # atp
    volume: int = 0  # vtt: traded today
    open_interest: Decimal = Decimal(0)
    total_buy_quantity: Decimal = Decimal(0)
    total_sell_quantity: Decimal = Decimal(0)

    def day(self) -> Ohlc | None:
        """The day's candle, if the feed carries one."""
        return _day(self.ohlc)


@dataclass(frozen=True, slots=True)
class IndexFull:
    """An index in full mode: no depth, no volume."""

    ltpc: Ltpc
    ohlc: tuple[Ohlc, ...] = ()

    def day(self) -> Ohlc | None:
        """The day's candle, if the feed carries one."""
        return _day(self.ohlc)


@dataclass(frozen=True, slots=True)
class FirstLevel:
    """An instrument in option_greeks mode: the best level and the day's volume."""

    ltpc: Ltpc
    best: Quote | None = None
    volume: int = 0
    open_interest: Decimal = Decimal(0)


Feed = Ltpc | MarketFull | IndexFull | FirstLevel


@dataclass(frozen=True, slots=True)
class FeedFrame:
    """One server frame. ``market_status`` (segment → ``NORMAL_OPEN``…) is set on market_info
    frames only; ``current_ts`` is the server's time."""

    type: FrameType
    feeds: dict[str, Feed] = field(default_factory=dict)
    current_ts: datetime | None = None
    market_status: dict[str, str] = field(default_factory=dict)


def ltpc_of(feed: Feed) -> Ltpc:
    """The last price part of any feed."""
    return feed if isinstance(feed, Ltpc) else feed.ltpc


def _day(candles: tuple[Ohlc, ...]) -> Ohlc | None:
    return next((c for c in candles if c.interval == "1d"), None)
