"""The market context: what the process knows of instruments, sessions and prices."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from tradertape.candles import CandleStore
from tradertape.candles.live import CandleBook
from tradertape.candles.synthetic import DEFAULT_SEED, SyntheticMarket
from tradertape.db.engine import Database
from tradertape.domain.calendar import TradingCalendar
from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.instruments import InstrumentCatalog, InstrumentType
from tradertape.domain.instruments_data import reference_catalog
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
from tradertape.oms import QuoteBook
from tradertape.ports.bus import EventBus
from tradertape.ports.clock import Clock
from tradertape.security.vault import Vault
from tradertape.services.brokers.credentials import BrokerCredentials
from tradertape.services.market.feed_notice import stale_notice
from tradertape.services.market.instruments import build_catalog
from tradertape.services.market.kite_feed import StoredKiteSession
from tradertape.services.market.upstox_feed import StoredUpstoxSession
from tradertape.services.options.market import OptionMarket
from tradertape.services.options.ticker import OptionTicker
from tradertape.services.workers.context import LastTick
from tradertape.services.workers.replay_scope import ScopedClock, scoped_quotes
from tradertape.settings import Settings

# What can run as the process's market feed (``TRADERTAPE_FEED``).
MarketFeed = SimulatedFeed | KiteFeed | UpstoxFeed


@dataclass(frozen=True, slots=True)
class Market:
    """The market as this process sees it."""

    catalog: InstrumentCatalog
    calendar: TradingCalendar
    feed: MarketFeed | None
    clock: Clock  # the exchange's time (a replay's in demo: `FeedClock`; a worker replay's)
    prices: LastTick  # the last ticks orders fill at (a worker replay's inside one)
    quotes: QuoteBook
    options: OptionMarket  # listed index options and their model prices
    option_ticker: OptionTicker
    feed_watch: FeedWatch
    feed_state: FeedState
    candles: CandleStore
    candle_book: CandleBook


def build_market(
    settings: Settings,
    *,
    clock: Clock,
    bus: EventBus,
    db: Database,
    vault: Vault,
    feed: MarketFeed | None,
) -> Market:
    """The catalog, the calendar and the configured feed (unless one is handed in)."""
    catalog = reference_catalog()
    # The shipped NSE list, with any year imported into the data folder (`calendar import`).
    calendar = nse_calendar(settings.data_dir)
    if feed is None:
        feed = process_feed(
            settings, clock=clock, bus=bus, db=db, vault=vault, catalog=catalog, calendar=calendar
        )
    quotes = QuoteBook()
    # Whatever trades on the feed's prices runs on the feed's market time (see FeedClock).
    feed_time: Clock = FeedClock(clock, feed) if isinstance(feed, SimulatedFeed) else clock
    # A worker replay's requests read the replay's time and prices instead (per request:
    # `services.workers.replay_scope`); everything else reads the market's.
    market_clock: Clock = ScopedClock(feed_time)
    # Index options are listed and priced from their index when no dump lists them (inside
    # a worker replay: from the replay's index, on its day).
    options = OptionMarket(
        clock=market_clock, calendar=calendar, base=build_catalog, quotes=scoped_quotes(quotes)
    )
    feed_watch = watch_feed(
        feed, settings.feed, clock=clock, calendar=calendar, on_stale=stale_notice(db, clock)
    )
    return Market(
        catalog=catalog,
        calendar=calendar,
        feed=feed,
        clock=market_clock,
        prices=scoped_quotes(options.last_tick),
        quotes=quotes,
        options=options,
        option_ticker=OptionTicker(options, clock),
        feed_watch=feed_watch,
        # The leader's verdict in every process: a stale price is marked wherever it is read.
        feed_state=FeedState(feed_watch, clock=clock),
        candles=CandleStore.in_data_folder(settings.data_dir, calendar=calendar),
        candle_book=CandleBook(),
    )


def process_feed(
    settings: Settings,
    *,
    clock: Clock,
    bus: EventBus,
    db: Database,
    vault: Vault,
    catalog: InstrumentCatalog,
    calendar: TradingCalendar,
) -> MarketFeed | None:
    """The feed ``TRADERTAPE_FEED`` names (None: ``none``); nothing starts here."""
    if settings.feed == "simulated":
        config = FeedConfig(
            interval_secs=settings.feed_interval_secs,
            speed=settings.feed_speed,
            demo=settings.demo_mode,
        )
        return SimulatedFeed.synthetic(
            bus=bus,
            clock=clock,
            calendar=calendar,
            catalog=catalog,
            plan=_history_plan(catalog, calendar, config.seed),
            config=config,
        )
    if settings.feed == "kite":
        return KiteFeed(
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
    if settings.feed == "upstox":
        return UpstoxFeed(
            bus=bus,
            clock=clock,
            source=StoredUpstoxSession(
                db=db,
                credentials=BrokerCredentials(vault=vault, clock=clock),
                clock=clock,
                instruments=catalog,
            ),
            config=UpstoxFeedConfig(root=settings.upstox_root),
            quotes=upstox_quotes(settings.upstox_root, timeout_secs=settings.upstox_timeout_secs),
        )
    return None


def _history_plan(catalog: InstrumentCatalog, calendar: TradingCalendar, seed: int) -> DayPlan:
    """Feed bars from the seeded synthetic history the demo stores, indices derived as stored."""
    market = SyntheticMarket(catalog, calendar, seed=DEFAULT_SEED)
    equities = [i.key for i in catalog if i.instrument_type is InstrumentType.EQ]
    fallback = SyntheticDayPlan(catalog, calendar, seed=seed)
    return SyntheticHistoryPlan(market, equities, fallback)


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
