"""One user's desk reads and orders cost the same however many orders other users have, and
the reads after a booking read its new rows, not the user's whole history.

Measured in SQLite's virtual-machine steps (a progress handler on every connection), which
count the rows a statement walks, not the time it took: deterministic on any machine. With
the broker-led indexes alone SQLite's planner walked every user's paper orders for one
user's order book, funds check and ledger version (migration 0037).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from tests.helpers import sign_in
from tradertape.api.app import create_app
from tradertape.runtime import Runtime
from tradertape.testkit import make_tick

READS = ("/api/portfolio/orders", "/api/portfolio/margins", "/api/portfolio/positions")
COPIES = 300  # another user's orders, or this user's own past trades


@contextmanager
def vm_steps() -> Iterator[Callable[[], int]]:
    """Count SQLite's VM steps of every statement run inside, on any connection."""
    steps = [0]

    def tick() -> int:
        steps[0] += 1
        return 0  # go on

    def before(_conn: Any, cursor: Any, *_args: Any) -> None:
        cursor.connection.set_progress_handler(tick, 1)

    def after(_conn: Any, cursor: Any, *_args: Any) -> None:
        cursor.connection.set_progress_handler(None, 1)

    event.listen(Engine, "before_cursor_execute", before)
    event.listen(Engine, "after_cursor_execute", after)
    try:
        yield lambda: steps[0]
    finally:
        event.remove(Engine, "before_cursor_execute", before)
        event.remove(Engine, "after_cursor_execute", after)


def _place(client: TestClient, key: str, **fields: Any) -> None:
    body = {
        "exchange": "NSE",
        "tradingsymbol": "INFY",
        "transaction_type": "BUY",
        "quantity": 1,
        "product": "CNC",
        "order_type": "LIMIT",
        "price": "1400",  # below the market: it stays working
        "idempotency_key": key,
        **fields,
    }
    placed = client.post("/api/orders", json=body)
    assert placed.status_code == 201, placed.text


def _funded(client: TestClient, runtime: Runtime, email: str) -> int:
    user_id = sign_in(client, runtime, email)
    assert client.post("/api/portfolio/funds", json={"amount": "1000000"}).status_code == 201
    return user_id


def _copy(runtime: Runtime, table: str, row_id: int, unique: tuple[str, ...]) -> None:
    """`COPIES` copies of one row, its unique columns suffixed (the rows a user's months of
    trading leave), written as a migration would: straight to the table."""
    with runtime.db.engine.begin() as connection:
        columns = [c["name"] for c in connection.dialect.get_columns(connection, table)]
        kept = [c for c in columns if c != "id"]
        for n in range(COPIES):
            values = ", ".join(f"{c} || '-{n}'" if c in unique else c for c in kept)
            connection.execute(
                text(
                    f"INSERT INTO {table} ({', '.join(kept)}) "  # noqa: S608 - our own names
                    f"SELECT {values} FROM {table} WHERE id = :id"
                ),
                {"id": row_id},
            )


def _cost(client: TestClient, act: Callable[[TestClient], None]) -> int:
    act(client)  # once to warm every cache a first read fills
    with vm_steps() as steps:
        act(client)
        return steps()


def _reads(client: TestClient) -> None:
    for path in READS:
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.text)


@pytest.fixture
def sqlite_runtime(runtime: Runtime) -> Runtime:
    if runtime.db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's own VM steps; PostgreSQL plans by its statistics")
    runtime.quotes.update(make_tick("NSE:INFY", "1500", ts=runtime.clock.now()))
    return runtime


def test_another_users_orders_add_nothing_to_a_users_reads_or_orders(
    sqlite_runtime: Runtime,
) -> None:
    runtime = sqlite_runtime
    app = create_app(runtime)
    with (
        TestClient(app, base_url="http://testserver") as mine,
        TestClient(app, base_url="http://testserver") as theirs,
    ):
        _funded(mine, runtime, "mine@x.in")
        _place(mine, "mine-first")
        _funded(theirs, runtime, "theirs@x.in")
        _place(theirs, "theirs-first")
        placed = iter(range(10_000))

        def order(client: TestClient) -> None:
            _place(client, f"mine-order-{next(placed)}")

        order_before = _cost(mine, order)
        reads_before = _cost(mine, _reads)
        with runtime.db.engine.connect() as connection:
            theirs_id = connection.execute(
                text("SELECT id FROM orders WHERE client_key = 'theirs-first'")
            ).scalar_one()
        _copy(runtime, "orders", theirs_id, ("order_id", "client_key"))
        reads_after = _cost(mine, _reads)
        order_after = _cost(mine, order)
    # Walking their 300 working orders would add thousands of steps.
    assert reads_after == reads_before, (reads_before, reads_after)
    # My own order book grew by the two orders placed in between: a few steps more.
    assert order_after <= order_before * 1.1, (order_before, order_after)


def test_a_booking_is_read_at_the_cost_of_its_new_rows_not_the_users_history(
    sqlite_runtime: Runtime, client: TestClient
) -> None:
    runtime = sqlite_runtime
    _funded(client, runtime, "history@x.in")
    bought = iter(range(10_000))

    def buy_and_read(client: TestClient) -> None:
        _place(client, f"history-buy-{next(bought)}", order_type="MARKET", price=None)
        _reads(client)

    before = _cost(client, buy_and_read)
    with runtime.db.engine.connect() as connection:
        trade_id = connection.execute(text("SELECT max(id) FROM trades")).scalar_one()
    _copy(runtime, "trades", trade_id, ("trade_id", "broker_trade_id"))
    after = _cost(client, buy_and_read)
    # The two buys in between add a row each to today's book; 300 trades walked would
    # add thousands of steps.
    assert after <= before * 1.1, (before, after)
