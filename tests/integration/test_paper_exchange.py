"""The paper exchange end to end on the database: placement rules, fills, charges, cash,
idempotency under concurrency. Charges reproduce the reference's worked examples."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.integration.conftest import PAPER_DEPOSIT, PaperDesk
from tradertape.db.engine import Database
from tradertape.db.models.trading import Order, Trade
from tradertape.domain.instruments import Exchange
from tradertape.domain.market import Tick
from tradertape.domain.orders import (
    OrderSpec,
    OrderType,
    Product,
    TransactionType,
    Validity,
    Variety,
)
from tradertape.errors import InvalidField
from tradertape.oms.order_log import history_of
from tradertape.oms.paper.exchange import BROKER, PaperExchange
from tradertape.oms.positions import cash_balance, net_positions
from tradertape.ports.clock import IST, ManualClock
from tradertape.testkit import make_tick

FRIDAY_10AM = datetime(2026, 11, 20, 10, 0, tzinfo=IST)
DEPOSIT = PAPER_DEPOSIT


@pytest.fixture
def setup(paper: PaperDesk) -> tuple[PaperExchange, ManualClock, int]:
    return paper.exchange, paper.clock, paper.user_id


def tick(clock: ManualClock, price: str, key: str = "NSE:INFY") -> Tick:
    return make_tick(key, price, ts=clock.now())


def spec(side: TransactionType, qty: int, price: str | None, **kw: Any) -> OrderSpec:
    return OrderSpec(
        exchange=Exchange.NSE,
        tradingsymbol=kw.pop("symbol", "INFY"),
        transaction_type=side,
        quantity=qty,
        product=kw.pop("product", Product.MIS),
        order_type=kw.pop("order_type", OrderType.LIMIT if price else OrderType.MARKET),
        price=Decimal(price) if price else None,
        **kw,
    )


BUY, SELL = TransactionType.BUY, TransactionType.SELL


def test_intraday_round_trip_books_the_worked_example_charges(setup, database: Database):
    exchange, clock, user_id = setup
    with database.session() as db:
        buy = exchange.place(
            db, user_id=user_id, spec=spec(BUY, 100, "1400"), last=tick(clock, "1400")
        )
        clock.advance(timedelta(minutes=30))
        sell = exchange.place(
            db, user_id=user_id, spec=spec(SELL, 100, "1410"), last=tick(clock, "1410")
        )
        charges = sum(db.scalars(select(Trade.charges)), Decimal(0))
        cash = cash_balance(db, user_id=user_id, broker=BROKER)
        flat = net_positions(db, user_id=user_id, broker=BROKER)

    assert (buy.status, sell.status) == ("COMPLETE", "COMPLETE")
    assert charges == Decimal("96.91")
    assert cash == DEPOSIT + Decimal("903.09")  # ₹1,000 gross less ₹96.91
    assert [p.quantity for p in flat] == [0]


def test_delivery_round_trip_over_two_days_books_337_19(setup, database: Database):
    exchange, clock, user_id = setup
    with database.session() as db:
        exchange.place(
            db,
            user_id=user_id,
            spec=spec(BUY, 100, "1400", product=Product.CNC),
            last=tick(clock, "1400"),
        )
        clock.advance(timedelta(days=3))  # Monday
        exchange.place(
            db,
            user_id=user_id,
            spec=spec(SELL, 100, "1500", product=Product.CNC),
            last=tick(clock, "1500"),
        )
        total = sum(db.scalars(select(Trade.charges)), Decimal(0))
    assert total == Decimal("337.19")


def test_limit_order_rests_then_fills_on_a_later_tick_with_price_improvement(setup, database):
    exchange, clock, user_id = setup
    with database.session() as db:
        order = exchange.place(
            db, user_id=user_id, spec=spec(BUY, 10, "1400"), last=tick(clock, "1410")
        )
        assert order.status == "OPEN"
        clock.advance(timedelta(minutes=1))
        trades = exchange.on_tick(db, tick(clock, "1395.50"), traded_volume=500)
        db.refresh(order)
    assert order.status == "COMPLETE"
    assert [(t.quantity, t.price) for t in trades] == [(10, Decimal("1395.5"))]
    assert order.average_price == Decimal("1395.5")


def test_unfunded_order_is_stored_rejected_with_kites_wording(setup, database: Database):
    exchange, clock, user_id = setup
    with database.session() as db:
        order = exchange.place(
            db,
            user_id=user_id,
            spec=spec(BUY, 1000, "1400", product=Product.CNC),
            last=tick(clock, "1400"),
        )
        history = history_of(db, order)
    assert order.status == "REJECTED"
    assert order.status_message == (
        "Insufficient funds. Required margin is 14,00,000.00 but available margin is 10,00,000.00."
    )
    assert [e.kind for e in history] == ["rejected"]


def test_cnc_sell_without_holdings_is_rejected(setup, database: Database):
    exchange, clock, user_id = setup
    with database.session() as db:
        order = exchange.place(
            db,
            user_id=user_id,
            spec=spec(SELL, 5, "1400", product=Product.CNC),
            last=tick(clock, "1400"),
        )
    assert order.status == "REJECTED"
    assert order.status_message is not None
    assert order.status_message.startswith("Insufficient holdings")


def test_outside_market_hours_only_amo_is_accepted(setup, database: Database):
    exchange, clock, user_id = setup
    clock.set(datetime(2026, 11, 20, 20, 0, tzinfo=IST))
    with database.session() as db:
        with pytest.raises(InvalidField) as closed:
            exchange.place(db, user_id=user_id, spec=spec(BUY, 1, "1400"))
        amo = exchange.place(db, user_id=user_id, spec=spec(BUY, 1, "1400", variety=Variety.AMO))
        stored = db.scalar(select(func.count()).select_from(Order))
    assert closed.value.field == "variety"
    assert amo.status == "AMO REQ RECEIVED"
    assert stored == 1  # the refused regular order stored nothing


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"symbol": "NOPE"}, "tradingsymbol", id="unknown-symbol"),
        pytest.param({"symbol": "NIFTY 50"}, "tradingsymbol", id="index"),
        pytest.param({"validity": Validity.TTL}, "validity_ttl", id="ttl-missing"),
    ],
)
def test_invalid_orders_name_the_field_and_store_nothing(setup, database, changes, field):
    exchange, clock, user_id = setup
    with database.session() as db:
        with pytest.raises(InvalidField) as info:
            exchange.place(db, user_id=user_id, spec=spec(BUY, 1, "1400", **changes))
        assert db.scalar(select(func.count()).select_from(Order)) == 0
    assert info.value.field == field


def test_stop_loss_triggers_then_fills(setup, database: Database):
    exchange, clock, user_id = setup
    with database.session() as db:
        exchange.place(db, user_id=user_id, spec=spec(BUY, 10, "1400"), last=tick(clock, "1400"))
        stop = exchange.place(
            db,
            user_id=user_id,
            spec=spec(SELL, 10, None, order_type=OrderType.SL_M, trigger_price=Decimal("1380")),
            last=tick(clock, "1400"),
        )
        assert stop.status == "TRIGGER PENDING"
        exchange.on_tick(db, tick(clock, "1385"), traded_volume=100)
        db.refresh(stop)
        assert stop.status == "TRIGGER PENDING"
        exchange.on_tick(db, tick(clock, "1370"), traded_volume=100)  # gap through the trigger
        db.refresh(stop)
        kinds = [e.kind for e in history_of(db, stop)]
    assert stop.status == "COMPLETE"
    assert stop.average_price == Decimal("1370")
    assert kinds == ["accepted", "triggered", "filled"]


def test_ioc_remainder_is_cancelled(setup, database: Database):
    exchange, clock, user_id = setup
    with database.session() as db:
        order = exchange.place(
            db,
            user_id=user_id,
            spec=spec(BUY, 10, "1390", validity=Validity.IOC),
            last=tick(clock, "1400"),
        )
    assert order.status == "CANCELLED"
    assert order.status_message == "IOC remainder cancelled."


def test_cancel(setup, database: Database):
    exchange, clock, user_id = setup
    with database.session() as db:
        order = exchange.place(
            db, user_id=user_id, spec=spec(BUY, 10, "1300"), last=tick(clock, "1400")
        )
        exchange.cancel(db, user_id=user_id, order_id=order.order_id)
        assert order.status == "CANCELLED"
        assert exchange.on_tick(db, tick(clock, "1200"), traded_volume=1000) == []


def test_idempotent_replay_returns_the_first_order(setup, database: Database):
    exchange, clock, user_id = setup
    with database.session() as db:
        first = exchange.place(db, user_id=user_id, spec=spec(BUY, 1, "1300"), client_key="k-1")
        again = exchange.place(db, user_id=user_id, spec=spec(BUY, 1, "1300"), client_key="k-1")
        assert again.id == first.id
        assert db.scalar(select(func.count()).select_from(Order)) == 1


def test_concurrent_identical_requests_create_one_order(setup, database: Database):
    exchange, clock, user_id = setup
    ids: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def place() -> None:
        start.wait()
        try:
            with database.session() as db:
                order = exchange.place(
                    db, user_id=user_id, spec=spec(BUY, 1, "1300"), client_key="same-key"
                )
                ids.append(order.id)
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=place) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with database.session() as db:
        count = db.scalar(select(func.count()).select_from(Order))
    assert errors == []
    assert count == 1
    assert len(set(ids)) == 1
    assert len(ids) == 8
