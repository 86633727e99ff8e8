"""The ticker's text messages, both ways.

Client → server: ``{"a": "subscribe"|"unsubscribe", "v": [tokens]}`` and
``{"a": "mode", "v": [mode, [tokens]]}`` (a plain subscribe means quote mode).
Server → client: ``{"type": "order", "data": {...}}`` (an order update with the postback's
fields), ``{"type": "error", "data": "..."}`` and ``{"type": "message", "data": "..."}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from tradertape_brokers.kite_ticker.packets import Mode

Action = Literal["subscribe", "unsubscribe", "mode"]
MAX_TOKENS = 3000  # per connection, Kite's limit


def subscribe_message(tokens: Iterable[int]) -> str:
    """Ask for `tokens` (in quote mode unless a mode message follows)."""
    return json.dumps({"a": "subscribe", "v": list(tokens)})


def unsubscribe_message(tokens: Iterable[int]) -> str:
    """Stop `tokens`."""
    return json.dumps({"a": "unsubscribe", "v": list(tokens)})


def mode_message(mode: Mode, tokens: Iterable[int]) -> str:
    """Switch `tokens` to `mode`."""
    return json.dumps({"a": "mode", "v": [mode.value, list(tokens)]})


@dataclass(frozen=True, slots=True)
class ClientRequest:
    """One parsed client message; `mode` is set for ``mode`` requests only."""

    action: Action
    tokens: tuple[int, ...]
    mode: Mode | None = None


def _tokens(value: object) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(
        isinstance(t, int) and not isinstance(t, bool) and 0 <= t < 2**32 for t in value
    ):
        raise ValueError("tokens must be a list of unsigned 32-bit integers")
    return tuple(value)


def parse_client_message(text: str | bytes) -> ClientRequest:
    """Read a subscribe, unsubscribe or mode message (what a ticker server receives).

    Raises
    ------
    ValueError
        Not JSON, or not one of the three documented shapes.
    """
    message: Any = json.loads(text)
    if not isinstance(message, dict):
        raise ValueError('expected {"a": ..., "v": ...}')
    action, value = message.get("a"), message.get("v")
    if action in ("subscribe", "unsubscribe"):
        return ClientRequest(action, _tokens(value))
    if action == "mode":
        if not isinstance(value, list) or len(value) != 2:
            raise ValueError('a mode message\'s "v" is [mode, [tokens]]')
        try:
            mode = Mode(value[0])
        except ValueError:
            raise ValueError(f"unknown mode {value[0]!r}") from None
        return ClientRequest("mode", _tokens(value[1]), mode)
    raise ValueError(f"unknown action {action!r}")


@dataclass(frozen=True, slots=True)
class OrderUpdate:
    """An order's new state, pushed on the socket (the postback's fields; checksum blank)."""

    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TickerError:
    """An error the server reports without closing the socket."""

    message: str


@dataclass(frozen=True, slots=True)
class BrokerMessage:
    """A broker alert or notice for the user."""

    message: str


TextMessage = OrderUpdate | TickerError | BrokerMessage


def parse_text_message(text: str | bytes) -> TextMessage | None:
    """The server message in `text`; `None` for anything else (ignored, as the SDK does)."""
    try:
        message: Any = json.loads(text)
    except ValueError:
        return None
    if not isinstance(message, dict):
        return None
    kind, data = message.get("type"), message.get("data")
    if kind == "order" and isinstance(data, dict) and data:
        return OrderUpdate(data)
    if kind == "error":
        return TickerError(str(data))
    if kind == "message":
        return BrokerMessage(str(data))
    return None


def order_update_message(data: dict[str, Any]) -> str:
    """The text of an order update (for a server)."""
    return json.dumps({"type": "order", "data": data})


def error_message(text: str) -> str:
    """The text of an error (for a server)."""
    return json.dumps({"type": "error", "data": text})
