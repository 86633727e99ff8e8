"""A modification's old and new terms in the order's history: "Price 1,400.00 → 1,401.50"."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tradertape.runtime import Runtime
from tradertape.testkit import make_tick

ORDER = {
    "exchange": "NSE",
    "tradingsymbol": "INFY",
    "transaction_type": "BUY",
    "quantity": 10,
    "product": "CNC",
    "order_type": "LIMIT",
    "price": 1400,
}


def _signed_in_at(client: TestClient, runtime: Runtime, price: str) -> None:
    sign_in(client, runtime, "t@x.in")
    client.post("/api/portfolio/funds", json={"amount": 500_000})
    runtime.quotes.update(make_tick("NSE:INFY", price, ts=runtime.clock.now()))


def _history(client: TestClient, order_id: str) -> list[dict[str, object]]:
    response = client.get(f"/api/orders/{order_id}/history")
    assert response.status_code == 200, response.text
    return list(response.json())


def test_each_modification_lists_the_terms_it_changed_old_and_new_price_first(
    client: TestClient, runtime: Runtime
):
    _signed_in_at(client, runtime, "1500")
    order_id = client.post("/api/orders", json=ORDER).json()["order_id"]  # 1400: rests

    assert client.put(f"/api/orders/{order_id}", json={"quantity": 12, "price": 1401.5}).is_success
    assert client.put(f"/api/orders/{order_id}", json={"validity": "DAY"}).is_success  # no change

    events = _history(client, order_id)
    assert [e["event"] for e in events] == ["accepted", "modified", "modified"]
    assert events[0]["changes"] == []
    assert events[1]["changes"] == [
        {"field": "price", "old": 1400.0, "new": 1401.5},
        {"field": "quantity", "old": 10, "new": 12},
    ]
    assert events[2]["changes"] == []


def test_a_stop_orders_trigger_price_and_type_show_old_and_new(
    client: TestClient, runtime: Runtime
):
    _signed_in_at(client, runtime, "1500")
    stop = {**ORDER, "order_type": "SL", "price": 1605, "trigger_price": 1600}
    order_id = client.post("/api/orders", json=stop).json()["order_id"]  # waits for 1600

    moved = client.put(f"/api/orders/{order_id}", json={"trigger_price": 1610.3, "price": 1615})
    assert moved.status_code == 200, moved.text
    market = client.put(f"/api/orders/{order_id}", json={"order_type": "SL-M", "price": 0})
    assert market.status_code == 200, market.text

    modified = [e["changes"] for e in _history(client, order_id) if e["event"] == "modified"]
    assert modified[0] == [
        {"field": "price", "old": 1605.0, "new": 1615.0},
        {"field": "trigger_price", "old": 1600.0, "new": 1610.3},
    ]
    assert modified[1] == [  # a stop-market order has no price
        {"field": "price", "old": 1615.0, "new": None},
        {"field": "order_type", "old": "SL", "new": "SL-M"},
    ]


def test_a_refused_modification_records_nothing(client: TestClient, runtime: Runtime):
    _signed_in_at(client, runtime, "1500")
    order_id = client.post("/api/orders", json=ORDER).json()["order_id"]

    refused = client.put(f"/api/orders/{order_id}", json={"price": 1400.03})

    assert refused.status_code == 422
    assert [e["event"] for e in _history(client, order_id)] == ["accepted"]
