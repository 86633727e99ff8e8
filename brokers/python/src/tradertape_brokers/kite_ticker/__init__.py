"""Kite's ticker (market data WebSocket): packets, frames, text messages and a client.

`parse_frame` turns a binary frame into typed packets and `encode_frame` builds one (for
fakes and byte fixtures); `messages` reads and writes the text messages both ways. These
use only the standard library. `KiteTickerClient` (module ``client``) needs ``websockets``
and is imported from there, so this package imports without it.
"""

from tradertape_brokers.kite_ticker.codec import (
    HEARTBEAT,
    TickerFrameError,
    encode_frame,
    encode_packet,
    parse_frame,
    parse_packet,
    split_frame,
)
from tradertape_brokers.kite_ticker.messages import (
    BrokerMessage,
    ClientRequest,
    OrderUpdate,
    TextMessage,
    TickerError,
    mode_message,
    parse_client_message,
    parse_text_message,
    subscribe_message,
    unsubscribe_message,
)
from tradertape_brokers.kite_ticker.packets import (
    DepthEntry,
    FullPacket,
    IndexFullPacket,
    IndexQuotePacket,
    LtpPacket,
    Mode,
    Packet,
    QuotePacket,
    price_exponent,
    segment_of,
)

__all__ = [
    "HEARTBEAT",
    "BrokerMessage",
    "ClientRequest",
    "DepthEntry",
    "FullPacket",
    "IndexFullPacket",
    "IndexQuotePacket",
    "LtpPacket",
    "Mode",
    "OrderUpdate",
    "Packet",
    "QuotePacket",
    "TextMessage",
    "TickerError",
    "TickerFrameError",
    "encode_frame",
    "encode_packet",
    "mode_message",
    "parse_client_message",
    "parse_frame",
    "parse_packet",
    "parse_text_message",
    "price_exponent",
    "segment_of",
    "split_frame",
    "subscribe_message",
    "unsubscribe_message",
]
