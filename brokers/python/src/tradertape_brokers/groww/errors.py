"""growwapi's exceptions (and transport failures) mapped onto the port's errors.

`GrowwClient` raises `GrowwHttpError` with the HTTP status and Groww's ``GA00x`` code; the
SDK's own exception classes cover timeouts, rate limits and refused logins. Whether a
refusal is an order's rejection or a plain broker error depends on whether it answered an
order action.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from tradertape_brokers.groww.sdk import (
    GrowwHttpError,
    SdkApiError,
    SdkAuthError,
    SdkRateLimited,
    SdkTimeout,
)
from tradertape_brokers.port import (
    BrokerError,
    InsufficientFunds,
    OrderRejected,
    SessionExpired,
    TransientBrokerError,
)

T = TypeVar("T")

#: Groww's codes for requests refused as they are (reference §3.1).
_REJECTING_CODES = {"GA001", "GA004", "GA006", "GA007"}
_FUNDS_WORDS = ("insufficient", "margin", "funds", "balance")


def map_error(exc: BaseException, *, ordering: bool = False) -> BrokerError:
    """The port's error for an SDK or transport failure.

    ``ordering`` marks an order action, where a refusal is the order's rejection rather
    than a generic broker error.
    """
    if isinstance(exc, BrokerError):
        return exc
    if isinstance(exc, GrowwHttpError):
        return _from_status(exc.status, exc.code, str(exc.msg), ordering=ordering)
    if isinstance(exc, SdkAuthError):
        return SessionExpired(str(exc))
    if isinstance(exc, SdkTimeout | SdkRateLimited):
        return TransientBrokerError(str(exc))
    if isinstance(exc, SdkApiError):
        return _from_status(0, str(exc.code), str(exc.msg), ordering=ordering)
    if isinstance(exc, OSError):  # requests' errors are OSErrors: refused, reset, DNS
        return TransientBrokerError(f"network error: {exc}")
    return BrokerError(str(exc))


def _from_status(status: int, code: str, message: str, *, ordering: bool) -> BrokerError:
    text = f"{code}: {message}"
    if status in (401, 403) or code == "GA005":
        return SessionExpired(text)
    if status == 429 or status >= 500 or code in ("GA000", "GA003"):
        return TransientBrokerError(text)
    if ordering and any(word in message.lower() for word in _FUNDS_WORDS):
        return InsufficientFunds(text)
    if ordering and (code in _REJECTING_CODES or 400 <= status < 500):
        return OrderRejected(text)
    return BrokerError(text)


def call(fn: Callable[[], T], *, ordering: bool = False) -> T:
    """Run one SDK call, with its failures turned into the port's errors."""
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - every SDK and transport error is mapped
        raise map_error(exc, ordering=ordering) from exc
