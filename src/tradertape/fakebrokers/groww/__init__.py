"""A fake Groww Trade API for tests and demos, spoken the way growwapi 1.5.0 calls it.

``create_app(**options)`` builds the ASGI app (``tradertape fake-broker groww --port P``
serves it with no options). Options:

- ``clock``: a `ManualClock` (default: one started at the wall time, so ``/_fake/clock``
  can move it); tokens die at 06:00 IST on it and CNC buys settle the next day.
- ``api_keys``: ``{api_key: api_secret}`` accepted by the token route (default: any key,
  any well-formed checksum); ``totp``: the one code accepted (default: any six digits).
- ``cash``: the account's opening cash (default ₹10,00,000); ``seed``: the price walk's.

Routes: see `app` (Groww's ``/v1``) and `control` (``/_fake/*``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from tradertape.fakebrokers.groww.app import V1, FakeGroww, build_router, refused
from tradertape.fakebrokers.groww.book import Book, Refused
from tradertape.fakebrokers.groww.control import build_control
from tradertape.fakebrokers.groww.market import Prices
from tradertape.ports.clock import Clock, ManualClock

__all__ = ["FakeGroww", "create_app"]

_PUBLIC = (f"{V1}/token/api/access", f"{V1}/changelog")


def create_app(
    *,
    clock: Clock | None = None,
    api_keys: dict[str, str] | None = None,
    totp: str | None = None,
    cash: Decimal | int = 1_000_000,
    seed: int = 7,
) -> FastAPI:
    """The fake Groww server; ``app.state.fake`` is its `FakeGroww` (for in-process tests)."""
    if clock is None:
        clock = ManualClock(datetime.now(UTC))  # movable by /_fake/clock
    book = Book(clock=clock, prices=Prices(seed), cash=Decimal(cash))
    fake = FakeGroww(book=book, api_keys=api_keys, totp=totp)
    app = FastAPI(title="Fake Groww Trade API", docs_url=None, redoc_url=None)
    app.state.fake = fake

    @app.exception_handler(Refused)
    async def _refused(request: Request, exc: Refused) -> JSONResponse:
        return refused(exc)

    app.middleware("http")(_gate(fake))
    app.include_router(build_router(fake))
    app.include_router(build_control(fake, clock if isinstance(clock, ManualClock) else None))
    return app


Handler = Callable[[Request], Awaitable[Response]]


def _gate(fake: FakeGroww) -> Callable[[Request, Handler], Awaitable[Response]]:
    """Injected faults first, then the bearer token, for every ``/v1`` route."""

    async def gate(request: Request, call_next: Handler) -> Response:
        path = request.url.path
        if not path.startswith(V1):
            return await call_next(request)
        fault = fake.take_fault(path)
        if fault is not None and fault.kind == "expire":
            fake.expire_all()
        if fault is not None and fault.kind in ("429", "500", "503"):
            status = int(fault.kind)
            code = "GA000" if status == 500 else "GA003"
            return refused(Refused(status, code, f"injected {status}"))
        if fault is not None and fault.kind == "timeout":
            await asyncio.sleep(fault.delay_secs)  # the client gives up; nothing is done
            return refused(Refused(504, "GA003", "injected timeout"))
        if path not in _PUBLIC:
            try:
                fake.authorise(request)
            except Refused as exc:
                return refused(exc)
        response = await call_next(request)
        if fault is not None and fault.kind == "timeout_after_accept":
            await asyncio.sleep(fault.delay_secs)  # done, but answered too late
        return response

    return gate
