"""The composition root: builds every service from settings and the chosen ports.

The API, the CLI and the tests all start from a `Runtime`, so they run the same
services with the same wiring; tests swap the clock and the mail transport.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from functools import partial

from sqlalchemy.orm import Session

from tradertape.bus import make_bus
from tradertape.bus.relay import Relay
from tradertape.candles import CandleStore
from tradertape.candles.live import CandleBook
from tradertape.candles.synthetic import DEFAULT_SEED, SyntheticMarket
from tradertape.db.engine import Database
from tradertape.domain.brokers import BrokerName
from tradertape.domain.calendar import TradingCalendar
from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.instruments import InstrumentCatalog, InstrumentType
from tradertape.domain.instruments_data import reference_catalog
from tradertape.domain.owners import OwnerKind
from tradertape.feed.broker_feed import FeedLink
from tradertape.feed.clock import FeedClock
from tradertape.feed.history_plan import SyntheticHistoryPlan
from tradertape.feed.kite import KiteFeed, KiteFeedConfig, kite_quotes
from tradertape.feed.plan import DayPlan, SyntheticDayPlan
from tradertape.feed.rest_fill import RestFill
from tradertape.feed.shared_state import FeedState
from tradertape.feed.simulated import FeedConfig, SimulatedFeed
from tradertape.feed.upstox import UpstoxFeed, UpstoxFeedConfig, upstox_quotes
from tradertape.feed.watchdog import FeedStatus, FeedWatch
from tradertape.jobs.guard import JobGuard
from tradertape.jobs.lag import LoopLag
from tradertape.oms import OrderEvents, to_bus
from tradertape.oms.live.algo_identity import AlgoIdentity
from tradertape.oms.live.gtt import LiveGttBook
from tradertape.oms.live.orders import LiveOrders
from tradertape.oms.live.reconcile import Reconciler
from tradertape.oms.order_rate import OrderRateCeiling
from tradertape.oms.orders import OrderPipeline
from tradertape.oms.paper.exchange import PaperExchange
from tradertape.oms.paper.gtt import GttBook
from tradertape.oms.paper.portfolio import PaperPortfolio
from tradertape.oms.paper.session_jobs import SessionJobs
from tradertape.oms.quotes import QuoteBook
from tradertape.ports.bus import EventBus
from tradertape.ports.clock import Clock, StartedClock, SystemClock
from tradertape.ports.mailer import MailTransport, transport_for
from tradertape.security.vault import Vault
from tradertape.services import order_owners  # noqa: F401  (every owner's policy, registered)
from tradertape.services.accounts.login import LoginService
from tradertape.services.accounts.ratelimit import RateLimiter, attempt_windows
from tradertape.services.accounts.sessions import SessionService
from tradertape.services.alerts.placing import Placer
from tradertape.services.audit.anchors import AnchorFile
from tradertape.services.audit.keys import AuditKeys
from tradertape.services.audit.trail import AuditTrail
from tradertape.services.baskets.unwind import LateRefusals
from tradertape.services.books import summary as paper_books
from tradertape.services.brokers.account import AccountViews, BrokerConnector
from tradertape.services.brokers.credentials import BrokerCredentials
from tradertape.services.brokers.egress import ServerEgress
from tradertape.services.brokers.groww_session import GrowwConnector
from tradertape.services.brokers.kite_session import KiteConnector
from tradertape.services.brokers.live_trading import UserBrokers
from tradertape.services.brokers.reconcile import LiveReconciliation
from tradertape.services.brokers.session_watch import end_session
from tradertape.services.brokers.upstox_session import UpstoxConnector, stored_catalog
from tradertape.services.job_caps import BACKTEST, EXPORT, SWEEP, UPLOAD, JobCaps
from tradertape.services.market.feed_notice import stale_notice
from tradertape.services.market.instruments import build_catalog, read_catalog_ahead
from tradertape.services.market.kite_feed import StoredKiteSession
from tradertape.services.market.upstox_feed import StoredUpstoxSession
from tradertape.services.notifications.mail import Outbox
from tradertape.services.notifications.orders import OrderNotices
from tradertape.services.options.follow import (
    OptionExecutions,
    OptionLegJournal,
    OptionRunFollower,
)
from tradertape.services.options.market import OptionMarket
from tradertape.services.options.ticker import OptionTicker
from tradertape.services.portfolios.fills import PortfolioFills
from tradertape.services.portfolios.signals import PortfolioTrading
from tradertape.services.protection.engine import ProtectionEngine
from tradertape.services.protection.mtm_exits import MtmExits
from tradertape.services.protection.options import OptionProtectionEngine
from tradertape.services.protection.recovery import Recovery, RecoveryConfig
from tradertape.services.research.jobs import ResearchJobs, SweepPlan
from tradertape.services.risk import PaperExposure, RiskBooks, RiskMonitor
from tradertape.services.risk.live_funds import BrokerFunds
from tradertape.services.risk.monitor import rate_refusal
from tradertape.services.webhooks.receive import HookKeys, HookReceiver
from tradertape.services.workers.context import WorkerContext
from tradertape.services.workers.gtt import link_adopted
from tradertape.services.workers.live_journal import LiveRunJournal
from tradertape.services.workers.market import WorkerMarket, feed_mark
from tradertape.services.workers.order_journal import RunOrderJournal
from tradertape.settings import Settings

# What can run as the process's market feed (``TRADERTAPE_FEED``).
MarketFeed = SimulatedFeed | KiteFeed | UpstoxFeed

#: The owner kinds of a worker run's orders (an option run is one too).
RUNS = (OwnerKind.WORKER_RUN, OwnerKind.OPTION_RUN)


def _history_plan(catalog: InstrumentCatalog, calendar: TradingCalendar, seed: int) -> DayPlan:
    """Feed bars from the seeded synthetic history the demo stores, indices derived as stored."""
    market = SyntheticMarket(catalog, calendar, seed=DEFAULT_SEED)
    equities = [i.key for i in catalog if i.instrument_type is InstrumentType.EQ]
    fallback = SyntheticDayPlan(catalog, calendar, seed=seed)
    return SyntheticHistoryPlan(market, equities, fallback)


@dataclass(frozen=True, slots=True)
class Runtime:
    """Everything a request or a command needs, wired once per process."""

    settings: Settings
    db: Database
    clock: Clock  # real time: alerts, notifications, uploads, runs, sign-ins (docs: "Clocks")
    market_clock: Clock  # the exchange's time: orders, fills, GTTs, ticks (a replay's in demo)
    #: Real time, never pinned nor replayed: what a machine outside the server (the agent)
    #: stamps its reports with is judged on it (`clock` may stand at a pinned demo day).
    wall: Clock
    vault: Vault
    outbox: Outbox
    sessions: SessionService
    login: LoginService
    limiter: RateLimiter  # per-bucket attempt limits (sign-in, Telegram link requests)
    brokers: BrokerCredentials
    candles: CandleStore
    quotes: QuoteBook
    exchange: PaperExchange
    gtts: GttBook
    portfolio: PaperPortfolio
    account_views: AccountViews  # seed 001's /api/portfolio/* from the active broker
    session_jobs: SessionJobs
    risk: RiskMonitor
    bus: EventBus
    events: OrderEvents  # the OMS's events: watched in their transaction, then published
    relay: Relay  # publishes committed events on the bus (run by the app's lifespan)
    catalog: InstrumentCatalog
    feed: MarketFeed | None  # None: no feed in this process (``feed = "none"``)
    feed_watch: FeedWatch  # the feed's tick age and state (a sink of the trading loop)
    feed_state: FeedState  # the feed's state in every process (the leader's, over the bus)
    workers: WorkerContext
    protection: ProtectionEngine  # runs beside the trading loop (the leader process)
    candle_book: CandleBook  # live minute candles, fed by the trading loop
    worker_market: WorkerMarket
    options: OptionMarket  # listed index options and their model prices
    option_protection: OptionProtectionEngine  # option runs' rules, beside the trading loop
    option_executions: OptionExecutions  # option runs' legs still to send, fill or unwind
    option_ticker: OptionTicker  # option ticks derived from index ticks, for the loop
    live: LiveOrders  # live orders at the user's broker, through the same gate and books
    live_brokers: UserBrokers  # which connected broker a user's live order goes to
    reconciliation: LiveReconciliation  # live brokers against our books (adopt, mark, report)
    live_gtts: LiveGttBook  # GTTs at the user's broker (paper rows go to `gtts`)
    orders: OrderPipeline  # the one door of every order and GTT, paper or live
    portfolio_trading: PortfolioTrading  # what model portfolios' orders go through
    guard: JobGuard  # background work fails item by item (the loop, its jobs, protection)
    egress: ServerEgress  # this server's egress IP per broker (SEBI's static-IP rule)
    job_caps: JobCaps  # each user's heavy jobs under way (backtests, sweeps, uploads, exports)
    research: ResearchJobs  # backtests with progress and parameter sweeps, in threads
    mtm_exits: MtmExits  # mtm_exit rules: a scope's day MTM watched beside the trading loop
    late_refusals: LateRefusals  # halted baskets' unwinds: late refusals, marked baskets
    audit_keys: AuditKeys  # the audit trail's keys (derived from the secret, ids recorded)
    audit_anchors: AnchorFile  # each user's trail head, signed, kept off the database
    webhooks: HookReceiver  # inbound webhooks: their secrets' keys and rates, kept here
    # the trading loop's lag per batch, told by /api/health (empty where no loop runs)
    loop_lag: LoopLag = field(default_factory=LoopLag)

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        clock: Clock | None = None,
        transport: MailTransport | None = None,
        db: Database | None = None,
        bus: EventBus | None = None,
        feed: MarketFeed | None = None,
        wall: Clock | None = None,
    ) -> Runtime:
        """Wire the services; unspecified ports get their embedded defaults.

        Nothing starts here: the feed's task runs in the app's lifespan (`api.app`).
        """
        if clock is None:
            clock = StartedClock(settings.clock_start) if settings.clock_start else SystemClock()
        bus = bus or make_bus(settings)
        catalog = reference_catalog()
        # The shipped NSE list, with any year imported into the data folder (`calendar import`).
        calendar = nse_calendar(settings.data_dir)
        if feed is None and settings.feed == "simulated":
            feed_config = FeedConfig(
                interval_secs=settings.feed_interval_secs,
                speed=settings.feed_speed,
                demo=settings.demo_mode,
            )
            feed = SimulatedFeed.synthetic(
                bus=bus,
                clock=clock,
                calendar=calendar,
                catalog=catalog,
                plan=_history_plan(catalog, calendar, feed_config.seed),
                config=feed_config,
            )
        settings.ensure_data_dir()  # private before anything is written there
        if db is None:
            db = Database.from_url(
                settings.resolved_database_url,
                pool_size=settings.db_pool_size,
                pool_timeout_s=settings.db_pool_timeout_secs,
            )
        # The OMS's events: a run's placed orders on its timeline (in their transaction),
        # and every event of a committed transaction on the bus (``orders.<user>``).
        events = OrderEvents()
        # Each order's events go to its owner's followers (`oms.owners`; every kind's policy
        # is registered by `services.order_owners`): a run's timeline hears its runs' only.
        events.follow(RUNS, RunOrderJournal(clock=clock))
        audit_keys = AuditKeys(settings.secret, clock=clock)  # the trail's keys (issue 66)
        trail = AuditTrail(audit_keys)  # every event, hash-chained per user (issue 54)
        events.watch(trail, ahead=trail.read_ahead)
        events.watch(OrderNotices())  # fills, broker refusals, GTTs fired: the bell, Telegram
        relay = Relay(bus)
        events.listen(to_bus(relay))
        events.attach(db)
        vault = Vault(settings.secret)
        if feed is None and settings.feed == "kite":
            feed = KiteFeed(
                bus=bus,
                clock=clock,
                source=StoredKiteSession(
                    db=db,
                    credentials=BrokerCredentials(vault=vault, clock=clock),
                    clock=clock,
                    instruments=catalog,
                ),
                config=KiteFeedConfig(url=settings.kite_ticker_url),
                # a quiet socket's prices, from Kite's REST quote (`feed.rest_fill`)
                quotes=kite_quotes(settings.kite_root, timeout_secs=settings.kite_timeout_secs),
            )
        if feed is None and settings.feed == "upstox":
            feed = UpstoxFeed(
                bus=bus,
                clock=clock,
                source=StoredUpstoxSession(
                    db=db,
                    credentials=BrokerCredentials(vault=vault, clock=clock),
                    clock=clock,
                    instruments=catalog,
                ),
                config=UpstoxFeedConfig(root=settings.upstox_root),
                quotes=upstox_quotes(
                    settings.upstox_root, timeout_secs=settings.upstox_timeout_secs
                ),
            )
        outbox = Outbox(
            vault=vault, transport=transport or transport_for(settings.smtp), clock=clock
        )
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
        quotes = QuoteBook()
        # Whatever trades on the feed's prices runs on the feed's market time (see FeedClock).
        market_clock: Clock = FeedClock(clock, feed) if isinstance(feed, SimulatedFeed) else clock
        # A portfolio's virtual and agent fills: its position and money, booked in the
        # fill's transaction from its event (the position's times are market time, as
        # signals').
        events.follow(  # fills on market time, their notices on real time
            [OwnerKind.PORTFOLIO], PortfolioFills(clock=market_clock, notices=clock)
        )
        # Index options are listed and priced from their index when no dump lists them.
        options = OptionMarket(
            clock=market_clock, calendar=calendar, base=build_catalog, quotes=quotes
        )
        prices = options.last_tick
        # A live run's booked reports: its timeline entry, and an option run's status
        # following its fills, in the booking's transaction under the run's lock (its owner
        # policy's lock: the OMS takes it before the ledger's).
        events.follow(RUNS, LiveRunJournal())
        events.follow([OwnerKind.OPTION_RUN], OptionRunFollower(options))
        events.follow([OwnerKind.OPTION_RUN], OptionLegJournal(clock=clock))  # a leg's outcome
        feed_watch = watch_feed(
            feed, settings.feed, clock=clock, calendar=calendar, on_stale=stale_notice(db, clock)
        )
        # The leader's verdict in every process: a stale price is marked wherever it is read.
        feed_state = FeedState(feed_watch, clock=clock)
        exchange = PaperExchange(
            clock=market_clock,
            calendar=calendar,
            catalog=options.catalog,
            quotes=prices,
            catalog_ahead=read_catalog_ahead,
            feed_quiet=feed_state.quiet,
        )
        # The paper account: every book in it (manual, each portfolio, each run), virtual
        # fills included, is in the one ledger (docs/books.md).
        account = PaperExposure(clock=market_clock, catalog=exchange.catalog, last_tick=prices)
        brokers = BrokerCredentials(vault=vault, clock=clock)
        portfolio = PaperPortfolio(clock=market_clock, exchange=exchange, last_tick=prices)
        account_views = AccountViews(
            clock=clock,
            credentials=brokers,
            paper=portfolio,
            ttl=timedelta(seconds=settings.broker_data_cache_secs),
        )
        # Live orders are measured on the live books (every real broker's, as we book them),
        # whose capital is what the brokers report of their funds (through the views' cache).
        live_book = PaperExposure(
            clock=market_clock,
            catalog=exchange.catalog,
            last_tick=prices,
            live=True,
            funds=BrokerFunds(credentials=brokers, views=account_views),
        )

        # Each real broker's ledger (the trades we book of it), read as the paper one is:
        # an MTM exit on a live book reads its day MTM and positions there.
        live_ledgers = {
            name.value: PaperPortfolio(
                clock=market_clock, exchange=exchange, last_tick=prices, broker=name.value
            )
            for name in BrokerName
        }

        def book_mtm(db: Session, user_id: int) -> dict[str, Decimal]:
            return paper_books.day_mtm(db, portfolio, user_id=user_id, live=live_ledgers)

        risk = RiskMonitor(
            clock=market_clock,
            books=RiskBooks(account, live_book),
            catalog=exchange.catalog,
            last_tick=prices,  # the order preview's price source: options priced by the model
            margins=exchange.config.margins,
            # the risk page's P&L split is the account's books' (Funds, Positions)
            figures=lambda db, user_id: paper_books.account(db, portfolio, user_id=user_id),
            mtm=book_mtm,  # an mtm_exit rule's MTM: its book's, as those pages show it
        )
        # The one pre-trade gate: every order, modification and GTT of every path passes it.
        exchange.register_pre_trade(risk.pre_trade, ahead=risk.read_ahead)
        # SEBI's per-client order-rate ceiling, in the same gate, on wall time.
        exchange.context.gate.limit_rate(
            OrderRateCeiling(clock=clock, per_sec=settings.order_rate_per_sec),
            on_refusal=rate_refusal(risk.clock),  # events on the risk page's time
        )
        # The user's own brokers: live orders (theirs and their workers') and /api/portfolio/*.
        kite = KiteConnector(root=settings.kite_root, timeout_secs=settings.kite_timeout_secs)
        # Upstox names an F&O contract by its dump's exchange token: the adapters name
        # instruments from the catalog as imported, not only as shipped.
        upstox = UpstoxConnector(
            root=settings.upstox_root,
            catalog=stored_catalog(db, build_catalog),
            timeout_secs=settings.upstox_timeout_secs,
        )
        groww = GrowwConnector(root=settings.groww_root, timeout_secs=settings.groww_timeout_secs)
        connectors: dict[BrokerName, BrokerConnector] = {
            BrokerName.KITE: kite,
            BrokerName.UPSTOX: upstox,
            BrokerName.GROWW: groww,
        }
        live_brokers = UserBrokers(credentials=brokers, connectors=connectors)
        # SEBI: each live order records its algo id and the address it left from.
        egress = ServerEgress(
            configured=str(settings.egress_ip) if settings.egress_ip else None,
            roots={
                BrokerName.KITE.value: settings.kite_root,
                BrokerName.UPSTOX.value: settings.upstox_root,
                BrokerName.GROWW.value: settings.groww_root,
            },
        )
        live = LiveOrders(
            context=exchange.context,
            brokers=live_brokers,
            identity=AlgoIdentity(algo_id=settings.algo_id, egress_ip=egress.ip),
            public_ip=egress.public,
            # A broker that refuses a token in a sweep: the session is marked ended, the user
            # told once, and the next sweeps skip it (`services.brokers.session_watch`).
            session_ended=partial(_session_ended, clock),
        )
        gtts = GttBook(clock=market_clock, calendar=calendar, exchange=exchange)
        live_gtts = LiveGttBook(
            book=gtts,
            live=live,
            brokers=live_brokers,
            clock=market_clock,
            on_adopted=[link_adopted],  # a worker run's fired trigger joins the run
        )
        orders = OrderPipeline(
            exchange=exchange,
            live=live,
            gtts=gtts,
            live_gtts=live_gtts,
            quotes=prices,  # the exchange's: an index option's model price too
            live_enabled=settings.live_trading_enabled,
        )
        workers = WorkerContext.build(
            secret=settings.secret,
            clock=clock,
            orders=orders,
            portfolio=portfolio,
            last_tick=prices,
            safety_ttl_secs=settings.worker_safety_token_secs,
            freshness_secs=settings.worker_session_freshness_secs,
            claim_without_heartbeat_secs=settings.worker_claim_without_heartbeat_secs,
            live_trading_enabled=settings.live_trading_enabled,
            paper_opening_balance=settings.paper_opening_balance,
            credentials=brokers,
        )
        candle_book = CandleBook()
        candles = CandleStore.in_data_folder(settings.data_dir, calendar=calendar)
        account_views.register(BrokerName.KITE, kite)
        jobs_db = db.jobs  # the loop's watchers and sweeps: a pool requests cannot starve
        job_caps = JobCaps(
            {
                BACKTEST: settings.max_backtests_per_user,
                SWEEP: settings.max_sweeps_per_user,
                UPLOAD: settings.max_uploads_per_user,
                EXPORT: settings.max_exports_per_user,
            }
        )
        guard = JobGuard(db=jobs_db, clock=clock)
        # A halted basket's unwind the placement could not finish (a cancel the broker did
        # not answer: its durable mark), and a live leg its broker rejects after taking it:
        # heard among the committed events or read from the marks, done on the loop's pass.
        late_refusals = LateRefusals(
            db=jobs_db,
            orders=orders,
            last_tick=prices,
            clock=market_clock,
            guard=guard,
            wall=clock,  # a failed cancel's back-off
        )
        events.listen(late_refusals.hear)
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
        account_views.register(BrokerName.UPSTOX, upstox)
        account_views.register(BrokerName.GROWW, groww)
        return cls(
            settings=settings,
            db=db,
            clock=clock,
            market_clock=market_clock,
            wall=wall or SystemClock(),
            vault=vault,
            outbox=outbox,
            sessions=SessionService(clock=clock, lifetime=timedelta(days=settings.session_days)),
            login=login,
            limiter=limiter,
            brokers=brokers,
            candles=candles,
            quotes=quotes,
            exchange=exchange,
            gtts=gtts,
            portfolio=portfolio,
            account_views=account_views,
            session_jobs=SessionJobs(
                clock=market_clock, calendar=calendar, exchange=exchange, last_tick=prices
            ),
            risk=risk,
            bus=bus,
            events=events,
            relay=relay,
            catalog=catalog,
            feed=feed,
            feed_watch=feed_watch,
            feed_state=feed_state,
            workers=workers,
            protection=ProtectionEngine(
                db=jobs_db, workers=workers, calendar=calendar, recovery=recovery, guard=guard
            ),
            candle_book=candle_book,
            worker_market=WorkerMarket(
                trading=exchange.context,
                last_tick=prices,
                candles=candle_book,
                store=candles,
                calendar=calendar,
                feed=partial(feed_mark, feed_state),  # a quote says a quiet feed's price
            ),
            options=options,
            option_protection=OptionProtectionEngine(
                db=jobs_db, workers=workers, market=options, guard=guard
            ),
            option_executions=OptionExecutions(
                db=jobs_db, workers=workers, market=options, guard=guard
            ),
            option_ticker=OptionTicker(options, clock),
            mtm_exits=MtmExits(
                db=jobs_db,
                clock=market_clock,
                paper=portfolio,
                orders=orders,
                mtm=book_mtm,
                guard=guard,
                live=live_ledgers,
            ),
            late_refusals=late_refusals,
            audit_keys=audit_keys,
            audit_anchors=AnchorFile(settings.audit_anchor_path, audit_keys),
            live=live,
            live_brokers=live_brokers,
            egress=egress,
            job_caps=job_caps,
            research=ResearchJobs(
                db=jobs_db,
                clock=clock,
                plan=SweepPlan.of(settings.sweep_workers, settings.ray_address),
                caps=job_caps,
            ),
            reconciliation=LiveReconciliation(
                reconciler=Reconciler(context=exchange.context, live=live), brokers=live_brokers
            ),
            live_gtts=live_gtts,
            orders=orders,
            webhooks=HookReceiver(
                HookKeys(vault), clock, Placer(orders, quotes), attempt_windows(settings, clock)
            ),
            portfolio_trading=PortfolioTrading(
                orders=orders,
                exchange=exchange,
                clock=exchange.clock,  # market time, as the orders it places carry
                notice_clock=clock,  # its notices are news in real time
                risk=risk,
                live_exits=settings.live_portfolio_exits,
            ),
            guard=guard,
        )


def _session_ended(clock: Clock, db: Session, user_id: int, broker: str, reason: str) -> None:
    """`LiveOrders`' hook when a broker refuses a user's token (`session_watch.end_session`)."""
    end_session(db, user_id, broker, reason, now=clock.now())


def watch_feed(
    feed: MarketFeed | None,
    source: str,
    *,
    clock: Clock,
    calendar: TradingCalendar,
    on_stale: Callable[[FeedStatus], None],
) -> FeedWatch:
    """The watchdog of this process's feed: a broker's can be reconnected, is judged by its
    socket's ticks alone and, with a quote reader, has its prices filled from the REST quote
    while quiet; none is down (`source` names it then: the configured feed, or ``none``)."""
    if feed is None:
        return FeedWatch(source=source, clock=clock, calendar=calendar, connected=lambda: False)
    watch = partial(FeedWatch, clock=clock, calendar=calendar, on_stale=on_stale)
    if isinstance(feed, SimulatedFeed):
        keys = len(feed.keys)
        return watch(source="simulated", subscriptions=lambda: keys)
    return watch(
        source=feed.name,
        subscriptions=lambda: feed.subscriptions,
        connected=lambda: feed.link in (FeedLink.OPEN, FeedLink.CONNECTING),
        reopening=lambda: feed.link is FeedLink.CONNECTING,
        reconnect=feed.reconnect,
        heard=lambda: feed.heard_at,
        fill=RestFill(feed, clock=clock) if feed.can_fill else None,
    )
