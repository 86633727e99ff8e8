"""Request limits checked before any handler runs, so a refused request changes nothing.

The body is read here, up to ``max_request_body_bytes`` whether or not the client declared a
``Content-Length`` (a chunked upload is counted as it arrives), and answered 413 past it. A
JSON body is then judged as a whole (`check_json`): nested deeper than ``max_json_depth``,
text a database cannot store (NUL, unpaired surrogates) or a non-finite number is a 422 that
names the field, as a validation error does; so is a NUL in the URL's path or query. Limits
of particular fields (lengths, DSL size, free-form objects) live on the schemas;
docs/limits.md lists them all.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tradertape.serving.field_words import problem_words
from tradertape.serving.free_json import JsonProblem, check_json, dotted, find_problem

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

PARSED_BODY = "tradertape.parsed_body"
"""The scope key under which the body's bytes and their JSON, as judged here, are handed to
the app: a route that would parse the same bytes again takes the value instead (`parsed`)."""


def parsed(scope: Scope, raw: bytes) -> tuple[bool, Any]:
    """The JSON `RequestLimits` parsed from exactly these bytes (True and the value), else
    (False, None): a body it did not judge as JSON, or other bytes than it read."""
    kept = scope.get(PARSED_BODY)
    if kept is None or kept[0] != raw:
        return False, None
    return True, kept[1]


class RequestLimits:
    """Pure ASGI middleware: buffers at most the limit, then replays the body to the app."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        max_json_depth: int,
        max_upload_bytes: int | None = None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_json_depth = max_json_depth
        # Statement files (`/api/uploads/…`) are larger than any JSON request.
        self.max_upload_bytes = max_upload_bytes or max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse an oversized or unstorable request; pass any other on unchanged."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = _url_problem(scope)
        if problem is not None:
            await _reply(send, 422, {"detail": [problem]})
            return
        if scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        limit = self.max_upload_bytes if _is_upload(scope) else self.max_body_bytes
        read = await self._read_body(
            receive, declared=headers.get(b"content-length", b""), limit=limit
        )
        if read is None:
            await self._too_large(send, limit)
            return
        body, last = read
        if body and _is_json(headers.get(b"content-type")):
            found = self._body_problem(scope, body)
            if found is not None:
                await _reply(send, 422, {"detail": [found]})
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # e.g. a streaming response waits for the disconnect
            replayed = True
            if last["type"] != "http.request":
                return last
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _read_body(
        self, receive: Receive, *, declared: bytes, limit: int
    ) -> tuple[bytes, Message] | None:
        """The whole body and the last message read, or None past the limit (declared or
        counted: a chunked body declares no length)."""
        if declared.isdigit() and int(declared) > limit:
            return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks), message  # the client left: the app is told so
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks), message

    def _body_problem(self, scope: Scope, body: bytes) -> dict[str, Any] | None:
        """What is wrong with a JSON body (None: nothing, or malformed, which the app
        answers); a body read as JSON and found sound is kept in the scope
        (`PARSED_BODY`), so the route does not parse it again (issue 69)."""
        try:
            value = json.loads(body)
        except RecursionError:
            return _problem(
                ("body",), f"nested deeper than {self.max_json_depth} levels", "json_too_deep"
            )
        except UnicodeDecodeError:
            return None  # the app answers malformed bodies in its own words
        except json.JSONDecodeError:
            return None
        except ValueError:  # an integer of more digits than Python converts
            return _problem(("body",), "a number has too many digits", "number_too_long")
        if json.detect_encoding(body) == "utf-8":
            text = body.decode("utf-8", "surrogatepass")  # as json.loads read it
            found = check_json(value, text=text, max_depth=self.max_json_depth)
        else:  # UTF-16 or -32: escapes do not read as text here
            found = find_problem(value, max_depth=self.max_json_depth)
        if found is not None:
            return _located(("body",), found)
        scope[PARSED_BODY] = (body, value)
        return None

    async def _too_large(self, send: Send, limit: int) -> None:
        setting = (
            "TRADERTAPE_MAX_UPLOAD_BODY_BYTES"
            if limit != self.max_body_bytes
            else "TRADERTAPE_MAX_REQUEST_BODY_BYTES"
        )
        detail = (
            f"the request body is larger than {limit} bytes ({limit / 1_048_576:g} MB), "
            f"the server's limit ({setting})"
        )
        await _reply(send, 413, {"detail": detail}, close=True)


_NUL = "text cannot contain the NUL character (\\u0000)"


def _url_problem(scope: Scope) -> dict[str, Any] | None:
    if "\x00" in scope.get("path", ""):  # a path parameter: the server decoded %00
        return _problem(("path",), _NUL, "text_unstorable")
    raw = scope.get("query_string", b"").decode("latin-1")
    if "%00" not in raw:  # percent-decoding with errors="replace" leaves no surrogates
        return None
    for name, value in parse_qsl(raw, keep_blank_values=True):
        for text in (name, value):
            if "\x00" in text:
                return _problem(("query", name), _NUL, "text_unstorable")
    return None


UPLOADS_PREFIX = "/api/uploads/"


def _is_upload(scope: Scope) -> bool:
    return str(scope.get("path", "")).startswith(UPLOADS_PREFIX)


def _is_json(content_type: bytes | None) -> bool:
    # As FastAPI decides: no content type, or application/json or application/*+json.
    if not content_type:
        return True
    kind = content_type.split(b";", 1)[0].strip().lower()
    return kind == b"application/json" or (
        kind.startswith(b"application/") and kind.endswith(b"+json")
    )


def _located(root: tuple[str], found: JsonProblem) -> dict[str, Any]:
    return _problem((*root, *found.path), found.msg, found.type)


def _problem(loc: tuple[str | int, ...], msg: str, kind: str) -> dict[str, Any]:
    # Each part written as `dotted` writes it: a key may hold an unpaired surrogate.
    parts = [part if isinstance(part, int) else dotted((part,)) for part in loc]
    field = dotted(loc[1:]) or str(loc[0])
    message = problem_words(field, msg, kind)
    return {"loc": parts, "field": field, "msg": msg, "type": kind, "message": message}


async def _reply(send: Send, status: int, content: dict[str, Any], *, close: bool = False) -> None:
    payload = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
    ]
    if close:  # the rest of the body is never read
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
