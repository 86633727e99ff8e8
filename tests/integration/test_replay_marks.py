"""One mark across a demo replay's loop: the quote book, the worker quotes and a paper MARKET
fill read the tick the feed printed last, stamped with the market clock (issue 50, item 1).

When the replay of the last session starts again (15:30 back to 09:15), its ticks carry
earlier times than the close just printed; they are still the newest prices there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.bus.memory import InProcessBus
from tradertape.candles.live import CandleBook
from tradertape.db.engine import Database
from tradertape.db.models.trading import Trade
from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.instruments import Exchange
from tradertape.domain.instruments_data import reference_catalog
from tradertape.domain.market import Tick
from tradertape.domain.matching import MatchConfig
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.feed.clock import FeedClock
from tradertape.feed.codec import TickMode
from tradertape.feed.simulated import FeedConfig, SimulatedFeed
from tradertape.jobs.loop import TradingLoop
from tradertape.oms.paper.exchange import PaperConfig, PaperExchange
from tradertape.oms.paper.gtt import GttBook
from tradertape.oms.paper.session_jobs import SessionJobs
from tradertape.oms.quotes import QuoteBook
from tradertape.ports.clock import IST, ManualClock
from tradertape.services.accounts.users import create_user
from tradertape.services.workers.market import STALE_AFTER, quote_view
from tradertape.testkit import make_tick

KEY = "NSE:INFY"
CLOSE = datetime(2026, 11, 20, 15, 30, tzinfo=IST)  # a Friday's close; the demo replays it
TICK = Decimal("0.05")
SPEED = 60.0  # one market minute per wall second: a replay is 377 wall seconds


@dataclass
class Desk:
    wall: ManualClock
    market: FeedClock
    feed: SimulatedFeed
    quotes: QuoteBook
    exchange: PaperExchange
    loop: TradingLoop
    candles: CandleBook

    async def play_into_second_replay(self, market_instant: datetime) -> None:
        """Move the wall clock half a market hour at a time into the second replay of the
        session, up to `market_instant` in it, handing each printed tick to the trading loop
        as the bus would."""
        while (
            self.market.now() < market_instant
            or self.feed.playing(self.wall.now()).segment.loop < 2
        ):
            self.wall.advance(timedelta(seconds=30))
            if await self.feed.advance_to(self.wall.now()):
                tick = self.feed.last(KEY)
                assert tick is not None
                self.loop.on_ticks([tick])


@pytest.fixture
def desk(database: Database) -> Desk:
    wall = ManualClock(CLOSE - timedelta(minutes=2))
    feed = SimulatedFeed.synthetic(
        bus=InProcessBus(),
        clock=wall,
        calendar=nse_calendar(),
        catalog=reference_catalog(),
        keys=[KEY],
        config=FeedConfig(demo=True, speed=SPEED, max_catchup_steps=1),
    )
    market = FeedClock(wall, feed)
    quotes = QuoteBook()
    slippage = MatchConfig(slippage_bps=Decimal(10), participation=Decimal(1))
    exchange = PaperExchange(
        clock=market,
        calendar=nse_calendar(),
        catalog=reference_catalog(),
        config=PaperConfig(match=slippage),
        quotes=quotes,
    )
    jobs = SessionJobs(clock=market, calendar=nse_calendar(), exchange=exchange, last_tick=quotes)
    gtts = GttBook(clock=market, calendar=nse_calendar(), exchange=exchange)
    candles = CandleBook()
    loop = TradingLoop(
        db=database,
        clock=wall,
        quotes=quotes,
        exchange=exchange,
        gtts=gtts,
        jobs=jobs,
        sinks=(candles,),
    )
    return Desk(wall, market, feed, quotes, exchange, loop, candles)


@pytest.mark.anyio
async def test_after_the_loop_a_market_order_fills_at_the_quoted_tick_on_the_clock(
    desk: Desk, database: Database
):
    await desk.feed.advance_to(desk.wall.now())
    replay_open = datetime(2026, 11, 20, 9, 45, tzinfo=IST)
    await desk.play_into_second_replay(replay_open)  # Friday's session, played again
    quote = desk.quotes(KEY)
    assert quote == desk.feed.last(KEY)  # the quote book holds what the feed printed last
    now = desk.market.now()
    assert quote is not None
    assert quote.ts == now < CLOSE
    view = quote_view(reference_catalog().get(KEY), quote, TickMode.FULL, now, STALE_AFTER)
    assert (view["last_price"], view["age_ms"], view["is_stale"]) == (
        float(quote.last_price),
        0,
        False,
    )
    assert datetime.fromisoformat(view["last_trade_time"]) == now
    forming = desk.candles.minutes(KEY)[-1]  # the chart's live candle is this playing's
    assert (forming.start, forming.close) == (now, quote.last_price)

    with database.session() as db:
        trade = _buy_at_market(desk, db)
    assert (trade.price, trade.filled_at) == (_slipped(quote), now)


def _buy_at_market(desk: Desk, db: Session) -> Trade:
    user = create_user(db, clock=desk.wall, email="loop@x.in").id
    desk.exchange.deposit(db, user_id=user, amount=Decimal(1_000_000))
    order = desk.exchange.place(
        db,
        user_id=user,
        spec=OrderSpec(
            exchange=Exchange.NSE,
            tradingsymbol="INFY",
            transaction_type=TransactionType.BUY,
            quantity=1,
            product=Product.CNC,
            order_type=OrderType.MARKET,
        ),
        last=desk.quotes(KEY),  # what the order route passes
    )
    return db.scalars(select(Trade).where(Trade.order_pk == order.id)).one()


def _slipped(quote: Tick) -> Decimal:
    """The touch the ticket showed (the ask, for a buy), 10 bps against the buyer, rounded
    up to the tick."""
    assert quote.ask is not None
    units = (quote.ask * Decimal("1.001") / TICK).to_integral_value(rounding=ROUND_CEILING)
    return units * TICK


@pytest.mark.anyio
async def test_a_quote_is_stale_once_the_feed_stops_and_a_fill_is_stamped_now(
    desk: Desk, database: Database
):
    await desk.feed.advance_to(desk.wall.now())
    tick = desk.feed.last(KEY)
    assert tick is not None
    desk.loop.on_ticks([tick])
    instrument = reference_catalog().get(KEY)
    desk.wall.advance(timedelta(seconds=1))  # the feed prints nothing more for a while
    now = desk.market.now()
    view = quote_view(instrument, tick, TickMode.LTP, now, STALE_AFTER)
    assert (view["age_ms"], view["is_stale"]) == (60_000, True)  # a market minute old
    with database.session() as db:
        trade = _buy_at_market(desk, db)
    assert (trade.price, trade.filled_at) == (_slipped(tick), now)  # the quote, on the clock


def test_a_tick_stamped_after_the_clock_is_stale():
    instrument = reference_catalog().get(KEY)
    close = make_tick(KEY, "1405.90", ts=datetime(2026, 11, 20, 15, 30, tzinfo=IST))
    morning = datetime(2026, 11, 20, 9, 16, tzinfo=IST)  # the next replay, the close held
    view = quote_view(instrument, close, TickMode.FULL, morning, STALE_AFTER)
    assert (view["age_ms"], view["is_stale"]) == (22_440_000, True)
    assert not quote_view(instrument, close, TickMode.LTP, CLOSE, STALE_AFTER)["is_stale"]


def test_live_candles_ignore_a_late_tick_and_start_again_with_a_replay():
    book = CandleBook()
    at = datetime(2026, 11, 20, 15, 29, tzinfo=IST)
    for ts, price in ((at, "1400"), (at - timedelta(seconds=1), "1390"), (at, "1401")):
        book.update(make_tick(KEY, price, ts=ts))
    assert [(c.start, c.close) for c in book.minutes(KEY)] == [(at, Decimal(1401))]
    morning = at.replace(hour=9, minute=15)  # the session played again
    book.update(make_tick(KEY, "1380", ts=morning))
    assert [(c.start, c.close) for c in book.minutes(KEY)] == [(morning, Decimal(1380))]
