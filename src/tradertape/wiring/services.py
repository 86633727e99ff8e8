"""The services context: what runs on the OMS's door — accounts and sign-in, workers and
their protection, option runs, MTM exits, halted baskets' late refusals, webhooks and model
portfolios."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from tradertape.candles.fo_minutes import FoMinuteStore
from tradertape.candles.fo_store import FoStore
from tradertape.db.engine import Database
from tradertape.ports.clock import Clock
from tradertape.security.vault import Vault
from tradertape.services.accounts.login import LoginService
from tradertape.services.accounts.ratelimit import RateLimiter, attempt_windows
from tradertape.services.accounts.sessions import SessionService
from tradertape.services.baskets.desk import Baskets
from tradertape.services.baskets.unwind import LateRefusals
from tradertape.services.market.instruments import build_catalog
from tradertape.services.mtm_exits.exits import MtmExits
from tradertape.services.notifications.mail import Outbox
from tradertape.services.options.follow import OptionExecutions
from tradertape.services.portfolios.signals import PortfolioTrading
from tradertape.services.protection.engine import ProtectionEngine
from tradertape.services.protection.options import OptionProtectionEngine
from tradertape.services.protection.recovery import Recovery, RecoveryConfig
from tradertape.services.term_orders import TermsPlacer
from tradertape.services.webhooks.receive import HookKeys, HookReceiver
from tradertape.services.workers.context import WorkerContext
from tradertape.services.workers.market import WorkerMarket, feed_mark
from tradertape.services.workers.replays import Replays
from tradertape.settings import Settings
from tradertape.wiring.market import Market
from tradertape.wiring.research import Research
from tradertape.wiring.venues import Venues


@dataclass(frozen=True, slots=True)
class Accounts:
    """Sign-in and its sessions."""

    sessions: SessionService
    login: LoginService
    limiter: RateLimiter  # per-bucket attempt limits (sign-in, Telegram link requests)


def build_accounts(settings: Settings, *, clock: Clock, outbox: Outbox) -> Accounts:
    """Sign-in by mailed code, its attempt limits and the sessions it opens."""
    limiter = RateLimiter(clock=clock, limit=settings.auth_attempts_per_minute)
    login = LoginService(
        clock=clock,
        secret=settings.secret,
        outbox=outbox,
        limiter=limiter,
        public_base_url=settings.public_base_url,
        challenge_ttl=timedelta(minutes=settings.login_challenge_minutes),
        otp_max_wrong_tries=settings.otp_max_wrong_tries,
        opening_balance=settings.paper_opening_balance,
    )
    return Accounts(
        sessions=SessionService(clock=clock, lifetime=timedelta(days=settings.session_days)),
        login=login,
        limiter=limiter,
    )


@dataclass(frozen=True, slots=True)
class Services:
    """The services that place and follow orders through the door."""

    workers: WorkerContext
    worker_market: WorkerMarket
    protection: ProtectionEngine  # runs beside the trading loop (the leader process)
    replays: Replays  # worker runs played against a past period (their own clock, prices)
    option_protection: OptionProtectionEngine
    option_executions: OptionExecutions
    mtm_exits: MtmExits
    late_refusals: LateRefusals
    webhooks: HookReceiver
    portfolio_trading: PortfolioTrading
    baskets: Baskets  # the basket owner's commands and reads (the chain's, an alert's preview)


def build_services(
    settings: Settings,
    *,
    clock: Clock,
    db: Database,
    vault: Vault,
    market: Market,
    venues: Venues,
    research: Research,
) -> Services:
    """Each service on the door (`venues.orders`); background ones on the jobs' pool and
    through the job guard (`research.guard`)."""
    orders, prices = venues.orders, market.prices
    guard, jobs_db = research.guard, db.jobs
    workers = WorkerContext.build(
        secret=settings.secret,
        clock=clock,
        orders=orders,
        portfolio=venues.portfolio,
        last_tick=prices,
        safety_ttl_secs=settings.worker_safety_token_secs,
        freshness_secs=settings.worker_session_freshness_secs,
        claim_without_heartbeat_secs=settings.worker_claim_without_heartbeat_secs,
        live_trading_enabled=settings.live_trading_enabled,
        paper_opening_balance=settings.paper_opening_balance,
        credentials=venues.credentials,
    )
    # A halted basket's unwind the placement could not finish (a cancel the broker did not
    # answer: its durable mark), and a live leg its broker rejects after taking it: heard
    # among the committed events or read from the marks, done on the loop's pass.
    late_refusals = LateRefusals(
        db=jobs_db,
        orders=orders,
        last_tick=prices,
        clock=market.clock,
        guard=guard,
        wall=clock,  # a failed cancel's back-off
    )
    venues.events.listen(late_refusals.hear)
    recovery = Recovery(
        db=jobs_db,
        guard=guard,
        workers=workers,
        config=RecoveryConfig(
            stale_after=timedelta(seconds=settings.worker_run_stale_action_secs),
            stale_every=timedelta(seconds=settings.worker_stale_recovery_secs),
            exiting_every=timedelta(seconds=settings.worker_exiting_recovery_secs),
        ),
    )
    protection = ProtectionEngine(
        db=jobs_db, workers=workers, calendar=market.calendar, recovery=recovery, guard=guard
    )
    exchange = venues.exchange
    replays = Replays(
        store=market.candles,
        calendar=market.calendar,
        catalog=exchange.catalog,
        sessions=db.session,
        wall=clock,
        advance=lambda s, order, instrument, tick: exchange.advance(
            s, order, instrument, tick, traded_volume=tick.last_quantity
        ),
        protect=lambda run_pk: protection.evaluate(run_pk, timer=True),
        fo=FoMinuteStore.in_data_folder(settings.data_dir),
        bhavcopy=FoStore.in_data_folder(settings.data_dir),  # an expiry's settlement price
        session=venues.session_jobs,  # the MIS square-off and expiry, on the replay's clock
        model=market.options.model_tick,  # an option's price with no imported minutes
        instruments=build_catalog,  # an index's or a stock's row (no options listed)
    )
    return Services(
        workers=workers,
        worker_market=WorkerMarket(
            trading=venues.exchange.context,
            last_tick=prices,
            candles=market.candle_book,
            store=market.candles,
            calendar=market.calendar,
            feed=partial(feed_mark, market.feed_state),  # a quote says a quiet feed's price
        ),
        protection=protection,
        replays=replays,
        option_protection=OptionProtectionEngine(
            db=jobs_db, workers=workers, market=market.options, guard=guard
        ),
        option_executions=OptionExecutions(
            db=jobs_db, workers=workers, market=market.options, guard=guard
        ),
        mtm_exits=MtmExits(
            db=jobs_db,
            clock=market.clock,
            paper=venues.portfolio,
            orders=orders,
            mtm=venues.book_mtm,
            guard=guard,
            live=venues.live_ledgers,
        ),
        late_refusals=late_refusals,
        webhooks=HookReceiver(
            HookKeys(vault),
            clock,
            TermsPlacer(orders, market.quotes),
            attempt_windows(settings, clock),
        ),
        portfolio_trading=PortfolioTrading(
            orders=orders,
            exchange=venues.exchange,
            clock=venues.exchange.clock,  # market time, as the orders it places carry
            notice_clock=clock,  # its notices are news in real time
            risk=venues.risk,
            live_exits=settings.live_portfolio_exits,
        ),
        baskets=Baskets(workers=workers, brokers=venues.live_brokers),
    )
