"""A placement's reads of the orders that may still fill seek the working-orders index
(migration 0038), however many finished orders the user has and whatever PostgreSQL's
planner knows of the table: a schema without statistics once walked all of the user's
orders by time for each placement, and placing slowed as the day went on."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, text

from tests.helpers import make_user
from tradertape.db.engine import Database
from tradertape.db.models.trading import WORKING_ORDERS_SQL
from tradertape.domain.instruments import Exchange
from tradertape.domain.order_state import PENDING
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.oms import book_totals
from tradertape.oms.order_log import UNPLACED
from tradertape.oms.positions import WAITING_LIVE, ledger_read
from tradertape.runtime import Runtime
from tradertape.testkit import make_tick

FINISHED = 400  # a busy day's orders, all filled


def test_the_index_holds_every_status_an_order_may_still_fill_in() -> None:
    listed = {s.strip(" '") for s in WORKING_ORDERS_SQL.split("(", 1)[1].rstrip(")").split(",")}
    assert listed == {*PENDING, UNPLACED}
    assert set(WAITING_LIVE) <= listed


def _finished_orders(runtime: Runtime, user_id: int) -> None:
    tick = make_tick("NSE:INFY", "1400", ts=runtime.clock.now())
    spec = OrderSpec(
        exchange=Exchange.NSE,
        tradingsymbol="INFY",
        transaction_type=TransactionType.BUY,
        quantity=1,
        product=Product.CNC,
        order_type=OrderType.MARKET,
    )
    with runtime.db.session() as db:
        runtime.exchange.deposit(db, user_id=user_id, amount=Decimal(10_000_000))
        order = runtime.exchange.place(db, user_id=user_id, spec=spec, last=tick)
        assert order.status == "COMPLETE"
        db.commit()
    with runtime.db.engine.begin() as connection:
        columns = [c["name"] for c in connection.dialect.get_columns(connection, "orders")]
        kept = [c for c in columns if c not in ("id", "order_id", "client_key")]
        names = ", ".join(kept)
        copies = (  # the table's own column names and a constant: nothing from outside
            f"INSERT INTO orders (order_id, client_key, {names}) "  # noqa: S608
            f"SELECT 'X' || n, 'k' || n, {names} FROM orders, "
            f"generate_series(1, {FINISHED}) AS n WHERE orders.order_id = :first"
        )
        connection.execute(text(copies), {"first": order.order_id})


def _plan(database: Database, statement: Any, values: dict[str, Any]) -> str:
    sql = statement.params(**values).compile(
        dialect=database.engine.dialect, compile_kwargs={"literal_binds": True}
    )
    with database.engine.connect() as connection:
        rows = connection.exec_driver_sql(f"EXPLAIN {sql}").all()
    return "\n".join(row[0] for row in rows)


def test_a_placements_reads_of_working_orders_seek_their_index(
    runtime: Runtime, database: Database
) -> None:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("SQLite plans these reads without statistics (test_user_scoped_reads)")
    user_id = make_user(runtime, "busy@x.in")
    _finished_orders(runtime, user_id)
    pending = select(book_totals._ANY_PENDING)
    reads: list[tuple[Any, dict[str, Any]]] = [
        (pending, {"user_id": user_id, "broker": "paper"}),
        (ledger_read("postgresql", False)._statement, {"user_id": user_id, "after": 0}),
        (ledger_read("postgresql", True)._statement, {"user_id": user_id, "after": 0}),
    ]
    for statement, values in reads:
        plan = _plan(database, statement, values)
        assert "ix_orders_user_working" in plan, plan
