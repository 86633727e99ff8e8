"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute

from tradertape import __version__
from tradertape.api.admission import Gates
from tradertape.api.credentials import CredentialScreen
from tradertape.api.csrf import CrossSiteGuard
from tradertape.api.errors import install_error_handlers
from tradertape.api.limits import RequestLimits
from tradertape.api.middleware import RequestIdMiddleware
from tradertape.api.openapi_streams import install_openapi
from tradertape.api.routes import (
    admin,
    agent_keys,
    auth,
    backtest,
    broker_session_groww,
    brokers,
    health,
    indicators,
    instruments,
    jobs,
    market,
    model,
    notifications,
    pages,
    reconciliation,
    risk,
    strategies,
    trading,
    watchlists,
    worker_tokens,
    workers_execution,
    workers_journal,
    workers_market,
    workers_options,
    workers_protection,
    workers_runs,
    workers_streams,
    ws,
)
from tradertape.api.routes.docs import install_docs
from tradertape.api.routes.health import HealthProbe
from tradertape.api.schemas.errors import ERROR_RESPONSES
from tradertape.api.schemas.streams import STREAM_MODELS
from tradertape.api.webapp import install_compression, install_web_app, web_dist
from tradertape.db.leader import LeaderLease
from tradertape.feed.codec import tick_from_message, tick_to_message
from tradertape.feed.fanout import INTEREST_TOPIC, TickHub
from tradertape.oms.loop import TradingLoop
from tradertape.oms.quotes import follow
from tradertape.runtime import Runtime
from tradertape.services.brokers.live_trading import LiveJobs, follow_order_updates
from tradertape.services.brokers.login import BrokerLogins
from tradertape.services.brokers.login_state import login_states
from tradertape.services.brokers.reconcile import ReconcileJobs
from tradertape.services.market.calendar_watch import CalendarWatch, warning_now
from tradertape.services.notifications.telegram.api import BotApi
from tradertape.services.notifications.telegram.bot import TelegramBot
from tradertape.services.notifications.telegram.briefing import BriefingJobs
from tradertape.services.notifications.telegram.commands import Commands
from tradertape.services.notifications.telegram.linking import ChatLinking
from tradertape.services.notifications.telegram.reports import Reports
from tradertape.services.portfolios.schedule import PortfolioJobs
from tradertape.services.portfolios.signals import Venue

log = logging.getLogger("tradertape.api")

DESCRIPTION = (
    "Everything the TraderTape UI does, as a REST API. Authenticate with the `kite_session` "
    "cookie (sign in via `/api/auth/...`) "
    "(agent keys, `Authorization: Bearer zt_…`, reach only `/api/agent/…`); "
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


def trading_loop(runtime: Runtime) -> TradingLoop:
    """The leader's trading loop: matching and GTTs on every tick batch; on its timer the
    session jobs, the model portfolios' jobs (reconcile, the daily scan) and protection.

    Tests drive this same wiring step by step on a manual clock.
    """
    # Jobs fall due on the wall clock (a replayed session never reaches its close); what they
    # record carries market time, as the orders and GTTs they place do.
    venue = Venue(
        exchange=runtime.exchange,
        gtts=runtime.gtts,
        clock=runtime.exchange.clock,
        risk=runtime.risk,
        live=runtime.live,  # live portfolios: exits at the user's broker
        live_gtts=runtime.live_gtts,  # and their entries and stops as GTTs there
        live_exits=runtime.settings.live_portfolio_exits,
    )
    jobs_db = runtime.db.jobs  # its own pool: requests never starve the loop
    guard = runtime.guard  # every job, and every item within, fails alone
    portfolios = PortfolioJobs(
        db=jobs_db, store=runtime.candles, venue=venue, clock=runtime.clock, guard=guard
    )
    briefings = BriefingJobs(
        db=jobs_db,
        reports=_reports(runtime),
        calendar=runtime.candles.calendar,
        clock=runtime.clock,
        guard=guard,
    )
    watch = CalendarWatch(runtime.exchange.calendar, runtime.clock)  # logs a run-out list daily
    # unsent live orders and GTTs; fired live GTTs; polling for fills
    live = LiveJobs(db=jobs_db, desk=runtime.live, gtts=runtime.live_gtts, guard=guard)
    reconcile = ReconcileJobs(  # live brokers against our books: at start-up, then in session
        db=jobs_db,
        reconciliation=runtime.reconciliation,
        calendar=runtime.exchange.calendar,
        clock=runtime.clock,
        every=timedelta(minutes=runtime.settings.reconcile_every_mins),
        guard=guard,
    )
    more_jobs: dict[str, Callable[[], object]] = {
        "portfolios": portfolios.run_due,
        "briefings": briefings.run_due,
        "calendar_watch": watch.run_due,
    }
    if runtime.settings.live_trading_enabled:
        more_jobs.update({"live": live.run_due, "live.reconcile_due": reconcile.run_due})
    return TradingLoop(
        db=jobs_db,
        clock=runtime.clock,
        quotes=runtime.quotes,
        exchange=runtime.exchange,
        gtts=runtime.gtts,
        jobs=runtime.session_jobs,
        more_jobs=more_jobs,
        watchers=(runtime.protection, runtime.option_protection),
        sinks=(runtime.candle_book,),
        deriver=runtime.option_ticker,
        guard=guard,
    )


async def _market(runtime: Runtime, lease: LeaderLease, *, retry_s: float = 5.0) -> None:
    """Follow the bus's ticks into this process's quote book until this process holds the
    database's lease; then run the feed and the trading loop (which keep it themselves).

    Only one process per database may print ticks and match paper orders; the others
    serve requests and keep trying, so one of them takes over if the leader dies. Every
    process prices, previews and margins orders, so every process follows the prices.
    """
    follower = asyncio.create_task(
        follow(runtime.bus, (runtime.quotes, runtime.candle_book), tick_from_message),
        name="quote-follower",
    )
    try:
        feed = runtime.feed
        if feed is None:  # this process never leads: it only follows
            await follower
            return
        while not lease.try_acquire():  # noqa: ASYNC110 - another process holds it: no event to await
            await asyncio.sleep(retry_s)
    finally:
        follower.cancel()
        await asyncio.gather(follower, return_exceptions=True)
    log.info("this process runs the market feed and the trading loop")
    loop = trading_loop(runtime)
    await asyncio.gather(
        loop.run(runtime.bus, tick_from_message, encode=tick_to_message),
        feed.run(),
        _follow_interest(runtime),
        _follow_order_updates(runtime),
    )


async def _follow_order_updates(runtime: Runtime) -> None:
    """Book the broker socket's order updates (live orders), when live trading is on."""
    if runtime.settings.live_trading_enabled:
        await follow_order_updates(runtime.bus, runtime.live, runtime.db.jobs)


async def _follow_interest(runtime: Runtime) -> None:
    """Hand every hub's announced subscriptions to the option ticker (see feed.fanout)."""
    subscription = await runtime.bus.subscribe(INTEREST_TOPIC)
    try:
        async for _topic, message in subscription:
            runtime.option_ticker.note(message)
    finally:
        await subscription.close()


def _reports(runtime: Runtime) -> Reports:
    return Reports(store=runtime.candles, quotes=runtime.quotes, clock=runtime.clock)


def telegram_bot(runtime: Runtime, client: httpx.AsyncClient | None = None) -> TelegramBot:
    """The bot of the configured token (the caller checked there is one)."""
    token = runtime.settings.telegram_bot_token
    assert token is not None
    api = BotApi(
        client or httpx.AsyncClient(),
        base_url=runtime.settings.telegram_api_base,
        token=token.get_secret_value(),
    )
    commands = Commands(
        db=runtime.db.jobs,
        reports=_reports(runtime),
        venue=Venue(
            exchange=runtime.exchange,
            gtts=runtime.gtts,
            clock=runtime.exchange.clock,
            risk=runtime.risk,
            live=runtime.live,
            live_gtts=runtime.live_gtts,
            live_exits=runtime.settings.live_portfolio_exits,
        ),
        linking=ChatLinking(
            db=runtime.db.jobs, clock=runtime.clock, secret=runtime.settings.secret
        ),
        logins=BrokerLogins(
            brokers=runtime.brokers,
            public_base_url=runtime.settings.public_base_url,
            upstox_root=runtime.settings.upstox_root,
            kite_login_url=runtime.settings.kite_login_url,
            states=login_states(runtime.settings.secret),
            clock=runtime.clock,
        ),
    )
    return TelegramBot(api, commands, poll_timeout=runtime.settings.telegram_poll_timeout_secs)


async def _telegram(runtime: Runtime, *, retry_s: float = 5.0) -> None:
    """Run the bot in the one process holding its lease (two pollers would fight)."""
    lease = LeaderLease(runtime.db.jobs, name="tradertape:telegram")
    while not lease.try_acquire():  # noqa: ASYNC110 - another process runs the bot
        await asyncio.sleep(retry_s)
    bot = telegram_bot(runtime)
    try:
        await bot.run()
    finally:
        await bot.api.aclose()
        lease.release()


async def _warm_kernels() -> None:
    """Build the backtest kernels in a worker thread while the server already answers."""
    from tradertape.backtest.warmup import warm_up

    started = time.perf_counter()
    await asyncio.to_thread(warm_up)
    log.info("backtest kernels ready in %.1f s", time.perf_counter() - started)


def create_app(runtime: Runtime) -> FastAPI:
    """Build the app around an already-wired runtime (migrations are the caller's job).

    The lifespan runs the runtime's feed, if it has one (tests build runtimes without, and
    drive a feed by hand); the tick hub subscribes to the bus when a first WebSocket opens.
    """
    hub = TickHub(runtime.bus)
    runtime.option_ticker.follow(lambda: hub.subscribed)  # options subscribed here get ticks

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        tasks = []
        warning = warning_now(runtime.exchange.calendar, runtime.clock)
        if warning is not None:  # every process says it at start; the leader's loop daily
            logging.getLogger("tradertape.calendar").warning("[calendar] %s", warning)
        lease = LeaderLease(runtime.db.jobs)
        tasks.append(asyncio.create_task(_market(runtime, lease), name="market"))
        if runtime.settings.telegram_bot_token is not None:
            tasks.append(asyncio.create_task(_telegram(runtime), name="telegram-bot"))
        if runtime.settings.warm_kernels:
            tasks.append(asyncio.create_task(_warm_kernels(), name="warm-kernels"))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            lease.release()
            await hub.close()
            await runtime.bus.close()
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
    app.state.health = HealthProbe(runtime.db.jobs)
    modules = (
        health,
        auth,
        admin,
        agent_keys,
        worker_tokens,
        workers_runs,
        workers_execution,
        workers_journal,
        workers_protection,
        workers_market,
        workers_options,
        workers_streams,
        brokers,
        reconciliation,
        broker_session_groww,
        instruments,
        market,
        indicators,
        trading,
        strategies,
        backtest,
        model,
        risk,
        notifications,
        jobs,
        watchlists,
        ws,
    )
    for module in modules:  # one level of routers: each level costs every request a scan
        app.include_router(module.router, prefix="/api", responses=ERROR_RESPONSES)
    install_docs(app)
    install_openapi(app, STREAM_MODELS)
    app.include_router(pages.router)
    install_web_app(app, web_dist(settings))  # the GETs no route answers: the browser app
    install_error_handlers(app)
    install_compression(app)
    app.add_middleware(
        RequestLimits,
        max_body_bytes=runtime.settings.max_request_body_bytes,
        max_json_depth=runtime.settings.max_json_depth,
    )
    app.add_middleware(CrossSiteGuard, public_base_url=settings.public_base_url)  # before reading
    app.add_middleware(RequestIdMiddleware)  # outermost: a refusal above carries the id too
    return app
