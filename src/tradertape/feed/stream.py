"""The ``WS /api/ws/ticks`` conversation (seed 001), independent of any web framework.

Client → server::

    {"action": "subscribe", "symbols": ["NSE:RELIANCE", "NSE:INFY"], "mode": "quote"}
    {"action": "unsubscribe", "symbols": ["NSE:RELIANCE"]}

Server → client::

    {"type": "status", "connected": true}            on connect; with "dropped": n after a gap
    {"type": "subscribed", "symbols": ["NSE:INFY"]}  after each subscribe (canonical keys)
    {"type": "ticks", "data": {"NSE:INFY": {"ltp": 1520.5, ...}}}
    {"type": "error", "detail": "unknown instrument 'NSE:XYZ'"}

``mode`` defaults to ``quote`` (as on Kite) and subscribing again changes it. A bare symbol
means NSE. Mistakes are answered with an error message and never close the connection.
"""

from __future__ import annotations

import json
from typing import Any

from tradertape.domain.instruments import InstrumentCatalog
from tradertape.feed.codec import TickMode
from tradertape.feed.fanout import ClientChannel, TickHub

MAX_SYMBOLS = 3000  # per connection, Kite's limit
_MODES = {mode.value: mode for mode in TickMode}
_USAGE = 'expected {"action": "subscribe"|"unsubscribe", "symbols": [...], "mode": ...}'


class TickStream:
    """One client's subscriptions, driven by the text frames it sends."""

    def __init__(self, *, hub: TickHub, catalog: InstrumentCatalog, channel: ClientChannel):
        self._hub = hub
        self._catalog = catalog
        self._channel = channel

    def open(self) -> None:
        """Greet the client."""
        self._channel.push({"type": "status", "connected": True})

    def error(self, detail: str) -> None:
        """Tell the client what was wrong with its last message."""
        self._channel.push({"type": "error", "detail": detail})

    def handle(self, text: str) -> None:
        """Act on one text frame from the client."""
        try:
            message: Any = json.loads(text)
        except ValueError as exc:
            self.error(f"malformed JSON: {exc}")
            return
        if not isinstance(message, dict):
            self.error(_USAGE)
            return
        action = message.get("action")
        symbols = message.get("symbols")
        if action not in ("subscribe", "unsubscribe"):
            self.error(f"unknown action {action!r}; {_USAGE}")
        elif not isinstance(symbols, list) or not all(isinstance(s, str) for s in symbols):
            self.error('"symbols" must be a list of instrument keys such as "NSE:INFY"')
        elif len(symbols) > MAX_SYMBOLS:
            self.error(f"at most {MAX_SYMBOLS} symbols per connection")
        elif action == "subscribe":
            self._subscribe(symbols, message.get("mode", TickMode.QUOTE.value))
        else:
            self._hub.unsubscribe(self._channel, self._resolve(symbols))

    def _resolve(self, symbols: list[str]) -> list[str]:
        keys: dict[str, None] = {}
        for symbol in symbols:
            instrument = self._catalog.find(symbol)
            if instrument is None:
                self.error(f"unknown instrument '{symbol}'")
            else:
                keys[instrument.key] = None
        return list(keys)

    def _subscribe(self, symbols: list[str], mode: object) -> None:
        chosen = _MODES.get(mode) if isinstance(mode, str) else None
        if chosen is None:
            self.error(f"unknown mode {mode!r}; use 'ltp', 'quote' or 'full'")
            return
        keys = self._resolve(symbols)
        if len(self._channel.modes.keys() | set(keys)) > MAX_SYMBOLS:
            self.error(f"at most {MAX_SYMBOLS} symbols per connection")
            return
        self._hub.subscribe(self._channel, keys, chosen)
        self._channel.push({"type": "subscribed", "symbols": keys})
