"""One exception tree for everything the SDK raises.

::

    KiteAlgoWorkerError                 status_code, response_body, rejection_reason
    ├── TransportError                  the server could not be reached or timed out (0)
    │   └── StreamDisconnectedError     a stream ended before its ``end`` event
    ├── StreamError                     the server sent ``event: error`` on a stream
    ├── APIStatusError                  any non-2xx answer; ``request`` and ``response``
    │   ├── AuthError                   401: missing, revoked or expired token
    │   ├── PermissionDeniedError       403: an action, mode, scope or template not granted
    │   ├── NotFoundError               404: unknown (or another token's) run, order, …
    │   ├── BrokerValidationError       400 / 422: the request itself is wrong
    │   │   └── UnsupportedSchemaVersionError   422 UNSUPPORTED_SCHEMA_VERSION
    │   ├── ConflictError               409: the run's state refuses it
    │   │   ├── SessionConflictError    WORKER_SESSION_REQUIRED / WORKER_SESSION_CONFLICT
    │   │   ├── SafetyTokenExpiredError SAFETY_TOKEN_EXPIRED: run safety_check again
    │   │   └── RiskCheckError          RISK_CHECK_FAILED: your risk rules refused the entry
    │   └── WorkerDataUnavailableError  503: the server cannot serve it now
    │       └── CalendarRangeUncoveredError     CALENDAR_RANGE_UNCOVERED
    └── ClientValidationError           refused before anything was sent (also a ValueError)
        ├── OrderValidationError        an order field breaks the server's rules (``field``)
        └── LiveTradingNotEnabledError  live mode without KITE_ALGO_ENABLE_LIVE=1

The names of the published ``kite-algo-worker`` SDK are kept, so code written against it
catches the same classes here.
"""

from __future__ import annotations

from typing import Any

import httpx


def rejection_reason_of(body: Any) -> str | None:
    """The ``rejection_reason`` of a ``{"detail": {...}}`` (or flat) error body."""
    if not isinstance(body, dict):
        return None
    detail = body.get("detail")
    for candidate in (body.get("rejection_reason"), _get(detail, "rejection_reason")):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    return None


def _get(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else None


def message_of(body: Any, fallback: str) -> str:
    """A readable message from an error body (``detail`` as a string, dict or list)."""
    detail = _get(body, "detail")
    if isinstance(detail, str) and detail:
        return detail
    if isinstance(detail, dict):
        return str(detail.get("message") or detail.get("rejection_reason") or fallback)
    if isinstance(detail, list) and detail:
        parts = [f"{_get(e, 'field') or _get(e, 'loc')}: {_get(e, 'msg')}" for e in detail]
        return "; ".join(parts)
    return fallback


class KiteAlgoWorkerError(RuntimeError):
    """Base of every SDK error."""

    def __init__(self, message: str, *, status_code: int = 0, response_body: Any = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.response_body = response_body
        self.rejection_reason = rejection_reason_of(response_body)


class TransportError(KiteAlgoWorkerError):
    """The request never got an answer (connection refused, timeout, broken stream)."""


class StreamDisconnectedError(TransportError):
    """A stream stopped before the server ended it."""


class StreamError(KiteAlgoWorkerError):
    """The server reported an error inside a stream (``event: error``)."""


class APIStatusError(KiteAlgoWorkerError):
    """The server answered with an error status."""

    def __init__(
        self,
        message: str,
        *,
        request: httpx.Request,
        response: httpx.Response,
        response_body: Any = None,
    ) -> None:
        super().__init__(message, status_code=response.status_code, response_body=response_body)
        self.request = request
        self.response = response


class AuthError(APIStatusError):
    """401."""


class PermissionDeniedError(APIStatusError):
    """403."""


class NotFoundError(APIStatusError):
    """404."""


class BrokerValidationError(APIStatusError):
    """400 or 422."""


class UnsupportedSchemaVersionError(BrokerValidationError):
    """The server does not speak the requested document schema version."""


class ConflictError(APIStatusError):
    """409."""


class SessionConflictError(ConflictError):
    """The run's worker session is held by someone else, or needs your nonce."""


class SafetyTokenExpiredError(ConflictError):
    """The safety token expired or the run's state moved on; call ``safety_check`` again."""


class RiskCheckError(ConflictError):
    """Your risk rules (a kill switch, a limit) refused the entry; the refused orders are
    REJECTED and the reasons are in ``response_body["detail"]["blocking_reasons"]``."""


class WorkerDataUnavailableError(APIStatusError):
    """503: the data (or the broker behind it) is not available now."""


class CalendarRangeUncoveredError(WorkerDataUnavailableError):
    """The calendar does not cover the dates asked for; they are never guessed."""


class ClientValidationError(KiteAlgoWorkerError, ValueError):
    """The SDK refused the call before sending it."""


class OrderValidationError(ClientValidationError):
    """An order field breaks the server's rules; ``field`` names it (as the server's 422 does)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class LiveTradingNotEnabledError(ClientValidationError):
    """Live execution was asked for without ``KITE_ALGO_ENABLE_LIVE=1``."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    401: AuthError,
    403: PermissionDeniedError,
    404: NotFoundError,
    400: BrokerValidationError,
    422: BrokerValidationError,
    409: ConflictError,
    503: WorkerDataUnavailableError,
}
_BY_REASON: dict[str, type[APIStatusError]] = {
    "UNSUPPORTED_SCHEMA_VERSION": UnsupportedSchemaVersionError,
    "WORKER_SESSION_REQUIRED": SessionConflictError,
    "WORKER_SESSION_CONFLICT": SessionConflictError,
    "SAFETY_TOKEN_EXPIRED": SafetyTokenExpiredError,
    "RISK_CHECK_FAILED": RiskCheckError,
    "CALENDAR_RANGE_UNCOVERED": CalendarRangeUncoveredError,
}


def error_for_response(response: httpx.Response) -> APIStatusError:
    """The exception for an error response: by status, refined by ``rejection_reason``."""
    try:
        body: Any = response.json()
    except ValueError:
        body = {"raw": response.text}
    request = response.request
    fallback = f"worker API returned {response.status_code} for {request.method} {request.url}"
    kind = _BY_STATUS.get(response.status_code, APIStatusError)
    refined = _BY_REASON.get(rejection_reason_of(body) or "")
    if refined is not None and issubclass(refined, kind):
        kind = refined
    return kind(message_of(body, fallback), request=request, response=response, response_body=body)
