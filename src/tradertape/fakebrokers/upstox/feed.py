"""The fake Upstox's market data feed (V3): the authorize route and the protobuf WebSocket.

``GET /v3/feed/market-data-feed/authorize`` (Bearer) answers a one-time
``ws://…/v3/feed/market-data-feed?code=…`` address, as Upstox does with its ``wss://`` one;
the socket also takes the Bearer header directly (how the SDK connects). A connection gets
a market_info frame first (every segment ``NORMAL_OPEN``), an initial_feed frame for each
subscribe, then a live_feed frame of everything subscribed every ``interval_secs`` (never,
when `None`: tests send one with `push`). Frames are built with the SDK's generated
protobuf class (`tradertape_brokers.upstox_feed.codec`) from the book's prices, which
``/_control/prices`` and ``/_control/step`` move; the day's open is the first price streamed
(and the previous close, which the fake does not know), volume grows by one lot per feed,
and depth is five (thirty in full_d30) levels a side one tick apart.

Three faults a real day brings, for tests to watch a client (and the feed watchdog) cope:
`drop_all` closes every socket (code 1011); `silence` makes the sockets open now stay
connected (pings answered) but send no frame again (new sockets stream as usual); `refuse`
drops every socket and answers each new handshake with a 403 until `allow`, counting them.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fastapi import FastAPI, Request, WebSocket
from fastapi.responses import JSONResponse, Response
from starlette.websockets import WebSocketDisconnect

from tradertape.fakebrokers.socket_faults import FaultyConnection, SocketFaults
from tradertape.fakebrokers.upstox.book import TICK, Book, FakeError
from tradertape.fakebrokers.upstox.sessions import Sessions
from tradertape_brokers.upstox_feed import (
    Feed,
    FeedFrame,
    FirstLevel,
    FrameType,
    IndexFull,
    Ltpc,
    MarketFull,
    Mode,
    Ohlc,
    Quote,
    parse_request,
)
from tradertape_brokers.upstox_feed.codec import encode_frame

FEED_PATH = "/v3/feed/market-data-feed"
CLOSE_DROPPED = 1011
SEGMENTS = ("NSE_EQ", "NSE_FO", "NSE_INDEX", "BSE_EQ", "BSE_FO", "BSE_INDEX", "MCX_FO", "NCD_FO")
_LOT = 10


@dataclass(slots=True)
class _Day:
    open: Decimal
    high: Decimal
    low: Decimal
    volume: int = 0


class _Connection(FaultyConnection):
    def __init__(self, websocket: WebSocket) -> None:
        super().__init__()  # silent: no frames but the market's status
        self.websocket = websocket
        self.modes: dict[str, Mode] = {}

    async def send(self, frame: FeedFrame) -> int:
        """Send `frame` unless silenced (checked under the lock, so none goes out once
        `silence` returned); return how many feeds went."""
        async with self._lock:
            if self.silent and frame.type is not FrameType.MARKET_INFO:
                return 0
            await self.websocket.send_bytes(encode_frame(frame))
            return len(frame.feeds)


class FakeFeed(SocketFaults[_Connection]):
    """The feed's state: one-time codes, connections, each key's day, and control hooks."""

    def __init__(
        self, book: Book, sessions: Sessions, *, interval_secs: float | None = 1.0
    ) -> None:
        if interval_secs is not None and interval_secs <= 0:
            raise ValueError("interval_secs must be positive (or None: frames only on push)")
        self.book = book
        self.sessions = sessions
        self.interval_secs = interval_secs
        self._codes: set[str] = set()
        super().__init__()
        self._days: dict[str, _Day] = {}
        self.feeds_sent = 0
        self.requests: list[dict[str, Any]] = []  # every client request, parsed, in order

    def subscriptions(self) -> list[dict[str, str]]:
        """Each open connection's keys and modes."""
        return [{k: m.value for k, m in c.modes.items()} for c in self._connections]

    def issue_code(self) -> str:
        """A fresh single-use code for the socket's address."""
        code = secrets.token_urlsafe(12)
        self._codes.add(code)
        return code

    def faults(self) -> dict[str, Any]:
        """The socket faults now, and the feeds sent, for the control route."""
        return {**super().faults(), "feeds_sent": self.feeds_sent}

    async def push(self) -> int:
        """Send a live_feed frame to every connection now; return how many got one."""
        sent = 0
        for connection in [c for c in self._connections if not c.silent]:
            with contextlib.suppress(OSError, RuntimeError, WebSocketDisconnect):
                await self._send(connection, self.frame(connection.modes, FrameType.LIVE_FEED))
                sent += 1
        return sent

    def _allowed(self, websocket: WebSocket) -> bool:
        code = websocket.query_params.get("code")
        if code is not None:
            if code in self._codes:
                self._codes.discard(code)
                return True
            return False
        scheme, _, token = websocket.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and self.sessions.valid(token)

    async def serve(self, websocket: WebSocket) -> None:
        """Handle one client from handshake to close."""
        if self.refusing or not self._allowed(websocket):
            self.handshakes_refused += self.refusing
            await websocket.close(code=1008)  # before accept: the handshake gets a 403
            return
        await websocket.accept()
        connection = _Connection(websocket)
        self._connections.add(connection)
        self.connections_opened += 1
        status = dict.fromkeys(SEGMENTS, "NORMAL_OPEN")
        info = FeedFrame(FrameType.MARKET_INFO, current_ts=self.book.now(), market_status=status)
        tasks: list[asyncio.Task[Any]] = [asyncio.create_task(connection.dropped.wait())]
        try:
            await connection.send(info)
            tasks += [
                asyncio.create_task(self._read(connection)),
                asyncio.create_task(self._stream(connection)),
            ]
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        except (OSError, RuntimeError, WebSocketDisconnect):
            pass  # gone before the first frame
        finally:
            self._connections.discard(connection)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        if connection.dropped.is_set():
            with contextlib.suppress(OSError, RuntimeError, WebSocketDisconnect):
                await websocket.close(code=CLOSE_DROPPED)

    async def _read(self, connection: _Connection) -> None:
        while True:
            try:
                message = await connection.websocket.receive()
            except (WebSocketDisconnect, RuntimeError):
                return
            if message["type"] == "websocket.disconnect":
                return
            raw = message.get("bytes") or message.get("text") or ""
            try:
                request = parse_request(raw)
            except ValueError:
                continue  # Upstox ignores what it cannot read
            self.requests.append(
                {"method": request.method, "keys": list(request.keys), "mode": request.mode}
            )
            if request.method == "unsub":
                for key in request.keys:
                    connection.modes.pop(key, None)
                continue
            if request.mode is None:
                continue
            keys = [k for k in request.keys if request.method == "sub" or k in connection.modes]
            connection.modes.update(dict.fromkeys(keys, request.mode))
            chosen = dict.fromkeys(keys, request.mode)
            await self._send(connection, self.frame(chosen, FrameType.INITIAL_FEED))

    async def _stream(self, connection: _Connection) -> None:
        interval = self.interval_secs
        if interval is None:
            await asyncio.Event().wait()  # frames only on `push`
            return
        while True:
            await asyncio.sleep(interval)
            if connection.modes and not connection.silent:
                await self._send(connection, self.frame(connection.modes, FrameType.LIVE_FEED))

    async def _send(self, connection: _Connection, frame: FeedFrame) -> None:
        self.feeds_sent += await connection.send(frame)

    def frame(self, modes: dict[str, Mode], kind: FrameType) -> FeedFrame:
        """A frame of each key's feed in its mode now (keys the fake cannot name are left out)."""
        feeds: dict[str, Feed] = {}
        for key, mode in list(modes.items()):
            feed = self.feed(key, mode)
            if feed is not None:
                feeds[key] = feed
        return FeedFrame(kind, feeds, current_ts=self.book.now())

    def feed(self, key: str, mode: Mode) -> Feed | None:
        """One key's feed in `mode` now (`None`: not an instrument the fake knows)."""
        try:
            self.book.instrument(key)
        except FakeError:
            return None
        ltp = self.book.price(key)
        day = self._days.get(key)
        if day is None:
            day = self._days[key] = _Day(open=ltp, high=ltp, low=ltp)
        day.high, day.low = max(day.high, ltp), min(day.low, ltp)
        now = self.book.now()
        index = key.partition("|")[0].endswith("_INDEX")
        if not index:
            day.volume += _LOT
        ltpc = Ltpc(ltp, now, 0 if index else _LOT, day.open)
        if mode is Mode.LTPC:
            return ltpc
        candles = (
            Ohlc("1d", day.open, day.high, day.low, ltp, day.volume, None),
            Ohlc("I1", ltp, ltp, ltp, ltp, _LOT, now.replace(second=0, microsecond=0)),
        )
        if index:
            return IndexFull(ltpc, candles)
        depth = tuple(_level(ltp, i) for i in range(30 if mode is Mode.FULL_D30 else 5))
        if mode is Mode.OPTION_GREEKS:
            return FirstLevel(ltpc, depth[0], day.volume)
        total = Decimal(sum(q.bid_quantity for q in depth))
        return MarketFull(ltpc, depth, candles, ltp, day.volume, Decimal(0), total, total)


def _level(ltp: Decimal, i: int) -> Quote:
    bid = max(ltp - TICK * i, Decimal(0))
    return Quote(_LOT * (i + 1), bid, _LOT * (i + 1), ltp + TICK * (i + 1))


def install_feed(app: FastAPI, feed: FakeFeed) -> None:
    """The authorize route, the socket, and ``/_control/feed*``."""

    @app.get("/v3/feed/market-data-feed/authorize")
    async def authorize(request: Request) -> Response:
        scheme = "wss" if request.url.scheme == "https" else "ws"
        uri = f"{scheme}://{request.url.netloc}{FEED_PATH}?code={feed.issue_code()}"
        data = {"authorizedRedirectUri": uri, "authorized_redirect_uri": uri}
        return JSONResponse({"status": "success", "data": data})

    @app.websocket(FEED_PATH)
    async def socket(websocket: WebSocket) -> None:
        await feed.serve(websocket)

    @app.post("/_control/feed/drop")
    async def drop() -> Response:
        dropped = await feed.drop_all()
        return JSONResponse({"dropped": dropped, "connections": dropped})

    @app.post("/_control/feed/push")
    async def push() -> Response:
        return JSONResponse({"sent": await feed.push()})

    @app.post("/_control/feed/silent")
    async def silent() -> Response:
        return JSONResponse({"connections": await feed.silence(), **feed.faults()})

    @app.post("/_control/feed/refuse")
    async def refuse() -> Response:
        return JSONResponse({"connections": await feed.refuse(), **feed.faults()})

    @app.post("/_control/feed/allow")
    async def allow() -> Response:
        feed.allow()
        return JSONResponse(feed.faults())

    @app.get("/_control/feed")
    async def state() -> Response:
        return JSONResponse({**feed.faults(), "subscriptions": feed.subscriptions()})
