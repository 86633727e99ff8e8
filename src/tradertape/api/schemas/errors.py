"""The one shape of every error answer, as the OpenAPI document states it.

Every failure passes through `tradertape.api.errors`, so a 4xx or 5xx body is always
``{"detail": ...}`` where the detail is one of three things: the problems with named fields
(request validation, and a domain check that names its field), a worker rejection that a
published SDK maps to its exception by ``rejection_reason``, or a sentence. Declaring this
once per router (`ERROR_RESPONSES`) replaces FastAPI's default 422 schema, which allows only
the list, and lets a client, or the fuzz test, check an error body against the document.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class FieldProblem(BaseModel):
    """One bad input: where it is (``loc``, and ``field`` as a dotted path), what is wrong
    (``msg``, ``type``), and ``message``: the same said for people, the field in words."""

    loc: list[str | int]
    field: str
    msg: str
    type: str
    message: str


class Rejection(BaseModel):
    """A refusal with a machine-readable reason; it may carry more facts (extra keys)."""

    model_config = ConfigDict(extra="allow")

    rejection_reason: str
    message: str


class ErrorBody(BaseModel):
    """``detail`` says what went wrong; ``request_id`` comes with a server error only."""

    detail: list[FieldProblem] | Rejection | str
    request_id: str | None = None


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorBody, "description": "The request was refused; nothing changed."},
    "503": {
        "model": ErrorBody,
        "description": "The server is busy or its database out of reach; nothing changed. "
        "Send the request again after `Retry-After` seconds.",
        "headers": {
            "Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}
        },
    },
    "5XX": {"model": ErrorBody, "description": "The server failed; quote the request id."},
}

# A route that is a heavy job: each user's cap of them under way (docs/limits.md).
HEAVY_JOB_RESPONSES: dict[int | str, dict[str, Any]] = {
    "429": {
        "model": ErrorBody,
        "description": "You have as many jobs of this kind under way as one user may (docs/"
        'limits.md, "Heavy jobs"): nothing was stored. Send it again after `Retry-After` '
        "seconds, or once one has ended.",
        "headers": {
            "Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}
        },
    },
}

# A route that places or modifies an order: SEBI's per-client order-rate ceiling.
ORDER_RATE_RESPONSES: dict[int | str, dict[str, Any]] = {
    "429": {
        "model": ErrorBody,
        "description": "SEBI's order-rate ceiling (10 orders a second per client, unless "
        "configured for a registered algo) was hit: nothing was stored or sent. Send the "
        "order again after `Retry-After` seconds.",
        "headers": {
            "Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}
        },
    },
}
