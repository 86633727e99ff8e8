"""Logging set-up: every record carries the id of the request that caused it."""

from __future__ import annotations

import copy
import json
import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or "-"
        return True


# A query parameter whose name says it carries a credential: Kite's `request_token`, an OAuth
# `code` and `state`, a magic link's `token`, a postback's `checksum`, any key or secret.
_CREDENTIAL_PARAM = re.compile(
    r"([?&][^=&#\s]*?(?:token|code|state|secret|password|passwd|otp|key|signature|checksum"
    r"|session|auth)[^=&#\s]*=)[^&#\s\"']*",
    re.IGNORECASE,
)
REDACTED = "[redacted]"


def redact_query(text: str) -> str:
    """`text` with the values of credential-bearing query parameters replaced."""
    return _CREDENTIAL_PARAM.sub(rf"\1{REDACTED}", text)


class RedactQueries(logging.Filter):
    """Keeps credentials in query strings (``/callback?request_token=…``) out of every log
    line, the access log's included."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the message and its string arguments in place; never drop the record."""
        if isinstance(record.msg, str):
            record.msg = redact_query(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_query(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own logging set-up, with `RedactQueries` on its handlers (the access log
    records each request's path with its query string)."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"redact": {"()": RedactQueries}}
    for handler in config["handlers"].values():
        handler["filters"] = ["redact"]
    return config


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        """Serialize the record with its request id and any exception text."""
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def configure_logging(*, json_lines: bool, level: int = logging.INFO) -> None:
    """Install one stderr handler on the `tradertape` logger (idempotent)."""
    logger = logging.getLogger("tradertape")
    logger.setLevel(level)
    for handler in list(logger.handlers):
        if getattr(handler, "_tradertape", False):
            logger.removeHandler(handler)
    handler = logging.StreamHandler()
    handler._tradertape = True  # type: ignore[attr-defined]  # marks our own handler
    handler.addFilter(_RequestIdFilter())
    handler.addFilter(RedactQueries())
    handler.setFormatter(
        JsonFormatter()
        if json_lines
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
    )
    logger.addHandler(handler)
    logger.propagate = False
