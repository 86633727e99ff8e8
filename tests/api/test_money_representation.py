"""One rule for money in JSON (docs/api-conventions.md, "Money").

TraderTape's own resources carry rupees as decimal strings to the paisa, so no float
rounding creeps in; Kite-shaped resources (``/api/portfolio/*``, ``/api/orders``,
``/api/gtt/*`` and the worker API) keep Kite's JSON numbers, which the published SDK parses.
The model-portfolio scan and dashboard mixed the two (``equity`` was a number beside
``current_capital: "1000000.00"``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.test_model_api import _deploy
from tests.api.test_trading_api import ORDER, quote
from tests.helpers import sign_in
from tradertape.runtime import Runtime

# scores and indicator readings, not rupees
NOT_MONEY = {"conviction", "conviction_score", "indicator_snapshot"}


def _numbers(body: Any, path: str = "") -> Iterator[str]:
    """Paths of the JSON numbers with a fraction (money candidates) under `body`."""
    if isinstance(body, dict):
        for key, value in body.items():
            if key not in NOT_MONEY:
                yield from _numbers(value, f"{path}.{key}")
    elif isinstance(body, list):
        for index, value in enumerate(body):
            yield from _numbers(value, f"{path}[{index}]")
    elif isinstance(body, float):
        yield path


@pytest.fixture
def trader(client: TestClient, with_candles: Runtime) -> TestClient:
    sign_in(client, with_candles, "m@x.in")
    return client


def test_own_resources_carry_money_as_strings(trader: TestClient):
    pid = _deploy(trader)["id"]
    scanned = trader.post("/api/model/scan", json={"portfolio_id": pid, "date": "2025-06-02"})
    held = scanned.json()[0]["entries"][0]
    trader.post(f"/api/model/signals/{held}/approve")
    trader.post("/api/model/cart/place", json={"portfolio_id": pid})
    trader.post("/api/risk/rules", json={"type": "daily_loss_limit", "threshold_amount": "5000"})
    bodies = {
        "scan": scanned.json(),
        "portfolios": trader.get("/api/model/portfolios").json(),
        "signals": trader.get("/api/model/signals").json(),
        "positions": trader.get("/api/model/positions").json(),
        "dashboard": trader.get("/api/model/dashboard", params={"portfolio_id": pid}).json(),
        "risk state": trader.get("/api/risk/state").json(),
        "risk rules": trader.get("/api/risk/rules").json(),
    }
    assert bodies["scan"][0]["equity"] == bodies["dashboard"]["equity_curve"][-1]["equity"]
    assert isinstance(bodies["scan"][0]["equity"], str)
    floats = {name: list(_numbers(body)) for name, body in bodies.items()}
    assert floats == {name: [] for name in bodies}


def test_kite_shaped_resources_keep_kite_numbers(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "k@x.in")
    client.post("/api/portfolio/funds", json={"amount": "100000"})
    quote(runtime, "1399.90")
    client.post("/api/orders", json={**ORDER, "idempotency_key": "order-money"})
    (order,) = client.get("/api/portfolio/orders").json()
    assert isinstance(order["average_price"], float)
    cash = client.get("/api/portfolio/margins").json()["equity"]["available"]["cash"]
    assert isinstance(cash, float | int)
