"""Upstox failures → the port's errors.

The SDK raises `ApiException` with the HTTP status and the body
``{"status":"error","errors":[{"errorCode"|"error_code","message",...}]}``; network trouble
surfaces as urllib3 errors. Which port error a 4xx becomes depends on whether it answered an
order request (a refusal of the order) or a read (a plain `BrokerError`).
"""

from __future__ import annotations

import json
from typing import Any

import urllib3
from upstox_client.rest import ApiException

from tradertape_brokers.port import (
    BrokerError,
    InsufficientFunds,
    OrderRejected,
    SessionExpired,
    TransientBrokerError,
)

SESSION_INVALID = "UDAPI100050"
RATE_LIMITED = "UDAPI10005"
_FUNDS_WORDS = ("insufficient", "funds", "margin")


class RateLimited(TransientBrokerError):
    """A 429: Upstox refused the request unseen, so sending it again cannot duplicate it."""


def first_error(body: Any) -> tuple[str, str]:
    """The first ``(code, message)`` of an Upstox error body ('' when absent)."""
    try:
        data = json.loads(body) if isinstance(body, str | bytes) else body
        err = data["errors"][0]
    except (ValueError, KeyError, IndexError, TypeError):
        return "", str(body or "")[:200]
    code = err.get("errorCode") or err.get("error_code") or ""
    return str(code), str(err.get("message") or "")


def translate(exc: BaseException, *, order: bool) -> BrokerError:
    """The port error for `exc` (an SDK or network failure)."""
    if isinstance(exc, BrokerError):
        return exc
    if isinstance(exc, urllib3.exceptions.HTTPError | OSError):
        return TransientBrokerError(f"network: {exc}")
    if not isinstance(exc, ApiException):
        return BrokerError(f"{type(exc).__name__}: {exc}")
    status = int(exc.status or 0)
    code, message = first_error(exc.body)
    text = f"{status} {code}: {message}".strip()
    if status == 401 or code == SESSION_INVALID:
        return SessionExpired(text)
    if status == 429 or code == RATE_LIMITED:
        return RateLimited(text)
    if status == 0 or status >= 500:
        return TransientBrokerError(text)
    if order and any(word in message.lower() for word in _FUNDS_WORDS):
        return InsufficientFunds(text)
    if order:
        return OrderRejected(text)
    return BrokerError(text)
