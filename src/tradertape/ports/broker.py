"""The broker port, defined in ``tradertape_brokers.port`` so adapters need no server code.

Re-exported here so the server's layers name their port in their own package.
"""

from __future__ import annotations

from tradertape_brokers.port import (
    Broker,
    BrokerCapabilities,
    BrokerError,
    BrokerSession,
    DailyBar,
    GttSpec,
    InsufficientFunds,
    KiteDict,
    KnowsBasketMargins,
    KnowsLocalAddress,
    Number,
    OrderLike,
    OrderRejected,
    SessionExpired,
    Slice,
    SlicedOrder,
    SlicesOrders,
    TransientBrokerError,
    book_size,
)

__all__ = [
    "Broker",
    "BrokerCapabilities",
    "BrokerError",
    "BrokerSession",
    "DailyBar",
    "GttSpec",
    "InsufficientFunds",
    "KiteDict",
    "KnowsBasketMargins",
    "KnowsLocalAddress",
    "Number",
    "OrderLike",
    "OrderRejected",
    "SessionExpired",
    "Slice",
    "SlicedOrder",
    "SlicesOrders",
    "TransientBrokerError",
    "book_size",
]
