"""The FastAPI application factory."""

from __future__ import annotations

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
)
from tradertape.runtime import Runtime

DESCRIPTION = (
    "Everything the TraderTape UI does, as a REST API. Authenticate with the `kite_session` "
    "cookie (sign in via `/api/auth/...`) or `Authorization: Bearer zt_…` (agent key); "
    'worker endpoints take `Authorization: Bearer kwa_…`. Errors are `{"detail": ...}`.'
)


def _operation_id(route: APIRoute) -> str:
    # Stable ids ("auth-magic_link") so generated clients do not churn.
    tag = route.tags[0] if route.tags else "default"
    return f"{tag}-{route.name}"


def create_app(runtime: Runtime) -> FastAPI:
    """Build the app around an already-wired runtime (migrations are the caller's job)."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
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
    )
    for module in modules:
        api.include_router(module.router)
    app.include_router(api)
    app.include_router(pages.router)
    install_error_handlers(app)
    app.add_middleware(RequestIdMiddleware)
    return app
