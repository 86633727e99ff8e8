"""Migration 0055 drops a model position's ``charges`` and ``realised_pnl`` (issue 51, item
4: they are read from the ledger, `portfolios.position_money`), on SQLite and PostgreSQL;
its downgrade brings the columns back and keeps every position."""

from __future__ import annotations

from decimal import Decimal

from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text

from tests.helpers import sign_in
from tests.integration.test_portfolio_book_money import DAY1, _desk
from tradertape.db.migrate import alembic_config, current_revision, head_revision, upgrade
from tradertape.runtime import Runtime


def _columns(runtime: Runtime) -> set[str]:
    return {c["name"] for c in inspect(runtime.db.engine).get_columns("model_positions")}


def test_the_columns_go_and_come_back_and_the_positions_stay(
    client: TestClient, with_candles: Runtime
):
    runtime = with_candles
    desk = _desk(runtime, sign_in(client, runtime, "m55@x.in"))
    charges = desk.buy("NSE:INFY", 10, "1500.00", DAY1)
    assert {"charges", "realised_pnl"}.isdisjoint(_columns(runtime))

    runtime.db.engine.dispose()
    command.downgrade(alembic_config(runtime.db.engine), "0054")
    assert current_revision(runtime.db.engine) == "0054"
    assert {"charges", "realised_pnl"} <= _columns(runtime)
    with runtime.db.engine.connect() as conn:
        rows = conn.execute(text("SELECT symbol, charges, realised_pnl FROM model_positions"))
        assert [(s, Decimal(str(c)), r) for s, c, r in rows] == [("NSE:INFY", Decimal(0), None)]

    upgrade(runtime.db.engine)
    assert current_revision(runtime.db.engine) == head_revision()
    assert {"charges", "realised_pnl"}.isdisjoint(_columns(runtime))
    (position,) = client.get("/api/model/positions").json()
    assert (position["symbol"], Decimal(position["charges"])) == ("NSE:INFY", charges)
