"""A fake Upstox for tests and demos: ``tradertape fake-broker upstox --port P``.

Point ``upstox_client.Configuration().host`` and ``.order_host`` at it. The authorization
dialog approves at once; prices, faults, the clock and session expiry are driven through
``/_control/*`` (see `app.install_control`).
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
from tradertape.fakebrokers.upstox.sessions import Sessions


def create_app(
    *,
    now: Callable[[], datetime] | None = None,
    catalog: InstrumentCatalog | None = None,
    cash: Decimal = Decimal("1000000"),
    seed: int = 7,
) -> FastAPI:
    """The fake's ASGI app; `now` is its clock (wall time by default)."""
    clock = routes._Clock(now or (lambda: datetime.now(UTC)))
    book = Book(catalog=catalog or reference_catalog(), now=clock, cash=cash, seed=seed)
    sessions = Sessions(clock)
    app = FastAPI(title="fake Upstox", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.book = book
    app.state.sessions = sessions

    @app.exception_handler(FakeError)
    async def fake_error(request: Request, exc: FakeError) -> JSONResponse:
        return routes.error(exc.status, exc.code, exc.message)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return routes.error(exc.status_code, "UDAPI100036", str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return routes.error(400, "UDAPI100036", f"Invalid input: {exc.errors()[0]['loc']}")

    routes.install_guard(app, sessions)
    routes.install_login(app, sessions)
    routes.install_orders(app, book)
    routes.install_books(app, book)
    routes.install_gtt(app, book)
    routes.install_account(app, book)
    routes.install_market(app, book)
    routes.install_control(app, book, sessions, clock)
    return app
