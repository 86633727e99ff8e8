"""Upstox's market data feed (V3 WebSocket): typed frames, requests, a codec and a client.

`feeds` types what the server says and `messages` builds (and parses) the JSON requests a
client sends; both use only the standard library. The protobuf codec (module ``codec``) needs
the SDK's generated class and the reconnecting `UpstoxFeedClient` (module ``client``) needs
``websockets`` too (extra ``upstox``), so they are imported from their modules.
"""

from tradertape_brokers.upstox_feed.feeds import (
    Feed,
    FeedFrame,
    FirstLevel,
    FrameType,
    IndexFull,
    Ltpc,
    MarketFull,
    Mode,
    Ohlc,
    Quote,
    ltpc_of,
)
from tradertape_brokers.upstox_feed.messages import (
    FeedRequest,
    change_mode_request,
    parse_request,
    subscribe_request,
    unsubscribe_request,
)

__all__ = [
    "Feed",
    "FeedFrame",
    "FeedRequest",
    "FirstLevel",
    "FrameType",
    "IndexFull",
    "Ltpc",
    "MarketFull",
    "Mode",
    "Ohlc",
    "Quote",
    "change_mode_request",
    "ltpc_of",
    "parse_request",
    "subscribe_request",
    "unsubscribe_request",
]
