"""The dashboard's benchmark: the universe index on the equity curve's dates, rebased."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fastapi.testclient import TestClient

from tests.api.test_model_api import _deploy, _scan, alice  # noqa: F401  (fixture)
from tradertape.runtime import Runtime


def test_dashboard_benchmark_is_the_index_rebased_to_the_first_equity(
    alice: TestClient,  # noqa: F811
    with_candles: Runtime,
):
    portfolio = _deploy(alice)
    board = alice.get("/api/model/dashboard", params={"portfolio_id": portfolio["id"]}).json()
    assert (board["benchmark"], board["benchmark_curve"]) == ("NSE:NIFTY 50", [])

    _scan(alice, portfolio["id"], "2025-06-02")
    _scan(alice, portfolio["id"], "2025-06-03")
    board = alice.get("/api/model/dashboard", params={"portfolio_id": portfolio["id"]}).json()
    curve = board["equity_curve"]
    bench = board["benchmark_curve"]
    assert [p["date"] for p in bench] == ["2025-06-02", "2025-06-03"]
    closes = with_candles.candles.load_panel(
        ["NSE:NIFTY 50"], date(2025, 6, 2), date(2025, 6, 3)
    ).close[:, 0]
    first = Decimal(curve[0]["equity"])
    assert Decimal(bench[0]["value"]) == first
    expected = first * Decimal(str(closes[1])) / Decimal(str(closes[0]))
    assert Decimal(bench[1]["value"]) == expected.quantize(Decimal("0.01"))
