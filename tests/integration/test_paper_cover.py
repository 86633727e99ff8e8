"""Cover orders (Kite's ``co``): the entry, its compulsory stop-loss leg, exits, the
square-off, and the margin of the risk to the stop. Figures to the rupee."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.integration.conftest import PAPER_DEPOSIT, PaperDesk
from tradertape.db.engine import Database
from tradertape.db.models.trading import Order, OrderEventRow, Trade
from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.instruments import Exchange
from tradertape.domain.market import Tick
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType, Variety
from tradertape.errors import BadRequest, InvalidField
from tradertape.oms.paper.exchange import BROKER
from tradertape.oms.paper.portfolio import order_dict
from tradertape.oms.paper.session_jobs import SessionJobs
from tradertape.oms.positions import cash_balance, net_positions
from tradertape.ports.clock import IST
from tradertape.testkit import make_tick

BUY, SELL = TransactionType.BUY, TransactionType.SELL


def _cover(
    side: TransactionType, quantity: int, trigger: str, price: str | None = None
) -> OrderSpec:
    return OrderSpec(
        exchange=Exchange.NSE,
        tradingsymbol="INFY",
        transaction_type=side,
        quantity=quantity,
        product=Product.MIS,
        order_type=OrderType.LIMIT if price else OrderType.MARKET,
        variety=Variety.CO,
        price=Decimal(price) if price else None,
        trigger_price=Decimal(trigger),
    )


def _tick(paper: PaperDesk, price: str, volume: int = 100_000) -> Tick:
    return make_tick("NSE:INFY", price, ts=paper.clock.now(), last_quantity=volume)


def _place(paper: PaperDesk, db: Session, spec: OrderSpec, last: Tick | None) -> Order:
    return paper.exchange.place(db, user_id=paper.user_id, spec=spec, last=last)


def _leg(db: Session, entry: Order) -> Order | None:
    return db.scalar(
        select(Order)
        .where(Order.client_key == f"co:{entry.order_id}")
        .execution_options(populate_existing=True)
    )


def _fresh(db: Session, order: Order) -> Order:
    db.refresh(order)
    return order


def _kinds(db: Session, order: Order) -> list[str]:
    return list(
        db.scalars(
            select(OrderEventRow.kind)
            .where(OrderEventRow.order_pk == order.id)
            .order_by(OrderEventRow.id)
        )
    )


def _charges(db: Session) -> Decimal:
    return sum(db.scalars(select(Trade.charges)), Decimal(0))


def test_the_filled_entry_brings_its_stop_loss_leg(paper: PaperDesk, database: Database):
    with database.session() as db:
        entry = _place(paper, db, _cover(BUY, 100, "1380"), _tick(paper, "1400"))
        leg = _leg(db, entry)
        assert leg is not None
        first, second = order_dict(entry), order_dict(leg)
        charges = _charges(db)
        account = paper.exchange.margins(db, paper.user_id)
    assert (entry.status, entry.filled_quantity, entry.average_price) == (
        "COMPLETE",
        100,
        Decimal(1400),
    )
    assert {k: first[k] for k in ("variety", "order_type", "product", "parent_order_id")} == {
        "variety": "co",
        "order_type": "MARKET",
        "product": "MIS",
        "parent_order_id": None,
    }
    assert {
        k: second[k]
        for k in (
            "variety",
            "order_type",
            "transaction_type",
            "quantity",
            "trigger_price",
            "status",
            "parent_order_id",
            "product",
        )
    } == {
        "variety": "co",
        "order_type": "SL-M",
        "transaction_type": "SELL",
        "quantity": 100,
        "trigger_price": 1380.0,
        "status": "TRIGGER PENDING",
        "parent_order_id": entry.order_id,
        "product": "MIS",
    }
    # The covered position holds the loss to its stop, ₹20 × 100 = ₹2,000, or the 5 %
    # floor of 1,40,000: ₹7,000. MIS without the stop would hold ₹28,000.
    assert account.positions.total == Decimal(7_000)
    assert account.available == PAPER_DEPOSIT - charges - 7_000


def test_a_resting_limit_entry_holds_the_risk_to_its_stop(paper: PaperDesk, database: Database):
    with database.session() as db:
        entry = _place(paper, db, _cover(BUY, 100, "1310", "1390"), _tick(paper, "1400"))
        blocked = paper.exchange.blocked(db, paper.user_id)
        leg = _leg(db, entry)
    assert (entry.status, leg) == ("OPEN", None)  # no leg before a fill
    assert blocked == Decimal(8_000)  # ₹80 to the stop × 100, above the 5 % floor (₹6,950)


def test_a_cover_order_the_account_cannot_carry_is_rejected(paper: PaperDesk, database: Database):
    with database.session() as db:
        entry = _place(paper, db, _cover(BUY, 20_000, "1320"), _tick(paper, "1400"))
        leg = _leg(db, entry)
    assert (entry.status, leg) == ("REJECTED", None)
    assert entry.status_message == (
        "Insufficient funds. Required margin is 16,00,000.00 but available margin is 10,00,000.00."
    )


def test_the_stop_closes_the_position(paper: PaperDesk, database: Database):
    with database.session() as db:
        entry = _place(paper, db, _cover(BUY, 100, "1380"), _tick(paper, "1400"))
        paper.exchange.on_tick(db, _tick(paper, "1385"), traded_volume=1_000)
        leg = _leg(db, entry)
        assert leg is not None
        assert leg.status == "TRIGGER PENDING"
        paper.exchange.on_tick(db, _tick(paper, "1379"), traded_volume=1_000)
        leg = _fresh(db, leg)
        charges = _charges(db)
        cash = cash_balance(db, user_id=paper.user_id, broker=BROKER)
        positions = net_positions(db, user_id=paper.user_id, broker=BROKER)
    assert (leg.status, leg.average_price) == ("COMPLETE", Decimal(1379))
    assert [p.quantity for p in positions] == [0]
    assert cash == PAPER_DEPOSIT - 2_100 - charges  # ₹21 × 100 lost, and the charges


def test_a_sell_cover_order_covers_with_a_buy_stop(paper: PaperDesk, database: Database):
    with database.session() as db:
        entry = _place(paper, db, _cover(SELL, 50, "1420"), _tick(paper, "1400"))
        leg = _leg(db, entry)
        assert leg is not None
        assert (leg.transaction_type, leg.trigger_price, leg.quantity) == ("BUY", Decimal(1420), 50)
        paper.exchange.on_tick(db, _tick(paper, "1421"), traded_volume=1_000)
        leg = _fresh(db, leg)
        positions = net_positions(db, user_id=paper.user_id, broker=BROKER)
    assert (leg.status, leg.average_price) == ("COMPLETE", Decimal(1421))
    assert [p.quantity for p in positions] == [0]


def test_cancelling_the_leg_exits_at_market(paper: PaperDesk, database: Database):
    with database.session() as db:
        entry = _place(paper, db, _cover(BUY, 100, "1380"), _tick(paper, "1400"))
        leg = _leg(db, entry)
        assert leg is not None
        exited = paper.exchange.cancel(
            db, user_id=paper.user_id, order_id=leg.order_id, last=_tick(paper, "1410")
        )
        kinds = _kinds(db, exited)
        positions = net_positions(db, user_id=paper.user_id, broker=BROKER)
    assert (exited.status, exited.order_type, exited.average_price) == (
        "COMPLETE",
        "MARKET",
        Decimal(1410),
    )
    assert kinds == ["accepted", "triggered", "filled"]
    assert [p.quantity for p in positions] == [0]


def test_an_exit_without_a_price_fills_on_the_next_tick(paper: PaperDesk, database: Database):
    with database.session() as db:
        entry = _place(paper, db, _cover(BUY, 100, "1380"), _tick(paper, "1400"))
        leg = _leg(db, entry)
        assert leg is not None
        paper.exchange.cancel(db, user_id=paper.user_id, order_id=leg.order_id)
        assert (leg.status, leg.order_type) == ("OPEN", "MARKET")
        paper.exchange.on_tick(db, _tick(paper, "1405"), traded_volume=1_000)
        leg = _fresh(db, leg)
    assert (leg.status, leg.average_price) == ("COMPLETE", Decimal(1405))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"quantity": 50}, "quantity", id="quantity"),
        pytest.param({"order_type": OrderType.MARKET}, "order_type", id="type"),
        pytest.param({"trigger_price": Decimal(1400)}, "trigger_price", id="stop-at-market"),
        pytest.param({"trigger_price": Decimal("1390.03")}, "trigger_price", id="off-tick"),
    ],
)
def test_the_leg_takes_a_new_trigger_and_nothing_else(
    paper: PaperDesk, database: Database, changes: dict[str, Any], field: str
):
    with database.session() as db:
        entry = _place(paper, db, _cover(BUY, 100, "1380"), _tick(paper, "1400"))
        leg = _leg(db, entry)
        assert leg is not None
        with pytest.raises(InvalidField) as refused:
            paper.exchange.modify(
                db,
                user_id=paper.user_id,
                order_id=leg.order_id,
                changes=changes,
                last=_tick(paper, "1400"),
            )
        moved = paper.exchange.modify(
            db,
            user_id=paper.user_id,
            order_id=leg.order_id,
            changes={"trigger_price": Decimal("1390")},
            last=_tick(paper, "1400"),
        )
    assert refused.value.field == field
    assert (moved.trigger_price, moved.status, moved.quantity) == (
        Decimal(1390),
        "TRIGGER PENDING",
        100,
    )


def test_a_filled_entry_is_exited_through_its_leg_not_cancelled(
    paper: PaperDesk, database: Database
):
    with database.session() as db:
        entry = _place(paper, db, _cover(BUY, 100, "1380"), _tick(paper, "1400"))
        leg = _leg(db, entry)
        assert leg is not None
        with pytest.raises(BadRequest, match=f"cancelling its stop-loss leg {leg.order_id}"):
            paper.exchange.cancel(db, user_id=paper.user_id, order_id=entry.order_id)
        with pytest.raises(BadRequest, match=leg.order_id):
            paper.exchange.modify(
                db,
                user_id=paper.user_id,
                order_id=entry.order_id,
                changes={"trigger_price": Decimal(1390)},
                last=None,
            )


def test_an_unfilled_entry_is_simply_cancelled(paper: PaperDesk, database: Database):
    with database.session() as db:
        entry = _place(paper, db, _cover(BUY, 100, "1370", "1390"), _tick(paper, "1400"))
        paper.exchange.cancel(db, user_id=paper.user_id, order_id=entry.order_id)
        paper.exchange.on_tick(db, _tick(paper, "1385"), traded_volume=1_000)
        leg = _leg(db, entry)
    assert (entry.status, leg) == ("CANCELLED", None)


def test_the_leg_follows_partial_fills_of_the_entry(paper: PaperDesk, database: Database):
    with database.session() as db:
        entry = _place(paper, db, _cover(BUY, 100, "1370", "1390"), _tick(paper, "1400"))
        paper.exchange.on_tick(db, _tick(paper, "1389"), traded_volume=40)
        leg = _leg(db, entry)
        assert leg is not None
        assert (entry.filled_quantity, leg.quantity) == (40, 40)
        with pytest.raises(InvalidField, match=f"modify its stop-loss leg {leg.order_id}"):
            paper.exchange.modify(  # the stop of what filled is the leg's now
                db,
                user_id=paper.user_id,
                order_id=entry.order_id,
                changes={"trigger_price": Decimal(1375)},
                last=None,
            )
        paper.exchange.on_tick(db, _tick(paper, "1388"), traded_volume=60)
        leg = _fresh(db, leg)
        kinds = _kinds(db, leg)
    assert (entry.status, leg.quantity, leg.status) == ("COMPLETE", 100, "TRIGGER PENDING")
    assert kinds == ["accepted", "modified"]


def test_a_gap_through_the_stop_closes_a_fresh_position_on_the_same_tick(
    paper: PaperDesk, database: Database
):
    with database.session() as db:
        entry = _place(paper, db, _cover(BUY, 100, "1370", "1390"), _tick(paper, "1400"))
        paper.exchange.on_tick(db, _tick(paper, "1365"), traded_volume=1_000)
        leg = _leg(db, entry)
        positions = net_positions(db, user_id=paper.user_id, broker=BROKER)
    assert leg is not None
    assert (entry.average_price, leg.status, leg.average_price) == (
        Decimal(1365),
        "COMPLETE",
        Decimal(1365),
    )
    assert [p.quantity for p in positions] == [0]


def test_an_exit_cancels_what_is_left_of_the_entry(paper: PaperDesk, database: Database):
    with database.session() as db:
        entry = _place(paper, db, _cover(BUY, 100, "1370", "1390"), _tick(paper, "1400"))
        paper.exchange.on_tick(db, _tick(paper, "1389"), traded_volume=40)
        leg = _leg(db, entry)
        assert leg is not None
        paper.exchange.cancel(
            db, user_id=paper.user_id, order_id=leg.order_id, last=_tick(paper, "1392")
        )
        entry = _fresh(db, entry)
        positions = net_positions(db, user_id=paper.user_id, broker=BROKER)
    assert (entry.status, entry.filled_quantity, entry.status_message) == (
        "CANCELLED",
        40,
        "Cover order exited.",
    )
    assert (leg.status, leg.filled_quantity) == ("COMPLETE", 40)
    assert [p.quantity for p in positions] == [0]


@pytest.mark.parametrize(
    ("side", "trigger", "why"),
    [
        pytest.param(BUY, "1400", "below 1400", id="buy-stop-at-market"),
        pytest.param(BUY, "1259.90", "within 140.00", id="buy-stop-too-far"),
        pytest.param(SELL, "1399", "above 1400", id="sell-stop-below"),
        pytest.param(SELL, "1540.10", "within 140.00", id="sell-stop-too-far"),
    ],
)
def test_a_stop_on_the_wrong_side_or_too_far_is_refused(
    paper: PaperDesk, database: Database, side, trigger, why
):
    with database.session() as db:
        with pytest.raises(InvalidField, match=why) as refused:
            _place(paper, db, _cover(side, 10, trigger), _tick(paper, "1400"))
        assert db.scalar(select(Order.id)) is None
    assert refused.value.field == "trigger_price"


def test_cover_positions_are_squared_off_with_mis_at_1520(paper: PaperDesk, database: Database):
    with database.session() as db:
        entry = _place(paper, db, _cover(BUY, 100, "1380"), _tick(paper, "1400"))
        paper.clock.set(datetime(2026, 11, 20, 15, 20, tzinfo=IST))
        last = _tick(paper, "1402")
        jobs = SessionJobs(
            clock=paper.clock,
            calendar=nse_calendar(),
            exchange=paper.exchange,
            last_tick=lambda _key: last,
        )
        closing = jobs.square_off_mis(db)
        leg = _leg(db, entry)
        positions = net_positions(db, user_id=paper.user_id, broker=BROKER)
    assert leg is not None
    assert (leg.status, leg.status_message) == (
        "CANCELLED",
        "Cancelled by the broker at the MIS square-off time.",
    )
    assert [(o.transaction_type, o.quantity, o.status, o.source) for o in closing] == [
        ("SELL", 100, "COMPLETE", "squareoff")
    ]
    assert [p.quantity for p in positions] == [0]
