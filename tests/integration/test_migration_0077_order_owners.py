"""Migration 0077 gives every stored order its owner (`domain.owners`) from the source and
attribution it was placed with, by the rule the OMS applies to a new order: a portfolio's,
a worker run's, an option run's leg, an alert's, an MTM exit's, the assistant's, a chain
basket's, and the desk's for the rest."""

from __future__ import annotations

from decimal import Decimal

import pytest
from alembic import command
from sqlalchemy import select, update

from tests.integration.conftest import PaperDesk
from tradertape.db.engine import Database
from tradertape.db.migrate import alembic_config, current_revision, head_revision, upgrade
from tradertape.db.models.trading import Order
from tradertape.domain.instruments import Exchange
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.testkit import make_tick

pytestmark = pytest.mark.db

PLACED = (  # source, attribution, the owner the migration gives it
    ("api", None, ("manual", None)),
    ("portfolio", {"portfolio_id": 7, "signal_id": 3}, ("portfolio", 7)),
    ("worker", {"run_pk": 4, "tag": "wr4"}, ("worker_run", 4)),
    ("options_runtime", {"run_pk": 5, "option_leg": 1}, ("option_run", 5)),
    ("alert", {"alert_id": 9, "alert_fire_id": 2}, ("alert", 9)),
    ("mtm_exit", {"mtm_rule_id": 3}, ("mtm_exit", 3)),
    ("mtm_exit", {"mtm_rule_id": 3, "run_pk": 4}, ("worker_run", 4)),  # a run's position
    ("assistant:12", None, ("assistant", 12)),
    ("api", {"chain_basket": "chain:x", "basket_leg": 0}, ("basket", None)),
)


def test_stored_orders_get_the_owner_their_source_and_tags_name(
    paper: PaperDesk, database: Database
):
    tick = make_tick("NSE:INFY", "1500", ts=paper.clock.now(), volume=10**6)
    spec = OrderSpec(
        exchange=Exchange.NSE,
        tradingsymbol="INFY",
        transaction_type=TransactionType.BUY,
        quantity=1,
        product=Product.CNC,
        order_type=OrderType.LIMIT,
        price=Decimal(1400),
    )
    placed = {}
    with database.session() as db:
        for index, (source, tags, owner) in enumerate(PLACED):
            order = paper.exchange.place(
                db,
                user_id=paper.user_id,
                spec=spec,
                client_key=f"owner-{index}",
                source=source,
                attribution=tags,
                last=tick,
            )
            placed[order.order_id] = owner
            assert (order.owner_kind, order.owner_id) == owner  # as the OMS stores it
        db.execute(update(Order).values(owner_kind="manual", owner_id=None))
        db.commit()

    command.downgrade(alembic_config(database.engine), "0076")
    upgrade(database.engine)
    assert current_revision(database.engine) == head_revision()

    with database.session() as db:
        found = {o.order_id: (o.owner_kind, o.owner_id) for o in db.scalars(select(Order))}
    assert found == placed
