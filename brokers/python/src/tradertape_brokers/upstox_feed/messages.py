"""The client's requests to Upstox's feed: UTF-8 JSON sent in *binary* WebSocket frames.

``{"guid": "...", "method": "sub"|"unsub"|"change_mode",
"data": {"mode": "ltpc"|"full"|"option_greeks"|"full_d30", "instrumentKeys": [...]}}``
(``unsub`` carries no mode). `parse_request` reads one back, for a server or a fake.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from tradertape_brokers.upstox_feed.feeds import Mode

Method = Literal["sub", "unsub", "change_mode"]
_METHODS: tuple[Method, ...] = ("sub", "unsub", "change_mode")


@dataclass(frozen=True, slots=True)
class FeedRequest:
    """One parsed request; `mode` is `None` for ``unsub``."""

    guid: str
    method: Method
    keys: tuple[str, ...]
    mode: Mode | None = None


def request(method: Method, keys: Iterable[str], mode: Mode | None = None) -> bytes:
    """The bytes of a request (a fresh guid each, as the SDK sends)."""
    data: dict[str, Any] = {"instrumentKeys": list(keys)}
    if mode is not None:
        data["mode"] = mode.value
    body = {"guid": uuid.uuid4().hex, "method": method, "data": data}
    return json.dumps(body).encode()


def subscribe_request(keys: Iterable[str], mode: Mode) -> bytes:
    """Subscribe `keys` in `mode` (a key already subscribed moves to `mode`)."""
    return request("sub", keys, mode)


def unsubscribe_request(keys: Iterable[str]) -> bytes:
    """Stop `keys`."""
    return request("unsub", keys)


def change_mode_request(keys: Iterable[str], mode: Mode) -> bytes:
    """Switch subscribed `keys` to `mode`."""
    return request("change_mode", keys, mode)


def parse_request(raw: str | bytes) -> FeedRequest:
    """Read a request (what a feed server receives).

    Raises
    ------
    ValueError
        Not JSON, an unknown method or mode, or keys that are not a list of strings.
    """
    message: Any = json.loads(raw)
    if not isinstance(message, dict):
        raise ValueError('expected {"guid", "method", "data"}')
    method, data = message.get("method"), message.get("data")
    if method not in _METHODS:
        raise ValueError(f"unknown method {method!r}")
    if not isinstance(data, dict):
        raise ValueError('"data" must be an object')
    keys = data.get("instrumentKeys")
    if not isinstance(keys, list) or not all(isinstance(k, str) and k for k in keys):
        raise ValueError('"instrumentKeys" must be a list of instrument keys')
    mode: Mode | None = None
    if method != "unsub":
        try:
            mode = Mode(str(data.get("mode")))
        except ValueError:
            raise ValueError(f"unknown mode {data.get('mode')!r}") from None
    return FeedRequest(str(message.get("guid") or ""), method, tuple(keys), mode)
