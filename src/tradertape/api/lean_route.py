"""A route of a JSON body and request-only credentials, handled without FastAPI's solver.

FastAPI answers each request by solving its route's dependencies afresh: it walks the
dependency tree, parses the content type with `email.message`, builds the arguments and
validates the body, about a fifth of the order route's work on the event loop (issue 69:
the route ≤ 1.15× the order pipeline). The busiest writes take only a body and a credential
read off the request (`CurrentUserLater`), so `LeanRoute` calls those directly: the body
read (malformed JSON refused first), the credential dependencies in their order, then the
body through FastAPI's own validation (`request_body_to_args`), as FastAPI does them. The
route's OpenAPI is FastAPI's, read from the signature as usual; a route of any other shape
is handled by FastAPI as usual. tests/api/test_lean_route.py holds both answers equal.
"""

from __future__ import annotations

import inspect
import json
import typing
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import request_body_to_args
from fastapi.exceptions import RequestValidationError
from fastapi.params import Form
from fastapi.routing import APIRoute
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined
from starlette.requests import Request
from starlette.responses import Response

try:  # how FastAPI ≥ 0.16x hands a route its inclusion's context while building its handler
    from fastapi.routing import _effective_route_context_var as _inclusion
except ImportError:  # pragma: no cover - an older FastAPI copies included routes instead
    _inclusion = None  # type: ignore[assignment]

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def _request_only(dependant: Dependant) -> bool:
    """A dependency that is an ``async def`` of the request alone (no generator, nothing
    else read off the request by FastAPI, no dependency of its own)."""
    return (
        dependant.request_param_name is not None
        and inspect.iscoroutinefunction(dependant.call)
        and not (
            dependant.path_params
            or dependant.query_params
            or dependant.header_params
            or dependant.cookie_params
            or dependant.body_params
            or dependant.dependencies
            or dependant.websocket_param_name
            or dependant.http_connection_param_name
            or dependant.response_param_name
            or dependant.background_tasks_param_name
            or dependant.security_scopes_param_name
        )
    )


def _is_json(content_type: str | None) -> bool:
    """``application/json`` or ``application/*+json``, as FastAPI reads the header (its
    parameters and case aside); no header is not JSON (FastAPI's strict content type)."""
    if not content_type:
        return False
    kind = content_type.partition(";")[0].strip().lower()
    main, slash, sub = kind.partition("/")
    return bool(slash) and main == "application" and (sub == "json" or sub.endswith("+json"))


async def json_body(request: Request) -> Any:
    """The request's body as FastAPI hands it to a body model: its JSON, its bytes when it
    is not JSON, or undefined when empty; malformed JSON is FastAPI's 422, a body that
    cannot be read (not UTF-8, the client gone) its 400."""
    try:
        raw = await request.body()
        if not raw:
            return PydanticUndefined
        if not _is_json(request.headers.get("content-type")):
            return raw
        return json.loads(raw)
    except json.JSONDecodeError as bad:
        error = {
            "type": "json_invalid",
            "loc": ("body", bad.pos),
            "msg": "JSON decode error",
            "input": {},
            "ctx": {"error": bad.msg},
        }
        raise RequestValidationError([error], body=bad.doc) from bad
    except Exception as unread:  # noqa: BLE001 - FastAPI answers any of them so
        raise HTTPException(400, "There was an error parsing the body") from unread


def _answers_response(call: Callable[..., Any]) -> bool:
    """Whether `call` is annotated to answer a `Response` (nothing for FastAPI to encode)."""
    try:
        answer = typing.get_type_hints(call).get("return")
    except (NameError, TypeError):
        return False
    return isinstance(answer, type) and issubclass(answer, Response)


class LeanRoute(APIRoute):
    """An `APIRoute` whose endpoint (``async``, answering a `Response`) takes one JSON body
    and request-only dependencies: handled by `lean_handler`; any other by FastAPI."""

    def get_route_handler(self) -> Handler:
        """The lean handler where the route's shape allows it, else FastAPI's. An included
        route is handled as its inclusion sees it (its router's dependencies too), as
        FastAPI's own `get_route_handler` reads it."""
        route: Any = self
        if _inclusion is not None:
            found = _inclusion.get()
            if found is not None and found.original_route is self:
                route = found
        return lean_handler(route.dependant, route.body_field) or super().get_route_handler()


def lean_handler(dependant: Dependant, body_field: Any) -> Handler | None:
    """`dependant`'s request handling without the solver, or None if its shape needs it."""
    call = dependant.call
    plain = not (
        dependant.path_params
        or dependant.query_params
        or dependant.header_params
        or dependant.cookie_params
        or dependant.request_param_name
        or dependant.response_param_name
        or dependant.background_tasks_param_name
    )
    if (
        call is None
        or not inspect.iscoroutinefunction(call)
        or not plain
        or body_field is None
        or len(dependant.body_params) != 1
        or not isinstance(body_field.field_info, FieldInfo)
        or isinstance(body_field.field_info, Form)
        or not all(_request_only(d) for d in dependant.dependencies)
        or not _answers_response(call)
    ):
        return None
    fields = [body_field]
    body_name = dependant.body_params[0].name
    credentials = [(d.name, d.call, d.request_param_name) for d in dependant.dependencies]

    async def handle(request: Request) -> Response:
        body = await json_body(request)
        values: dict[str, Any] = {}
        for name, dependency, request_name in credentials:
            assert dependency is not None
            assert name is not None
            assert request_name is not None
            values[name] = await dependency(**{request_name: request})
        validated, errors = await request_body_to_args(fields, body, embed_body_fields=False)
        if errors:
            raise RequestValidationError(errors, body=body)
        values[body_name] = validated[body_field.name]
        answer: Response = await call(**values)
        return answer

    return handle
