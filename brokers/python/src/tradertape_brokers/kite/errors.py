"""kiteconnect's exceptions mapped onto the port's, so callers never see a vendor exception.

The SDK raises the class named by the response's ``error_type``; Kite's ``MarginException``
(not a class in the SDK) arrives as ``GeneralException`` with the HTTP status, so funds
errors are recognised by their message. ``requests`` errors (timeouts, refused connections)
are transient: the caller may retry, and order placement first checks whether it landed.
"""

from __future__ import annotations

import requests
from kiteconnect import exceptions as kex

from tradertape_brokers.port import (
    BrokerError,
    InsufficientFunds,
    OrderRejected,
    SessionExpired,
    TransientBrokerError,
)

_FUNDS_WORDS = ("insufficient", "margin", "funds")


class NotAccepted(TransientBrokerError):
    """A transient failure that proves the request was not processed (429, connect timeout).

    A dropped connection is not proof: the request may have been read before it dropped.
    """


def map_error(exc: Exception) -> BrokerError:
    """The port exception for `exc` (a kiteconnect or requests exception)."""
    if isinstance(exc, BrokerError):
        return exc
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return NotAccepted(f"could not reach Kite: {exc}")
    if isinstance(exc, requests.exceptions.RequestException):
        return TransientBrokerError(f"Kite did not answer in time: {exc}")
    if isinstance(exc, kex.KiteException):
        return _map_kite(exc)
    return BrokerError(f"unexpected failure talking to Kite: {exc!r}")


def _map_kite(exc: kex.KiteException) -> BrokerError:
    message = str(exc)
    code = int(getattr(exc, "code", 500))
    funds = any(word in message.lower() for word in _FUNDS_WORDS)
    if isinstance(exc, kex.TokenException):
        return SessionExpired(message)
    if code == 429:
        return NotAccepted(f"rate limited by Kite: {message}")
    if isinstance(exc, kex.OrderException | kex.InputException):
        return InsufficientFunds(message) if funds else OrderRejected(message)
    if isinstance(exc, kex.NetworkException | kex.DataException) or code >= 500:
        return TransientBrokerError(f"Kite failed ({code}): {message}")
    if funds:
        return InsufficientFunds(message)
    if code == 400:  # Kite's HoldingException and other order refusals the SDK lacks
        return OrderRejected(message)
    return BrokerError(f"Kite refused ({code}): {message}")
