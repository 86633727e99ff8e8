"""The tick an instrument reports is the one its orders are held to (docs/api-conventions.md).

INFY reported ``tick_size 0.05`` from the catalog while orders were checked on the NSE band
of its price (₹183: one paisa), so a price the API called off-grid was accepted.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from tests.api.test_trading_api import ORDER, quote
from tests.helpers import sign_in
from tradertape.runtime import Runtime


@pytest.mark.parametrize(
    ("last", "tick"),
    [
        pytest.param("183.05", "0.01", id="under-250"),
        pytest.param("612.35", "0.05", id="250-1000"),
        pytest.param("1512.30", "0.10", id="1000-5000"),
    ],
)
def test_reported_tick_is_the_enforced_tick(
    client: TestClient, runtime: Runtime, last: str, tick: str
):
    sign_in(client, runtime, "t@x.in")
    client.post("/api/portfolio/funds", json={"amount": "10000000"})
    quote(runtime, last)
    reported = client.get("/api/instruments/NSE/INFY").json()["tick_size"]
    searched = client.get("/api/instruments/search", params={"q": "INFY"}).json()[0]
    assert Decimal(reported) == Decimal(searched["tick_size"]) == Decimal(tick)

    below = Decimal(last) - Decimal(tick) * 3  # on the grid, not marketable: it rests
    on_grid = client.post("/api/orders", json={**ORDER, "quantity": 1, "price": str(below)})
    assert on_grid.status_code == 201, on_grid.text
    if Decimal(tick) > Decimal("0.01"):
        off_grid = client.post(
            "/api/orders",
            json={**ORDER, "quantity": 1, "price": str(below + Decimal("0.01"))},
        )
        assert off_grid.status_code == 422
        assert off_grid.json()["detail"][0]["field"] == "price"


def test_the_worker_api_reports_the_same_tick(client: TestClient, runtime: Runtime):
    from tests.workers_kit import new_worker, set_price

    set_price(runtime, "NSE:INFY", "183.05")
    worker = new_worker(client, runtime)
    resolved = worker.call("GET", "/market/instruments/resolve", params={"symbol": "NSE:INFY"})
    assert resolved.json()["tick_size"] == 0.01  # a number: the SDK parses Kite's shape
