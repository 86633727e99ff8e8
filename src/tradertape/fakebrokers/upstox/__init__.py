"""A fake Upstox for tests and demos: ``tradertape fake-broker upstox --port P``.

Point ``upstox_client.Configuration().host`` and ``.order_host`` at it. The authorization
dialog approves at once, and the V3 market data feed (the authorize route and the protobuf
WebSocket, see `feed`) streams the book's prices. Prices, faults, the clock, session expiry
and feed drops are driven through ``/_control/*`` (see `app.install_control`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from tradertape.domain.instruments import InstrumentCatalog
from tradertape.domain.instruments_data import reference_catalog
from tradertape.fakebrokers.upstox import app as routes
from tradertape.fakebrokers.upstox.book import Book, FakeError
from tradertape.fakebrokers.upstox.feed import FakeFeed, install_feed
from tradertape.fakebrokers.upstox.sessions import Sessions


def create_app(
    *,
    now: Callable[[], datetime] | None = None,
    catalog: InstrumentCatalog | None = None,
    cash: Decimal = Decimal("1000000"),
    seed: int = 7,
    feed_interval_secs: float | None = 1.0,
) -> FastAPI:
    """The fake's ASGI app; `now` is its clock (wall time by default).

    The market data feed sends a live frame every `feed_interval_secs` (`None`: only when
    ``POST /_control/feed/push`` asks, for tests that drive it frame by frame).
    """
    clock = routes._Clock(now or (lambda: datetime.now(UTC)))
    book = Book(catalog=catalog or reference_catalog(), now=clock, cash=cash, seed=seed)
    sessions = Sessions(clock)
    app = FastAPI(title="fake Upstox", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.book = book
    app.state.sessions = sessions
    app.state.feed = feed = FakeFeed(book, sessions, interval_secs=feed_interval_secs)

    @app.exception_handler(FakeError)
    async def fake_error(request: Request, exc: FakeError) -> JSONResponse:
        return routes.error(exc.status, exc.code, exc.message)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return routes.error(exc.status_code, "UDAPI100036", str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return routes.error(400, "UDAPI100036", f"Invalid input: {exc.errors()[0]['loc']}")

    routes.install_session_check(app, sessions)
    routes.install_login(app, sessions)
    routes.install_orders(app, book)
    routes.install_books(app, book)
    routes.install_gtt(app, book)
    routes.install_account(app, book)
    routes.install_market(app, book)
    install_feed(app, feed)
    routes.install_control(app, book, sessions, clock)
    return app
