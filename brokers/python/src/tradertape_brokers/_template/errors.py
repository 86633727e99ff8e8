"""The broker's failures mapped onto the port's errors, so the OMS never sees the SDK's.

Fill in `map_error` from the broker's documented status codes and error codes: a dead
token is `SessionExpired`; a refused order `OrderRejected` (`InsufficientFunds` when money
is short); a timeout, a 429 or a 5xx `TransientBrokerError` (retried with the same key).
"""

from __future__ import annotations

from tradertape_brokers.port import (
    BrokerError,
    InsufficientFunds,
    OrderRejected,
    SessionExpired,
    TransientBrokerError,
)


def map_error(status: int, message: str, *, ordering: bool = False) -> BrokerError:
    """The port's error for an HTTP answer of `status`; ``ordering`` marks an order
    action, where a refusal is the order's rejection rather than a plain broker error."""
    if status in (401, 403):
        return SessionExpired(message)
    if status == 429 or status >= 500:
        return TransientBrokerError(message)
    if ordering and "funds" in message.lower():
        return InsufficientFunds(message)
    if ordering:
        return OrderRejected(message)
    return BrokerError(message)
