"""The composition root: builds every service from settings and the chosen ports.

The API, the CLI and the tests all start from a `Runtime`, so they run the same
services with the same wiring; tests swap the clock and the mail transport. Each context is
wired by its own builder (`tradertape.wiring`: market, notifications, venues, research,
services); `Runtime.build` composes them and keeps every part where callers read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tradertape.bus import make_bus
from tradertape.bus.relay import Relay
from tradertape.candles import CandleStore
from tradertape.candles.live import CandleBook
from tradertape.db.engine import Database
from tradertape.domain.instruments import InstrumentCatalog
from tradertape.feed.shared_state import FeedState
from tradertape.feed.watchdog import FeedWatch
from tradertape.oms import OrderEvents
from tradertape.oms.live.gtt import LiveGttBook
from tradertape.oms.live.orders import LiveOrders
from tradertape.oms.orders import OrderPipeline
from tradertape.oms.paper.exchange import PaperExchange
from tradertape.oms.paper.gtt import GttBook
from tradertape.oms.paper.portfolio import PaperPortfolio
from tradertape.oms.paper.session_jobs import SessionJobs
from tradertape.oms.quotes import QuoteBook
from tradertape.ports.bus import EventBus
from tradertape.ports.clock import Clock, StartedClock, SystemClock
from tradertape.ports.mailer import MailTransport
from tradertape.security.vault import Vault
from tradertape.services.accounts.login import LoginService
from tradertape.services.accounts.ratelimit import RateLimiter
from tradertape.services.accounts.sessions import SessionService
from tradertape.services.audit.anchors import AnchorFile
from tradertape.services.audit.keys import AuditKeys
from tradertape.services.background.guard import JobGuard
from tradertape.services.background.lag import LoopLag
from tradertape.services.baskets.desk import Baskets
from tradertape.services.baskets.unwind import LateRefusals
from tradertape.services.brokers.account import AccountViews
from tradertape.services.brokers.credentials import BrokerCredentials
from tradertape.services.brokers.egress import ServerEgress
from tradertape.services.brokers.live_trading import UserBrokers
from tradertape.services.brokers.reconcile import LiveReconciliation
from tradertape.services.job_caps import JobCaps
from tradertape.services.mtm_exits.exits import MtmExits
from tradertape.services.notifications.mail import Outbox
from tradertape.services.options.follow import OptionExecutions
from tradertape.services.options.market import OptionMarket
from tradertape.services.options.ticker import OptionTicker
from tradertape.services.portfolios.signals import PortfolioTrading
from tradertape.services.protection.engine import ProtectionEngine
from tradertape.services.protection.options import OptionProtectionEngine
from tradertape.services.research.jobs import ResearchJobs
from tradertape.services.risk import RiskMonitor
from tradertape.services.webhooks.receive import HookReceiver
from tradertape.services.workers.context import WorkerContext
from tradertape.services.workers.market import WorkerMarket
from tradertape.services.workers.replays import Replays
from tradertape.settings import Settings
from tradertape.wiring.market import MarketFeed, build_market
from tradertape.wiring.notifications import build_notifications
from tradertape.wiring.research import build_research
from tradertape.wiring.services import build_accounts, build_services
from tradertape.wiring.venues import build_venues


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
    replays: Replays  # worker runs played against a past period (their own clock, prices)
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
    baskets: Baskets  # the basket owner: a chain structure's preview and placing
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
        """Wire the contexts; unspecified ports get their embedded defaults.

        Nothing starts here: the feed's task runs in the app's lifespan (`api.app`).
        """
        if clock is None:
            clock = StartedClock(settings.clock_start) if settings.clock_start else SystemClock()
        bus = bus or make_bus(settings)
        settings.ensure_data_dir()  # private before anything is written there
        if db is None:
            db = Database.from_url(
                settings.resolved_database_url,
                pool_size=settings.db_pool_size,
                pool_timeout_s=settings.db_pool_timeout_secs,
            )
        vault = Vault(settings.secret)
        market = build_market(settings, clock=clock, bus=bus, db=db, vault=vault, feed=feed)
        notifications = build_notifications(settings, clock=clock, vault=vault, transport=transport)
        venues = build_venues(
            settings,
            clock=clock,
            market=market,
            bus=bus,
            db=db,
            credentials=BrokerCredentials(vault=vault, clock=clock),
            notifications=notifications,
        )
        research = build_research(settings, db=db, clock=clock)
        accounts = build_accounts(settings, clock=clock, outbox=notifications.outbox)
        services = build_services(
            settings,
            clock=clock,
            db=db,
            vault=vault,
            market=market,
            venues=venues,
            research=research,
        )
        return cls(
            settings=settings,
            db=db,
            clock=clock,
            market_clock=market.clock,
            wall=wall or SystemClock(),
            vault=vault,
            outbox=notifications.outbox,
            sessions=accounts.sessions,
            login=accounts.login,
            limiter=accounts.limiter,
            brokers=venues.credentials,
            candles=market.candles,
            quotes=market.quotes,
            exchange=venues.exchange,
            gtts=venues.gtts,
            portfolio=venues.portfolio,
            account_views=venues.account_views,
            session_jobs=venues.session_jobs,
            risk=venues.risk,
            bus=bus,
            events=venues.events,
            relay=venues.relay,
            catalog=market.catalog,
            feed=market.feed,
            feed_watch=market.feed_watch,
            feed_state=market.feed_state,
            workers=services.workers,
            protection=services.protection,
            candle_book=market.candle_book,
            worker_market=services.worker_market,
            replays=services.replays,
            options=market.options,
            option_protection=services.option_protection,
            option_executions=services.option_executions,
            option_ticker=market.option_ticker,
            mtm_exits=services.mtm_exits,
            late_refusals=services.late_refusals,
            audit_keys=venues.audit_keys,
            audit_anchors=AnchorFile(settings.audit_anchor_path, venues.audit_keys),
            live=venues.live,
            live_brokers=venues.live_brokers,
            egress=venues.egress,
            job_caps=research.job_caps,
            research=research.research,
            reconciliation=venues.reconciliation,
            live_gtts=venues.live_gtts,
            orders=venues.orders,
            webhooks=services.webhooks,
            portfolio_trading=services.portfolio_trading,
            baskets=services.baskets,
            guard=research.guard,
        )
