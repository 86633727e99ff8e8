"""Errors that services raise; `api.errors` maps each kind to one HTTP status.

Services speak in these terms (not found, conflict, ...) so that the CLI, the
scheduler and the HTTP API can all call them and report failures their own way.
"""

from __future__ import annotations


class TraderTapeError(Exception):
    """Base of every expected, user-facing failure."""

    status_code = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class BadRequest(TraderTapeError):
    """The request is well-formed but violates a business rule."""

    status_code = 400


class Unauthenticated(TraderTapeError):
    """No valid session, key or token was presented."""

    status_code = 401


class Forbidden(TraderTapeError):
    """The caller is known but may not do this."""

    status_code = 403


class NotFound(TraderTapeError):
    """The resource does not exist (or is not visible to the caller)."""

    status_code = 404


class Conflict(TraderTapeError):
    """The resource's current state does not allow the change."""

    status_code = 409


class InvalidField(TraderTapeError):
    """A field's value is invalid; `field` is its dotted path."""

    status_code = 422

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class Rejected(TraderTapeError):
    """A refusal the worker SDK tells apart by ``rejection_reason`` (its exception picks it up).

    The response is ``{"detail": {"rejection_reason": reason, "message": detail, **extra}}``.
    """

    def __init__(self, status_code: int, reason: str, detail: str, **extra: object) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.reason = reason
        self.extra = extra


class RateLimited(TraderTapeError):
    """Too many attempts; retry after `retry_after_s` seconds."""

    status_code = 429

    def __init__(self, detail: str, retry_after_s: int) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s


class OrderRateExceeded(RateLimited):
    """SEBI's per-client order-rate ceiling was hit (`oms.order_rate`): nothing was stored
    or sent. The REST API answers a 429 in these words; the worker API adds its
    ``rejection_reason`` (``ORDER_RATE_LIMITED``)."""

    reason = "ORDER_RATE_LIMITED"

    def __init__(self, detail: str, retry_after_s: int, *, limit: int) -> None:
        super().__init__(detail, retry_after_s)
        self.limit = limit


class Overloaded(TraderTapeError):
    """The server is saturated (no database slot free soon enough); retry after
    `retry_after_s` seconds. Answered at once instead of queueing the request."""

    status_code = 503

    def __init__(self, detail: str, retry_after_s: int = 1) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s


class ServiceUnavailable(TraderTapeError):
    """A dependency we proxy to (a broker) did not answer; the request may be retried."""

    status_code = 503
