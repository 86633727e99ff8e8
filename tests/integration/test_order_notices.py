"""Notifications of orders from the OMS's events (`notifications.orders`): one notice per fill
of an order no one else tells, a fired GTT, a broker's refusal; none for what a portfolio,
a worker run's timeline or the placing caller tells itself."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.integration.conftest import PaperDesk
from tests.integration.test_oms_events import spec
from tradertape.db.engine import Database
from tradertape.db.models import Notification
from tradertape.db.models.trading import Trade
from tradertape.domain.calendar_data import nse_calendar
from tradertape.oms import OmsEvent, OrderAccepted, OrderEvents, OrderFilled, OrderRejected
from tradertape.oms.paper.gtt import GttBook
from tradertape.ports.broker import GttSpec
from tradertape.services.notifications.orders import OrderNotices, worth_telling
from tradertape.testkit import make_tick


@pytest.fixture
def heard(database: Database) -> Iterator[list[OmsEvent]]:
    """The runtime's notices watcher on the database, and every event it was shown."""
    events = OrderEvents()
    heard: list[OmsEvent] = []
    events.watch(lambda _db, batch: heard.extend(batch))
    events.watch(OrderNotices())
    events.attach(database)
    yield heard
    events.detach(database)


def _notices(database: Database, user_id: int) -> list[tuple[str, str]]:
    with database.session() as db:
        rows = db.scalars(
            select(Notification).where(Notification.user_id == user_id).order_by(Notification.id)
        )
        return [(n.kind, n.text) for n in rows]


def test_one_fill_gives_exactly_one_notification(
    paper: PaperDesk, database: Database, heard: list[OmsEvent]
):
    tick = make_tick("NSE:INFY", "1500", ts=paper.clock.now())
    with database.session() as db:
        order = paper.exchange.place(
            db, user_id=paper.user_id, spec=spec(10, price=Decimal(1490)), last=tick
        )
        assert order.status == "OPEN"
        assert _notices(database, paper.user_id) == []  # resting: nothing to tell yet
        cross = make_tick("NSE:INFY", "1489", ts=paper.clock.now(), last_quantity=4)
        paper.exchange.on_tick(db, cross, traded_volume=4)  # a part: 4 of 10
        again = make_tick("NSE:INFY", "1489", ts=paper.clock.now(), last_quantity=50)
        paper.exchange.on_tick(db, again, traded_volume=50)  # the rest
        trades = db.scalars(select(Trade).where(Trade.order_pk == order.id).order_by(Trade.id))
        fills = [(t.quantity, t.price) for t in trades]
    assert [q for q, _ in fills] == [4, 6]
    (q1, p1), (q2, p2) = fills
    assert _notices(database, paper.user_id) == [  # one per fill, exactly
        ("fill", f"✅ Bought INFY, {q1} @ ₹{p1:,.2f}, 4 of 10 so far (Manual)"),
        ("fill", f"✅ Bought INFY, {q2} @ ₹{p2:,.2f} (Manual)"),
    ]


def test_a_fill_in_its_placements_answer_is_not_told(
    paper: PaperDesk, database: Database, heard: list[OmsEvent]
):
    tick = make_tick("NSE:INFY", "1500", ts=paper.clock.now())
    with database.session() as db:
        order = paper.exchange.place(db, user_id=paper.user_id, spec=spec(10), last=tick)
    assert order.status == "COMPLETE"
    assert [type(e) for e in heard] == [OrderAccepted, OrderFilled]
    assert _notices(database, paper.user_id) == []


def test_a_rolled_back_fill_tells_nothing(
    paper: PaperDesk, database: Database, heard: list[OmsEvent]
):
    tick = make_tick("NSE:INFY", "1500", ts=paper.clock.now())
    with database.session() as db:
        paper.exchange.place(db, user_id=paper.user_id, spec=spec(10), last=tick, commit=False)
        db.rollback()
    assert _notices(database, paper.user_id) == []


def test_a_fired_gtt_tells_the_trigger_and_its_fill(
    paper: PaperDesk, database: Database, heard: list[OmsEvent]
):
    gtts = GttBook(clock=paper.clock, calendar=nse_calendar(), exchange=paper.exchange)
    leg = {"transaction_type": "BUY", "quantity": 5, "order_type": "LIMIT", "product": "CNC"}
    trigger = GttSpec(
        exchange="NSE",
        tradingsymbol="INFY",
        trigger_values=["1450"],
        last_price=1400.0,
        orders=[leg | {"price": "1455"}],
    )
    with database.session() as db:
        gtt = gtts.create(db, user_id=paper.user_id, spec=trigger)
        gtts.on_tick(db, make_tick("NSE:INFY", "1450", ts=paper.clock.now()))
    told = _notices(database, paper.user_id)
    assert [kind for kind, _ in told] == ["gtt_triggered", "fill"]
    assert told[0][1] == f"🎯 GTT #{gtt.id} fired: buy INFY, 5 at trigger ₹1,450.00 (Manual)"


def test_who_else_tells_is_skipped(paper: PaperDesk, database: Database, heard: list[OmsEvent]):
    tick = make_tick("NSE:INFY", "1500", ts=paper.clock.now())
    with database.session() as db:
        paper.exchange.place(db, user_id=paper.user_id, spec=spec(10), last=tick)
    filled = next(e for e in heard if isinstance(e, OrderFilled))
    assert worth_telling(filled)
    # a portfolio's fill is its position's notice (`portfolios.positions`), paper or live
    for book, broker in (("portfolio:3", "paper"), ("live:kite", "kite")):
        placed = dataclasses.replace(
            filled, book=book, broker=broker, attribution={"portfolio_id": 3}
        )
        assert not worth_telling(placed)
    # a worker run's fills are its timeline; the caller's own notice for these sources
    assert not worth_telling(dataclasses.replace(filled, attribution={"run_pk": 7}))
    for source in ("alert", "webhook", "mtm_exit", "external"):
        assert not worth_telling(dataclasses.replace(filled, source=source))


def test_a_brokers_refusal_is_told_and_the_paper_exchanges_is_the_callers(
    paper: PaperDesk, database: Database, heard: list[OmsEvent]
):
    tick = make_tick("NSE:INFY", "1500", ts=paper.clock.now())
    with database.session() as db:  # more than the account holds: the exchange refuses
        order = paper.exchange.place(db, user_id=paper.user_id, spec=spec(100_000), last=tick)
    assert order.status == "REJECTED"
    refused = next(e for e in heard if isinstance(e, OrderRejected))
    assert not worth_telling(refused)  # the caller was answered with it
    assert _notices(database, paper.user_id) == []
    at_kite = dataclasses.replace(
        refused, broker="kite", book="live:kite", attribution={"run_pk": 7}, message="RMS"
    )
    assert worth_telling(at_kite)  # a live run's refusal: real money, nobody watching
    # a portfolio's: nobody else tells it (its position is not opened)
    assert worth_telling(dataclasses.replace(at_kite, attribution={"portfolio_id": 3}))
    with database.session() as db:
        OrderNotices()(db, [at_kite])
        db.commit()
    assert _notices(database, paper.user_id)[-1] == (
        "rejected",
        "⛔ Kite rejected your buy of INFY, 100000: RMS",
    )
