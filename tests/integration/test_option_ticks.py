"""Option prices on the live feed: the trading loop derives ticks of watched index options
from their index's ticks, fills working orders on them, and publishes them on the bus."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.api.test_ws_ticks import quick_session
from tests.workers_kit import set_price
from tradertape.db.models.trading import Order, Trade
from tradertape.domain.instruments import Exchange
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.feed.codec import tick_to_message
from tradertape.jobs.loop import TradingLoop
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.services.accounts.users import create_user
from tradertape.testkit import make_tick

NIFTY = "NSE:NIFTY 50"
CE = "NFO:NIFTY26D0125000CE"  # the 1 December 2026 weekly
PE = "NFO:NIFTY26D0125000PE"


def loop_of(runtime: Runtime) -> TradingLoop:
    return TradingLoop(
        db=runtime.db,
        clock=runtime.clock,
        quotes=runtime.quotes,
        exchange=runtime.exchange,
        gtts=runtime.gtts,
        jobs=runtime.session_jobs,
        sinks=(runtime.candle_book,),
        deriver=runtime.option_ticker,
    )


def _rupees(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.fixture
def user_id(runtime: Runtime) -> int:
    set_price(runtime, NIFTY, "25000")
    with runtime.db.session() as db:
        user = create_user(db, clock=runtime.clock, email="opt@x.in").id
        runtime.exchange.deposit(db, user_id=user, amount=Decimal(1_000_000))
        runtime.exchange.catalog(db)  # list today's contracts
    return user


def _buy_limit(runtime: Runtime, user_id: int, price: Decimal) -> int:
    spec = OrderSpec(
        exchange=Exchange.NFO,
        tradingsymbol=CE.partition(":")[2],
        transaction_type=TransactionType.BUY,
        quantity=65,
        product=Product.NRML,
        order_type=OrderType.LIMIT,
        price=price,
    )
    with runtime.db.session() as db:
        order = runtime.exchange.place(
            db, user_id=user_id, spec=spec, last=runtime.options.last_tick(CE)
        )
        assert order.status == "OPEN"
        return order.id


def test_a_buy_limit_under_the_market_fills_when_the_index_moves_the_option_through_it(
    runtime: Runtime, user_id: int
) -> None:
    before = runtime.options.last_tick(CE)
    assert before is not None
    limit = before.last_price - 40
    order_pk = _buy_limit(runtime, user_id, limit)
    loop = loop_of(runtime)

    report = loop.on_ticks([make_tick(NIFTY, "24990", ts=runtime.clock.now())])
    # only the contract with a working order is priced, and not yet through the limit
    assert [tick.key for tick in report.derived] == [CE]
    assert report.derived[0].ask is not None
    assert report.derived[0].ask > limit
    assert report.fills == 0

    report = loop.on_ticks([make_tick(NIFTY, "24850", ts=runtime.clock.now())])
    assert report.fills == 1
    crossed = report.derived[0]
    assert crossed.ask is not None
    assert crossed.ask <= limit
    with runtime.db.session() as db:
        order = db.get(Order, order_pk)
        assert order is not None
        assert (order.status, order.filled_quantity) == ("COMPLETE", 65)
        (trade,) = db.scalars(select(Trade).where(Trade.order_pk == order_pk))
    # a BUY LIMIT fills at the touch when the ask is through it (never above the limit)
    assert trade.price == crossed.ask
    premium = trade.price * 65
    exchange_fee = premium * Decimal("0.0003553")
    sebi = premium * Decimal("0.000001")
    stamp = premium * Decimal("0.00003")
    gst = (Decimal(20) + exchange_fee + sebi) * Decimal("0.18")
    # a bought option: ₹20 brokerage, no STT, exchange and SEBI fees, stamp duty, GST
    assert trade.charges == _rupees(20 + exchange_fee + sebi + stamp + gst)
    # the derived tick is not the price of record: the model follows the index from here
    assert runtime.quotes(CE) is None
    set_price(runtime, NIFTY, "25100")
    later = runtime.options.last_tick(CE)
    assert later is not None
    assert later.last_price > crossed.last_price


def test_ticks_are_derived_only_for_the_index_that_ticked(runtime: Runtime, user_id: int) -> None:
    _buy_limit(runtime, user_id, Decimal("1"))
    loop = loop_of(runtime)
    assert loop.on_ticks([make_tick("NSE:INFY", "1500", ts=runtime.clock.now())]).derived == ()
    runtime.option_ticker.follow(lambda: {PE, "NSE:INFY", "NFO:NOTANOPTION"})
    derived = loop.on_ticks([make_tick(NIFTY, "25010", ts=runtime.clock.now())]).derived
    assert [tick.key for tick in derived] == [CE, PE]


def test_a_websocket_subscriber_gets_the_option_ticks(
    client: TestClient, runtime: Runtime, user_id: int
) -> None:
    quick_session(client, runtime)
    loop = loop_of(runtime)
    with client.websocket_connect("/api/ws/ticks") as ws:
        assert ws.receive_json()["type"] == "status"
        ws.send_json({"action": "subscribe", "symbols": [CE], "mode": "ltp"})
        assert ws.receive_json() == {"type": "subscribed", "symbols": [CE]}
        report = loop.on_ticks([make_tick(NIFTY, "24900", ts=runtime.clock.now())])
        assert [tick.key for tick in report.derived] == [CE]  # watched by the subscriber
        assert client.portal is not None
        client.portal.call(loop.publish, runtime.bus, report.derived, tick_to_message)
        frame = ws.receive_json()
    assert frame["type"] == "ticks"
    assert Decimal(str(frame["data"][CE]["last_price"])) == report.derived[0].last_price


def test_announced_subscriptions_are_priced_while_they_are_fresh(
    runtime: Runtime, clock: ManualClock, user_id: int
) -> None:
    ticker = runtime.option_ticker
    ticker.note({"hub": "h1", "keys": [PE, "NSE:INFY"]})
    ticker.note({"keys": "not an announcement"})
    assert [t.key for t in ticker.derive([NIFTY], [])] == [PE]
    clock.advance(timedelta(seconds=61))  # the hub stopped repeating it
    assert ticker.derive([NIFTY], []) == []
