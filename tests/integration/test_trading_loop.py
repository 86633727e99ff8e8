"""The trading loop's batch step and timed jobs on a real database."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.integration.test_session_jobs import Feed, spec
from tradertape.db.models.trading import Order
from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.instruments_data import reference_catalog
from tradertape.domain.market import Tick
from tradertape.domain.orders import Product, TransactionType
from tradertape.jobs.loop import TradingLoop
from tradertape.oms.paper.exchange import PaperExchange
from tradertape.oms.paper.gtt import GttBook
from tradertape.oms.paper.session_jobs import SessionJobs
from tradertape.oms.quotes import QuoteBook
from tradertape.ports.broker import GttSpec
from tradertape.ports.clock import IST, ManualClock
from tradertape.services.accounts.users import create_user
from tradertape.testkit import make_tick


def tick(clock: ManualClock, key: str, price: str, volume: int, last_quantity: int = 10) -> Tick:
    return make_tick(key, price, ts=clock.now(), volume=volume, last_quantity=last_quantity)


def test_batches_fill_orders_fire_gtts_and_jobs_square_off(database):
    clock = ManualClock(datetime(2026, 11, 20, 10, 0, tzinfo=IST))
    quotes = QuoteBook()
    exchange = PaperExchange(clock=clock, calendar=nse_calendar(), catalog=reference_catalog())
    gtts = GttBook(clock=clock, calendar=nse_calendar(), exchange=exchange)
    jobs = SessionJobs(clock=clock, calendar=nse_calendar(), exchange=exchange, last_tick=quotes)
    loop = TradingLoop(
        db=database, clock=clock, quotes=quotes, exchange=exchange, gtts=gtts, jobs=jobs
    )
    feed = Feed(clock)
    with database.session() as db:
        user = create_user(db, clock=clock, email="l@x.in").id
        exchange.deposit(db, user_id=user, amount=Decimal(1_000_000))
        resting = exchange.place(
            db,
            user_id=user,
            spec=spec(TransactionType.BUY, 40, "1390"),
            last=feed.set("NSE:INFY", "1400"),
        )
        gtts.create(
            db,
            user_id=user,
            spec=GttSpec(
                "NSE",
                "TCS",
                ["3000"],
                3100,
                [
                    {
                        "transaction_type": "BUY",
                        "quantity": 2,
                        "order_type": "LIMIT",
                        "product": "CNC",
                        "price": "3001",
                    }
                ],
            ),
        )

    first = loop.on_ticks(
        [tick(clock, "NSE:INFY", "1395", 1_000), tick(clock, "NSE:RELIANCE", "1300", 5_000)]
    )
    assert (first.ticks, first.instruments_matched, first.fills) == (2, 1, 0)
    assert quotes("NSE:RELIANCE") is not None

    # 1390 is reached; 200 shares traded since the last INFY tick at 25 % participation
    second = loop.on_ticks(
        [tick(clock, "NSE:INFY", "1390", 1_200), tick(clock, "NSE:TCS", "2999", 7_000)]
    )
    assert (second.fills, second.gtts_fired) == (1, 1)
    with database.session() as db:
        infy = db.get(Order, resting.id)
        assert infy is not None
        assert infy.filled_quantity == 40
        gtt_order = db.scalar(select(Order).where(Order.source == "gtt"))
        assert gtt_order is not None
        assert (gtt_order.tradingsymbol, gtt_order.status) == ("TCS", "COMPLETE")

    assert loop.run_jobs() is True
    assert loop.run_jobs() is False  # not due again yet
    clock.set(datetime(2026, 11, 20, 15, 20, tzinfo=IST))
    loop.on_ticks([tick(clock, "NSE:INFY", "1401", 2_000, last_quantity=500)])
    assert loop.run_jobs() is True
    with database.session() as db:
        squareoff = db.scalars(select(Order).where(Order.source == "squareoff")).all()
    assert [(o.transaction_type, o.quantity, o.product) for o in squareoff] == [
        ("SELL", 40, Product.MIS.value)
    ]
    assert squareoff[0].status == "COMPLETE"


@pytest.mark.anyio
async def test_ticks_on_the_bus_reach_the_loop_and_fill_orders(database):
    import asyncio

    from tradertape.bus.memory import InProcessBus
    from tradertape.feed.codec import tick_from_message, tick_to_message

    clock = ManualClock(datetime(2026, 11, 20, 10, 0, tzinfo=IST))
    quotes = QuoteBook()
    exchange = PaperExchange(clock=clock, calendar=nse_calendar(), catalog=reference_catalog())
    gtts = GttBook(clock=clock, calendar=nse_calendar(), exchange=exchange)
    jobs = SessionJobs(clock=clock, calendar=nse_calendar(), exchange=exchange, last_tick=quotes)
    loop = TradingLoop(
        db=database, clock=clock, quotes=quotes, exchange=exchange, gtts=gtts, jobs=jobs
    )
    with database.session() as db:
        user = create_user(db, clock=clock, email="bus@x.in").id
        exchange.deposit(db, user_id=user, amount=Decimal(1_000_000))
        order = exchange.place(
            db,
            user_id=user,
            spec=spec(TransactionType.BUY, 4, "1390"),
            last=tick(clock, "NSE:INFY", "1400", 100),
        )
        order_pk = order.id
    bus = InProcessBus()
    runner = asyncio.create_task(loop.run(bus, tick_from_message, batch_seconds=0.01))
    try:
        filled = False
        for _ in range(500):  # bounded wait on state, not on time
            await bus.publish(
                "ticks.NSE:INFY", tick_to_message(tick(clock, "NSE:INFY", "1389.5", 1_000, 100))
            )
            await asyncio.sleep(0.01)
            with database.session() as db:
                row = db.get(Order, order_pk)
                if row is not None and row.status == "COMPLETE":
                    filled = True
                    break
        assert filled
        assert quotes("NSE:INFY") is not None
    finally:
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
        await bus.close()
