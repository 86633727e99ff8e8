"""Kite's binary ticker frames: `parse_frame` reads them, `encode_frame` writes them.

A frame is a big-endian uint16 packet count, then each packet as a uint16 length and that
many bytes. Frames shorter than two bytes are heartbeats and hold no packet. Inside a
packet every field is a big-endian 32-bit integer except a depth level's order count
(uint16, then two bytes of padding). Tokens, quantities and epoch seconds are unsigned;
prices and the index price change are signed (a price on some commodity segments can go
below zero). The encoder exists for the fake ticker server and for byte fixtures in tests.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from tradertape_brokers.compat import UTC
from tradertape_brokers.kite_ticker.packets import (
    DEPTH_LEVELS,
    DepthEntry,
    FullPacket,
    IndexFullPacket,
    IndexQuotePacket,
    LtpPacket,
    Packet,
    QuotePacket,
    price_exponent,
)

LTP_LENGTH = 8
INDEX_QUOTE_LENGTH = 28
INDEX_FULL_LENGTH = 32
QUOTE_LENGTH = 44
FULL_LENGTH = 184

_LTP = struct.Struct(">Ii")
_INDEX = struct.Struct(">I6i")  # token, ltp, high, low, open, close, change
_QUOTE = struct.Struct(">Ii I i 3I 4i".replace(" ", ""))  # token ltp qty avg vol buy sell OHLC
_FULL_TAIL = struct.Struct(">5I")  # last trade time, oi, oi high, oi low, exchange time
_DEPTH = struct.Struct(">IiH2x")
_HEADER = struct.Struct(">H")


class TickerFrameError(ValueError):
    """A binary frame does not hold the packets its header announces."""


def _price(raw: int, exponent: int) -> Decimal:
    return Decimal(raw).scaleb(-exponent)


def _raw(price: Decimal, exponent: int, field: str) -> int:
    scaled = price.scaleb(exponent)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{field} {price} has more than {exponent} decimal places")
    return int(scaled)


def _time(raw: int) -> datetime | None:
    return datetime.fromtimestamp(raw, tz=UTC) if raw else None


def _epoch(moment: datetime | None) -> int:
    return 0 if moment is None else int(moment.timestamp())


def parse_packet(data: bytes) -> Packet | None:
    """The packet in `data`, or `None` for a length Kite does not document (skipped)."""
    size = len(data)
    if size == LTP_LENGTH:
        token, ltp = _LTP.unpack(data)
        return LtpPacket(token, _price(ltp, price_exponent(token)))
    if size in (INDEX_QUOTE_LENGTH, INDEX_FULL_LENGTH):
        return _parse_index(data)
    if size in (QUOTE_LENGTH, FULL_LENGTH):
        return _parse_quote(data)
    return None


def _parse_index(data: bytes) -> IndexQuotePacket:
    token, *raw = _INDEX.unpack_from(data)
    e = price_exponent(token)
    ltp, high, low, open_, close, change = (_price(r, e) for r in raw)
    if len(data) == INDEX_QUOTE_LENGTH:
        return IndexQuotePacket(token, ltp, high, low, open_, close, change)
    (stamp,) = struct.unpack_from(">I", data, INDEX_QUOTE_LENGTH)
    return IndexFullPacket(token, ltp, high, low, open_, close, change, _time(stamp))


def _parse_quote(data: bytes) -> QuotePacket:
    token, ltp, qty, avg, volume, buys, sells, open_, high, low, close = _QUOTE.unpack_from(data)
    e = price_exponent(token)
    fields = (
        token,
        _price(ltp, e),
        qty,
        _price(avg, e),
        volume,
        buys,
        sells,
        _price(open_, e),
        _price(high, e),
        _price(low, e),
        _price(close, e),
    )
    if len(data) == QUOTE_LENGTH:
        return QuotePacket(*fields)
    traded_at, oi, oi_high, oi_low, stamp = _FULL_TAIL.unpack_from(data, QUOTE_LENGTH)
    levels = [
        DepthEntry(quantity, _price(price, e), orders)
        for quantity, price, orders in _DEPTH.iter_unpack(data[64:FULL_LENGTH])
    ]
    return FullPacket(
        *fields,
        last_trade_time=_time(traded_at),
        oi=oi,
        oi_day_high=oi_high,
        oi_day_low=oi_low,
        exchange_timestamp=_time(stamp),
        bids=tuple(levels[:DEPTH_LEVELS]),
        asks=tuple(levels[DEPTH_LEVELS:]),
    )


def split_frame(frame: bytes) -> list[bytes]:
    """The packets' bytes of one binary frame (none for a heartbeat).

    Raises
    ------
    TickerFrameError
        The frame ends before the packets its header announces.
    """
    if len(frame) < _HEADER.size:
        return []
    (count,) = _HEADER.unpack_from(frame)
    packets: list[bytes] = []
    at = _HEADER.size
    for index in range(count):
        if at + _HEADER.size > len(frame):
            raise TickerFrameError(f"frame ends before packet {index + 1} of {count}")
        (length,) = _HEADER.unpack_from(frame, at)
        at += _HEADER.size
        if at + length > len(frame):
            raise TickerFrameError(f"packet {index + 1} of {count} is cut short")
        packets.append(frame[at : at + length])
        at += length
    return packets


def parse_frame(frame: bytes) -> list[Packet]:
    """Every packet of one binary frame, in order; heartbeats and unknown shapes give none.

    Raises
    ------
    TickerFrameError
        The frame ends before the packets its header announces.
    """
    parsed = (parse_packet(packet) for packet in split_frame(frame))
    return [packet for packet in parsed if packet is not None]


def encode_packet(packet: Packet) -> bytes:
    """The wire bytes of one packet (without its length prefix).

    A full packet's depth is padded with zero levels to five a side.

    Raises
    ------
    ValueError
        A price has more decimal places than its segment carries, or a side has more than
        five levels.
    """
    token = packet.instrument_token
    e = price_exponent(token)
    if isinstance(packet, LtpPacket):
        return _LTP.pack(token, _raw(packet.last_price, e, "last_price"))
    if isinstance(packet, IndexQuotePacket):
        prices = (
            packet.last_price,
            packet.high,
            packet.low,
            packet.open,
            packet.close,
            packet.price_change,
        )
        body = _INDEX.pack(token, *(_raw(p, e, "index price") for p in prices))
        if isinstance(packet, IndexFullPacket):
            body += struct.pack(">I", _epoch(packet.exchange_timestamp))
        return body
    body = _QUOTE.pack(
        token,
        _raw(packet.last_price, e, "last_price"),
        packet.last_traded_quantity,
        _raw(packet.average_traded_price, e, "average_traded_price"),
        packet.volume_traded,
        packet.total_buy_quantity,
        packet.total_sell_quantity,
        *(_raw(p, e, "ohlc") for p in (packet.open, packet.high, packet.low, packet.close)),
    )
    if not isinstance(packet, FullPacket):
        return body
    body += _FULL_TAIL.pack(
        _epoch(packet.last_trade_time),
        packet.oi,
        packet.oi_day_high,
        packet.oi_day_low,
        _epoch(packet.exchange_timestamp),
    )
    return body + _depth(packet.bids, e) + _depth(packet.asks, e)


def _depth(levels: tuple[DepthEntry, ...], exponent: int) -> bytes:
    if len(levels) > DEPTH_LEVELS:
        raise ValueError(f"at most {DEPTH_LEVELS} depth levels a side")
    padded = (*levels, *([DepthEntry(0, Decimal(0), 0)] * (DEPTH_LEVELS - len(levels))))
    return b"".join(
        _DEPTH.pack(lv.quantity, _raw(lv.price, exponent, "depth price"), lv.orders)
        for lv in padded
    )


def encode_frame(packets: Iterable[Packet]) -> bytes:
    """One binary frame carrying `packets` (count, then each length-prefixed)."""
    bodies = [encode_packet(packet) for packet in packets]
    parts = [_HEADER.pack(len(bodies))]
    for body in bodies:
        parts.append(_HEADER.pack(len(body)))
        parts.append(body)
    return b"".join(parts)


HEARTBEAT = b"\x00"  # what the server sends, about once a second, when nothing else is due
