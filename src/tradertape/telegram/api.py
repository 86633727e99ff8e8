"""A thin async client of the Telegram Bot API; the token never reaches a log."""

from __future__ import annotations

import logging
import re
from typing import Any

import httpx

_TOKEN_IN_URL = re.compile(r"/bot[^/\s]+/")


class TelegramError(Exception):
    """The Bot API answered ``ok: false`` (or not JSON); the message is Telegram's."""


class _RedactToken(logging.Filter):
    """Hides ``/bot<token>/`` in httpx's request log lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/bot" in message:
            record.msg = _TOKEN_IN_URL.sub("/bot<redacted>/", message)
            record.args = None
        return True


_redaction = _RedactToken()


class BotApi:
    """Calls one bot's methods (``getUpdates``, ``sendMessage``, ...)."""

    def __init__(self, client: httpx.AsyncClient, *, base_url: str, token: str) -> None:
        self._client = client
        self._prefix = f"{base_url.rstrip('/')}/bot{token}/"
        logging.getLogger("httpx").addFilter(_redaction)

    async def call(
        self, method: str, payload: dict[str, Any], *, http_timeout_s: float = 10.0
    ) -> Any:
        """Call ``method`` with a JSON body; returns its ``result``."""
        try:
            response = await self._client.post(
                self._prefix + method, json=payload, timeout=http_timeout_s
            )
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise TelegramError(f"{method}: {type(exc).__name__}") from None
        if not isinstance(body, dict) or not body.get("ok"):
            detail = body.get("description") if isinstance(body, dict) else None
            raise TelegramError(f"{method}: {detail or response.status_code}")
        return body.get("result")

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()
