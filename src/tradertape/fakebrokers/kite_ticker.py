"""A fake of Kite's ticker WebSocket: binary packets for whatever a client subscribes to.

It speaks the documented protocol (see `tradertape_brokers.kite_ticker`): ``{"a": ...}``
subscribe, unsubscribe and mode messages in; frames of ltp, quote or full packets out every
``interval_secs`` (index tokens get index packets), a one-byte heartbeat when nothing else
went out for ``heartbeat_secs``, and order updates and errors as text. Credentials are
checked by an injectable `authorize`; a refused handshake is an HTTP 403, as at Kite.

Prices come from a `TickerPrices` (only the last price per token) and, optionally, a
``previous_close`` lookup; the fake derives the rest of a quote from the prices it has
streamed: the day's open is the first one seen (and the previous close, when none is given),
high and low follow, volume grows by one lot per packet and the book is five levels a side one
tick apart. The Kite REST fake plugs its own state in through that protocol.

Three faults a real day brings, for tests to watch a client (and the feed watchdog) cope:
`drop_all` closes every connection (code 1011); `silence` makes the connections open now
stay connected but send only heartbeats, never a packet (what users report after the daily
token rollover; new connections tick again); `refuse` drops every connection and answers each
new handshake with a 403 (the nightly maintenance) until `allow`, counting the refusals.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from tradertape.fakebrokers.socket_faults import FaultyConnection, SocketFaults
from tradertape.ports.clock import Clock, SystemClock
from tradertape_brokers.kite_ticker import (
    HEARTBEAT,
    ClientRequest,
    DepthEntry,
    FullPacket,
    IndexFullPacket,
    IndexQuotePacket,
    LtpPacket,
    Mode,
    Packet,
    QuotePacket,
    encode_frame,
    parse_client_message,
    price_exponent,
    segment_of,
)
from tradertape_brokers.kite_ticker.messages import error_message, order_update_message
from tradertape_brokers.kite_ticker.packets import SEGMENT_INDICES

log = logging.getLogger("tradertape.fakebrokers")

CLOSE_DROPPED = 1011
_LOT = 10  # volume added per streamed packet; depth quantities are multiples of it
_DEPTH_STEP = Decimal("0.05")


class TickerPrices(Protocol):
    """Where the fake ticker reads prices: the last traded price of a token, if it trades."""

    def ltp(self, instrument_token: int) -> Decimal | None:
        """The token's last price now; `None` sends nothing for it."""
        ...


class FixedPrices:
    """A price per token, set by hand: the standalone source for tests and demos."""

    def __init__(self, prices: Mapping[int, Decimal] | None = None) -> None:
        self._prices = dict(prices or {})

    def set(self, instrument_token: int, price: Decimal) -> None:
        """Make `price` the token's last price."""
        self._prices[instrument_token] = price

    def ltp(self, instrument_token: int) -> Decimal | None:
        """The token's price, if set."""
        return self._prices.get(instrument_token)


@dataclass(slots=True)
class _Day:
    open: Decimal
    high: Decimal
    low: Decimal
    volume: int = 0


class _Connection(FaultyConnection):
    def __init__(self, websocket: WebSocket, api_key: str) -> None:
        super().__init__()  # silent: heartbeats only
        self.websocket = websocket
        self.api_key = api_key
        self.modes: dict[int, Mode] = {}

    async def send_bytes(self, data: bytes) -> None:
        async with self._lock:
            await self.websocket.send_bytes(data)

    async def send_packets(self, packets: list[Packet]) -> int:
        """Send a frame of `packets` unless silenced (checked under the lock, so none goes out
        once `silence` returned); return how many packets went."""
        async with self._lock:
            if self.silent:
                return 0
            await self.websocket.send_bytes(encode_frame(packets))
            return len(packets)

    async def send_text(self, text: str) -> None:
        async with self._lock:
            await self.websocket.send_text(text)


def _accept_any(api_key: str, access_token: str) -> bool:
    return bool(api_key and access_token)


class FakeTicker(SocketFaults[_Connection]):
    """The fake ticker's state: its connections, the day per token, and control hooks."""

    def __init__(
        self,
        prices: TickerPrices,
        *,
        interval_secs: float = 1.0,
        heartbeat_secs: float = 1.0,
        authorize: Callable[[str, str], bool] = _accept_any,
        clock: Clock | None = None,
        previous_close: Callable[[int], Decimal | None] | None = None,
    ) -> None:
        if interval_secs <= 0 or heartbeat_secs <= 0:
            raise ValueError("interval_secs and heartbeat_secs must be positive")
        self.prices = prices
        self.interval_secs = interval_secs
        self.heartbeat_secs = heartbeat_secs
        self._authorize = authorize
        self._clock = clock or SystemClock()
        self._previous_close = previous_close
        super().__init__()
        self._days: dict[int, _Day] = {}
        self.packets_sent = 0
        self.requests: list[dict[str, Any]] = []  # every client message, parsed, in order

    def subscriptions(self) -> list[dict[int, Mode]]:
        """Each open connection's tokens and modes."""
        return [dict(c.modes) for c in self._connections]

    def route(self, path: str = "/") -> WebSocketRoute:
        """The Starlette route serving the ticker at `path`."""
        return WebSocketRoute(path, self.serve)

    def faults(self) -> dict[str, Any]:
        """The socket faults now, and the packets sent, for a control route."""
        return {**super().faults(), "packets_sent": self.packets_sent}

    async def push_order_update(self, data: dict[str, Any], *, api_key: str | None = None) -> int:
        """Send an order update to every connection (of `api_key`); return how many got it."""
        return await self._push(order_update_message(data), api_key)

    async def push_error(self, text: str, *, api_key: str | None = None) -> int:
        """Send an error text message to every connection (of `api_key`)."""
        return await self._push(error_message(text), api_key)

    async def _push(self, text: str, api_key: str | None) -> int:
        sent = 0
        for connection in list(self._connections):
            if api_key is None or connection.api_key == api_key:
                with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                    await connection.send_text(text)
                    sent += 1
        return sent

    async def serve(self, websocket: WebSocket) -> None:
        """Handle one client from handshake to close."""
        api_key = websocket.query_params.get("api_key", "")
        token = websocket.query_params.get("access_token", "")
        if self.refusing or not self._authorize(api_key, token):
            self.handshakes_refused += self.refusing
            await websocket.close(code=1008)  # before accept: the handshake gets a 403
            return
        await websocket.accept()
        connection = _Connection(websocket, api_key)
        self._connections.add(connection)
        self.connections_opened += 1
        tasks = [
            asyncio.create_task(self._read(connection)),
            asyncio.create_task(self._stream(connection)),
            asyncio.create_task(connection.dropped.wait()),
        ]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._connections.discard(connection)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        if connection.dropped.is_set():
            with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                await websocket.close(code=CLOSE_DROPPED)

    async def _read(self, connection: _Connection) -> None:
        while True:
            try:
                text = await connection.websocket.receive_text()
            except (WebSocketDisconnect, RuntimeError, KeyError):
                return  # gone (or sent bytes, which the protocol never does)
            try:
                request = parse_client_message(text)
            except ValueError as exc:
                await connection.send_text(error_message(f"invalid message: {exc}"))
                continue
            self.requests.append(
                {"a": request.action, "tokens": list(request.tokens), "mode": request.mode}
            )
            _apply(connection.modes, request)

    async def _stream(self, connection: _Connection) -> None:
        loop = asyncio.get_running_loop()
        last_sent = loop.time()
        while True:
            await asyncio.sleep(self.interval_secs)
            modes = {} if connection.silent else dict(connection.modes)
            packets = [p for p in (self.packet(t, m) for t, m in modes.items()) if p is not None]
            if packets and (sent := await connection.send_packets(packets)):
                self.packets_sent += sent
                last_sent = loop.time()
            elif loop.time() - last_sent >= self.heartbeat_secs:
                await connection.send_bytes(HEARTBEAT)
                last_sent = loop.time()

    def packet(self, instrument_token: int, mode: Mode) -> Packet | None:
        """The packet a subscriber in `mode` gets for the token now (`None`: no price)."""
        price = self.prices.ltp(instrument_token)
        if price is None:
            return None
        ltp = price.quantize(Decimal(1).scaleb(-price_exponent(instrument_token)))
        day = self._days.get(instrument_token)
        if day is None:
            day = self._days[instrument_token] = _Day(open=ltp, high=ltp, low=ltp)
        day.high, day.low = max(day.high, ltp), min(day.low, ltp)
        if mode is Mode.LTP:
            return LtpPacket(instrument_token, ltp)
        now = self._clock.now()
        close = self._close(instrument_token, day)
        if segment_of(instrument_token) == SEGMENT_INDICES:
            index = (instrument_token, ltp, day.high, day.low, day.open, close, ltp - close)
            if mode is Mode.QUOTE:
                return IndexQuotePacket(*index)
            return IndexFullPacket(*index, exchange_timestamp=now)
        day.volume += _LOT
        quote = (instrument_token, ltp, _LOT, ltp, day.volume, _LOT * 15, _LOT * 15)
        ohlc = (day.open, day.high, day.low, close)
        if mode is Mode.QUOTE:
            return QuotePacket(*quote, *ohlc)
        return FullPacket(
            *quote,
            *ohlc,
            last_trade_time=now,
            exchange_timestamp=now,
            bids=tuple(_level(ltp - _DEPTH_STEP * i, i) for i in range(5)),
            asks=tuple(_level(ltp + _DEPTH_STEP * (i + 1), i) for i in range(5)),
        )

    def _close(self, instrument_token: int, day: _Day) -> Decimal:
        known = self._previous_close(instrument_token) if self._previous_close else None
        if known is None:
            return day.open  # no previous close known: the day opened flat
        return known.quantize(Decimal(1).scaleb(-price_exponent(instrument_token)))


def _apply(modes: dict[int, Mode], request: ClientRequest) -> None:
    """Subscribe (quote mode by default), unsubscribe, or switch the mode of subscribed tokens."""
    if request.action == "subscribe":
        for token in request.tokens:
            modes.setdefault(token, Mode.QUOTE)
    elif request.action == "unsubscribe":
        for token in request.tokens:
            modes.pop(token, None)
    elif request.mode is not None:
        for token in request.tokens:
            if token in modes:
                modes[token] = request.mode


def _level(price: Decimal, i: int) -> DepthEntry:
    return DepthEntry(quantity=_LOT * (i + 1), price=max(price, Decimal(0)), orders=i + 1)


def ws_route(prices: TickerPrices, *, path: str = "/", **options: Any) -> WebSocketRoute:
    """A Starlette route serving a new `FakeTicker` over `prices` at `path`.

    `options` are `FakeTicker`'s. To reach the control hooks (`drop_all`,
    `push_order_update`), build the `FakeTicker` and mount ``ticker.route(path)`` instead.
    """
    return FakeTicker(prices, **options).route(path)


def create_app(ticker: FakeTicker, *, path: str = "/") -> Starlette:
    """A standalone ASGI app serving `ticker` at `path`."""
    return Starlette(routes=[ticker.route(path)])
