"""Values a book can hold (issue 22, findings 4-7): every price and quantity a write route
takes is a plain, finite number of sane size and on the instrument's grid; a refusal is a
422 naming the field and changes nothing; a read never fails on a stored value."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.api.test_trading_api import ORDER, quote
from tests.helpers import sign_in
from tradertape.db.models import User
from tradertape.db.models.risk import RiskEvent
from tradertape.db.models.trading import Gtt
from tradertape.runtime import Runtime


def _leg(price: object = 1405, quantity: object = 5, side: str = "BUY") -> dict[str, Any]:
    return {
        "transaction_type": side,
        "quantity": quantity,
        "order_type": "LIMIT",
        "product": "CNC",
        "price": price,
    }


def _gtt(trigger: object = 1400, leg: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "type": "single",
        "condition": {
            "exchange": "NSE",
            "tradingsymbol": "INFY",
            "trigger_values": [trigger],
            "last_price": 1413,
        },
        "orders": [leg or _leg()],
    }


@pytest.fixture
def trader(client: TestClient, runtime: Runtime) -> TestClient:
    sign_in(client, runtime, "v@x.in")
    assert client.post("/api/portfolio/funds", json={"amount": 1_000_000}).status_code == 201
    quote(runtime, "1413")
    return client


def _count(runtime: Runtime, model: type[Any]) -> int:
    with runtime.db.session() as db:
        return db.scalar(select(func.count()).select_from(model)) or 0


def _refused(response: Any, field: str) -> str:
    assert response.status_code == 422, response.text
    problem = response.json()["detail"]
    if isinstance(problem, list):
        assert problem[0]["field"] == field, problem
        return str(problem[0]["msg"])
    assert field in problem, problem
    return str(problem)


# -- finding 4: a modify's null is a 422, not a 500 -------------------------------------


@pytest.mark.parametrize("field", ["quantity", "order_type", "validity"])
def test_a_null_in_a_modify_is_refused_and_the_order_keeps_its_terms(
    trader: TestClient, field: str
):
    order_id = trader.post("/api/orders", json={**ORDER, "price": 1300}).json()["order_id"]

    response = trader.put(f"/api/orders/{order_id}", json={field: None})

    assert "null" in _refused(response, field)
    (order,) = trader.get("/api/portfolio/orders").json()
    assert (order["quantity"], order["order_type"], order["validity"]) == (10, "LIMIT", "DAY")
    history = trader.get(f"/api/orders/{order_id}/history").json()
    assert [h["event"] for h in history] == ["accepted"]


# -- finding 5: an absurd refused entry never breaks the risk events ------------------


def test_a_gtt_worth_1e999_is_refused_before_the_risk_gate_records_it(
    trader: TestClient, runtime: Runtime
):
    rule = {"type": "max_order_value", "threshold_amount": "50000"}
    assert trader.post("/api/risk/rules", json=rule).status_code == 201

    response = trader.post("/api/gtt/triggers", json=_gtt(leg=_leg(price="1E+999")))

    _refused(response, "orders[0].price")
    assert trader.get("/api/risk/events").json() == []
    assert _count(runtime, Gtt) == 0


def test_risk_events_read_a_stored_absurd_value_as_unknown(
    trader: TestClient, runtime: Runtime, request: pytest.FixtureRequest
):
    if request.config.getoption("--db-url") != "sqlite":
        pytest.skip("PostgreSQL's NUMERIC never held it: the insert overflowed")
    with runtime.db.session() as db:
        user_id = db.scalar(select(User.id).where(User.email == "v@x.in"))
        db.add(
            RiskEvent(
                user_id=user_id,
                at=runtime.clock.now(),
                rule_type="max_order_value",
                action="block",
                origin="api",
                symbol="NSE:INFY",
                side="BUY",
                quantity=5,
                price=Decimal("1413"),
                value=Decimal("1E+999"),
                threshold=Decimal("50000"),
                message="Order rejected by risk rule: order value",
                context={},
            )
        )
        db.commit()

    response = trader.get("/api/risk/events")

    assert response.status_code == 200, response.text
    (event,) = response.json()
    assert event["value"] is None
    assert Decimal(str(event["threshold"])) == Decimal("50000")


# -- finding 6: GTT legs and triggers are checked when created or modified -------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param(_gtt(leg=_leg(price=1e-30)), "orders[0].price", id="tiny-price"),
        pytest.param(_gtt(leg=_leg(price=1413.05)), "orders[0].price", id="off-tick"),
        pytest.param(_gtt(leg=_leg(price=1e308)), "orders[0].price", id="1e308"),
        pytest.param(_gtt(leg=_leg(price="1E+999")), "orders[0].price", id="1E+999"),
        pytest.param(_gtt(trigger=1e-30), "condition.trigger_values[0]", id="tiny-trigger"),
        pytest.param(_gtt(trigger="1E+999"), "condition.trigger_values[0]", id="huge-trigger"),
        pytest.param(_gtt(trigger=1400.03), "condition.trigger_values[0]", id="trigger-tick"),
        pytest.param(_gtt(leg=_leg(quantity=True)), "orders[0].quantity", id="bool-quantity"),
    ],
)
def test_a_gtt_off_the_grid_or_absurd_is_refused_and_stores_nothing(
    trader: TestClient, runtime: Runtime, body: dict[str, Any], field: str
):
    _refused(trader.post("/api/gtt/triggers", json=body), field)
    assert _count(runtime, Gtt) == 0

    trigger_id = trader.post("/api/gtt/triggers", json=_gtt()).json()["trigger_id"]
    _refused(trader.put(f"/api/gtt/triggers/{trigger_id}", json=body), field)
    (stored,) = trader.get("/api/gtt/triggers").json()
    assert stored["condition"]["trigger_values"] == [1400.0]
    assert stored["orders"][0]["price"] == 1405.0


def test_a_dip_buyers_trigger_20_percent_below_is_taken(trader: TestClient):
    """The band is the order's, checked when it fires; a trigger waits for its price."""
    body = _gtt(trigger=1130.4, leg=_leg(price=1131))
    created = trader.post("/api/gtt/triggers", json=body)
    assert created.status_code == 201, created.text


# -- finding 7: numbers are plain -------------------------------------------------------

LENIENT_COUNTS = [True, "1_000", "  5  ", "5", 5.0]
LENIENT_PRICES = [True, "1_400", " 1400 ", "NaN", "Infinity", "-Infinity", "1E+999", "0x10", ""]


@pytest.mark.parametrize("quantity", LENIENT_COUNTS, ids=repr)
def test_a_quantity_is_a_json_integer(trader: TestClient, runtime: Runtime, quantity: object):
    _refused(trader.post("/api/orders", json={**ORDER, "quantity": quantity}), "quantity")
    body = _gtt(leg=_leg(quantity=quantity))
    _refused(trader.post("/api/gtt/triggers", json=body), "orders[0].quantity")
    order_id = trader.post("/api/orders", json={**ORDER, "price": 1300}).json()["order_id"]
    _refused(trader.put(f"/api/orders/{order_id}", json={"quantity": quantity}), "quantity")
    assert [o["quantity"] for o in trader.get("/api/portfolio/orders").json()] == [10]
    assert _count(runtime, Gtt) == 0


@pytest.mark.parametrize("price", LENIENT_PRICES, ids=repr)
def test_a_price_is_a_plain_finite_number(trader: TestClient, runtime: Runtime, price: object):
    _refused(trader.post("/api/orders", json={**ORDER, "price": price}), "price")
    _refused(trader.post("/api/gtt/triggers", json=_gtt(leg=_leg(price))), "orders[0].price")
    assert trader.get("/api/portfolio/orders").json() == []
    assert _count(runtime, Gtt) == 0


# -- the price band, as the exchange applies it -----------------------------------------


def test_an_order_or_modify_outside_the_price_band_is_refused(trader: TestClient):
    message = _refused(trader.post("/api/orders", json={**ORDER, "price": 1800}), "price")
    assert "price band" in message
    order_id = trader.post("/api/orders", json={**ORDER, "price": 1300}).json()["order_id"]

    _refused(trader.put(f"/api/orders/{order_id}", json={"price": 14130}), "price")

    (order,) = trader.get("/api/portfolio/orders").json()
    assert order["price"] == 1300


# -- the invariant ----------------------------------------------------------------------

absurd = st.one_of(
    st.booleans(),
    st.sampled_from([float("inf"), float("-inf"), float("nan"), 1e16, 1e308, 1e-9, -1.0]),
    st.integers(min_value=16, max_value=9999).map(lambda e: f"1E+{e}"),
    st.integers(min_value=9, max_value=9999).map(lambda e: f"1e-{e}"),
    st.integers(min_value=1, max_value=99_999).map(lambda n: f"{n:_}" if n > 999 else f" {n}"),
    st.sampled_from(["NaN", "nan", "Infinity", "inf", "-0x1p3", "1e", ".", "--1"]),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=absurd, where=st.sampled_from(["price", "trigger", "leg", "quantity", "modify"]))
def test_no_absurd_number_is_taken_by_the_order_and_gtt_routes(
    trader: TestClient, runtime: Runtime, value: object, where: str
):
    path, body = {
        "price": ("/api/orders", {**ORDER, "price": value}),
        "quantity": ("/api/orders", {**ORDER, "quantity": value}),
        "trigger": ("/api/gtt/triggers", _gtt(trigger=value)),
        "leg": ("/api/gtt/triggers", _gtt(leg=_leg(price=value))),
        "modify": ("/api/orders/000000000000000001", {"price": value}),
    }[where]
    # JSON's Infinity and NaN, as a client's encoder that allows them writes them
    content = json.dumps(body, allow_nan=True)
    method = "PUT" if where == "modify" else "POST"
    response = trader.request(
        method, path, content=content, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422, (value, response.text)
    assert trader.get("/api/portfolio/orders").json() == []
    assert _count(runtime, Gtt) == 0


def test_gtt_reads_show_a_stored_absurd_value_as_null(trader: TestClient, runtime: Runtime):
    trigger_id = trader.post("/api/gtt/triggers", json=_gtt()).json()["trigger_id"]
    with runtime.db.session() as db:
        gtt = db.get(Gtt, trigger_id)
        assert gtt is not None
        gtt.orders = [{**gtt.orders[0], "price": "1E+999"}]
        gtt.trigger_values = ["NaN"]
        gtt.updated_at = runtime.clock.now() + timedelta(seconds=1)
        db.commit()

    (shown,) = trader.get("/api/gtt/triggers").json()

    assert shown["orders"][0]["price"] is None
    assert shown["condition"]["trigger_values"] == [None]
    assert trader.get(f"/api/gtt/triggers/{trigger_id}").status_code == 200
