"""A route of a JSON body and request-only credentials, handled without FastAPI's solver.

FastAPI answers each request by solving its route's dependencies afresh: it walks the
dependency tree, parses the content type with `email.message`, builds the arguments and
validates the body, about a fifth of the order route's work on the event loop (issue 69:
the route ≤ 1.15× the order pipeline). The busiest writes take only a body and a credential
read off the request (`CurrentUserLater`, `worker_credential`), so `LeanRoute` calls those
directly: the body read (malformed JSON refused first), the credential dependencies in their
order, then the path, query and header parameters and the body through FastAPI's own
validation (`request_params_to_args`, `request_body_to_args`: one 422 of all their errors)
and the answer through its `serialize_response`, as FastAPI does them. The
route's OpenAPI is FastAPI's, read from the signature as usual; a route of any other shape
is handled by FastAPI as usual. tests/api/test_lean_route.py holds both answers equal.
A dependency override (`route_state.OVERRIDES`) does not reach a lean route: the project
sets none.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from functools import partial
from typing import Any

from fastapi import HTTPException
from fastapi._compat import ModelField
from fastapi.datastructures import DefaultPlaceholder
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import request_body_to_args, request_params_to_args
from fastapi.exceptions import RequestValidationError
from fastapi.params import Form, Param
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, serialize_response
from fastapi.utils import is_body_allowed_for_status_code
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined
from starlette.requests import Request
from starlette.responses import Response

from tradertape.serving.limits import parsed

try:  # FastAPI's own reading of one parameter, the parts `_plain` plans once per route
    from fastapi._compat import field_annotation_is_sequence
    from fastapi.dependencies.utils import (
        _get_param_aliases,
        _get_param_model,
        _is_json_field,
        _validate_value_with_model_field,
    )
except ImportError:  # pragma: no cover - another FastAPI: every parameter is its to read
    _get_param_aliases = None  # type: ignore[assignment]

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
        known, value = parsed(request.scope, raw)  # the size limits' parse of these bytes
        return value if known else json.loads(raw)
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


class LeanRoute(APIRoute):
    """An `APIRoute` whose ``async`` endpoint takes one JSON body, path, query and header
    parameters and request-only dependencies: handled by `lean_handler`; any other by
    FastAPI."""

    def get_route_handler(self) -> Handler:
        """The lean handler where the route's shape allows it, else FastAPI's. An included
        route is handled as its inclusion sees it (its router's dependencies too), as
        FastAPI's own `get_route_handler` reads it."""
        route: Any = self
        if _inclusion is not None:
            found = _inclusion.get()
            if found is not None and found.original_route is self:
                route = found
        return lean_handler(route) or super().get_route_handler()


def lean_handler(route: Any) -> Handler | None:
    """`route`'s request handling without the solver (an `APIRoute`, or its inclusion's
    context), or None if its shape needs the solver."""
    dependant: Dependant = route.dependant
    call = dependant.call
    body_field = route.body_field
    if (
        call is None
        or not inspect.iscoroutinefunction(call)
        or dependant.cookie_params
        or dependant.request_param_name
        or dependant.response_param_name
        or dependant.background_tasks_param_name
        or dependant.http_connection_param_name
        or dependant.security_scopes_param_name
        or body_field is None
        or len(dependant.body_params) != 1
        or not isinstance(body_field.field_info, FieldInfo)
        or isinstance(body_field.field_info, Form)
        or not all(_request_only(d) for d in dependant.dependencies)
        or not isinstance(route.response_class, DefaultPlaceholder)
        or route.response_class.value is not JSONResponse
    ):
        return None
    answers = _answer(route, call)
    credentials = [(d.name, d.call, d.request_param_name) for d in dependant.dependencies]
    path, query, header = (
        _params(dependant.path_params),
        _params(dependant.query_params),
        _params(dependant.header_params),
    )
    bodies, embed = dependant.body_params, route._embed_body_fields  # noqa: SLF001

    async def handle(request: Request) -> Response:
        body = await json_body(request)
        values: dict[str, Any] = {}
        for name, dependency, request_name in credentials:
            assert dependency is not None
            assert name is not None
            assert request_name is not None
            values[name] = await dependency(**{request_name: request})
        errors: list[Any] = []
        if path:
            found, errors = path(request.path_params)
            values.update(found)
        if query:
            found, wrong = query(request.query_params)
            values.update(found)
            errors += wrong
        if header:
            found, wrong = header(request.headers)
            values.update(found)
            errors += wrong
        found, wrong = await request_body_to_args(bodies, body, embed_body_fields=embed)
        values.update(found)
        errors += wrong
        if errors:
            raise RequestValidationError(errors, body=None if body is PydanticUndefined else body)
        return await answers(await call(**values))

    return handle


Params = Callable[[Mapping[str, Any]], tuple[dict[str, Any], list[Any]]]


def _params(fields: list[ModelField]) -> Params | None:
    """How the route reads these parameters (of one kind): as `request_params_to_args`
    does, but where each is `_plain`, its name and place worked out once, not per request
    (FastAPI asks each parameter's annotation again on every request: a worker's order has
    two, a tenth of its handling on the loop). None when there are none."""
    if not fields:
        return None
    plans = [_plain(field) for field in fields]
    if any(plan is None for plan in plans):
        return partial(request_params_to_args, fields)
    steps = [(field, plan) for field, plan in zip(fields, plans, strict=True) if plan is not None]

    def read(received: Mapping[str, Any]) -> tuple[dict[str, Any], list[Any]]:
        values: dict[str, Any] = {}
        errors: list[Any] = []
        for field, (key, loc) in steps:
            value = received.get(key)
            found, wrong = _validate_value_with_model_field(
                field=field,
                value=PydanticUndefined if value is None else value,
                values=values,
                loc=loc,
            )
            if wrong:
                errors.extend(wrong)
            else:
                values[field.name] = found
        return values, errors

    return read


def _plain(field: ModelField) -> tuple[str, tuple[str, str]] | None:
    """The request's key and the error's place of a parameter FastAPI reads as one value
    by one name (no model of parameters, no list, no JSON, no choice of aliases); None for
    any other, or a FastAPI whose reading is not known here."""
    if _get_param_aliases is None:  # pragma: no cover - another FastAPI
        return None
    info = field.field_info
    if (
        not isinstance(info, Param)
        or _get_param_model(field) is not None
        or _is_json_field(field)
        or field_annotation_is_sequence(info.annotation)
    ):
        return None
    aliases = _get_param_aliases(field)
    if len(aliases) != 1:
        return None
    key = aliases[0][1]
    return key, (info.in_.value, key)


def _answer(route: Any, call: Callable[..., Any]) -> Callable[[Any], Awaitable[Response]]:
    """How FastAPI makes the endpoint's answer a response: a `Response` as it is, anything
    else through the answer's model (`serialize_response`, JSON dumped by pydantic)."""
    field = route.response_field
    status = route.status_code

    async def answer(raw: Any) -> Response:
        if isinstance(raw, Response):
            return raw
        content = await serialize_response(
            field=field,
            response_content=raw,
            include=route.response_model_include,
            exclude=route.response_model_exclude,
            by_alias=route.response_model_by_alias,
            exclude_unset=route.response_model_exclude_unset,
            exclude_defaults=route.response_model_exclude_defaults,
            exclude_none=route.response_model_exclude_none,
            is_coroutine=True,
            dump_json=field is not None,
        )
        if field is None:
            response: Response = JSONResponse(content)
        else:
            response = Response(content=content, media_type="application/json")
        if status is not None:
            response.status_code = status
        if not is_body_allowed_for_status_code(response.status_code):
            response.body = b""
        return response

    return answer
