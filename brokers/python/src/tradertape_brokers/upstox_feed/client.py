"""`UpstoxFeedClient`: one reconnecting connection to Upstox's market data feed (V3).

Every connection starts at the authorize endpoint (``GET /v3/feed/market-data-feed/authorize``
with the Bearer token), whose ``authorizedRedirectUri`` is a one-time ``wss://`` address, so
a reconnect authorizes again. The client keeps the wanted subscriptions (key → mode) itself
and sends them all after every (re)connect. A dead peer is caught by WebSocket pings (the
feed is silent while the market is closed, so silence alone proves nothing); reconnect
attempts back off exponentially through an injectable `sleep`. The authorize endpoint
refusing the token (HTTP 401/403), or the socket refusing its handshake so (as after the
broker's nightly maintenance), ends `run` with `FeedAuthError`: the caller decides when the
session is worth another try (the server's feed backs off, `feed.broker_feed`).

Needs ``websockets`` and the SDK's protobuf class (extra ``upstox``), imported on use.
"""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

from tradertape_brokers.reconnect import Backoff
from tradertape_brokers.threads import in_thread
from tradertape_brokers.upstox_feed.feeds import FeedFrame, FrameType, Mode
from tradertape_brokers.upstox_feed.messages import (
    change_mode_request,
    subscribe_request,
    unsubscribe_request,
)

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

log = logging.getLogger("tradertape_brokers.upstox_feed")

DEFAULT_ROOT = "https://api.upstox.com"
AUTHORIZE_PATH = "/v3/feed/market-data-feed/authorize"
FrameHandler = Callable[[FeedFrame], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]
Authorizer = Callable[[], Awaitable[str]]


class FeedAuthError(Exception):
    """Upstox refused the access token (HTTP 401/403 at the authorize endpoint)."""


class FeedUnavailable(Exception):
    """The authorize endpoint failed in a way a later attempt may not (5xx, network, body)."""


def authorize_url(root: str) -> str:
    """The authorize endpoint under an API root (``https://api.upstox.com``)."""
    return root.rstrip("/") + AUTHORIZE_PATH


def fetch_authorized_uri(url: str, access_token: str, *, timeout_secs: float = 10.0) -> str:
    """GET the authorize endpoint; return its one-time WebSocket address (blocking).

    Raises
    ------
    FeedAuthError
        The token was refused.
    FeedUnavailable
        Anything else went wrong.
    """
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"the authorize URL must be http(s): {url}")
    headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
    req = urllib.request.Request(url, headers=headers)  # noqa: S310 -- scheme checked above
    try:
        with urllib.request.urlopen(req, timeout=timeout_secs) as response:  # noqa: S310 -- idem
            body: Any = json.load(response)
    except urllib.error.HTTPError as exc:
        with exc:  # its body is an open response
            if exc.code in (401, 403):
                raise FeedAuthError(f"authorize: HTTP {exc.code}") from exc
            raise FeedUnavailable(f"authorize: HTTP {exc.code}") from exc
    except (OSError, ValueError) as exc:  # URLError, timeouts, a body that is not JSON
        raise FeedUnavailable(f"authorize: {exc!r}") from exc
    data = body.get("data") if isinstance(body, dict) else None
    uri = None
    if isinstance(data, dict):
        uri = data.get("authorizedRedirectUri") or data.get("authorized_redirect_uri")
    if not isinstance(uri, str) or not uri.startswith(("wss://", "ws://")):
        raise FeedUnavailable(f"authorize: no WebSocket address in {body!r:.200}")
    return uri


class UpstoxFeedClient:
    """Authorizes, connects, subscribes, decodes, and reconnects with backoff until `close`."""

    def __init__(
        self,
        *,
        access_token: str,
        on_frame: FrameHandler,
        root: str = DEFAULT_ROOT,
        backoff: Backoff | None = None,
        sleep: Sleep = asyncio.sleep,
        timeout_secs: float = 10.0,
        ping_interval_secs: float = 20.0,
        authorize: Authorizer | None = None,
    ) -> None:
        url = authorize_url(root)

        async def _authorize() -> str:
            # A cancel waits for the request (bounded by its timeout): see `in_thread`.
            return await in_thread(
                fetch_authorized_uri, url, access_token, timeout_secs=timeout_secs
            )

        self._authorize = authorize or _authorize
        self._on_frame = on_frame
        self._backoff = backoff or Backoff()
        self._sleep = sleep
        self._timeout = timeout_secs
        self._ping = ping_interval_secs
        self._modes: dict[str, Mode] = {}
        self._ws: ClientConnection | None = None
        self._send_lock = asyncio.Lock()
        self._closing = False
        self.connected = asyncio.Event()  # set while a connection is open and subscribed
        self.connections = 0  # connections opened so far
        self.attempts = 0  # failed attempts since the last good connection
        self.market_status: dict[str, str] = {}  # segment → status, from market_info frames

    @property
    def subscriptions(self) -> dict[str, Mode]:
        """Every subscribed key and its mode (what a reconnect sends again)."""
        return dict(self._modes)

    async def subscribe(self, keys: Iterable[str], mode: Mode = Mode.LTPC) -> None:
        """Want `keys` in `mode` from now on (sent at once when connected)."""
        wanted = list(dict.fromkeys(keys))
        self._modes.update(dict.fromkeys(wanted, mode))
        await self._send(subscribe_request(wanted, mode))

    async def change_mode(self, keys: Iterable[str], mode: Mode) -> None:
        """Switch subscribed `keys` to `mode` (others are ignored)."""
        chosen = [k for k in dict.fromkeys(keys) if k in self._modes]
        self._modes.update(dict.fromkeys(chosen, mode))
        await self._send(change_mode_request(chosen, mode))

    async def unsubscribe(self, keys: Iterable[str]) -> None:
        """Stop `keys`."""
        dropped = [k for k in dict.fromkeys(keys) if self._modes.pop(k, None) is not None]
        await self._send(unsubscribe_request(dropped))

    async def _send(self, message: bytes) -> None:
        # Under the lock a (re)connect holds while it sends every subscription: a change made
        # meanwhile goes out after that snapshot, so the server ends with the latest modes.
        from websockets.exceptions import ConnectionClosed

        async with self._send_lock:
            ws = self._ws
            if ws is None:
                return  # sent on (re)connect
            try:
                await ws.send(message)
            except ConnectionClosed:
                return  # sent again on reconnect

    async def _resubscribe(self, ws: ClientConnection) -> None:
        by_mode: dict[Mode, list[str]] = {}
        for key, mode in self._modes.items():
            by_mode.setdefault(mode, []).append(key)
        for mode, keys in by_mode.items():
            await ws.send(subscribe_request(keys, mode))

    async def run(self) -> None:
        """Stay connected until `close`; reconnect after any drop, waiting per the backoff.

        Raises
        ------
        FeedAuthError
            Upstox refused the access token.
        """
        from websockets.asyncio.client import connect
        from websockets.exceptions import InvalidStatus, WebSocketException

        while not self._closing:
            try:
                uri = await self._authorize()
                async with connect(
                    uri,
                    open_timeout=self._timeout,
                    ping_interval=self._ping,
                    ping_timeout=self._ping,
                    max_size=2**22,
                ) as ws:
                    async with self._send_lock:
                        self._ws = ws
                        await self._resubscribe(ws)
                    if self._closing:  # closed while this connection was being opened
                        return
                    self.attempts = 0
                    self.connections += 1
                    self.connected.set()
                    await self._read(ws)
            except FeedUnavailable as exc:
                log.warning("upstox feed: %s", exc)
            except InvalidStatus as exc:
                if exc.response.status_code in (401, 403):  # the socket refused (maintenance)
                    raise FeedAuthError(f"socket: HTTP {exc.response.status_code}") from exc
                log.warning("upstox feed: handshake refused: %s", exc)
            except (OSError, TimeoutError, asyncio.TimeoutError, WebSocketException) as exc:
                if not self._closing:
                    log.warning("upstox feed: connection lost: %r", exc)
            finally:
                self._ws = None
                self.connected.clear()
            if self._closing:
                return
            self.attempts += 1
            await self._sleep(self._backoff.delay(self.attempts))

    async def _read(self, ws: ClientConnection) -> None:
        from tradertape_brokers.upstox_feed.codec import FeedFrameError, parse_frame

        async for data in ws:
            if isinstance(data, str):
                continue  # the feed speaks protobuf only
            try:
                frame = parse_frame(data)
            except FeedFrameError:
                log.warning("upstox feed: skipped a malformed frame of %d bytes", len(data))
                continue
            if frame.type is FrameType.MARKET_INFO:
                self.market_status.update(frame.market_status)
            await self._on_frame(frame)
        raise ConnectionResetError("the server closed the feed")  # reconnect, as on a drop

    async def close(self) -> None:
        """Stop: close the connection and make `run` return."""
        self._closing = True
        ws = self._ws
        if ws is not None:
            await ws.close()
