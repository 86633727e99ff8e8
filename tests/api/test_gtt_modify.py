"""``PUT /api/gtt/triggers/{id}``: Kite's modify (the whole trigger, the id kept), by the
rules a new trigger passes; owners only; never under the order it placed."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tradertape.runtime import Runtime
from tradertape.testkit import make_tick


def _leg(side: str, price: float, quantity: int = 5) -> dict[str, Any]:
    return {
        "transaction_type": side,
        "quantity": quantity,
        "order_type": "LIMIT",
        "product": "CNC",
        "price": price,
    }


def _gtt(values: list[float], *legs: dict[str, Any], symbol: str = "INFY") -> dict[str, Any]:
    return {
        "type": "single" if len(values) == 1 else "two-leg",
        "condition": {
            "exchange": "NSE",
            "tradingsymbol": symbol,
            "trigger_values": values,
            "last_price": 1400,
        },
        "orders": list(legs),
    }


@pytest.fixture
def trader(client: TestClient, runtime: Runtime) -> TestClient:
    sign_in(client, runtime, "t@x.in")
    assert client.post("/api/portfolio/funds", json={"amount": 100000}).status_code == 201
    return client


@pytest.fixture
def trigger_id(trader: TestClient) -> int:
    created = trader.post("/api/gtt/triggers", json=_gtt([1450], _leg("BUY", 1455)))
    assert created.status_code == 201, created.text
    found: int = created.json()["trigger_id"]
    return found


def test_modify_changes_values_and_orders_in_place(trader: TestClient, trigger_id: int):
    path = f"/api/gtt/triggers/{trigger_id}"
    response = trader.put(path, json=_gtt([1470], _leg("BUY", 1475, quantity=3)))
    assert response.status_code == 200, response.text
    assert response.json() == {"trigger_id": trigger_id}
    one = trader.get(path).json()
    assert (one["id"], one["status"], one["type"]) == (trigger_id, "active", "single")
    assert one["condition"]["trigger_values"] == [1470.0]
    assert (one["orders"][0]["price"], one["orders"][0]["quantity"]) == (1475.0, 3)
    assert len(trader.get("/api/gtt/triggers").json()) == 1


def test_modify_to_an_oco(trader: TestClient, runtime: Runtime):
    created = trader.post("/api/gtt/triggers", json=_gtt([1450], _leg("BUY", 1455)))
    buy = trader.post("/api/orders", json={**_order(), "idempotency_key": "buy-for-oco"})
    assert buy.status_code == 201, buy.text
    path = f"/api/gtt/triggers/{created.json()['trigger_id']}"
    oco = _gtt([1300, 1500], _leg("SELL", 1295, 5), _leg("SELL", 1505, 5))
    assert trader.put(path, json=oco).status_code == 200
    one = trader.get(path).json()
    assert one["type"] == "two-leg"
    assert one["condition"]["trigger_values"] == [1300.0, 1500.0]
    assert [o["price"] for o in one["orders"]] == [1295.0, 1505.0]


def _order() -> dict[str, Any]:
    return {
        "exchange": "NSE",
        "tradingsymbol": "INFY",
        "transaction_type": "BUY",
        "quantity": 5,
        "product": "CNC",
        "order_type": "LIMIT",
        "price": 1400,
    }


def test_bad_modifications_name_the_field_and_change_nothing(trader: TestClient, trigger_id: int):
    path = f"/api/gtt/triggers/{trigger_id}"
    other = trader.put(path, json=_gtt([1450], _leg("BUY", 1455), symbol="TCS"))
    assert other.status_code == 422
    assert other.json()["detail"][0]["field"] == "condition.tradingsymbol"
    unordered = trader.put(path, json=_gtt([1500, 1300], _leg("SELL", 1), _leg("SELL", 1)))
    assert unordered.json()["detail"][0]["field"] == "condition.trigger_values"
    assert trader.get(path).json()["condition"]["trigger_values"] == [1450.0]


def test_a_risk_rule_refuses_a_bigger_leg(trader: TestClient, trigger_id: int):
    rule = {"type": "max_order_value", "action": "block", "threshold_amount": "10000"}
    assert trader.post("/api/risk/rules", json=rule).status_code == 201
    path = f"/api/gtt/triggers/{trigger_id}"
    response = trader.put(path, json=_gtt([1450], _leg("BUY", 1455, quantity=50)))
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Order rejected by risk rule")
    assert trader.get(path).json()["orders"][0]["quantity"] == 5


def test_a_fired_trigger_cannot_be_modified(trader: TestClient, runtime: Runtime, trigger_id: int):
    runtime.quotes.update(make_tick("NSE:INFY", "1451", ts=runtime.clock.now()))
    last = runtime.quotes("NSE:INFY")
    assert last is not None
    with runtime.db.session() as db:
        runtime.gtts.on_tick(db, last)
    response = trader.put(f"/api/gtt/triggers/{trigger_id}", json=_gtt([1470], _leg("BUY", 1475)))
    assert response.status_code == 400
    assert response.json() == {"detail": f"GTT {trigger_id} is triggered and cannot be modified"}


def test_another_users_trigger_is_404(trader: TestClient, runtime: Runtime, trigger_id: int):
    sign_in(trader, runtime, "other@x.in")
    response = trader.put(f"/api/gtt/triggers/{trigger_id}", json=_gtt([1470], _leg("BUY", 1)))
    assert response.status_code == 404
    assert response.json() == {"detail": f"GTT {trigger_id} not found"}
