"""Kite's error envelope: an HTTP status and an ``error_type`` the SDK turns into a class."""

from __future__ import annotations


class KiteError(Exception):
    """A refusal the fake answers with ``{"status": "error", "error_type", "message"}``."""

    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message


def token_error(message: str = "Incorrect `api_key` or `access_token`.") -> KiteError:
    """The 403 that makes the SDK raise ``TokenException`` (session gone)."""
    return KiteError(403, "TokenException", message)


def input_error(message: str) -> KiteError:
    """A 400 ``InputException``: a missing or invalid field."""
    return KiteError(400, "InputException", message)


def order_error(message: str) -> KiteError:
    """A 400 ``OrderException``: the order cannot be placed, changed or cancelled."""
    return KiteError(400, "OrderException", message)
