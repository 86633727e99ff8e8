"""The paper account over HTTP: portfolio views, orders with idempotency keys, GTTs."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient

from tests.helpers import PASSWORD, make_user, sign_in
from tradertape.runtime import Runtime
from tradertape.testkit import make_tick


def quote(runtime: Runtime, price: str, key: str = "NSE:INFY") -> None:
    runtime.quotes.update(make_tick(key, price, ts=runtime.clock.now(), last_quantity=100_000))


ORDER = {
    "exchange": "NSE",
    "tradingsymbol": "INFY",
    "transaction_type": "BUY",
    "quantity": 10,
    "product": "CNC",
    "order_type": "LIMIT",
    "price": 1400,
}


def test_order_fills_and_shows_in_the_portfolio(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "t@x.in")
    assert client.post("/api/portfolio/funds", json={"amount": 100000}).status_code == 201
    quote(runtime, "1399.90")

    placed = client.post("/api/orders", json={**ORDER, "idempotency_key": "order-0001"})

    assert placed.status_code == 201
    body = placed.json()
    assert (body["status"], body["replayed"]) == ("COMPLETE", False)
    orders = client.get("/api/portfolio/orders").json()
    assert orders[0]["average_price"] == 1399.9
    assert orders[0]["order_id"] == body["order_id"]
    holdings = client.get("/api/portfolio/holdings").json()
    assert holdings[0]["t1_quantity"] == 10
    assert holdings[0]["isin"] == "INE009A01021"
    trades = client.get("/api/portfolio/trades").json()
    assert trades[0]["quantity"] == 10
    cash = client.get("/api/portfolio/margins").json()["equity"]["available"]["cash"]
    assert cash < 100000 - 13999  # value plus charges left the account
    history = client.get(f"/api/orders/{body['order_id']}/history").json()
    assert [h["event"] for h in history] == ["accepted", "filled"]


def test_replayed_key_returns_the_first_order(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "t@x.in")
    client.post("/api/portfolio/funds", json={"amount": 100000})
    quote(runtime, "1500")  # not marketable: the order rests
    first = client.post("/api/orders", json={**ORDER, "idempotency_key": "order-0002"}).json()
    again = client.post("/api/orders", json={**ORDER, "idempotency_key": "order-0002"})
    assert again.status_code == 200
    assert again.json()["order_id"] == first["order_id"]
    assert again.json()["replayed"] is True
    assert len(client.get("/api/portfolio/orders").json()) == 1
    cancelled = client.delete(f"/api/orders/{first['order_id']}").json()
    assert cancelled["status"] == "CANCELLED"


def test_bad_orders_are_422_naming_the_field(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "t@x.in")
    cases = [
        ({**ORDER, "price": 1400.03}, "price"),
        ({**ORDER, "tradingsymbol": "NOPE"}, "tradingsymbol"),
        ({**ORDER, "quantity": 0}, "quantity"),
        ({**ORDER, "quantity": 10**30}, "quantity"),  # beyond exact Decimal money: was a 500
        ({**ORDER, "product": "XYZ"}, "product"),
        ({**ORDER, "tag": "mine"}, "tag"),
        ({**ORDER, "idempotency_key": "short"}, "idempotency_key"),
        ({**ORDER, "idempotency_key": "co:261120000000001"}, "idempotency_key"),
        ({**ORDER, "variety": "co", "product": "MIS"}, "trigger_price"),
    ]
    for body, field in cases:
        response = client.post("/api/orders", json=body)
        assert response.status_code == 422, body
        assert response.json()["detail"][0]["field"] == field
    assert client.get("/api/portfolio/orders").json() == []


def test_unfunded_order_is_stored_rejected(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "t@x.in")
    quote(runtime, "1400")
    body = client.post("/api/orders", json=ORDER).json()
    assert body["status"] == "REJECTED"
    assert body["status_message"].startswith("Insufficient funds")


def test_gtt_crud_and_firing_through_the_quote_book(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "t@x.in")
    client.post("/api/portfolio/funds", json={"amount": 100000})
    gtt = {
        "type": "single",
        "condition": {
            "exchange": "NSE",
            "tradingsymbol": "INFY",
            "trigger_values": [1450],
            "last_price": 1400,
        },
        "orders": [
            {
                "transaction_type": "BUY",
                "quantity": 5,
                "order_type": "LIMIT",
                "product": "CNC",
                "price": 1455,
            }
        ],
    }
    created = client.post("/api/gtt/triggers", json=gtt)
    assert created.status_code == 201
    trigger_id = created.json()["trigger_id"]
    listed = client.get("/api/gtt/triggers").json()
    assert listed[0]["status"] == "active"
    assert listed[0]["condition"]["trigger_values"] == [1450.0]
    quote(runtime, "1451")
    last = runtime.quotes("NSE:INFY")
    assert last is not None
    with runtime.db.session() as db:
        fired = runtime.gtts.on_tick(db, last)  # what the feed loop does
    assert [g.id for g in fired] == [trigger_id]
    one = client.get(f"/api/gtt/triggers/{trigger_id}").json()
    assert one["status"] == "triggered"
    assert one["orders"][0]["result"]["order_result"]["status"] == "success"
    assert client.delete(f"/api/gtt/triggers/{trigger_id}").status_code == 400
    bad = client.post("/api/gtt/triggers", json={**gtt, "orders": []})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "orders"


def test_other_users_orders_and_triggers_are_invisible(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "a@x.in")
    client.post("/api/portfolio/funds", json={"amount": 100000})
    quote(runtime, "1500")
    order_id = client.post("/api/orders", json=ORDER).json()["order_id"]
    other = TestClient(client.app)
    make_user(runtime, "b@x.in")
    other.post("/api/auth/password-login", json={"email": "b@x.in", "password": PASSWORD})
    assert other.get("/api/portfolio/orders").json() == []
    assert other.delete(f"/api/orders/{order_id}").status_code == 404
    assert other.get(f"/api/orders/{order_id}/history").status_code == 404
    assert other.get("/api/gtt/triggers/1").status_code == 404


def test_modify_moves_a_resting_order_into_the_market(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "t@x.in")
    client.post("/api/portfolio/funds", json={"amount": 100000})
    quote(runtime, "1500")
    order_id = client.post("/api/orders", json=ORDER).json()["order_id"]  # 1400: rests

    changed = client.put(f"/api/orders/{order_id}", json={"price": 1500.5, "quantity": 12})

    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["status"], body["quantity"], body["average_price"]) == ("COMPLETE", 12, 1500.0)
    history = [h["event"] for h in client.get(f"/api/orders/{order_id}/history").json()]
    assert history == ["accepted", "modified", "filled"]
    again = client.put(f"/api/orders/{order_id}", json={"price": 1400})
    assert again.status_code == 400
    assert "COMPLETE" in again.json()["detail"]


def test_bad_modifications_name_the_field(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "t@x.in")
    client.post("/api/portfolio/funds", json={"amount": 100000})
    quote(runtime, "1500")
    order_id = client.post("/api/orders", json=ORDER).json()["order_id"]
    for body, field in (
        ({"price": 1400.03}, "price"),
        ({"order_type": "SL"}, "order_type"),
        ({"quantity": 0}, "quantity"),
        ({"validity": "TTL"}, "validity_ttl"),
        ({"tradingsymbol": "TCS"}, "tradingsymbol"),
    ):
        response = client.put(f"/api/orders/{order_id}", json=body)
        assert response.status_code == 422, body
        assert response.json()["detail"][0]["field"] == field
    unchanged = client.get("/api/portfolio/orders").json()[0]
    assert (unchanged["price"], unchanged["quantity"], unchanged["status"]) == (1400.0, 10, "OPEN")
    assert client.put("/api/orders/nope", json={"price": 1}).status_code == 404


def test_a_cover_order_over_http_shows_both_legs_and_exits_at_market(
    client: TestClient, runtime: Runtime
):
    sign_in(client, runtime, "t@x.in")
    client.post("/api/portfolio/funds", json={"amount": 100000})
    quote(runtime, "1400")
    cover = {
        **ORDER,
        "variety": "co",
        "product": "MIS",
        "order_type": "MARKET",
        "price": 0,
        "trigger_price": 1380,
        "quantity": 50,
    }
    placed = client.post("/api/orders", json=cover).json()
    assert placed["status"] == "COMPLETE"
    book = client.get("/api/portfolio/orders").json()
    entry, leg = book
    assert (entry["variety"], entry["parent_order_id"], entry["order_id"]) == (
        "co",
        None,
        placed["order_id"],
    )
    assert (leg["variety"], leg["order_type"], leg["parent_order_id"], leg["status"]) == (
        "co",
        "SL-M",
        placed["order_id"],
        "TRIGGER PENDING",
    )
    moved = client.put(f"/api/orders/{leg['order_id']}", json={"trigger_price": 1385})
    assert moved.json()["trigger_price"] == 1385.0
    wrong = client.delete(f"/api/orders/{leg['order_id']}", params={"parent_order_id": "nope"})
    assert wrong.status_code == 400
    quote(runtime, "1410")
    exited = client.delete(
        f"/api/orders/{leg['order_id']}", params={"parent_order_id": placed["order_id"]}
    ).json()
    assert (exited["status"], exited["order_type"], exited["average_price"]) == (
        "COMPLETE",
        "MARKET",
        1410.0,
    )
    positions = client.get("/api/portfolio/positions").json()["net"]
    assert [p["quantity"] for p in positions] == [0]


def test_the_charts_fills_are_the_users_own_in_every_book(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "fills@x.in")
    assert client.post("/api/portfolio/funds", json={"amount": 100000}).status_code == 201
    quote(runtime, "1399.90")
    assert client.post("/api/orders", json=ORDER).status_code == 201
    sell = {**ORDER, "transaction_type": "SELL", "quantity": 4, "price": 1399}
    assert client.post("/api/orders", json=sell).status_code == 201

    answer = client.get("/api/market/fills", params={"symbol": "INFY"}).json()

    assert answer["symbol"] == "NSE:INFY"
    fills = [(f["side"], f["quantity"], Decimal(f["price"]), f["book"]) for f in answer["fills"]]
    assert fills == [
        ("BUY", 10, Decimal("1399.90"), "manual"),
        ("SELL", 4, Decimal("1399.90"), "manual"),
    ]
    assert client.get("/api/market/fills", params={"symbol": "NSE:NOPE"}).status_code == 404
    client.cookies.clear()
    sign_in(client, runtime, "other@x.in")
    assert client.get("/api/market/fills", params={"symbol": "INFY"}).json()["fills"] == []
