"""Zerodha Kite Connect behind the broker port (extra ``kite``: the ``kiteconnect`` SDK).

`KiteBroker` is the adapter; `exchange_request_token` and `checksum` complete a login.
Imports only the standard library, ``kiteconnect`` and this package.
"""

from tradertape_brokers.kite.adapter import DEFAULT_ROOT, KiteBroker, kite_tag
from tradertape_brokers.kite.errors import NotAccepted, map_error
from tradertape_brokers.kite.limits import KITE_LIMITS, Backoff, RateLimiter
from tradertape_brokers.kite.login import (
    LoginFailed,
    checksum,
    exchange_request_token,
    session_expiry,
)

__all__ = [
    "DEFAULT_ROOT",
    "KITE_LIMITS",
    "Backoff",
    "KiteBroker",
    "LoginFailed",
    "NotAccepted",
    "RateLimiter",
    "checksum",
    "exchange_request_token",
    "kite_tag",
    "map_error",
    "session_expiry",
]
