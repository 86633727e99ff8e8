"""The I/O-free core both clients share: calls described as data, run by either client.

Every API method is written once, as a function that validates its arguments and
returns a `Call` (method, path, query, body, headers, and how to read the answer).
`endpoint` and `stream` turn those functions into methods: on `KiteAlgoWorkerClient`
they send the call and return the result; on `AsyncKiteAlgoWorkerClient` they return a
coroutine (or an async iterator for streams). The SSE decoder and the query
normalization live here too, so the two clients cannot drift apart.
"""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, overload

from tradertape_worker._exceptions import ClientValidationError, StreamError

JsonDict = dict[str, Any]
P = ParamSpec("P")
T = TypeVar("T")
NONCE_HEADER = "X-Worker-Session-Nonce"


def as_dict(body: Any) -> JsonDict:
    """A JSON object answer (anything else is wrapped as ``{"raw": ...}``)."""
    return body if isinstance(body, dict) else {"raw": body}


@dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    """One request, described; ``parse`` turns the decoded JSON body into the result."""

    method: str
    path: str
    parse: Callable[[Any], T]
    params: Mapping[str, Any] | None = None
    json: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def query(self) -> dict[str, str] | None:
        """Query parameters with ``None`` dropped and booleans as ``true``/``false``."""
        if self.params is None:
            return None
        out = {}
        for key, value in self.params.items():
            if value is None:
                continue
            out[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
        return out


def json_call(
    method: str, path: str, *, params: Mapping[str, Any] | None = None, body: Any = None
) -> Call[JsonDict]:
    """A call answered by a JSON object, returned as a dict."""
    return Call(method, path, as_dict, params=params, json=body)


def nonce_headers(session_nonce: str | None) -> dict[str, str]:
    """The session header, when there is a session."""
    return {NONCE_HEADER: str(session_nonce)} if session_nonce is not None else {}


def idempotency_key(key: str) -> str:
    """Checked here as the server checks it: 8 to 160 characters."""
    text = str(key or "").strip()
    if not 8 <= len(text) <= 160:
        raise ClientValidationError("idempotency_key must be 8..160 characters")
    return text


class SyncIO:
    """Marker of the client that blocks (`endpoint` methods return results)."""

    def _send(self, call: Call[T]) -> T:
        raise NotImplementedError  # pragma: no cover - the client defines it

    def _stream(self, call: Call[JsonDict]) -> Iterator[JsonDict]:
        raise NotImplementedError  # pragma: no cover - the client defines it


class AsyncIO:
    """Marker of the asyncio client (`endpoint` methods return coroutines)."""

    async def _asend(self, call: Call[T]) -> T:
        raise NotImplementedError  # pragma: no cover - the client defines it

    def _astream(self, call: Call[JsonDict]) -> AsyncIterator[JsonDict]:
        raise NotImplementedError  # pragma: no cover - the client defines it


Builder = Callable[Concatenate[Any, P], Call[T]]


class _Endpoint(Generic[P, T]):
    """A described call that becomes a blocking or an async method, per client."""

    def __init__(self, build: Builder[P, T]) -> None:
        self._build = build
        self.__doc__ = build.__doc__
        self.__name__ = build.__name__

    @overload
    def __get__(self, obj: SyncIO, owner: Any) -> Callable[P, T]: ...

    @overload
    def __get__(self, obj: AsyncIO, owner: Any) -> Callable[P, Awaitable[T]]: ...

    def __get__(self, obj: Any, owner: Any) -> Any:
        build = self._build
        if isinstance(obj, AsyncIO):

            async def run_async(*args: Any, **kwargs: Any) -> Any:
                return await obj._asend(build(obj, *args, **kwargs))

            return functools.wraps(build)(run_async)

        def run(*args: Any, **kwargs: Any) -> Any:
            return obj._send(build(obj, *args, **kwargs))

        return functools.wraps(build)(run)


class _Stream(Generic[P]):
    """A described SSE call that becomes an iterator or an async iterator, per client."""

    def __init__(self, build: Builder[P, JsonDict]) -> None:
        self._build = build
        self.__doc__ = build.__doc__
        self.__name__ = build.__name__

    @overload
    def __get__(self, obj: SyncIO, owner: Any) -> Callable[P, Iterator[JsonDict]]: ...

    @overload
    def __get__(self, obj: AsyncIO, owner: Any) -> Callable[P, AsyncIterator[JsonDict]]: ...

    def __get__(self, obj: Any, owner: Any) -> Any:
        build = self._build
        if isinstance(obj, AsyncIO):

            def open_async(*args: Any, **kwargs: Any) -> AsyncIterator[JsonDict]:
                events: AsyncIterator[JsonDict] = obj._astream(build(obj, *args, **kwargs))
                return events

            return functools.wraps(build)(open_async)

        def open_sync(*args: Any, **kwargs: Any) -> Iterator[JsonDict]:
            events: Iterator[JsonDict] = obj._stream(build(obj, *args, **kwargs))
            return events

        return functools.wraps(build)(open_sync)


def endpoint(build: Builder[P, T]) -> _Endpoint[P, T]:
    """Make a call builder a client method."""
    return _Endpoint(build)


def stream(build: Builder[P, JsonDict]) -> _Stream[P]:
    """Make an SSE call builder a client method returning an iterator."""
    return _Stream(build)


class SSEDecoder:
    """Server-sent events, line by line, as the worker streams send them.

    ``event:`` names the next ``data:`` line's event; comments (``: heartbeat``) are
    skipped; ``event: error`` raises `StreamError`; ``event: end`` stops the stream.
    Every other event yields its data (the name is not kept, as in the published SDK).
    """

    END = object()

    def __init__(self, path: str) -> None:
        self._path = path
        self._event = "message"

    def feed(self, line: str) -> Any:
        """The data of a complete event, `END`, or None (nothing to yield yet)."""
        if not line or line.startswith(":"):
            return None
        if line.startswith("event:"):
            self._event = line.split(":", 1)[1].strip() or "message"
            return None
        if not line.startswith("data:"):
            return None
        text = line.split(":", 1)[1].strip()
        if not text:
            return None
        event, self._event = self._event, "message"
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise StreamError(f"invalid JSON on the stream {self._path}: {exc}") from exc
        if event == "error":
            detail = data.get("detail") if isinstance(data, dict) else data
            raise StreamError(f"stream error on {self._path}: {detail}", response_body=data)
        if event == "end":
            return self.END
        return data
