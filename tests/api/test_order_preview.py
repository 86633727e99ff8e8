"""The order ticket's preview (margin, itemised charges, funds) and GTT modify over HTTP."""

from __future__ import annotations

from typing import Any

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


def quote(runtime: Runtime, price: str) -> None:
    runtime.quotes.update(make_tick("NSE:INFY", price, ts=runtime.clock.now(), last_quantity=10**5))


def test_preview_charges_are_what_the_fill_costs(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "t@x.in")
    client.post("/api/portfolio/funds", json={"amount": 100000})
    quote(runtime, "1400")
    cash_before = client.get("/api/portfolio/margins").json()["equity"]["available"]["cash"]

    preview = client.post("/api/orders/preview", json=ORDER)

    assert preview.status_code == 200
    body = preview.json()
    charges = body["charges"]
    assert body["price"] == 1400.0
    assert body["margin_required"] == 14000.0
    assert body["available"] == cash_before
    # Delivery buy of ₹14,000: no brokerage, 0.1% STT, 0.015% stamp duty.
    assert (charges["brokerage"], charges["stt"], charges["stamp_duty"]) == (0.0, 14.0, 2.1)
    assert client.post("/api/orders", json=ORDER).json()["status"] == "COMPLETE"
    cash_after = client.get("/api/portfolio/margins").json()["equity"]["available"]["cash"]
    assert round(cash_before - cash_after - 14000, 2) == charges["total"]
    assert client.get("/api/portfolio/orders").json()  # nothing placed by the preview alone
    assert len(client.get("/api/portfolio/orders").json()) == 1


def test_preview_of_a_market_order_without_a_price_and_bad_fields(
    client: TestClient, runtime: Runtime
):
    sign_in(client, runtime, "t@x.in")
    market = {**ORDER, "order_type": "MARKET", "price": None}
    body = client.post("/api/orders/preview", json=market).json()
    assert (body["price"], body["margin_required"], body["charges"]) == (None, None, None)
    bad = client.post("/api/orders/preview", json={**ORDER, "quantity": 0})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "quantity"
    tick = client.post("/api/orders/preview", json={**ORDER, "price": "1400.03"})
    assert tick.status_code == 422
    assert tick.json()["detail"][0]["field"] == "price"


CONDITION: dict[str, Any] = {
    "exchange": "NSE",
    "tradingsymbol": "INFY",
    "trigger_values": [1300, 1500],
    "last_price": 1400,
}
GTT: dict[str, Any] = {
    "type": "two-leg",
    "condition": CONDITION,
    "orders": [
        {"transaction_type": "SELL", "quantity": 5, "product": "CNC", "price": 1295},
        {"transaction_type": "SELL", "quantity": 5, "product": "CNC", "price": 1505},
    ],
}


def test_gtt_modify_changes_an_active_trigger_only(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "t@x.in")
    trigger_id = client.post("/api/gtt/triggers", json=GTT).json()["trigger_id"]
    changed = {**GTT, "condition": {**CONDITION, "trigger_values": [1250, 1550]}}

    modified = client.put(f"/api/gtt/triggers/{trigger_id}", json=changed)

    assert modified.status_code == 200
    assert modified.json() == {"trigger_id": trigger_id}
    shown = client.get(f"/api/gtt/triggers/{trigger_id}").json()
    assert shown["condition"]["trigger_values"] == [1250.0, 1550.0]
    other = {**GTT, "condition": {**CONDITION, "tradingsymbol": "TCS"}}
    assert client.put(f"/api/gtt/triggers/{trigger_id}", json=other).status_code == 422
    client.delete(f"/api/gtt/triggers/{trigger_id}")
    assert client.put(f"/api/gtt/triggers/{trigger_id}", json=changed).status_code == 400
    assert client.put("/api/gtt/triggers/999", json=changed).status_code == 404


def test_a_live_preview_is_priced_on_its_brokers_schedule(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "live-preview@x.in")
    quote(runtime, "1400")

    def priced(**account: str) -> tuple[str, float]:
        body = client.post("/api/orders/preview", json={**ORDER, **account}).json()
        return body["schedule"], body["charges"]["brokerage"]

    # delivery buy of ₹14,000: Zerodha free; Upstox the lower of ₹20 and 2.5 %; Groww 0.1 %
    # between ₹5 and ₹20
    assert priced() == ("zerodha", 0.0)
    assert priced(mode="live", broker="kite") == ("zerodha", 0.0)
    assert priced(mode="live", broker="upstox") == ("upstox", 20.0)
    assert priced(mode="live", broker="groww") == ("groww", 14.0)
    unnamed = client.post("/api/orders/preview", json={**ORDER, "mode": "live"})
    assert unnamed.status_code == 409  # no broker connected: the placement would say the same
    assert "Kite, Upstox or Groww" in unnamed.json()["detail"]
    paper_broker = client.post("/api/orders/preview", json={**ORDER, "broker": "upstox"})
    assert paper_broker.status_code == 422


def test_preview_items_add_up_to_the_total_dp_itemised(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "t@x.in")
    quote(runtime, "1400")
    items = ("brokerage", "stt", "exchange_transaction_charge", "sebi_charge", "stamp_duty")
    totals = []
    for quantity, side in ((1, "SELL"), (13, "BUY")):
        order = {**ORDER, "transaction_type": side, "quantity": quantity}
        charges = client.post("/api/orders/preview", json=order).json()["charges"]
        assert "ipft" not in charges  # inside the exchange charge: listed once
        parts = [charges[k] for k in (*items, "gst", "dp_charge")]
        assert round(sum(parts), 2) == charges["total"], charges
        # a delivery sale is charged the DP charge (₹13 + 18 % GST), on its own line
        assert charges["dp_charge"] == (15.34 if side == "SELL" else 0.0)
        totals.append(charges["total"])
    # 1 share sold at ₹1,400: STT 0.1 % = ₹1.40 → ₹1; exchange ₹0.04158 + IPFT ₹0.0014;
    # SEBI ₹0.0014; GST 18 % × ₹0.04438; DP ₹15.34: ₹16.3923684 → ₹16.39
    assert totals[0] == 16.39
