"""The official ``growwapi`` client, made safe to point anywhere, and its errors mapped.

Two quirks of growwapi 1.5.0 are handled here rather than patched globally:

- ``GrowwAPI.__init__`` fetches ``{domain}/changelog`` from the real host with no timeout,
  before the caller can change ``domain``. `GrowwClient` skips that call and takes the
  root as an argument.
- ``_parse_response`` reads the JSON envelope before the HTTP status, so a 429 or a 401
  that carries a FAILURE envelope arrives as a bare ``GrowwAPIException`` whose code says
  nothing about the status. `GrowwClient` raises `GrowwHttpError` with both instead.

The SDK is imported by name at run time: it ships no type information, and the adapter
must import (and fail helpfully) without it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, TypeVar

from tradertape_brokers.port import (
    BrokerError,
    InsufficientFunds,
    OrderRejected,
    SessionExpired,
    TransientBrokerError,
)

try:
    _client_module: Any = importlib.import_module("growwapi.groww.client")
    _errors: Any = importlib.import_module("growwapi.groww.exceptions")
except ImportError as exc:  # pragma: no cover - the [groww] extra is missing
    raise ImportError(
        "the Groww adapter needs growwapi: pip install 'tradertape-brokers[groww]'"
    ) from exc

GrowwAPI: Any = _client_module.GrowwAPI
SdkError: type[Exception] = _errors.BaseGrowwException
SdkApiError: Any = _errors.GrowwAPIException
SdkTimeout: type[Exception] = _errors.GrowwAPITimeoutException
SdkAuthError: type[Exception] = _errors.GrowwAPIAuthenticationException
SdkRateLimited: type[Exception] = _errors.GrowwAPIRateLimitException

DEFAULT_ROOT = "https://api.groww.in"
T = TypeVar("T")


def domain_for(root: str) -> str:
    """The SDK's ``domain`` (every path hangs off ``/v1``) for a host root."""
    return root.rstrip("/") + "/v1"


class GrowwHttpError(SdkApiError):  # type: ignore[misc]  # SDK classes are untyped
    """A refused request: the HTTP status plus Groww's ``GA00x`` code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message, code)
        self.status = status


class GrowwClient(GrowwAPI):  # type: ignore[misc]  # SDK classes are untyped
    """``GrowwAPI`` bound to `root`, without the changelog call, with status-aware errors."""

    def __init__(self, token: str, *, root: str = DEFAULT_ROOT) -> None:
        # Deliberately not calling GrowwAPI.__init__: it reaches the real host.
        self.domain = domain_for(root)
        self.token = token
        self.instruments = None

    def _get_changelog(self) -> dict[str, Any]:
        return {}

    def _load_instruments(self) -> Any:
        # The SDK would download a CSV into its own package folder; we never need it.
        raise BrokerError("the Groww instrument list is not used by this adapter")

    def _parse_response(self, response: Any) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code >= 400 or body.get("status") == "FAILURE":
            error = body.get("error") or {}
            raise GrowwHttpError(
                int(response.status_code),
                str(error.get("code") or response.status_code),
                str(error.get("message") or error.get("displayMessage") or response.reason),
            )
        return dict(body.get("payload", body))


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
