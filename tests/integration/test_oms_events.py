"""The OMS's events: heard by watchers in the transaction that records them, published to
listeners only once it commits, in order; nothing from a rolled-back transaction or
savepoint. Every venue emits the same events (paper matching, a GTT, a fill reported from
outside), and the fills' quantities always add up to what the order filled."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.integration.conftest import PaperDesk
from tradertape.db.engine import Database
from tradertape.db.models.trading import Order, Trade
from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.instruments import Exchange
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType, Validity
from tradertape.errors import InvalidField
from tradertape.oms import (
    UNPLACED,
    ExternalFill,
    GttTriggered,
    OmsEvent,
    OrderAccepted,
    OrderEvents,
    OrderExpired,
    OrderFilled,
    OrderUpdate,
)
from tradertape.oms.paper.gtt import GttBook
from tradertape.ports.broker import GttSpec
from tradertape.runtime import Runtime
from tradertape.services.accounts.users import create_user
from tradertape.testkit import make_tick


@dataclass
class Heard:
    """What a watcher heard (in the transaction) and a listener was told (after commit)."""

    watched: list[OmsEvent] = field(default_factory=list)
    published: list[OmsEvent] = field(default_factory=list)

    def of(self, order_id: str) -> list[OrderUpdate]:
        return [e for e in self.published if isinstance(e, OrderUpdate) and e.order_id == order_id]


@pytest.fixture
def heard(database: Database) -> Iterator[Heard]:
    events = OrderEvents()
    heard = Heard()
    events.watch(lambda _db, batch: heard.watched.extend(batch))
    events.listen(heard.published.extend)
    events.attach(database)
    yield heard
    events.detach(database)


def spec(
    quantity: int,
    *,
    side: TransactionType = TransactionType.BUY,
    price: Decimal | None = None,
    validity: Validity = Validity.DAY,
) -> OrderSpec:
    return OrderSpec(
        exchange=Exchange.NSE,
        tradingsymbol="INFY",
        transaction_type=side,
        quantity=quantity,
        product=Product.CNC,
        order_type=OrderType.LIMIT if price is not None else OrderType.MARKET,
        price=price,
        validity=validity,
    )


def test_a_committed_order_publishes_its_events_in_order(
    paper: PaperDesk, database: Database, heard: Heard
):
    tick = make_tick("NSE:INFY", "1500", ts=paper.clock.now())
    with database.session() as db:
        order = paper.exchange.place(
            db, user_id=paper.user_id, spec=spec(10), last=tick, commit=False
        )
        assert [type(e) for e in heard.watched] == [OrderAccepted, OrderFilled]
        assert heard.published == []  # nothing leaves before the commit
        db.commit()
        trade = db.scalars(select(Trade).where(Trade.order_pk == order.id)).one()
    accepted, filled = heard.published
    assert isinstance(accepted, OrderUpdate)
    assert isinstance(filled, OrderUpdate)
    assert heard.published == heard.watched
    for event in (accepted, filled):
        assert (event.user_id, event.order_id, event.broker, event.book, event.source) == (
            paper.user_id,
            order.order_id,
            "paper",
            "manual",
            "api",
        )
        assert (event.tradingsymbol, event.transaction_type, event.quantity) == ("INFY", "BUY", 10)
    assert (accepted.previous_status, accepted.status, accepted.filled_quantity) == (
        UNPLACED,
        "OPEN",
        0,
    )
    assert isinstance(filled, OrderFilled)
    assert (filled.previous_status, filled.status, filled.filled_quantity) == (
        "OPEN",
        "COMPLETE",
        10,
    )
    assert (filled.fill_quantity, filled.fill_price, filled.average_price) == (
        10,
        trade.price,
        order.average_price,
    )
    assert filled.charges == trade.charges > 0
    assert filled.ts_event == trade.filled_at


def test_a_rolled_back_order_publishes_nothing(paper: PaperDesk, database: Database, heard: Heard):
    tick = make_tick("NSE:INFY", "1500", ts=paper.clock.now())
    with database.session() as db:
        paper.exchange.place(db, user_id=paper.user_id, spec=spec(10), last=tick, commit=False)
        db.rollback()
        kept = paper.exchange.place(db, user_id=paper.user_id, spec=spec(3), last=tick)
    assert len(heard.watched) == 4  # the rolled-back order's were heard in its transaction
    assert [(type(e), getattr(e, "order_id", None)) for e in heard.published] == [
        (OrderAccepted, kept.order_id),
        (OrderFilled, kept.order_id),
    ]


def test_a_rolled_back_savepoint_takes_its_events_back(
    paper: PaperDesk, database: Database, heard: Heard
):
    tick = make_tick("NSE:INFY", "1500", ts=paper.clock.now())
    with database.session() as db:
        with contextlib.suppress(RuntimeError), db.begin_nested():
            paper.exchange.place(db, user_id=paper.user_id, spec=spec(1), last=tick, commit=False)
            raise RuntimeError("an all-or-none basket's other leg was refused")
        with db.begin_nested():
            first = paper.exchange.place(
                db, user_id=paper.user_id, spec=spec(2), last=tick, commit=False
            )
        second = paper.exchange.place(
            db, user_id=paper.user_id, spec=spec(3), last=tick, commit=False
        )
        db.commit()
    assert [e.order_id for e in heard.published if isinstance(e, OrderUpdate)] == [
        first.order_id,
        first.order_id,
        second.order_id,
        second.order_id,
    ]


def test_an_ioc_order_fills_what_it_can_then_expires(
    paper: PaperDesk, database: Database, heard: Heard
):
    thin = make_tick("NSE:INFY", "1500", ts=paper.clock.now(), last_quantity=4)
    with database.session() as db:
        order = paper.exchange.place(
            db,
            user_id=paper.user_id,
            spec=spec(10, price=Decimal(1500), validity=Validity.IOC),
            last=thin,
        )
    events = heard.of(order.order_id)
    assert [type(e) for e in events] == [OrderAccepted, OrderFilled, OrderExpired]
    assert [(e.status, e.filled_quantity) for e in events] == [
        ("OPEN", 0),
        ("OPEN", 4),
        ("CANCELLED", 4),
    ]
    assert events[-1].message == "IOC remainder cancelled."


def test_a_fired_gtt_publishes_its_trigger_then_its_order(
    paper: PaperDesk, database: Database, heard: Heard
):
    gtts = GttBook(clock=paper.clock, calendar=nse_calendar(), exchange=paper.exchange)
    legs = [
        {"transaction_type": "BUY", "quantity": 5, "order_type": "LIMIT", "product": "CNC"}
        | {"price": "1455"}
    ]
    trigger = GttSpec(
        exchange="NSE",
        tradingsymbol="INFY",
        trigger_values=["1450"],
        last_price=1400.0,
        orders=legs,
    )
    with database.session() as db:
        gtt = gtts.create(db, user_id=paper.user_id, spec=trigger)
        [fired] = gtts.on_tick(db, make_tick("NSE:INFY", "1450", ts=paper.clock.now()))
        order = gtts.orders_of(db, [fired])[gtt.id]
    triggered, accepted, filled = heard.published
    assert isinstance(triggered, GttTriggered)
    assert (triggered.trigger_id, triggered.leg, triggered.trigger_value) == (
        gtt.id,
        0,
        Decimal(1450),
    )
    assert (triggered.transaction_type, triggered.quantity, triggered.book) == ("BUY", 5, "manual")
    assert isinstance(accepted, OrderAccepted)
    assert isinstance(filled, OrderFilled)
    assert (accepted.order_id, accepted.source, filled.fill_quantity) == (order.order_id, "gtt", 5)


def test_a_fill_reported_from_outside_emits_what_a_live_fill_does(runtime: Runtime):
    heard = Heard()
    runtime.events.listen(heard.published.extend)
    with runtime.db.session() as db:
        user_id = create_user(db, clock=runtime.clock, email="agent@x.in").id
        fill = ExternalFill(
            user_id=user_id,
            broker="kite",
            symbol="NSE:INFY",
            side=TransactionType.BUY,
            quantity=7,
            price=Decimal("1490.5"),
            client_key="agent:fill:1",
            broker_order_id="250101000000001",
            source="agent",
            at=runtime.clock.now(),
        )
        charged = runtime.orders.record_external_fill(db, fill)
        db.commit()
    accepted, filled = heard.published
    assert isinstance(accepted, OrderAccepted)
    assert isinstance(filled, OrderFilled)
    for event in (accepted, filled):
        assert (event.broker, event.book, event.source, event.broker_order_id) == (
            "kite",
            "live:kite",
            "agent",
            "250101000000001",
        )
    assert (filled.fill_quantity, filled.fill_price, filled.status) == (
        7,
        Decimal("1490.5"),
        "COMPLETE",
    )
    assert filled.charges == charged > 0


# -- every fill is heard once: Σ fills of an order == its filled quantity ------------------

prices = st.integers(min_value=14_900, max_value=15_100).map(lambda n: Decimal(n) / 10)
steps = st.lists(
    st.one_of(
        st.tuples(
            st.just("place"),
            st.sampled_from(list(TransactionType)),
            st.integers(min_value=1, max_value=300),
            st.one_of(st.none(), prices),
            st.sampled_from([Validity.DAY, Validity.IOC]),
        ),
        st.tuples(st.just("tick"), prices, st.integers(min_value=1, max_value=400)),
        st.tuples(st.just("cancel")),
    ),
    min_size=1,
    max_size=20,
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(actions=steps)
def test_the_fills_an_order_publishes_add_up_to_what_it_filled(
    paper: PaperDesk, database: Database, heard: Heard, actions
):
    last = Decimal(1500)
    with database.session() as db:
        user_id = create_user(db, clock=paper.clock, email=f"{uuid.uuid4().hex[:12]}@x.in").id
        paper.exchange.deposit(db, user_id=user_id, amount=Decimal(1_000_000))
        for action in actions:
            if action[0] == "tick":
                _, last, volume = action
                tick = make_tick("NSE:INFY", last, ts=paper.clock.now(), last_quantity=volume)
                paper.exchange.on_tick(db, tick, traded_volume=volume)
            elif action[0] == "cancel":
                working = db.scalar(
                    select(Order).where(Order.user_id == user_id, Order.status == "OPEN").limit(1)
                )
                if working is not None:
                    paper.exchange.cancel(db, user_id=user_id, order_id=working.order_id)
            else:
                _, side, quantity, price, validity = action
                tick = make_tick("NSE:INFY", last, ts=paper.clock.now(), last_quantity=50)
                with contextlib.suppress(InvalidField):  # a price off the tick grid
                    paper.exchange.place(
                        db,
                        user_id=user_id,
                        spec=spec(quantity, side=side, price=price, validity=validity),
                        last=tick,
                    )
        orders = db.scalars(select(Order).where(Order.user_id == user_id)).all()
        charges = {
            order.id: sum(
                db.scalars(select(Trade.charges).where(Trade.order_pk == order.id)), Decimal(0)
            )
            for order in orders
        }
    for order in orders:
        events = heard.of(order.order_id)
        fills = [e for e in events if isinstance(e, OrderFilled)]
        assert sum(f.fill_quantity for f in fills) == order.filled_quantity
        assert sum((f.charges for f in fills), Decimal(0)) == charges[order.id]
        assert (events[-1].status, events[-1].filled_quantity) == (
            order.status,
            order.filled_quantity,
        )
        assert events[0].previous_status == UNPLACED
        assert all(b.previous_status == a.status for a, b in pairwise(events))
