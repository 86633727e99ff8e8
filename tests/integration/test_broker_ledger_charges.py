"""The ledger charges a live fill by its order's broker: the worked examples of
tests/unit/domain/test_broker_charges.py, booked as live fills at Upstox and at Groww.

The figures are worked out by hand there (and in docs/charges.md); here each fill's trade
carries its exact share of the day's note and the cash moves by it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.helpers import make_user
from tradertape.db.models.trading import CashEntry, Order, Trade
from tradertape.domain.books import book_of
from tradertape.domain.instruments import Exchange, Instrument, InstrumentType
from tradertape.domain.orders import (
    OrderSpec,
    OrderType,
    Product,
    TransactionType,
)
from tradertape.oms.ledger import Ledger
from tradertape.oms.order_log import new_order
from tradertape.ports.clock import IST
from tradertape.runtime import Runtime

pytestmark = pytest.mark.db

D = Decimal
MONDAY = date(2026, 6, 1)
INFY = Instrument(Exchange.NSE, "INFY", InstrumentType.EQ, "INFOSYS", 408065, isin="INE009A01021")
FUT = Instrument(Exchange.NFO, "NIFTY26JUNFUT", InstrumentType.FUT, "NIFTY", 9001, lot_size=65)
OPT = Instrument(Exchange.NFO, "NIFTY26JUN25000CE", InstrumentType.CE, "NIFTY", 9002, lot_size=65)


def at(day: date, minute: int) -> datetime:
    return datetime.combine(day, time(10, minute), tzinfo=IST)


def book(
    runtime: Runtime,
    user_id: int,
    broker: str,
    fills: list[tuple[Instrument, str, str, int, str, datetime]],
) -> list[Decimal]:
    """Book each fill as one filled live order at `broker`; the trades' charges."""
    charged = []
    for n, (instrument, product, side, qty, price, when) in enumerate(fills):
        spec = OrderSpec(
            exchange=instrument.exchange,
            tradingsymbol=instrument.tradingsymbol,
            transaction_type=TransactionType(side),
            quantity=qty,
            product=Product(product),
            order_type=OrderType.LIMIT,
            price=D(price),
        )
        with runtime.db.session() as db:
            order = new_order(
                user_id,
                spec,
                instrument,
                client_key=None,
                source="test",
                attribution=None,
                now=when - timedelta(seconds=1),
            )
            order.broker, order.book = broker, book_of(broker, None)
            order.broker_order_id = f"{broker}-{n}"
            db.add(order)
            db.flush()
            ledger = Ledger(db, broker=broker)
            ledger.lock(user_id)
            ledger.book_fill(order, instrument, qty, D(price), when, broker_trade_id=f"t{n}")
            [trade] = ledger.write()
            charged.append(trade.charges)
            db.commit()
    return charged


def cash_charges(runtime: Runtime, broker: str) -> Decimal:
    with runtime.db.session() as db:
        amounts = db.scalars(
            select(CashEntry.amount).where(CashEntry.broker == broker, CashEntry.kind == "charges")
        )
        return -sum(amounts, D(0))


@pytest.mark.parametrize(
    ("broker", "sold"), [("upstox", "201.04"), ("groww", "202.81")], ids=["upstox", "groww"]
)
def test_delivery_buy_then_sell_with_dp_at_the_brokers_charges(runtime: Runtime, broker, sold):
    user_id = make_user(runtime, f"{broker}@x.in")
    tuesday = MONDAY + timedelta(days=1)

    charged = book(
        runtime,
        user_id,
        broker,
        [
            (INFY, "CNC", "BUY", 100, "1400", at(MONDAY, 0)),
            (INFY, "CNC", "SELL", 100, "1500", at(tuesday, 0)),
        ],
    )

    assert charged == [D("189.84"), D(sold)]  # the sell's note carries the DP charge
    assert cash_charges(runtime, broker) == D("189.84") + D(sold)


@pytest.mark.parametrize("broker", ["upstox", "groww"])
def test_intraday_and_fno_round_trips_at_the_brokers_charges(runtime: Runtime, broker):
    user_id = make_user(runtime, f"{broker}@x.in")
    monday, tuesday, wednesday = MONDAY, MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)

    charged = book(
        runtime,
        user_id,
        broker,
        [
            (INFY, "MIS", "BUY", 100, "140", at(monday, 0)),
            (INFY, "MIS", "SELL", 100, "141", at(monday, 1)),
            (FUT, "NRML", "BUY", 65, "25000", at(tuesday, 0)),
            (FUT, "NRML", "SELL", 65, "25100", at(tuesday, 1)),
            (OPT, "NRML", "BUY", 65, "100", at(wednesday, 0)),
            (OPT, "NRML", "SELL", 65, "120", at(wednesday, 1)),
        ],
    )

    # Each day's fills add up to that day's note to the paisa (the sell carries the rest).
    assert sum(charged[0:2], D(0)) == D("38.63")
    assert sum(charged[2:4], D(0)) == D("969.86")
    assert sum(charged[4:6], D(0)) == D("65.41")
    assert cash_charges(runtime, broker) == D("38.63") + D("969.86") + D("65.41")
    with runtime.db.session() as db:
        assert {t.broker for t in db.scalars(select(Trade))} == {broker}
        assert {o.broker for o in db.scalars(select(Order))} == {broker}


def test_a_paper_ledger_refuses_an_order_of_another_broker(runtime: Runtime):
    user_id = make_user(runtime, "mixed@x.in")
    spec = OrderSpec(
        exchange=Exchange.NSE,
        tradingsymbol="INFY",
        transaction_type=TransactionType.BUY,
        quantity=1,
        product=Product.CNC,
        order_type=OrderType.LIMIT,
        price=D(1400),
    )
    order = new_order(
        user_id, spec, INFY, client_key=None, source="test", attribution=None, now=at(MONDAY, 0)
    )
    order.broker = "upstox"
    with runtime.db.session() as db:
        paper = Ledger(db)
        with pytest.raises(ValueError, match="an order at upstox cannot be charged in paper"):
            paper.book_fill(order, INFY, 1, D(1400), at(MONDAY, 1))
