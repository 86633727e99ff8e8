"""One place that turns failures into ``{"detail": ...}`` responses.

Validation errors keep FastAPI's list of ``{loc, msg, type}`` and add ``field``,
the dotted path of the bad input, and ``message``, the problem said for people ("Entry rules:
add at least one condition", `tradertape.serving.field_words`).

A database that is saturated or out of reach (no pooled connection in time, SQLite's write
lock not freed in time, a dropped connection) is a 503 with ``Retry-After``: the request may
simply be sent again. Unexpected errors are logged with their stack and answered with a
generic message and the request id, never the stack.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from tradertape.backtest.options.strategy import error_path  # json_path, option legs too
from tradertape.errors import (
    InvalidField,
    OrderRateExceeded,
    Overloaded,
    RateLimited,
    Rejected,
    TraderTapeError,
)
from tradertape.serving.admission import RETRY_AFTER_S
from tradertape.serving.field_words import problem_words

log = logging.getLogger("tradertape.api")

_LOCATION_ROOTS = {"body", "query", "path", "header", "cookie"}
WORKER_API = "/api/algo-workers/"  # the kite-algo worker contract's routes


def field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    """``("body", "orders", 1, "qty")`` → ``orders[1].qty``: the location root dropped, and
    the union tags pydantic inserts into strategy documents too (`json_path`)."""
    parts = list(loc)
    if parts and parts[0] in _LOCATION_ROOTS:
        parts = parts[1:]
    return error_path(tuple(parts)) or str(loc[0] if loc else "body")


def _request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TraderTapeError)
    headers: dict[str, str] = {}
    if isinstance(exc, RateLimited | Overloaded):
        headers["Retry-After"] = str(exc.retry_after_s)
    content: dict[str, Any] = {"detail": exc.detail}
    if isinstance(exc, OrderRateExceeded) and request.url.path.startswith(WORKER_API):
        # The worker contract tells refusals apart by ``rejection_reason`` (its SDKs raise
        # with it); the REST API keeps the plain sentence.
        content["detail"] = {
            "rejection_reason": exc.reason,
            "message": exc.detail,
            "retry_after_s": exc.retry_after_s,
            "limit_per_sec": exc.limit,
        }
    if isinstance(exc, Rejected):
        content["detail"] = {
            "rejection_reason": exc.reason,
            "message": exc.detail,
            **jsonable_encoder(exc.extra),
        }
    if isinstance(exc, InvalidField):
        content["detail"] = [
            {
                "loc": exc.field.split("."),
                "field": exc.field,
                "msg": exc.message,
                "type": "value_error",
                "message": problem_words(exc.field, exc.message, "value_error"),
            }
        ]
    return JSONResponse(content, status_code=exc.status_code, headers=headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for error in exc.errors():
        item = {k: v for k, v in error.items() if k in ("loc", "msg", "type")}
        item["field"] = field_path(error.get("loc", ()))
        item["message"] = problem_words(
            item["field"], str(error.get("msg", "")), str(error.get("type", "")), error.get("ctx")
        )
        errors.append(item)
    return JSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)


async def _data_error(request: Request, exc: Exception) -> JSONResponse:
    """PostgreSQL refuses a NUL character in text (SQLite stores it). Requests are checked
    for NUL as they are read (`tradertape.serving.limits`, naming the field); this is the last
    resort for text from anywhere else, still a 422. Any other refusal is a bug."""
    if "NUL (0x00)" not in str(exc):
        return await _unexpected(request, exc)
    problem = {"loc": ["request"], "field": "request", "type": "value_error"}
    problem["msg"] = "text cannot contain the NUL character (\\u0000)"
    problem["message"] = "Text cannot contain the NUL character (\\u0000)"
    return JSONResponse({"detail": [problem]}, status_code=422)


def _busy(exc: Exception) -> bool:
    """Whether a database error says "not now" (rather than "never": SQLite reports a
    missing table as an OperationalError too, and that is a bug)."""
    if not isinstance(exc, OperationalError) or exc.connection_invalidated:
        return True
    if not isinstance(exc.orig, sqlite3.OperationalError):
        return True  # PostgreSQL: a lost or refused connection, a cancelled statement
    text = str(exc.orig).lower()
    return "locked" in text or "busy" in text


async def _database_busy(request: Request, exc: Exception) -> JSONResponse:
    """No connection, or no write lock, in time: the server is saturated, not broken."""
    if not _busy(exc):
        return await _unexpected(request, exc)
    log.warning("database busy on %s %s: %s", request.method, request.url.path, type(exc).__name__)
    return JSONResponse(
        {"detail": "the database is busy; retry shortly"},
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    request_id = _request_id(request)
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(
        {
            "detail": "internal server error; quote the request id if you report it",
            "request_id": request_id,
        },
        status_code=500,
        headers={"X-Request-ID": request_id or ""},
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register every handler on `app`."""
    app.add_exception_handler(TraderTapeError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(OperationalError, _database_busy)
    app.add_exception_handler(PoolTimeout, _database_busy)
    app.add_exception_handler(Exception, _unexpected)
