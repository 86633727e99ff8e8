"""`KiteTickerClient`: one reconnecting connection to Kite's ticker, on asyncio.

It keeps the wanted subscriptions (token → mode) itself, so after every reconnect it sends
them all again. A connection counts as dead when nothing (not even a one-byte heartbeat)
arrives for ``read_timeout_secs``; reconnect attempts back off exponentially, and the wait
goes through an injectable `sleep` so tests do not really wait. A handshake the server
refuses with 401/403 (a bad or expired access token) ends `run` with `TickerAuthError`:
retrying the same token cannot succeed, and the caller has to find a fresh session.

Needs the ``websockets`` library (imported when a connection opens).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlencode

from tradertape_brokers.kite_ticker.codec import TickerFrameError, parse_frame
from tradertape_brokers.kite_ticker.messages import (
    MAX_TOKENS,
    TextMessage,
    mode_message,
    parse_text_message,
    subscribe_message,
    unsubscribe_message,
)
from tradertape_brokers.kite_ticker.packets import Mode, Packet
from tradertape_brokers.reconnect import Backoff

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

__all__ = ["DEFAULT_URL", "Backoff", "KiteTickerClient", "TickerAuthError", "ticker_url"]

log = logging.getLogger("tradertape_brokers.kite_ticker")
T = TypeVar("T")

DEFAULT_URL = "wss://ws.kite.trade"
PacketHandler = Callable[[list[Packet]], Awaitable[None]]
TextHandler = Callable[[TextMessage], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]


class TickerAuthError(Exception):
    """The server refused the API key and access token (HTTP 401/403 at the handshake)."""


def ticker_url(base: str, *, api_key: str, access_token: str) -> str:
    """``{base}?api_key=…&access_token=…``, the URL Kite's ticker is opened at."""
    separator = "&" if "?" in base else "?"
    return base + separator + urlencode({"api_key": api_key, "access_token": access_token})


async def _ignore_text(_: TextMessage) -> None:
    return None


class KiteTickerClient:
    """Connects, subscribes, parses, and reconnects with backoff until `close` is called."""

    def __init__(
        self,
        *,
        api_key: str,
        access_token: str,
        on_packets: PacketHandler,
        on_text: TextHandler = _ignore_text,
        url: str = DEFAULT_URL,
        backoff: Backoff | None = None,
        read_timeout_secs: float = 10.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._url = ticker_url(url, api_key=api_key, access_token=access_token)
        self._on_packets = on_packets
        self._on_text = on_text
        self._backoff = backoff or Backoff()
        self._read_timeout = read_timeout_secs
        self._sleep = sleep
        self._modes: dict[int, Mode] = {}
        self._ws: ClientConnection | None = None
        self._send_lock = asyncio.Lock()
        self._closing = False
        self.connected = asyncio.Event()  # set while a connection is open and subscribed
        self.connections = 0  # connections opened so far
        self.heartbeats = 0
        self.attempts = 0  # failed attempts since the last good connection

    @property
    def subscriptions(self) -> dict[int, Mode]:
        """Every subscribed token and its mode (what a reconnect sends again)."""
        return dict(self._modes)

    async def subscribe(self, tokens: Iterable[int], mode: Mode = Mode.QUOTE) -> None:
        """Want `tokens` in `mode` from now on (sent at once when connected).

        Raises
        ------
        ValueError
            More than Kite's 3,000 instruments on the connection.
        """
        wanted = list(dict.fromkeys(tokens))
        if len(self._modes.keys() | set(wanted)) > MAX_TOKENS:
            raise ValueError(f"at most {MAX_TOKENS} instruments per connection")
        self._modes.update(dict.fromkeys(wanted, mode))
        await self._send(subscribe_message(wanted), mode_message(mode, wanted))

    async def set_mode(self, mode: Mode, tokens: Iterable[int]) -> None:
        """Switch subscribed `tokens` to `mode` (others are ignored)."""
        chosen = [t for t in dict.fromkeys(tokens) if t in self._modes]
        self._modes.update(dict.fromkeys(chosen, mode))
        await self._send(mode_message(mode, chosen))

    async def unsubscribe(self, tokens: Iterable[int]) -> None:
        """Stop `tokens`."""
        dropped = [t for t in dict.fromkeys(tokens) if self._modes.pop(t, None) is not None]
        await self._send(unsubscribe_message(dropped))

    async def _send(self, *messages: str) -> None:
        # Under the lock a (re)connect holds while it sends every subscription: a change made
        # meanwhile goes out after that snapshot, so the server ends with the latest modes.
        from websockets.exceptions import ConnectionClosed

        async with self._send_lock:
            ws = self._ws
            if ws is None:
                return  # sent on (re)connect
            try:
                for message in messages:
                    await ws.send(message)
            except ConnectionClosed:
                return  # sent again on reconnect

    async def _resubscribe(self, ws: ClientConnection) -> None:
        modes = dict(self._modes)
        if not modes:
            return
        await ws.send(subscribe_message(modes))
        by_mode: dict[Mode, list[int]] = {}
        for token, mode in modes.items():
            by_mode.setdefault(mode, []).append(token)
        for mode, tokens in by_mode.items():
            await ws.send(mode_message(mode, tokens))

    async def run(self) -> None:
        """Stay connected until `close`; reconnect after any drop, waiting per the backoff.

        Raises
        ------
        TickerAuthError
            The server refused the credentials.
        """
        from websockets.asyncio.client import connect
        from websockets.exceptions import InvalidStatus, WebSocketException

        while not self._closing:
            try:
                async with connect(
                    self._url, additional_headers={"X-Kite-Version": "3"}, max_size=2**22
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
            except InvalidStatus as exc:
                if exc.response.status_code in (401, 403):
                    raise TickerAuthError(str(exc)) from exc
                log.warning("kite ticker: handshake refused: %s", exc)
            except (OSError, TimeoutError, asyncio.TimeoutError, WebSocketException) as exc:
                if not self._closing:
                    log.warning("kite ticker: connection lost: %r", exc)
            finally:
                self._ws = None
                self.connected.clear()
            if self._closing:
                return
            self.attempts += 1
            await self._sleep(self._backoff.delay(self.attempts))

    async def _read(self, ws: ClientConnection) -> None:
        while True:
            data = await _within(ws.recv(), self._read_timeout)
            if isinstance(data, str):
                message = parse_text_message(data)
                if message is not None:
                    await self._on_text(message)
                continue
            if len(data) < 2:
                self.heartbeats += 1
                continue
            try:
                packets = parse_frame(data)
            except TickerFrameError:
                log.warning("kite ticker: skipped a malformed frame of %d bytes", len(data))
                continue
            if packets:
                await self._on_packets(packets)

    async def close(self) -> None:
        """Stop: close the connection and make `run` return."""
        self._closing = True
        ws = self._ws
        if ws is not None:
            await ws.close()


async def _within(receiving: Awaitable[T], seconds: float) -> T:
    """`receiving`'s answer, or `TimeoutError` after `seconds`; a cancel of the caller always
    ends it. Not `asyncio.wait_for`: on Python 3.11 it returns a frame that arrives in the
    turn its caller is cancelled and drops the cancel, so a ticking feed read on for ever
    after the server (or a test) cancelled it. Not `asyncio.timeout`: this package runs on
    3.10 too (the agent). `asyncio.wait` only waits, so the cancel reaches the caller."""
    task = asyncio.ensure_future(receiving)
    try:
        done, _ = await asyncio.wait({task}, timeout=seconds)
    except asyncio.CancelledError:
        task.cancel()
        raise
    if not done:
        task.cancel()
        raise TimeoutError(f"no frame for {seconds:g} s")
    return task.result()
