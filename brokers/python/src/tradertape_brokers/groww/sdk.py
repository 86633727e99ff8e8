"""The official ``growwapi`` client, made safe to point anywhere.

Two quirks of growwapi 1.5.0 are handled here rather than patched globally:

- ``GrowwAPI.__init__`` fetches ``{domain}/changelog`` from the real host with no timeout,
  before the caller can change ``domain``. `GrowwClient` skips that call and takes the
  root as an argument.
- ``_parse_response`` reads the JSON envelope before the HTTP status, so a 429 or a 401
  that carries a FAILURE envelope arrives as a bare ``GrowwAPIException`` whose code says
  nothing about the status. `GrowwClient` raises `GrowwHttpError` with both instead
  (`tradertape_brokers.groww.errors` maps them onto the port's errors).

The SDK is imported by name at run time: it ships no type information, and the adapter
must import (and fail helpfully) without it.
"""

from __future__ import annotations

import importlib
from typing import Any

from tradertape_brokers.port import BrokerError

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
