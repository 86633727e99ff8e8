"""Upstox behind the Kite-shaped port, on the official ``upstox-python-sdk`` (extra ``upstox``).

`UpstoxBroker` implements `tradertape_brokers.port.Broker`; `exchange_code` completes the
authorization-code login. Both talk to ``root`` (``https://api.upstox.com`` in production, a
fake on loopback in tests), which serves the order routes too.
"""

from __future__ import annotations

from tradertape_brokers.upstox.adapter import UpstoxBroker, order_tag
from tradertape_brokers.upstox.errors import RateLimited
from tradertape_brokers.upstox.keys import InstrumentKeys
from tradertape_brokers.upstox.limits import UPSTOX_LIMITS, RateLimiter
from tradertape_brokers.upstox.login import UPSTOX_ROOT, exchange_code, token_expiry

__all__ = [
    "UPSTOX_LIMITS",
    "UPSTOX_ROOT",
    "InstrumentKeys",
    "RateLimited",
    "RateLimiter",
    "UpstoxBroker",
    "exchange_code",
    "order_tag",
    "token_expiry",
]
