"""Logging set-up: every record carries the id of the request that caused it."""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or "-"
        return True


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
    handler.setFormatter(
        JsonFormatter()
        if json_lines
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
    )
    logger.addHandler(handler)
    logger.propagate = False
