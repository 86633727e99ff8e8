"""Every answer the API documents is typed: a client generated from the OpenAPI document
(the web app's, a user's) gets named fields for every 2xx body, never an open dict.

A 2xx body (JSON, or an event stream's message) must be a `$ref` to a model or an object
with named properties; an array's items likewise; a plain scalar is no answer. Below the
top, every list of rows must name its items' fields too: only a single free-form object
(metadata, a payload, a JSON Schema document) may stay open, and even those are named
models where the route knows their fields.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tradertape.api.app import create_app
from tradertape.db.engine import Database
from tradertape.runtime import Runtime
from tradertape.settings import Settings

TYPED_CONTENT = ("application/json", "text/event-stream")


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    settings = Settings(secret_key="x" * 48, database_url="sqlite://", _env_file=None)
    app = create_app(Runtime.build(settings, db=Database.from_url("sqlite://")))
    document: dict[str, Any] = app.openapi()
    return document


class Walk:
    """Judges schemas of one document, following `$ref`s."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.components: dict[str, Any] = document.get("components", {}).get("schemas", {})

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        ref = schema.get("$ref")
        if ref is None:
            return schema
        resolved: dict[str, Any] = self.components[ref.rsplit("/", 1)[-1]]
        return resolved

    def named(self, schema: dict[str, Any] | None) -> bool:
        """A model, an object with named properties, or a list or union of such."""
        if not schema:
            return False
        schema = self.resolve(schema)
        options = schema.get("anyOf") or schema.get("oneOf")
        if options:
            real = [o for o in options if o.get("type") != "null"]
            return bool(real) and all(self.named(o) for o in real)
        if schema.get("type") == "array":
            return self.named(schema.get("items"))
        if len(schema.get("allOf", ())) == 1:
            return self.named(schema["allOf"][0])
        return bool(schema.get("properties"))

    def open_rows(self, schema: dict[str, Any], where: str, seen: set[str]) -> list[str]:
        """Where, below `schema`, a list holds rows whose fields are not named."""
        ref = schema.get("$ref")
        if ref is not None:
            if ref in seen:
                return []
            seen.add(ref)
            return self.open_rows(self.resolve(schema), ref.rsplit("/", 1)[-1], seen)
        found = []
        if schema.get("type") == "array" and "prefixItems" not in schema:  # a tuple is typed
            items = schema.get("items") or {}
            if not self.named(items) and self._is_object(items):
                found.append(where)
        for child, below in _children(schema, where):
            found += self.open_rows(child, below, seen)
        return found

    def _is_object(self, schema: dict[str, Any]) -> bool:
        schema = self.resolve(schema)
        options = schema.get("anyOf") or schema.get("oneOf")
        if options:
            return any(self._is_object(o) for o in options)
        return schema == {} or schema.get("type") == "object"


def _children(schema: dict[str, Any], where: str) -> Iterator[tuple[dict[str, Any], str]]:
    """The schemas directly below `schema`, each with where it is."""
    for place, item in enumerate(schema.get("prefixItems", ())):
        yield item, f"{where}[{place}]"
    if isinstance(schema.get("items"), dict):
        yield schema["items"], f"{where}[]"
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, ()):
            yield option, where
    for name, child in (schema.get("properties") or {}).items():
        yield child, f"{where}.{name}"
    if isinstance(schema.get("additionalProperties"), dict):
        yield schema["additionalProperties"], f"{where}{{}}"


def _answers(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any] | None]]:
    """(operation, content type, schema) of every documented 2xx body."""
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if not status.startswith("2"):
                    continue
                label = f"{method.upper()} {path} {status}"
                for kind, content in (response.get("content") or {}).items():
                    found.append((label, kind, content.get("schema")))
    return found


def untyped_operations(document: dict[str, Any]) -> list[str]:
    """Operations with a 2xx body that is not a named model, an untyped content type, or
    a list of open rows anywhere below."""
    walk = Walk(document)
    bad = []
    for label, kind, schema in _answers(document):
        if kind not in TYPED_CONTENT:
            bad.append(f"{label}: {kind} is no typed content")
        elif schema is None or not walk.named(schema):
            bad.append(f"{label} {kind}: {schema}")
        else:
            bad += [f"{label}: rows of {w} are open" for w in walk.open_rows(schema, kind, set())]
    return bad


def test_every_2xx_answer_names_its_fields(spec: dict[str, Any]):
    bad = untyped_operations(spec)
    assert not bad, f"{len(bad)} untyped answers:\n" + "\n".join(bad)


def test_every_operation_with_a_body_documents_one(spec: dict[str, Any]):
    """A 200/201/202 without any content would pass the test above by saying nothing."""
    silent = [
        f"{method.upper()} {path} {status}"
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        for status, response in operation["responses"].items()
        if status in ("200", "201", "202") and not response.get("content")
    ]
    assert not silent


def test_no_two_models_share_a_name(spec: dict[str, Any]):
    """Two models of one name are given module paths for names: a client's types change."""
    assert not [name for name in spec["components"]["schemas"] if "__" in name]


def test_the_check_refuses_open_answers():
    """The walk itself: an open dict, a bare scalar and a list of open rows all fail."""
    document: dict[str, Any] = {
        "components": {
            "schemas": {
                "Rows": {"properties": {"rows": {"type": "array", "items": {"type": "object"}}}},
                "Row": {"properties": {"a": {"type": "integer"}}},
            }
        },
        "paths": {
            "/open": {"get": {"responses": {"200": _json({"type": "object"})}}},
            "/scalar": {"get": {"responses": {"200": _json({"type": "string"})}}},
            "/rows": {"get": {"responses": {"200": _json({"$ref": "#/components/schemas/Rows"})}}},
            "/fine": {
                "get": {
                    "responses": {
                        "200": _json(
                            {"type": "array", "items": {"$ref": "#/components/schemas/Row"}}
                        )
                    }
                }
            },
        },
    }
    bad = untyped_operations(document)
    assert [line.split(" ")[1] for line in bad] == ["/open", "/scalar", "/rows"]


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}
