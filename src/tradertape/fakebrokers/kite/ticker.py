"""The fake Kite's own ticker: the generic `FakeTicker` wired to the REST fake's state.

Prices and previous closes come from the book, the handshake accepts only the fake's live
access tokens, and every order status change is pushed as Kite's ``{"type": "order"}`` text
message, so a server pointed at one fake gets REST, ticks and order updates that agree.
An optional random walk moves prices by themselves for demos. ``/_fake/ticker`` drives the
socket faults (silent, drop, refuse, allow; `ticker_control`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tradertape.fakebrokers.kite_ticker import FakeTicker

if TYPE_CHECKING:
    from tradertape.fakebrokers.kite.app import FakeKite

TICKER_PATH = "/ws"
TICKER_FAULTS = ("silent", "drop", "refuse", "allow")


class _BookPrices:
    """`TickerPrices` over the fake's book: unknown tokens send nothing."""

    def __init__(self, kite: FakeKite) -> None:
        self._kite = kite

    def ltp(self, instrument_token: int) -> Decimal | None:
        try:
            return self._kite.ltp(instrument_token)
        except KeyError:
            return None

    def previous_close(self, instrument_token: int) -> Decimal | None:
        try:
            return self._kite.book.day(instrument_token).close
        except KeyError:
            return None


def build_ticker(kite: FakeKite, *, interval_secs: float = 1.0) -> FakeTicker:
    """A `FakeTicker` reading `kite`'s prices and sessions, pushing its order updates."""
    prices = _BookPrices(kite)
    ticker = FakeTicker(
        prices,
        interval_secs=interval_secs,
        heartbeat_secs=max(interval_secs, 1.0),
        authorize=lambda key, token: kite.sessions.is_live(key, token, kite.now()),
        clock=kite,
        previous_close=prices.previous_close,
    )
    kite.book.order_listeners.append(_pusher(ticker))
    return ticker


def _pusher(ticker: FakeTicker) -> Callable[[dict[str, Any]], None]:
    """A book listener sending each order state to the ticker's clients from the event loop."""
    pending: set[asyncio.Task[int]] = set()

    def push(order: dict[str, Any]) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # changed outside the server's loop (a unit test): nobody is connected
        task = loop.create_task(ticker.push_order_update(order))
        pending.add(task)
        task.add_done_callback(pending.discard)

    return push


def walker(
    kite: FakeKite, *, every_secs: float, bps: int = 20, seed: int = 0
) -> Callable[[Starlette], contextlib.AbstractAsyncContextManager[None]]:
    """A lifespan moving every price by up to ±`bps` each `every_secs` while the app runs."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        rng = random.Random(seed)  # noqa: S311 - made-up prices, not secrets

        async def walk() -> None:
            while True:
                await asyncio.sleep(every_secs)
                kite.book.walk(rng, bps=bps)

        task = asyncio.create_task(walk())
        try:
            yield
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    return lifespan


def ticker_control(ticker: FakeTicker) -> Route:
    """``/_fake/ticker``: ``GET`` the socket faults now; ``POST {"fault": F}`` with F one of
    ``silent`` (the open sockets send heartbeats only), ``drop`` (close them, 1011),
    ``refuse`` (drop them and answer every handshake 403) or ``allow`` (undo ``refuse``)."""

    async def control(request: Request) -> Response:
        if request.method == "GET":
            return JSONResponse(ticker.faults())
        try:
            body = json.loads(await request.body() or b"{}")
            fault = body.get("fault") if isinstance(body, dict) else None
        except ValueError:
            fault = None
        if fault not in TICKER_FAULTS:
            detail = f"fault: one of {', '.join(TICKER_FAULTS)}"
            return JSONResponse({"detail": detail}, status_code=400)
        if fault == "silent":
            affected = await ticker.silence()
        elif fault == "drop":
            affected = await ticker.drop_all()
        elif fault == "refuse":
            affected = await ticker.refuse()
        else:
            ticker.allow()
            affected = 0
        return JSONResponse({"fault": fault, "connections": affected, **ticker.faults()})

    return Route("/_fake/ticker", control, methods=["GET", "POST"])
