"""The paper exchange's timed duties, driven by the manual clock: AMO release at the open,
MIS square-off at 15:20, end-of-day and TTL expiry — each idempotent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from tests.fno import NIFTY_FUT, fno_catalog
from tradertape.db.engine import Database
from tradertape.db.models.trading import Order
from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.instruments import Exchange, InstrumentCatalog
from tradertape.domain.instruments_data import reference_catalog
from tradertape.domain.market import Tick
from tradertape.domain.matching import MatchConfig
from tradertape.domain.orders import (
    OrderSpec,
    OrderType,
    Product,
    TransactionType,
    Validity,
    Variety,
)
from tradertape.errors import InvalidField
from tradertape.oms.paper.exchange import BROKER, PaperConfig, PaperExchange
from tradertape.oms.paper.session_jobs import SessionJobs
from tradertape.oms.positions import net_positions
from tradertape.ports.clock import IST, ManualClock
from tradertape.services.accounts.users import create_user
from tradertape.testkit import make_tick

BUY, SELL = TransactionType.BUY, TransactionType.SELL


class Feed:
    """The last tick per symbol, as the live feed's cache would hold it."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.prices: dict[str, Decimal] = {}

    def set(self, key: str, price: str) -> Tick:
        self.prices[key] = Decimal(price)
        return self(key)  # type: ignore[return-value]

    def __call__(self, key: str) -> Tick | None:
        p = self.prices.get(key)
        if p is None:
            return None
        return make_tick(key, p, ts=self.clock.now())


def _env(database: Database, catalog: InstrumentCatalog) -> dict[str, Any]:
    clock = ManualClock(datetime(2026, 11, 20, 10, 0, tzinfo=IST))
    exchange = PaperExchange(
        clock=clock,
        calendar=nse_calendar(),
        catalog=catalog,
        config=PaperConfig(match=MatchConfig(participation=Decimal(1))),
    )
    feed = Feed(clock)
    jobs = SessionJobs(clock=clock, calendar=nse_calendar(), exchange=exchange, last_tick=feed)
    with database.session() as db:
        user_id = create_user(db, clock=clock, email="s@x.in").id
        exchange.deposit(db, user_id=user_id, amount=Decimal(1_000_000))
    return {"clock": clock, "exchange": exchange, "feed": feed, "jobs": jobs, "user": user_id}


@pytest.fixture
def env(database: Database) -> dict[str, Any]:
    return _env(database, reference_catalog())


def spec(side: TransactionType, qty: int, price: str | None = None, **kw: Any) -> OrderSpec:
    return OrderSpec(
        exchange=Exchange.NSE,
        tradingsymbol="INFY",
        transaction_type=side,
        quantity=qty,
        product=kw.pop("product", Product.MIS),
        order_type=OrderType.LIMIT if price else OrderType.MARKET,
        price=Decimal(price) if price else None,
        **kw,
    )


def test_mis_positions_are_squared_off_at_1520_once(env, database: Database):
    clock, exchange, feed, jobs, user = env.values()
    with database.session() as db:
        exchange.place(db, user_id=user, spec=spec(BUY, 50), last=feed.set("NSE:INFY", "1400"))
        resting = exchange.place(db, user_id=user, spec=spec(BUY, 5, "1300"), last=feed("NSE:INFY"))
        clock.set(datetime(2026, 11, 20, 15, 19, 59, tzinfo=IST))
        assert jobs.square_off_mis(db) == []
        clock.set(datetime(2026, 11, 20, 15, 20, tzinfo=IST))
        feed.set("NSE:INFY", "1410")
        closing = jobs.square_off_mis(db)
        again = jobs.square_off_mis(db)
        db.refresh(resting)
        positions = net_positions(db, user_id=user, broker=BROKER)
    assert [(o.transaction_type, o.quantity, o.status, o.source) for o in closing] == [
        ("SELL", 50, "COMPLETE", "squareoff")
    ]
    assert closing[0].average_price == Decimal("1410")
    assert again == []  # flat now: nothing more to do
    assert resting.status == "CANCELLED"
    assert [p.quantity for p in positions] == [0]


@dataclass
class ReplayClock:
    """A demo replay's market clock (`FeedClock`): back to the same morning each playing."""

    at: datetime

    def now(self) -> datetime:
        return self.at


def test_a_replayed_day_squares_off_its_own_mis_position(database: Database):
    """The demo plays one session again and again on the same date: each playing's MIS
    position of the same size is closed at its 15:20, not taken for the last one's."""
    clock = ReplayClock(datetime(2026, 11, 20, 10, 0, tzinfo=IST))
    exchange = PaperExchange(clock=clock, calendar=nse_calendar(), catalog=reference_catalog())
    feed = Feed(clock)  # type: ignore[arg-type]
    jobs = SessionJobs(clock=clock, calendar=nse_calendar(), exchange=exchange, last_tick=feed)
    with database.session() as db:
        user = create_user(db, clock=clock, email="r@x.in").id
        exchange.deposit(db, user_id=user, amount=Decimal(1_000_000))
        for _playing in range(2):
            clock.at = datetime(2026, 11, 20, 10, 0, tzinfo=IST)
            exchange.place(db, user_id=user, spec=spec(BUY, 5), last=feed.set("NSE:INFY", "1400"))
            clock.at = datetime(2026, 11, 20, 15, 20, tzinfo=IST)
            feed.set("NSE:INFY", "1410")
            assert [o.status for o in jobs.square_off_mis(db)] == ["COMPLETE"]
            assert jobs.square_off_mis(db) == []  # once per position
        assert [p.quantity for p in net_positions(db, user_id=user, broker=BROKER)] == [0]


def test_new_mis_orders_are_refused_after_square_off(env, database: Database):
    clock, exchange, feed, _, user = env.values()
    clock.set(datetime(2026, 11, 20, 15, 21, tzinfo=IST))
    with database.session() as db:
        with pytest.raises(InvalidField) as info:
            exchange.place(db, user_id=user, spec=spec(BUY, 1), last=feed.set("NSE:INFY", "1400"))
        cnc = exchange.place(
            db, user_id=user, spec=spec(BUY, 1, product=Product.CNC), last=feed("NSE:INFY")
        )
    assert info.value.field == "product"
    assert cnc.status == "COMPLETE"


def test_amo_waits_for_the_open_and_fills_on_the_opening_price(env, database: Database):
    clock, exchange, feed, jobs, user = env.values()
    clock.set(datetime(2026, 11, 20, 20, 0, tzinfo=IST))
    with database.session() as db:
        amo = exchange.place(
            db, user_id=user, spec=spec(BUY, 10, "1400", product=Product.CNC, variety=Variety.AMO)
        )
        assert jobs.release_amos(db) == 0  # still closed
        clock.set(datetime(2026, 11, 23, 9, 15, tzinfo=IST))  # Monday's open
        feed.set("NSE:INFY", "1390")  # gap down: price improvement
        assert jobs.release_amos(db) == 1
        assert jobs.release_amos(db) == 0
        db.refresh(amo)
    assert amo.status == "COMPLETE"
    assert amo.average_price == Decimal("1390")


def test_day_orders_expire_after_the_close_and_ttl_orders_on_time(env, database: Database):
    clock, exchange, feed, jobs, user = env.values()
    with database.session() as db:
        feed.set("NSE:INFY", "1400")
        day = exchange.place(
            db, user_id=user, spec=spec(BUY, 1, "1300", product=Product.CNC), last=feed("NSE:INFY")
        )
        ttl = exchange.place(
            db,
            user_id=user,
            spec=spec(BUY, 1, "1300", product=Product.CNC, validity=Validity.TTL, validity_ttl=30),
            last=feed("NSE:INFY"),
        )
        clock.advance(timedelta(minutes=29))
        assert jobs.expire_orders(db) == 0
        clock.advance(timedelta(minutes=1))
        assert jobs.expire_orders(db) == 1
        clock.set(datetime(2026, 11, 20, 15, 30, tzinfo=IST))
        assert jobs.expire_orders(db) == 1
        assert jobs.expire_orders(db) == 0
        rows = {o.id: o for o in db.scalars(select(Order))}
    assert rows[ttl.id].status_message == "Order expired: its time-to-live ran out."
    assert rows[day.id].status == "CANCELLED"
    assert rows[day.id].status_message == "Order cancelled at the end of the trading day."


def test_yesterdays_day_orders_expire_even_before_the_next_open(env, database: Database):
    clock, exchange, feed, jobs, user = env.values()
    with database.session() as db:
        exchange.place(
            db,
            user_id=user,
            spec=spec(BUY, 1, "1300", product=Product.CNC),
            last=feed.set("NSE:INFY", "1400"),
        )
        clock.set(datetime(2026, 11, 23, 8, 0, tzinfo=IST))
        assert jobs.expire_orders(db) == 1


def test_each_segment_ends_its_day_orders_at_its_own_close(database: Database):
    # NSE's cash session ends at 15:30; from 3 August 2026 F&O trades until 15:40 (the
    # calendar's timetable): a DAY order on a NIFTY future stays working until then.
    clock, exchange, feed, jobs, user = _env(database, fno_catalog()).values()
    with database.session() as db:
        share = exchange.place(
            db,
            user_id=user,
            spec=spec(BUY, 1, "1300", product=Product.CNC),
            last=feed.set("NSE:INFY", "1400"),
        )
        future = OrderSpec(
            exchange=Exchange.NFO,
            tradingsymbol=NIFTY_FUT.tradingsymbol,
            transaction_type=BUY,
            quantity=65,
            product=Product.NRML,
            order_type=OrderType.LIMIT,
            price=Decimal(25000),
        )
        fo = exchange.place(db, user_id=user, spec=future, last=feed.set(NIFTY_FUT.key, "26000"))
        assert (share.status, fo.status) == ("OPEN", "OPEN")
        clock.set(datetime(2026, 11, 20, 15, 30, tzinfo=IST))
        assert jobs.expire_orders(db) == 1  # the share's day is over, the future's is not
        clock.set(datetime(2026, 11, 20, 15, 39, 59, tzinfo=IST))
        assert jobs.expire_orders(db) == 0
        clock.set(datetime(2026, 11, 20, 15, 40, tzinfo=IST))
        assert jobs.expire_orders(db) == 1
        rows = {o.id: o.status for o in db.scalars(select(Order))}
    assert rows == {share.id: "CANCELLED", fo.id: "CANCELLED"}
