"""The event streams and WebSocket messages in the OpenAPI document.

FastAPI documents a route's 200 under its response class's media type, JSON here, and an
error answer of a stream is JSON indeed; only a stream's 200 is ``text/event-stream``. A
stream route says so with `stream_answer`, and the document, built once, moves that
body to its media type. WebSockets have no operations in OpenAPI, so their message models
are added to the components, where generated clients (the web app's) find them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

EVENT_STREAM = "text/event-stream"
_MEDIA_TYPE = "x-media-type"  # in a route's `responses`: where the body goes (then removed)
_REF = "#/components/schemas/{model}"


def stream_answer(message: type[BaseModel], description: str) -> dict[int | str, Any]:
    """A stream route's `responses`: its 200 sends `message`s as server-sent events."""
    return {200: {"model": message, "description": description, _MEDIA_TYPE: EVENT_STREAM}}


def _move_stream_bodies(document: dict[str, Any]) -> None:
    for item in document.get("paths", {}).values():
        for operation in item.values():
            for answer in operation.get("responses", {}).values():
                media_type = answer.pop(_MEDIA_TYPE, None)
                if media_type is not None:
                    content = answer["content"]
                    content[media_type] = content.pop("application/json")


def _shape(schema: Any) -> Any:
    """A schema without its ``default``s (FastAPI leaves them out of answers' schemas)."""
    if isinstance(schema, dict):
        return {k: _shape(v) for k, v in schema.items() if k != "default"}
    if isinstance(schema, list):
        return [_shape(v) for v in schema]
    return schema


def _add_components(document: dict[str, Any], models: Sequence[type[BaseModel]]) -> None:
    _, schemas = models_json_schema([(m, "serialization") for m in models], ref_template=_REF)
    components = document.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in schemas.get("$defs", {}).items():
        if _shape(components.setdefault(name, schema)) != _shape(schema):
            raise ValueError(f"two different schemas are named {name}")


def install_openapi(app: FastAPI, models: Sequence[type[BaseModel]]) -> None:
    """Build `app`'s document once, with the streams' bodies under their media type and
    `models` (the WebSockets' messages) among its components."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = FastAPI.openapi(app)  # kept on the app: changed here in place, once
        _move_stream_bodies(document)
        _add_components(document, models)
        return document

    app.openapi = openapi  # type: ignore[method-assign]
