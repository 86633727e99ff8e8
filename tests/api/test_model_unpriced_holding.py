"""A portfolio holding a symbol without candles (ABB, outside the NIFTY 50 data loaded):
the scan marks it at cost and writes a number, never NaN, and the dashboard answers with
the position unpriced (issue 64: the scan wrote ``NaN`` into the equity curve and every
dashboard read after it was a 500)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.api.test_model_api import SCAN_DAY, _deploy, _scan
from tests.helpers import sign_in
from tradertape.db.models import ModelPortfolio, ModelPosition
from tradertape.ports.clock import IST
from tradertape.runtime import Runtime

UNPRICED = "NSE:ABB"  # in the catalog, with no candles in the test's data


def _hold_unpriced(runtime: Runtime, portfolio_id: int, user_id: int) -> None:
    """10 ABB at ₹5,000 in the portfolio's book, bought the session before the scan."""
    at = datetime(2025, 5, 30, 15, 30, tzinfo=IST)
    with runtime.db.session() as db:
        db.add(
            ModelPosition(
                user_id=user_id,
                portfolio_id=portfolio_id,
                symbol=UNPRICED,
                sector="Capital Goods",
                quantity=10,
                base_quantity=10,
                entry_price=Decimal(5000),
                entry_date=at.date(),
                held_from=at.date(),
                addon_count=0,
                highest_close=Decimal(5000),
                status="open",
                created_at=at,
                updated_at=at,
            )
        )
        runtime.exchange.book_virtual_fill(
            db,
            user_id=user_id,
            key=UNPRICED,
            buy=True,
            quantity=10,
            price=Decimal(5000),
            charges=Decimal(0),
            at=at - timedelta(days=1),
            attribution={"portfolio_id": portfolio_id},
        )
        portfolio = db.get_one(ModelPortfolio, portfolio_id)
        portfolio.current_capital -= Decimal(50_000)
        portfolio.deployed_capital += Decimal(50_000)
        db.commit()


def test_a_scan_marks_an_unpriced_holding_at_cost_and_the_dashboard_answers(
    client: TestClient, with_candles: Runtime
):
    user_id = sign_in(client, with_candles, "unpriced@x.in")
    portfolio = _deploy(client)
    _hold_unpriced(with_candles, portfolio["id"], user_id)

    report = _scan(client, portfolio["id"], SCAN_DAY)

    # ₹9,50,000 free and the 10 ABB carried at their ₹50,000 cost: the capital, not NaN
    assert report["equity"] == "1000000.00"
    with with_candles.db.session() as db:
        curve = db.scalars(
            select(ModelPortfolio.equity_curve).where(ModelPortfolio.id == portfolio["id"])
        ).one()
    assert [p["equity"] for p in curve] == [1_000_000.0]
    assert all(math.isfinite(v) for p in curve for v in p.values() if isinstance(v, float))
    board = client.get("/api/model/dashboard", params={"portfolio_id": portfolio["id"]})
    assert board.status_code == 200, board.text
    body = board.json()
    (held,) = [p for p in body["open_positions"] if p["symbol"] == UNPRICED]
    assert (held["last_price"], held["unrealised_pnl"]) == (None, None)  # "no price"
    assert body["equity_curve"][-1]["equity"] == "1000000.00"
    # the sector weight of what has no price is its cost
    assert Decimal(body["sector_allocation"]["Capital Goods"]) == Decimal(50_000)


def test_a_nan_point_written_before_is_answered_as_no_figure(
    client: TestClient, with_candles: Runtime
):
    """A curve written before the scan carried unpriced holdings at cost may hold a NaN
    (SQLite kept one; PostgreSQL's JSON refused it, and the scan failed): the dashboard
    answers it as null rather than a 500."""
    sign_in(client, with_candles, "old-nan@x.in")
    portfolio = _deploy(client)
    with with_candles.db.session() as db:
        if db.get_bind().dialect.name == "postgresql":
            pytest.skip("PostgreSQL's JSON holds no NaN")
        row = db.get_one(ModelPortfolio, portfolio["id"])
        nan = {"date": SCAN_DAY, "equity": float("nan"), "deployed": 0.0, "committed": 0.0}
        row.equity_curve = [nan]
        db.commit()
    board = client.get("/api/model/dashboard", params={"portfolio_id": portfolio["id"]})
    assert board.status_code == 200, board.text
    (point,) = board.json()["equity_curve"]
    assert point == {"date": SCAN_DAY, "equity": None, "deployed": "0.00", "committed": "0.00"}
