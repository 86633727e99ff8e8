"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute

from tradertape import __version__
from tradertape.api.errors import install_error_handlers
from tradertape.api.openapi_streams import install_openapi
from tradertape.api.routes import (
    admin,
    agent,
    agent_keys,
    alerts,
    assistant,
    audit,
    auth,
    backtest,
    broker_session_groww,
    brokers,
    chart_drawings,
    family,
    fo_data,
    health,
    indicators,
    instruments,
    jobs,
    journal,
    journal_expiry,
    journal_returns,
    market,
    model,
    notifications,
    options_backtest,
    options_desk,
    options_sweeps,
    options_walk_forwards,
    pages,
    reconciliation,
    risk,
    simulator,
    strategies,
    sweeps,
    trading,
    trading_agent,
    uploads,
    walk_forwards,
    watchlists,
    wealth,
    webhooks,
    worker_tokens,
    workers_desk,
    workers_execution,
    workers_journal,
    workers_market,
    workers_options,
    workers_protection,
    workers_replays,
    workers_runs,
    workers_streams,
    ws,
)
from tradertape.api.routes.docs import install_docs
from tradertape.api.routes.health import HealthProbe
from tradertape.api.schemas.errors import ERROR_RESPONSES
from tradertape.api.schemas.streams import STREAM_MODELS
from tradertape.feed.fanout import TickHub
from tradertape.jobs.background import Background
from tradertape.jobs.kernels import KernelWarmUp
from tradertape.mcp.http import McpDoor, McpEndpoint
from tradertape.runtime import Runtime
from tradertape.serving import priority, route_state
from tradertape.serving.admission import Gates
from tradertape.serving.credentials import CredentialScreen
from tradertape.serving.csrf import CrossSiteCheck
from tradertape.serving.dispatch import install_route_index
from tradertape.serving.limits import RequestLimits
from tradertape.serving.loop_reads import LoopReads
from tradertape.serving.middleware import RequestIdMiddleware
from tradertape.serving.open_files import TickSocketCap, connection_limit
from tradertape.serving.open_streams import OpenStreams
from tradertape.serving.replay_door import ReplayDoor
from tradertape.serving.webapp import install_compression, install_web_app, web_dist

log = logging.getLogger("tradertape.api")

DESCRIPTION = (
    "Everything the TraderTape UI does, as a REST API. Authenticate with the `kite_session` "
    "cookie (sign in via `/api/auth/...`) "
    "(agent keys, `Authorization: Bearer zt_…`, reach only `/api/agent/…` and the "
    "statement uploads `POST /api/uploads/…`); "
    'worker endpoints take `Authorization: Bearer kwa_…`. Errors are `{"detail": ...}`. '
    "Live ticks stream over `WS /api/ws/ticks` (cookie auth; not listed below: OpenAPI has no "
    "WebSockets): send `subscribe`/`unsubscribe` with `symbols` and a `mode` of `ltp`, `quote` "
    "or `full` (`TickerRequest`); receive `status`, `subscribed`, `ticks` and `error` messages "
    "(`TickerMessage`). Worker streams send `{event, data}` messages: each stream's union of "
    "them is its `text/event-stream` schema (its WebSocket sends the same)."
)


def _operation_id(route: APIRoute) -> str:
    # Stable ids ("auth-magic_link") so generated clients do not churn.
    tag = route.tags[0] if route.tags else "default"
    return f"{tag}-{route.name}"


async def ready_routes(app: FastAPI) -> None:
    """Have every route ready to answer before the server serves: FastAPI builds a router's
    request handling on the first request that reaches it (about a second for all of them,
    which a user's first request would wait on), and SQLAlchemy configures its mappers on the
    first query. A request for a path no route answers reaches every router."""
    from sqlalchemy.orm import configure_mappers

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://startup.invalid") as client:
        await client.get("/api/.startup")
    await asyncio.to_thread(configure_mappers)


def read_threads(runtime: Runtime, gates: Gates) -> anyio.CapacityLimiter:
    """The worker threads the desk's reads share (`Settings.read_threads`)."""
    threads = runtime.settings.read_threads
    if threads is None:
        sqlite = runtime.db.engine.dialect.name == "sqlite"
        threads = 4 if sqlite else gates.requests.capacity
    return anyio.CapacityLimiter(threads)


def create_app(runtime: Runtime, *, kernels: KernelWarmUp | None = None) -> FastAPI:
    """Build the app around an already-wired runtime (migrations are the caller's job).

    The lifespan runs the runtime's feed, if it has one (tests build runtimes without, and
    drive a feed by hand), readies the backtest kernels (`kernels`; by default as
    ``TRADERTAPE_WARM_KERNELS`` says) and, with that setting, the routes (`ready_routes`);
    the tick hub subscribes to the bus when a first WebSocket opens.
    """
    if kernels is None:
        kernels = KernelWarmUp(enabled=runtime.settings.warm_kernels)
    hub = TickHub(runtime.bus)
    runtime.option_ticker.follow(lambda: hub.subscribed)  # options subscribed here get ticks

    assistants = McpEndpoint(runtime)  # /mcp: AI assistants with their keys (issue 71)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        background = Background.start(runtime, kernels)
        # After the background's threads start (they keep the priority they had): the tick
        # fan-out's sockets are served by this thread (`serving.priority`).
        before = priority.current()
        app.state.loop_priority = priority.raise_loop_thread(runtime.settings.loop_priority)
        if runtime.settings.warm_kernels:  # a server readying itself (test apps skip it)
            await ready_routes(app)
        try:
            async with assistants.running():
                yield
        finally:
            await background.stop()
            await hub.close()
            await runtime.bus.close()
            if app.state.loop_priority != "normal":
                priority.restore(before)
            # The database is the runtime's, not the app's: whoever built the runtime closes
            # it (``serve`` does, once the server returns). Disposing here would orphan the
            # connections another app on the same runtime still holds, open in a dead pool.

    app = FastAPI(
        title="TraderTape",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,  # routes/docs.py serves both pages from local files
        redoc_url=None,
        openapi_url="/api/openapi.json",
        generate_unique_id_function=_operation_id,
        lifespan=lifespan,
        # FastAPI's native OpenTelemetry finds no SDK here (we ship only the API it pulls
        # in), yet asks the global providers whether it is on at every request: about
        # 20 µs of a worker order's server CPU (bench/profile_worker_order.py).
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.runtime = runtime
    app.state.tick_hub = hub
    settings = runtime.settings
    app.state.gates = gates = Gates.for_database(
        runtime.db,
        stranger_slots=settings.credential_check_slots,
        max_waiting=settings.request_queue_max,
        wait_s=settings.request_queue_secs,
    )
    app.state.credentials = CredentialScreen(gates.strangers)
    app.state.read_threads = read_threads(runtime, gates)
    app.state.loop_reads = (
        LoopReads(max_waiting=settings.request_queue_max, wait_s=settings.request_queue_secs)
        if settings.reads_on_loop and runtime.db.loop_reads is not None
        else None
    )
    app.state.streams = OpenStreams(
        gates.requests,
        per_user=settings.streams_per_user,
        poll_secs=settings.worker_stream_poll_secs,
        heartbeat_secs=settings.worker_stream_heartbeat_secs,
    )
    app.state.tick_sockets = TickSocketCap(
        per_user=settings.tick_sockets_per_user,
        total=max(1, connection_limit(settings.open_files_reserve) // 2),
    )
    app.state.health = HealthProbe(runtime.db.jobs)
    app.state.kernels = kernels
    modules = (
        health,
        auth,
        admin,
        agent_keys,
        agent,
        assistant,
        trading_agent,
        worker_tokens,
        workers_runs,
        workers_execution,
        workers_journal,
        workers_protection,
        workers_market,
        workers_options,
        workers_streams,
        workers_replays,
        workers_desk,
        options_desk,
        brokers,
        reconciliation,
        broker_session_groww,
        instruments,
        market,
        indicators,
        chart_drawings,
        trading,
        strategies,
        backtest,
        options_sweeps,  # before options_backtest: /options/sweeps is not a run's id
        options_walk_forwards,  # (and /options/walk-forwards)
        options_backtest,
        simulator,
        sweeps,
        walk_forwards,
        model,
        risk,
        notifications,
        audit,
        jobs,
        watchlists,
        alerts,
        webhooks,
        uploads,
        fo_data,
        journal,
        journal_expiry,
        journal_returns,
        wealth,
        family,
        ws,
    )
    route_state.prepare(app)
    for module in modules:  # one level of routers: each level costs every request a scan
        app.include_router(module.router, prefix="/api", responses=ERROR_RESPONSES)
    app.include_router(workers_replays.worker_router, prefix="/api", responses=ERROR_RESPONSES)
    install_docs(app)
    install_openapi(app, STREAM_MODELS)
    app.include_router(pages.router)
    route_state.share_included(app)  # built once per process, not once per app
    install_web_app(app, web_dist(settings))  # the GETs no route answers: the browser app
    install_error_handlers(app)
    install_compression(app)
    app.add_middleware(
        ReplayDoor, enter=runtime.replays.enter_secret
    )  # a replay token's request: its replay
    app.add_middleware(
        RequestLimits,
        max_body_bytes=runtime.settings.max_request_body_bytes,
        max_json_depth=runtime.settings.max_json_depth,
        max_upload_bytes=runtime.settings.max_upload_body_bytes,
    )
    app.add_middleware(CrossSiteCheck, public_base_url=settings.public_base_url)  # before reading
    app.add_middleware(RequestIdMiddleware)  # outermost: a refusal above carries the id too
    # /mcp before all of them: its own transport, its own key, its own refusals
    app.add_middleware(McpDoor, endpoint=assistants)
    install_route_index(app)  # each request to its router without a walk past the others
    return app
