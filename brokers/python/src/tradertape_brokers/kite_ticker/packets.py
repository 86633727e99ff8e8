"""Kite ticker packets as plain typed values: what one binary packet says about one instrument.

Kite sends five packet shapes, told apart by their length: ``ltp`` (8 bytes), the index
``quote`` and ``full`` (28 and 32 bytes), and the tradable ``quote`` and ``full`` (44 and
184 bytes). Prices are exact `Decimal`s: the wire carries integers in the segment's smallest
unit (paise on most segments; see `price_exponent`). Exchange times are aware UTC datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import ClassVar

from tradertape_brokers.compat import StrEnum


class Mode(StrEnum):
    """A subscription mode: how much of each instrument's state the server sends."""

    LTP = "ltp"
    QUOTE = "quote"
    FULL = "full"


# The low byte of an instrument token names its segment (Kite's numbering).
SEGMENT_CDS = 3
SEGMENT_BCD = 6
SEGMENT_INDICES = 9
SEGMENT_NCO = 12
DEPTH_LEVELS = 5  # per side, in full mode


def segment_of(instrument_token: int) -> int:
    """The exchange segment of a token (1 NSE, 2 NFO, 3 CDS, 4 BSE, 9 indices, ...)."""
    return instrument_token & 0xFF


def price_exponent(instrument_token: int) -> int:
    """Decimal places of the wire integer of a price: 7 on CDS, 4 on BCD and NCO, else 2."""
    segment = segment_of(instrument_token)
    if segment == SEGMENT_CDS:
        return 7
    if segment in (SEGMENT_BCD, SEGMENT_NCO):
        return 4
    return 2


@dataclass(frozen=True, slots=True)
class DepthEntry:
    """One level of the order book; Kite pads a thin book with all-zero levels."""

    quantity: int
    price: Decimal
    orders: int


@dataclass(frozen=True, slots=True)
class LtpPacket:
    """The last traded price alone."""

    mode: ClassVar[Mode] = Mode.LTP
    instrument_token: int
    last_price: Decimal

    @property
    def tradable(self) -> bool:
        """Whether the instrument trades (indices do not)."""
        return segment_of(self.instrument_token) != SEGMENT_INDICES


@dataclass(frozen=True, slots=True)
class IndexQuotePacket:
    """An index's price and its day (Kite writes the index fields as H, L, O, C)."""

    mode: ClassVar[Mode] = Mode.QUOTE
    instrument_token: int
    last_price: Decimal
    high: Decimal
    low: Decimal
    open: Decimal
    close: Decimal  # the previous session's close
    price_change: Decimal  # last price − close, as the exchange computed it

    @property
    def tradable(self) -> bool:
        """Indices never trade."""
        return False


@dataclass(frozen=True, slots=True)
class IndexFullPacket(IndexQuotePacket):
    """An index quote with the exchange's timestamp."""

    mode: ClassVar[Mode] = Mode.FULL
    exchange_timestamp: datetime | None = None


@dataclass(frozen=True, slots=True)
class QuotePacket:
    """A tradable instrument's price, volume and day OHLC (``close`` is the previous close)."""

    mode: ClassVar[Mode] = Mode.QUOTE
    instrument_token: int
    last_price: Decimal
    last_traded_quantity: int
    average_traded_price: Decimal
    volume_traded: int
    total_buy_quantity: int
    total_sell_quantity: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal

    @property
    def tradable(self) -> bool:
        """Whether the instrument trades (indices do not)."""
        return segment_of(self.instrument_token) != SEGMENT_INDICES

    @property
    def change_percent(self) -> Decimal:
        """Percent change from the previous close (0 without a close), as Kite's SDK reports."""
        if not self.close:
            return Decimal(0)
        return (self.last_price - self.close) * 100 / self.close


@dataclass(frozen=True, slots=True)
class FullPacket(QuotePacket):
    """A quote plus open interest, times and five levels of depth a side."""

    mode: ClassVar[Mode] = Mode.FULL
    last_trade_time: datetime | None = None
    oi: int = 0
    oi_day_high: int = 0
    oi_day_low: int = 0
    exchange_timestamp: datetime | None = None
    bids: tuple[DepthEntry, ...] = ()  # best first; always five once parsed
    asks: tuple[DepthEntry, ...] = ()


Packet = LtpPacket | IndexQuotePacket | IndexFullPacket | QuotePacket | FullPacket
