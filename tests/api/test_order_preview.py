"""``POST /api/orders/preview``: an order's margin and charges before placing, by the rules
placement applies, and equal to what the fill then costs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tradertape.domain.charges import Exchange, Fill, Side, charge_segment, compute_charges
from tradertape.ports.clock import IST
from tradertape.runtime import Runtime
from tradertape.testkit import make_tick

ORDER: dict[str, Any] = {
    "exchange": "NSE",
    "tradingsymbol": "INFY",
    "transaction_type": "BUY",
    "quantity": 10,
    "product": "CNC",
    "order_type": "MARKET",
}


@pytest.fixture
def trader(client: TestClient, runtime: Runtime) -> TestClient:
    sign_in(client, runtime, "t@x.in")
    assert client.post("/api/portfolio/funds", json={"amount": 100000}).status_code == 201
    runtime.quotes.update(
        make_tick("NSE:INFY", "1400", ts=runtime.clock.now(), last_quantity=100_000)
    )
    return client


def _cash(client: TestClient) -> float:
    cash: float = client.get("/api/portfolio/margins").json()["equity"]["available"]["cash"]
    return cash


def test_a_market_buy_is_priced_at_the_last_price(trader: TestClient, runtime: Runtime):
    response = trader.post("/api/orders/preview", json=ORDER)
    assert response.status_code == 200, response.text
    body = response.json()
    day = runtime.clock.now().astimezone(IST).date()
    fill = Fill(
        order_id="x",
        segment=charge_segment(derivative_kind=None, intraday=False),
        side=Side.BUY,
        quantity=10,
        price=Decimal(1400),
        exchange=Exchange.NSE,
        instrument="INE009A01021",
    )
    expected = compute_charges([fill], day)
    contract = body["cost_contract"]
    assert (body["reference_price"], body["order_value"]) == (1400.0, 14000.0)
    assert contract["margin_required"] == 14000.0  # delivery: the full value
    assert contract["total_charges"] == float(expected.total.quantize(Decimal("0.01")))
    assert contract["itemized"]["stt"] == float(expected.stt.quantize(Decimal("0.01")))
    assert contract["itemized"]["charges_status"] == "ESTIMATED"
    assert body["available_margin"] == 100_000.0
    assert body["sufficient"] is True
    assert trader.get("/api/portfolio/orders").json() == []  # nothing placed


def test_the_preview_is_what_the_fill_costs(trader: TestClient):
    before = _cash(trader)
    preview = trader.post("/api/orders/preview", json=ORDER).json()["cost_contract"]
    placed = trader.post("/api/orders", json=ORDER)
    assert placed.json()["status"] == "COMPLETE"
    spent = round(before - _cash(trader), 2)
    assert spent == round(14000.0 + preview["total_charges"], 2)


def test_an_intraday_order_needs_the_intraday_margin(trader: TestClient):
    body = trader.post("/api/orders/preview", json={**ORDER, "product": "MIS"}).json()
    assert body["cost_contract"]["margin_required"] == 2800.0  # 20 % of ₹14,000


def test_an_order_beyond_the_funds_is_not_sufficient(trader: TestClient):
    big = {**ORDER, "quantity": 100}
    body = trader.post("/api/orders/preview", json=big).json()
    assert body["cost_contract"]["margin_required"] == 140_000.0
    assert body["sufficient"] is False


def test_a_market_order_without_a_price_has_no_estimate(trader: TestClient):
    body = trader.post("/api/orders/preview", json={**ORDER, "tradingsymbol": "TCS"}).json()
    assert body["reference_price"] is None
    assert body["cost_contract"]["margin_required"] is None
    assert body["cost_contract"]["itemized"] == {"charges_status": "UNAVAILABLE"}
    assert body["sufficient"] is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"tradingsymbol": "NOSUCH"}, "tradingsymbol", id="unknown"),
        pytest.param({"order_type": "LIMIT", "price": "1400.03"}, "price", id="off-tick"),
        pytest.param({"quantity": 0}, "quantity", id="zero"),
    ],
)
def test_what_placement_refuses_the_preview_refuses(
    trader: TestClient, change: dict[str, Any], field: str
):
    response = trader.post("/api/orders/preview", json={**ORDER, **change})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == field
