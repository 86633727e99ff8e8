"""The leader's market work: the feed, the trading loop and every job it runs on its timer.

Only one process per database runs them (it holds the database's lease); every process
follows the bus's ticks into its own quote book. Tests drive `trading_loop` step by step.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from time import thread_time

from tradertape.candles.bars import CandleSource
from tradertape.candles.recorder import MinuteRecorder
from tradertape.db.leader import LeaderLease
from tradertape.feed.codec import tick_from_message, tick_to_message
from tradertape.feed.fanout import INTEREST_TOPIC
from tradertape.jobs.loop import TradingLoop
from tradertape.oms.quotes import follow
from tradertape.runtime import Runtime
from tradertape.services.alerts.placing import Placer
from tradertape.services.alerts.watcher import CHUNK, USER_SHARE, AlertWatcher
from tradertape.services.background.guard import JobGuard
from tradertape.services.brokers.live_trading import LiveJobs, follow_order_updates
from tradertape.services.brokers.reconcile import ReconcileJobs
from tradertape.services.brokers.session_watch import SessionWatch
from tradertape.services.market.calendar_watch import CalendarWatch
from tradertape.services.notifications.briefing import BriefingJobs
from tradertape.services.portfolios.schedule import PortfolioJobs
from tradertape.telegram.run import reports

log = logging.getLogger("tradertape.jobs")


def trading_loop(runtime: Runtime, *, alerts: AlertWatcher | None = None) -> TradingLoop:
    """The leader's trading loop: matching and GTTs on every tick batch; on its timer the
    session jobs, the model portfolios' jobs (reconcile, the daily scan) and protection.

    Tests drive this same wiring step by step on a manual clock (`alerts`: a watcher of
    their own tuning, from `alert_watcher`).
    """
    # Jobs fall due on the wall clock (a replayed session never reaches its close); what they
    # record carries market time, as the orders and GTTs they place do.
    trading = runtime.portfolio_trading
    jobs_db = runtime.db.jobs  # its own pool: requests never starve the loop
    guard = runtime.guard  # every job, and every item within, fails alone
    portfolios = PortfolioJobs(
        db=jobs_db, store=runtime.candles, trading=trading, clock=runtime.clock, guard=guard
    )
    briefings = BriefingJobs(
        db=jobs_db,
        reports=reports(runtime),
        calendar=runtime.candles.calendar,
        clock=runtime.clock,
        guard=guard,
    )
    watch = CalendarWatch(runtime.exchange.calendar, runtime.clock)  # logs a run-out list daily
    # broker sessions that will not last to the open while live work depends on them
    sessions = SessionWatch(
        db=jobs_db, calendar=runtime.exchange.calendar, clock=runtime.clock, guard=guard
    )
    # unsent live orders and GTTs; fired live GTTs; polling for fills
    live = LiveJobs(db=jobs_db, live=runtime.live, gtts=runtime.live_gtts, guard=guard)
    reconcile = ReconcileJobs(  # live brokers against our books: at start-up, then in session
        db=jobs_db,
        reconciliation=runtime.reconciliation,
        calendar=runtime.exchange.calendar,
        clock=runtime.clock,
        every=timedelta(minutes=runtime.settings.reconcile_every_mins),
        guard=guard,
    )
    alerts = alerts or alert_watcher(runtime)
    more_jobs: dict[str, Callable[[], object]] = {
        "portfolios": portfolios.run_due,
        "briefings": briefings.run_due,
        "calendar_watch": watch.run_due,
        "broker_sessions": sessions.run_due,
        "candles.record": minute_recorder(runtime).start_due,  # the feed's minutes, kept, beside
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
        watchers=(
            runtime.protection,
            runtime.option_protection,
            runtime.option_executions,
            runtime.mtm_exits,  # after protection: a run's own exits go first
            runtime.late_refusals,  # after the live poll (a job): the rejections it booked
            alerts,
        ),
        sinks=(runtime.candle_book, runtime.feed_watch),  # the watchdog sees every tick
        deriver=runtime.option_ticker,
        guard=guard,
        background=(alerts,),  # judged in a task of their own, never on the loop
        lag=runtime.loop_lag,
    )


def minute_recorder(runtime: Runtime) -> MinuteRecorder:
    """The live book's finished minutes into the candle store (`candles.recorder`), labelled
    with the feed's source: the simulated market's are synthetic, a broker's are the broker's."""
    simulated = runtime.settings.feed == "simulated"
    return MinuteRecorder(
        book=runtime.candle_book,
        store=runtime.candles,
        source=CandleSource.SYNTHETIC if simulated else CandleSource.BROKER,
        now=runtime.market_clock.now,
    )


def alert_watcher(
    runtime: Runtime,
    *,
    share: float = USER_SHARE,
    chunk: int = CHUNK,
    meter: Callable[[], float] = thread_time,
) -> AlertWatcher:
    """Users' alerts, judged beside the loop on its tick batches and, after the close, on
    its timer (each user within a share of CPU per pass). Their pass runs in a thread of
    its own, so it has a job guard of its own (the same records, in `job_failures`)."""
    guard = JobGuard(db=runtime.db.jobs, clock=runtime.clock)
    return AlertWatcher(
        db=runtime.db.jobs,
        clock=runtime.clock,
        candles=runtime.candle_book,
        store=runtime.candles,
        calendar=runtime.exchange.calendar,
        placer=Placer(runtime.orders, runtime.quotes),
        guard=guard,
        share=share,
        chunk=chunk,
        meter=meter,
        on_deferred=runtime.loop_lag.deferred,
        refresh_guard=guard.refresh,
    )


async def market(runtime: Runtime, lease: LeaderLease, *, retry_s: float = 5.0) -> None:
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
    # the leader's feed verdict, which this process answers and marks prices by
    feed_state = asyncio.create_task(runtime.feed_state.follow(runtime.bus), name="feed-state")
    try:
        feed = runtime.feed
        if feed is None:  # this process never leads: it only follows
            await follower
            return
        while not lease.try_acquire():  # noqa: ASYNC110 - another process holds it: no event to await
            await asyncio.sleep(retry_s)
    finally:
        follower.cancel()
        feed_state.cancel()
        await asyncio.gather(follower, feed_state, return_exceptions=True)
    log.info("this process runs the market feed and the trading loop")
    loop = trading_loop(runtime)
    await asyncio.gather(
        loop.run(runtime.bus, tick_from_message, encode=tick_to_message),
        feed.run(),
        # a quiet feed: marked stale, reconnected; its state published to every process
        runtime.feed_state.run(runtime.bus, asyncio.sleep),
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
