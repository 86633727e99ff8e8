"""``WS /api/ws/ticks``: live ticks over a WebSocket, seed 001's protocol (see `feed.stream`).

Authentication is the ``kite_session`` cookie, checked once when the socket opens. The server
accepts first and then refuses with close code **4401** (after an ``error`` message): a browser
cannot read the HTTP status of a refused handshake, but it can read a close code and send the
person to sign in. A handshake whose ``Origin`` is neither this host nor the public base URL
is refused the same way with **4403**, so another site cannot ride a signed-in browser's cookie,
and **1011** means the bus (Redis) could not be reached, **1013** that the server was too
busy to check the session (retry shortly). The session is checked at connect only: signing
out elsewhere does not close an open socket.

A user holds at most `tick_sockets_per_user` tick sockets (8): the next is closed with
**4429** and a reason saying so; when the server's share of open files for tick sockets is
used up (`serving.open_files`), the next is closed with **1013**. Either is decided right
after the session check, before the socket subscribes to anything.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket
from starlette.concurrency import run_in_threadpool

from tradertape.api.deps import SESSION_COOKIE, screen_session
from tradertape.domain.instruments import InstrumentCatalog
from tradertape.errors import Overloaded
from tradertape.feed.fanout import TickHub
from tradertape.feed.stream import TickStream
from tradertape.runtime import Runtime
from tradertape.serving.admission import Gates
from tradertape.serving.middleware import SERVER_SEND
from tradertape.serving.open_files import TickSocketCap, TooManySockets
from tradertape.serving.ws_direct import direct_text_writer

log = logging.getLogger("tradertape.api")
router = APIRouter(tags=["ticks"])

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN_ORIGIN = 4403
CLOSE_UNAVAILABLE = 1011  # RFC 6455: the server met an unexpected condition
CLOSE_TRY_AGAIN = 1013  # RFC 6455 registry: try again later
CLOSE_TOO_MANY = 4429  # this user holds all their tick sockets (as HTTP's 429)


def _signed_in(runtime: Runtime, token: str) -> int | None:
    with runtime.db.session() as db:
        found = runtime.sessions.authenticate(db, token)
        return None if found is None else found.user.id


async def _admitted(websocket: WebSocket, runtime: Runtime) -> tuple[int, InstrumentCatalog] | None:
    """The user and the catalog to resolve symbols in, once the cookie's session is found
    valid (as a request is: screened, then admitted; see `api.deps`); None when it is not."""
    token = websocket.cookies.get(SESSION_COOKIE)
    if not token or await screen_session(websocket, runtime, token) is not None:
        return None
    gates: Gates = websocket.app.state.gates
    async with gates.requests.admit():
        user_id = await run_in_threadpool(_signed_in, runtime, token)
        if user_id is None:
            return None
        # The options listed today resolve too: their ticks are derived from their index's.
        return user_id, await run_in_threadpool(_catalog, runtime)


def _origin_allowed(websocket: WebSocket, public_base_url: str) -> bool:
    origin = websocket.headers.get("origin")
    if origin is None:  # not a browser: nothing to ride on
        return True
    netloc = urlsplit(origin).netloc
    return netloc in (websocket.headers.get("host"), urlsplit(public_base_url).netloc)


async def _refuse(websocket: WebSocket, code: int, detail: str) -> None:
    await websocket.send_json({"type": "error", "detail": detail})
    await websocket.close(code=code, reason=detail)


async def _converse(websocket: WebSocket, stream: TickStream) -> None:
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        if text is None:
            stream.error("send JSON text frames, not binary")
        else:
            stream.handle(text)


def _text_sender(websocket: WebSocket) -> Callable[[str], Awaitable[None]]:
    """How the writer sends a text frame: straight to the server's `send` when the scope
    holds it (`SERVER_SEND`), a plain function returning its coroutine, so a frame costs one
    await instead of four (Starlette's state checks, the exception handlers' wrappers); with
    500 clients a burst of ticks is 500 sends in a row (bench/ticks_fanout.py)."""
    server_send = websocket.scope.get(SERVER_SEND)
    if server_send is None:
        return websocket.send_text

    def send(text: str) -> Awaitable[None]:
        return server_send({"type": "websocket.send", "text": text})  # type: ignore[no-any-return]

    return send


def _catalog(runtime: Runtime) -> InstrumentCatalog:
    with runtime.db.session() as db:
        return runtime.options.catalog(db)


@router.websocket("/ws/ticks")
async def ticks(websocket: WebSocket) -> None:
    """Stream ticks of the subscribed symbols (cookie auth; see the module docstring)."""
    runtime: Runtime = websocket.app.state.runtime
    hub: TickHub = websocket.app.state.tick_hub
    await websocket.accept()
    if not _origin_allowed(websocket, runtime.settings.public_base_url):
        return await _refuse(websocket, CLOSE_FORBIDDEN_ORIGIN, "cross-origin WebSocket refused")
    try:
        admitted = await _admitted(websocket, runtime)
    except Overloaded as busy:
        return await _refuse(websocket, CLOSE_TRY_AGAIN, busy.detail)
    if admitted is None:
        return await _refuse(websocket, CLOSE_UNAUTHENTICATED, "not signed in")
    user_id, catalog = admitted
    cap: TickSocketCap = websocket.app.state.tick_sockets
    try:
        cap.take(user_id)
    except TooManySockets as many:
        return await _refuse(websocket, CLOSE_TOO_MANY, many.detail)
    except Overloaded as full:
        return await _refuse(websocket, CLOSE_TRY_AGAIN, full.detail)
    try:
        await _stream(websocket, hub, catalog)
    finally:
        cap.give_back(user_id)


async def _stream(websocket: WebSocket, hub: TickHub, catalog: InstrumentCatalog) -> None:
    """Subscribe the socket to the hub and talk with it until it leaves."""
    try:
        await hub.start()
    except Exception:  # Redis unreachable, say: tell the client, keep the server up
        log.exception("tick stream: cannot subscribe to the bus")
        return await _refuse(websocket, CLOSE_UNAVAILABLE, "market data unavailable")
    # Frames go straight to the socket while the client keeps up (serving.ws_direct).
    channel = hub.connect(direct_text_writer(websocket.scope.get(SERVER_SEND)))
    stream = TickStream(hub=hub, catalog=catalog, channel=channel)
    stream.open()
    writer = asyncio.create_task(channel.pump(_text_sender(websocket)), name="ws-ticks-writer")
    try:
        await _converse(websocket, stream)
    finally:
        hub.disconnect(channel)
        writer.cancel()
        await asyncio.gather(writer, return_exceptions=True)
