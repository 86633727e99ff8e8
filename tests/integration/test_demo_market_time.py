"""Demo at night: the feed replays a session, and trading follows the feed's market time;
the feed's bars are the stored synthetic history's bars."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.bus.memory import InProcessBus
from tradertape.candles.synthetic import DEFAULT_SEED, SyntheticMarket
from tradertape.db.engine import Database
from tradertape.db.models.trading import Order
from tradertape.domain.calendar import Market
from tradertape.domain.calendar import Session as MarketSession
from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.instruments import Exchange
from tradertape.domain.instruments_data import reference_catalog
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.feed.clock import FeedClock
from tradertape.feed.history_plan import SyntheticHistoryPlan
from tradertape.feed.plan import SyntheticDayPlan
from tradertape.feed.simulated import FeedConfig, SimulatedFeed
from tradertape.oms.paper.exchange import PaperExchange
from tradertape.oms.paper.session_jobs import SessionJobs
from tradertape.ports.clock import IST, ManualClock, StartedClock
from tradertape.services.accounts.users import create_user
from tradertape.services.market.market_clock import MarketPhase, market_clock

NIGHT = datetime(2026, 11, 21, 2, 37, tzinfo=IST)  # a Saturday, long after Friday's close


def _feed(clock: ManualClock, *, demo: bool) -> SimulatedFeed:
    catalog = reference_catalog()
    return SimulatedFeed.synthetic(
        bus=InProcessBus(),
        clock=clock,
        calendar=nse_calendar(),
        catalog=catalog,
        keys=["NSE:INFY"],
        config=FeedConfig(demo=demo),
    )


def _limit_buy(exchange: PaperExchange, db: Session, user: int) -> Order:
    """A funded user's DAY LIMIT buy of 1 INFY far below the market: it rests."""
    exchange.deposit(db, user_id=user, amount=Decimal(100_000))
    return exchange.place(
        db,
        user_id=user,
        spec=OrderSpec(
            exchange=Exchange.NSE,
            tradingsymbol="INFY",
            transaction_type=TransactionType.BUY,
            quantity=1,
            product=Product.CNC,
            order_type=OrderType.LIMIT,
            price=Decimal(100),
        ),
    )


def test_demo_feed_clock_is_inside_a_replayed_session_at_night(database: Database):
    wall = ManualClock(NIGHT)
    market = FeedClock(wall, _feed(wall, demo=True))
    assert nse_calendar().session_at(market.now(), Market.EQUITY) is MarketSession.NORMAL
    exchange = PaperExchange(clock=market, calendar=nse_calendar(), catalog=reference_catalog())
    with database.session() as db:
        user = create_user(db, clock=wall, email="n@x.in").id
        order = _limit_buy(exchange, db, user)
    assert order.status == "OPEN"


def test_without_demo_the_night_is_closed():
    wall = ManualClock(NIGHT)
    market = FeedClock(wall, _feed(wall, demo=False))
    assert nse_calendar().session_at(market.now(), Market.EQUITY) is not MarketSession.NORMAL


def test_feed_bars_are_the_stored_history_bars():
    catalog, calendar = reference_catalog(), nse_calendar()
    market = SyntheticMarket(catalog, calendar, seed=DEFAULT_SEED)
    plan = SyntheticHistoryPlan(
        market, ["NSE:INFY", "NSE:TCS"], SyntheticDayPlan(catalog, calendar, seed=1)
    )
    day = date(2026, 11, 20)
    stored = market.generate(["NSE:INFY", "NSE:TCS"], day, day)
    bar = plan("NSE:TCS", day)
    assert bar is not None
    column = stored.keys.index("NSE:TCS")
    assert (bar.open, bar.close) == (float(stored.open[0, column]), float(stored.close[0, column]))
    assert plan("NSE:INFY", date(2026, 11, 21)) is None  # Saturday: no bar
    assert plan("NSE:NIFTY 50", day) is not None  # indices come from the fallback


def test_the_market_clock_tells_a_replay_from_the_wall_time():
    wall = ManualClock(NIGHT)
    feed = _feed(wall, demo=True)
    view = market_clock(wall=wall, market=FeedClock(wall, feed), calendar=nse_calendar(), feed=feed)
    assert view.phase is MarketPhase.REPLAY
    assert view.replay_of == date(2026, 11, 20)  # Friday's session, played again
    assert view.market_time.astimezone(IST).date() == date(2026, 11, 20)
    assert view.now == NIGHT
    assert view.next_open == datetime(2026, 11, 23, 9, 15, tzinfo=IST)


def test_the_market_clock_is_closed_at_night_without_demo_and_open_in_session():
    wall = ManualClock(NIGHT)
    feed = _feed(wall, demo=False)
    night = market_clock(
        wall=wall, market=FeedClock(wall, feed), calendar=nse_calendar(), feed=feed
    )
    assert (night.phase, night.replay_of) == (MarketPhase.CLOSED, None)
    noon = ManualClock(datetime(2026, 11, 20, 12, 0, tzinfo=IST))
    feed = _feed(noon, demo=True)
    live = market_clock(wall=noon, market=FeedClock(noon, feed), calendar=nse_calendar(), feed=feed)
    assert (live.phase, live.next_open) == (MarketPhase.OPEN, None)


def test_a_started_clock_runs_at_wall_speed_from_its_start():
    wall = ManualClock(NIGHT)
    pinned = StartedClock(datetime(2026, 11, 19, 10, 0, tzinfo=IST), wall)
    wall.advance(timedelta(seconds=90))
    assert pinned.now() == datetime(2026, 11, 19, 10, 1, 30, tzinfo=IST)


def test_a_day_order_of_a_replay_ends_at_that_replays_held_close(database: Database):
    """The close is held long enough for the session jobs' timer to see it: a DAY order
    placed in one replay is cancelled before the next replay opens (issue 50)."""
    wall = ManualClock(NIGHT)
    feed = _feed(wall, demo=True)
    market = FeedClock(wall, feed)
    exchange = PaperExchange(clock=market, calendar=nse_calendar(), catalog=reference_catalog())
    jobs = SessionJobs(
        clock=market, calendar=nse_calendar(), exchange=exchange, last_tick=lambda _key: None
    )
    with database.session() as db:
        user = create_user(db, clock=wall, email="replay@x.in").id
        order = _limit_buy(exchange, db, user)
        order_id = order.order_id
    # Half a second short of a minute before this replay's close, then the jobs' 5-second
    # beat, which need not fall on the close's second (a one-step close went by unseen).
    replay = market.now()
    wall.advance(
        datetime.combine(replay.date(), time(15, 29), IST) - replay - timedelta(seconds=0.5)
    )
    seen = []
    for _ in range(20):
        wall.advance(timedelta(seconds=5))
        seen.append(market.now().time())
        if seen[-1] >= time(15, 30) or seen[-1] < time(15, 29):
            break
    assert seen[-1] == time(15, 30), seen  # the jobs' beat saw the close
    with database.session() as db:
        assert jobs.expire_orders(db) == 1
        assert (
            db.scalars(select(Order.status).where(Order.order_id == order_id)).one() == "CANCELLED"
        )
