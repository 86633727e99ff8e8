"""Migration 0024 quarantines rows stored before numbers were checked (issue 22), on SQLite
and PostgreSQL: a GTT that could never place its order is rejected with the reason, a
working order with an unusable price is rejected, and an absurd risk event becomes readable.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from alembic import command
from sqlalchemy import select, update

from tests.integration.conftest import PaperDesk
from tests.integration.test_gtt import buy_gtt, leg
from tradertape.db.engine import Database
from tradertape.db.migrate import alembic_config, current_revision, head_revision, upgrade
from tradertape.db.models.risk import RiskEvent
from tradertape.db.models.trading import Gtt, Order, OrderEventRow
from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.instruments import Exchange
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.oms.paper.gtt import GttBook


def _rerun_0024(database: Database) -> None:
    command.downgrade(alembic_config(database.engine), "0023")  # just before 0024
    upgrade(database.engine)
    assert current_revision(database.engine) == head_revision()


def _plant(database: Database, gtt_id: int, **values: Any) -> None:
    with database.session() as db:
        db.execute(update(Gtt).where(Gtt.id == gtt_id).values(**values))
        db.commit()


@pytest.fixture
def gtts(paper: PaperDesk) -> GttBook:
    return GttBook(clock=paper.clock, calendar=nse_calendar(), exchange=paper.exchange)


def test_gtts_that_cannot_place_their_order_are_rejected_with_the_reason(
    paper: PaperDesk, gtts: GttBook, database: Database
):
    with database.session() as db:
        ids = [gtts.create(db, user_id=paper.user_id, spec=buy_gtt()).id for _ in range(7)]
    huge, tiny, off_grid, fired, boolean, sound, deleted = ids
    _plant(database, huge, orders=[leg("BUY", 10, "1E+999")])
    _plant(database, tiny, trigger_values=["1e-30"])
    _plant(database, off_grid, orders=[leg("BUY", 10, "1455.005")])
    _plant(database, fired, status="triggered", triggered_leg=0, orders=[leg("BUY", 10, "1e308")])
    _plant(database, boolean, orders=[{**leg("BUY", 10, "1455"), "quantity": True}])
    _plant(database, deleted, status="deleted", orders=[leg("BUY", 10, "1E+999")])

    _rerun_0024(database)

    with database.session() as db:
        rows = {g.id: g for g in db.scalars(select(Gtt))}
    for gtt_id, field in (
        (huge, "orders[0].price"),
        (tiny, "trigger_values[0]"),
        (off_grid, "orders[0].price"),
        (fired, "orders[0].price"),
        (boolean, "orders[0].quantity"),
    ):
        row = rows[gtt_id]
        assert row.status == "rejected", gtt_id
        assert row.result is not None
        reason = row.result["order_result"]["rejection_reason"]
        assert reason.startswith("Rejected on upgrade")
        assert field in reason
    assert (rows[sound].status, rows[sound].result) == ("active", None)
    assert rows[deleted].status == "deleted"  # retired already: left as it was


def test_a_working_order_and_a_risk_event_with_absurd_values_are_made_safe(
    paper: PaperDesk, database: Database, request: pytest.FixtureRequest
):
    if request.config.getoption("--db-url") != "sqlite":
        pytest.skip("PostgreSQL's NUMERIC columns never held such values")
    spec = OrderSpec(
        exchange=Exchange.NSE,
        tradingsymbol="INFY",
        transaction_type=TransactionType.BUY,
        quantity=10,
        product=Product.CNC,
        order_type=OrderType.LIMIT,
        price=Decimal("1300"),
    )
    with database.session() as db:
        working = paper.exchange.place(db, user_id=paper.user_id, spec=spec)
        sound = paper.exchange.place(db, user_id=paper.user_id, spec=spec)
        event = RiskEvent(
            user_id=paper.user_id,
            at=paper.clock.now(),
            rule_type="max_order_value",
            action="block",
            origin="api",
            symbol="NSE:INFY",
            side="BUY",
            quantity=10,
            price=Decimal("1E+999"),
            value=Decimal("1E+1000"),
            threshold=Decimal("50000"),
            message="Order rejected by risk rule: order value",
            context={},
        )
        db.add(event)
        db.commit()
        order_pk, sound_pk, event_id = working.id, sound.id, event.id
        db.execute(update(Order).where(Order.id == order_pk).values(price=Decimal("1E+999")))
        db.commit()

    _rerun_0024(database)

    with database.session() as db:
        order, kept = db.get(Order, order_pk), db.get(Order, sound_pk)
        stored = db.get(RiskEvent, event_id)
        history = db.scalars(select(OrderEventRow.kind).where(OrderEventRow.order_pk == order_pk))
        kinds = list(history)
    assert order is not None
    assert kept is not None
    assert stored is not None
    assert order.status == "REJECTED"
    assert order.status_message is not None
    assert "Rejected on upgrade" in order.status_message
    assert kinds[-1] == "rejected"
    assert kept.status == "OPEN"
    assert (stored.value, stored.threshold, stored.price) == (None, Decimal(50000), Decimal(0))
