"""Numbers enter in ASCII digits, and rupee amounts to the paisa (docs/api-conventions.md).

``Decimal("١٢٣")`` is 123 in Python: a price or an amount in Arabic-Indic, Devanagari or
full-width digits must be refused, naming the field, not read as a number.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from tests.api.test_backtest_api import _seed_body, _v1_id
from tests.api.test_model_api import _template
from tests.api.test_trading_api import ORDER
from tests.helpers import sign_in
from tradertape.domain.decimal_input import Number, Rupees
from tradertape.runtime import Runtime

ARABIC_INDIC = "١٤٠٠"  # 1400
DEVANAGARI = "१४००"
FULL_WIDTH = "１４００"


@pytest.fixture
def trader(client: TestClient, with_candles: Runtime) -> TestClient:
    sign_in(client, with_candles, "n@x.in")
    client.post("/api/portfolio/funds", json={"amount": "1000000"})
    return client


def _deploy_body(client: TestClient, **change: Any) -> dict[str, Any]:
    return {"strategy_id": _template(client, "v1_momentum"), "starting_capital": "100000"} | change


@pytest.mark.parametrize("digits", [ARABIC_INDIC, DEVANAGARI, FULL_WIDTH])
def test_non_ascii_digits_are_refused_naming_the_field(trader: TestClient, digits: str):
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("/api/orders", {**ORDER, "price": digits}, "price"),
        ("/api/orders", {**ORDER, "order_type": "SL", "trigger_price": digits}, "trigger_price"),
        ("/api/risk/rules", {"type": "max_order_value", "threshold_amount": digits}, ""),
        ("/api/model/portfolios/deploy", _deploy_body(trader, starting_capital=digits), ""),
        ("/api/model/portfolios/deploy", _deploy_body(trader, position_size_pct="١٠"), ""),
        ("/api/portfolio/funds", {"amount": digits}, "amount"),
    ]
    for path, body, field in cases:
        response = trader.post(path, json=body)
        assert response.status_code == 422, (path, body, response.text)
        problem = response.json()["detail"][0]
        named = field or next(k for k, v in body.items() if v in (digits, "١٠"))
        assert problem["field"] == named
        assert "0-9" in problem["msg"]
    assert trader.get("/api/portfolio/orders").json() == []
    assert trader.get("/api/risk/rules").json() == []
    assert trader.get("/api/model/portfolios").json() == []


@pytest.mark.parametrize(
    ("path", "field", "amount"),
    [
        pytest.param(
            "/api/model/portfolios/deploy", "starting_capital", "1.000000001", id="deploy"
        ),
        pytest.param("/api/model/portfolios/deploy", "starting_capital", "100000.001", id="paisa"),
        pytest.param("/api/risk/rules", "threshold_amount", "50000.005", id="risk-limit"),
        pytest.param("/api/portfolio/funds", "amount", "10.001", id="funds"),
        pytest.param("/api/backtest/run", "starting_capital", 1000000.001, id="backtest"),
    ],
)
def test_rupee_amounts_take_at_most_two_decimals(
    trader: TestClient, path: str, field: str, amount: object
):
    body: dict[str, Any] = {
        "/api/model/portfolios/deploy": _deploy_body(trader),
        "/api/risk/rules": {"type": "max_order_value"},
        "/api/portfolio/funds": {},
        "/api/backtest/run": _seed_body(_v1_id(trader)),
    }[path] | {field: amount}
    response = trader.post(path, json=body)
    assert response.status_code == 422, response.text
    (problem,) = response.json()["detail"]
    assert problem["field"] == field
    assert "2 decimal places" in problem["msg"]
    assert trader.get("/api/model/portfolios").json() == []
    assert trader.get("/api/backtest/runs").json() == []


def test_an_amount_in_paise_is_kept_exactly(trader: TestClient):
    deployed = trader.post(
        "/api/model/portfolios/deploy", json=_deploy_body(trader, starting_capital="100000.05")
    )
    assert deployed.status_code == 201, deployed.text
    assert deployed.json()["starting_capital"] == "100000.05"


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.characters(categories=["Nd"]), min_size=1, max_size=6))
def test_only_ascii_digit_text_is_a_number(text: str):
    """Every Unicode decimal digit Python would read, refused unless it is 0-9."""
    for kind in (Number, Rupees):
        adapter: TypeAdapter[Any] = TypeAdapter(kind)
        if text.isascii():
            assert adapter.validate_python(text) == int(text)
        else:
            with pytest.raises(ValidationError, match="0-9"):
                adapter.validate_python(text)
