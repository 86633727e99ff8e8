"""The OMS context: its events and their subscribers, the paper exchange behind the one
pre-trade gate, the users' brokers and live orders, the GTT books, and the one door every
order and GTT goes through (`OrderPipeline`).

The composition root wires the OMS's venues, so it imports the OMS's modules by name; the
routes, the CLI and the services reach the OMS only through its door (`test_layers`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from functools import partial

from sqlalchemy.orm import Session

from tradertape.bus.relay import Relay
from tradertape.db.engine import Database
from tradertape.domain.brokers import BrokerName
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
from tradertape.ports.bus import EventBus
from tradertape.ports.clock import Clock
from tradertape.services import order_owners  # every owner's package, its policy registered
from tradertape.services.audit.keys import AuditKeys
from tradertape.services.audit.trail import AuditTrail
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
from tradertape.services.market.instruments import build_catalog, read_catalog_ahead
from tradertape.services.owner_packages import FollowerKit
from tradertape.services.risk import PaperExposure, RiskBooks, RiskMonitor
from tradertape.services.risk.live_funds import BrokerFunds
from tradertape.services.risk.monitor import rate_refusal
from tradertape.services.workers.gtt import link_adopted
from tradertape.settings import Settings
from tradertape.wiring.market import Market
from tradertape.wiring.notifications import Notifications

#: A book's day MTM by its key (`services.books.summary.day_mtm`): an MTM exit's reading.
BookMtm = Callable[[Session, int], dict[str, Decimal]]


@dataclass(frozen=True, slots=True)
class Venues:
    """The OMS as built: its venues, its door and its events."""

    events: OrderEvents
    relay: Relay
    audit_keys: AuditKeys
    credentials: BrokerCredentials
    exchange: PaperExchange
    gtts: GttBook
    portfolio: PaperPortfolio
    live_ledgers: dict[str, PaperPortfolio]  # each real broker's ledger, read as paper's
    book_mtm: BookMtm
    account_views: AccountViews
    session_jobs: SessionJobs
    risk: RiskMonitor
    live: LiveOrders
    live_brokers: UserBrokers
    egress: ServerEgress
    live_gtts: LiveGttBook
    orders: OrderPipeline
    reconciliation: LiveReconciliation


def order_events(
    settings: Settings,
    *,
    clock: Clock,
    market: Market,
    bus: EventBus,
    db: Database,
    notifications: Notifications,
) -> tuple[OrderEvents, Relay, AuditKeys]:
    """The OMS's events and everything that follows them, in the order they are called: in
    their transaction (a run's timeline, the audit trail, the user's notices, a model
    portfolio's and a run's books under their owner's lock), then, once committed, on the
    bus (``orders.<user>``)."""
    events = OrderEvents()
    # Each order's events go to its owner's followers, as each owner's package builds them
    # (`services.order_owners`, every kind's policy registered): a run's timeline hears its
    # runs' only. Those called first go before the house's watchers of every order.
    kit = FollowerKit(clock=clock, market_clock=market.clock, options=market.options)
    following = order_owners.followers(kit)
    for first in (f for f in following if f.first):
        events.follow(first.kinds, first.follower)
    audit_keys = AuditKeys(settings.secret, clock=clock)  # the trail's keys (issue 66)
    trail = AuditTrail(audit_keys)  # every event, hash-chained per user (issue 54)
    events.watch(trail, ahead=trail.read_ahead)
    events.watch(notifications.order_notices)
    relay = Relay(bus)
    events.listen(to_bus(relay))
    events.attach(db)
    # The rest (a portfolio's fills, a live run's booked reports, an option run's legs),
    # under their owner's lock: the OMS takes it before the ledger's.
    for then in (f for f in following if not f.first):
        events.follow(then.kinds, then.follower)
    return events, relay, audit_keys


def build_venues(
    settings: Settings,
    *,
    clock: Clock,
    market: Market,
    bus: EventBus,
    db: Database,
    credentials: BrokerCredentials,
    notifications: Notifications,
) -> Venues:
    """The paper exchange and its gate, the live brokers, the GTT books and the door."""
    events, relay, audit_keys = order_events(
        settings, clock=clock, market=market, bus=bus, db=db, notifications=notifications
    )
    market_clock, prices = market.clock, market.prices
    exchange = PaperExchange(
        clock=market_clock,
        calendar=market.calendar,
        catalog=market.options.catalog,
        quotes=prices,
        catalog_ahead=read_catalog_ahead,
        feed_quiet=market.feed_state.quiet,
    )
    portfolio = PaperPortfolio(clock=market_clock, exchange=exchange, last_tick=prices)
    account_views = AccountViews(
        clock=clock,
        credentials=credentials,
        paper=portfolio,
        ttl=timedelta(seconds=settings.broker_data_cache_secs),
    )
    # Each real broker's ledger (the trades we book of it), read as the paper one is: an
    # MTM exit on a live book reads its day MTM and positions there.
    live_ledgers = {
        name.value: PaperPortfolio(
            clock=market_clock, exchange=exchange, last_tick=prices, broker=name.value
        )
        for name in BrokerName
    }

    def book_mtm(db: Session, user_id: int) -> dict[str, Decimal]:
        return paper_books.day_mtm(db, portfolio, user_id=user_id, live=live_ledgers)

    risk = _risk_gate(
        settings,
        clock=clock,
        market=market,
        exchange=exchange,
        portfolio=portfolio,
        credentials=credentials,
        views=account_views,
        book_mtm=book_mtm,
    )
    connectors = _connectors(settings, db)
    for name, connector in connectors.items():
        account_views.register(name, connector)
    live_brokers = UserBrokers(credentials=credentials, connectors=connectors)
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
    gtts = GttBook(clock=market_clock, calendar=market.calendar, exchange=exchange)
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
    return Venues(
        events=events,
        relay=relay,
        audit_keys=audit_keys,
        credentials=credentials,
        exchange=exchange,
        gtts=gtts,
        portfolio=portfolio,
        live_ledgers=live_ledgers,
        book_mtm=book_mtm,
        account_views=account_views,
        session_jobs=SessionJobs(
            clock=market_clock, calendar=market.calendar, exchange=exchange, last_tick=prices
        ),
        risk=risk,
        live=live,
        live_brokers=live_brokers,
        egress=egress,
        live_gtts=live_gtts,
        orders=orders,
        reconciliation=LiveReconciliation(
            reconciler=Reconciler(context=exchange.context, live=live), brokers=live_brokers
        ),
    )


def _risk_gate(
    settings: Settings,
    *,
    clock: Clock,
    market: Market,
    exchange: PaperExchange,
    portfolio: PaperPortfolio,
    credentials: BrokerCredentials,
    views: AccountViews,
    book_mtm: BookMtm,
) -> RiskMonitor:
    """The one pre-trade gate: every order, modification and GTT of every path passes the
    user's risk rules and SEBI's per-client order-rate ceiling (on wall time)."""
    prices, market_clock = market.prices, market.clock
    # The paper account: every book in it (manual, each portfolio, each run), virtual fills
    # included, is in the one ledger (docs/books.md).
    account = PaperExposure(clock=market_clock, catalog=exchange.catalog, last_tick=prices)
    # Live orders are measured on the live books (every real broker's, as we book them),
    # whose capital is what the brokers report of their funds (through the views' cache).
    live_book = PaperExposure(
        clock=market_clock,
        catalog=exchange.catalog,
        last_tick=prices,
        live=True,
        funds=BrokerFunds(credentials=credentials, views=views),
    )
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
    exchange.register_pre_trade(risk.pre_trade, ahead=risk.read_ahead)
    exchange.context.gate.limit_rate(
        OrderRateCeiling(clock=clock, per_sec=settings.order_rate_per_sec),
        on_refusal=rate_refusal(risk.clock),  # events on the risk page's time
    )
    return risk


def _connectors(settings: Settings, db: Database) -> dict[BrokerName, BrokerConnector]:
    """The users' own brokers: live orders (theirs and their workers') and /api/portfolio/*.
    Upstox names an F&O contract by its dump's exchange token: its adapter names instruments
    from the catalog as imported, not only as shipped."""
    return {
        BrokerName.KITE: KiteConnector(
            root=settings.kite_root, timeout_secs=settings.kite_timeout_secs
        ),
        BrokerName.UPSTOX: UpstoxConnector(
            root=settings.upstox_root,
            catalog=stored_catalog(db, build_catalog),
            timeout_secs=settings.upstox_timeout_secs,
        ),
        BrokerName.GROWW: GrowwConnector(
            root=settings.groww_root, timeout_secs=settings.groww_timeout_secs
        ),
    }


def _session_ended(clock: Clock, db: Session, user_id: int, broker: str, reason: str) -> None:
    """`LiveOrders`' hook when a broker refuses a user's token (`session_watch.end_session`)."""
    end_session(db, user_id, broker, reason, now=clock.now())
