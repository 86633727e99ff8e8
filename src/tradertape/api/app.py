"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from tradertape import __version__
from tradertape.api.errors import install_error_handlers
from tradertape.api.middleware import RequestIdMiddleware
from tradertape.api.routes import (
    admin,
    agent_keys,
    auth,
    brokers,
    health,
    instruments,
    market,
    pages,
    trading,
    worker_tokens,
    ws,
)
from tradertape.feed.codec import tick_from_message
from tradertape.feed.fanout import TickHub
from tradertape.oms.loop import TradingLoop
from tradertape.runtime import Runtime

DESCRIPTION = (
    "Everything the TraderTape UI does, as a REST API. Authenticate with the `kite_session` "
    "cookie (sign in via `/api/auth/...`) or `Authorization: Bearer zt_…` (agent key); "
    'worker endpoints take `Authorization: Bearer kwa_…`. Errors are `{"detail": ...}`. '
    "Live ticks stream over `WS /api/ws/ticks` (cookie auth; not listed below: OpenAPI has no "
    "WebSockets): send `subscribe`/`unsubscribe` with `symbols` and a `mode` of `ltp`, `quote` "
    "or `full`; receive `status`, `subscribed`, `ticks` and `error` messages."
)


def _operation_id(route: APIRoute) -> str:
    # Stable ids ("auth-magic_link") so generated clients do not churn.
    tag = route.tags[0] if route.tags else "default"
    return f"{tag}-{route.name}"


def create_app(runtime: Runtime) -> FastAPI:
    """Build the app around an already-wired runtime (migrations are the caller's job).

    The lifespan runs the runtime's feed, if it has one (tests build runtimes without, and
    drive a feed by hand); the tick hub subscribes to the bus when a first WebSocket opens.
    """
    hub = TickHub(runtime.bus)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        tasks = []
        if runtime.feed is not None:
            # The process that owns the feed also matches paper orders and fires GTTs.
            loop = TradingLoop(
                db=runtime.db,
                clock=runtime.clock,
                quotes=runtime.quotes,
                exchange=runtime.exchange,
                gtts=runtime.gtts,
                jobs=runtime.session_jobs,
            )
            tasks.append(
                asyncio.create_task(loop.run(runtime.bus, tick_from_message), name="trading-loop")
            )
            tasks.append(asyncio.create_task(runtime.feed.run(), name="simulated-feed"))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await hub.close()
            await runtime.bus.close()
            runtime.db.dispose()

    app = FastAPI(
        title="TraderTape",
        version=__version__,
        description=DESCRIPTION,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        generate_unique_id_function=_operation_id,
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.tick_hub = hub
    api = APIRouter(prefix="/api")
    modules = (
        health,
        auth,
        admin,
        agent_keys,
        worker_tokens,
        brokers,
        instruments,
        market,
        trading,
        ws,
    )
    for module in modules:
        api.include_router(module.router)
    app.include_router(api)
    app.include_router(pages.router)
    install_error_handlers(app)
    app.add_middleware(RequestIdMiddleware)
    return app
