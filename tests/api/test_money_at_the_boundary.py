"""Money is quantised at the API boundary (issue 64): rupees to the paisa, prices to the
tick, quantities exact, whatever a route computed on the way.

``/api/model/dashboard`` answered ``"unrealised_pnl": "51.3499999999999999999999856"`` (a
P&L against an average price after an add-on). Three holds: every money field of every
route's response model is one of `api.schemas.money_out`'s types; those types quantise any
decimal; and every GET route a demo account can call answers its money to at most two
places (the demo's instruments tick at ₹0.05).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Annotated, Any, get_args, get_origin

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, PlainSerializer

from tradertape.api.schemas import money_out
from tradertape.demo import load_demo
from tradertape.domain.money import average_price
from tradertape.runtime import Runtime

# A field is money by its name: a rupee amount or a price…
MONEY = re.compile(
    r"pnl|price|capital|value|amount|charge|cash|equity|margin|premium|cost|invest|balance"
    r"|realised|m2m|debit|credit|turnover|exposure|income|gain|loss|tax|brokerage|stt|fee"
    r"|payin|payout|net|worth|fund|collateral|span|deployed|committed|proceeds|mtm|ltp"
    r"|close|open|high|low|strike|trigger|stop|target|limit|peak|floor|average|paid|total"
    r"|spot|bid|ask|breakeven"
)
# …unless the name says it is a ratio, a count, a time or a greek.
NOT_MONEY = re.compile(
    r"pct|percent|ratio|rate|quantity|qty|count|_id$|date|_at$|days|multiplier|lots|^iv"
    r"|delta|gamma|theta|vega|beta|sharpe|sortino|calmar|score|fraction|share|weight|tick"
    r"|_secs|_ms|factor|bps|xirr|return|drawdown|conviction|oversubscription|opening_time"
)
# Figures named like money that are not rupees: a put/call ratio (or a strike), a sweep's
# parameter, a rule's reading (rupees or a percentage, as the rule is), an exchange's
# settlement price as its file wrote it.
NOT_RUPEES = {
    ("AnalyticsOut", "value"),
    ("SweepChoice", "value"),
    ("OptionSweepAxisOut", "values"),  # an options sweep's parameter values, as asked
    ("OptionSweepCellOut", "values"),
    ("RuleStateOut", "value"),
    ("RuleStateOut", "limit"),
    ("RiskEventOut", "value"),
    ("SettlementPriceOut", "price"),
}
QUANTISERS = {
    money_out.to_paise,
    money_out.to_tick_places,
    money_out.number_to_paise,
    money_out.float_to_tick_places,
}


def _routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # an included router, read lazily
            yield from _routes(route.original_router.routes)


def _models(annotation: Any, seen: set[type[BaseModel]]) -> None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation not in seen:
            seen.add(annotation)
            for field in annotation.model_fields.values():
                _models(field.annotation, seen)
        return
    for arg in get_args(annotation):
        _models(arg, seen)


def _serialisers(annotation: Any) -> list[PlainSerializer]:
    if get_origin(annotation) is Annotated:
        base, *meta = get_args(annotation)
        return [m for m in meta if isinstance(m, PlainSerializer)] + _serialisers(base)
    return [s for arg in get_args(annotation) for s in _serialisers(arg)]


def _numeric(annotation: Any) -> bool:
    if annotation in (Decimal, float):
        return True
    return any(_numeric(arg) for arg in get_args(annotation))


def unquantised_money_fields(app: FastAPI) -> list[str]:
    """``Model.field`` of each money-named decimal or float of a response model that is
    written as computed."""
    models: set[type[BaseModel]] = set()
    for route in _routes(app.routes):
        if route.response_model is not None:
            _models(route.response_model, models)
    found = []
    for model in models:
        for name, field in model.model_fields.items():
            if not _numeric(field.annotation) or (model.__name__, name) in NOT_RUPEES:
                continue
            if not MONEY.search(name) or NOT_MONEY.search(name):
                continue
            serialisers = [m for m in field.metadata if isinstance(m, PlainSerializer)]
            serialisers += _serialisers(field.annotation)
            if not any(s.func in QUANTISERS for s in serialisers):
                found.append(f"{model.__module__}.{model.__qualname__}.{name}")
    return sorted(found)


def test_every_money_field_of_every_response_model_is_quantised(client: TestClient):
    assert unquantised_money_fields(client.app) == []  # type: ignore[arg-type]


@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**12), max_value=10**12))
def test_the_types_quantise_any_decimal(value: Decimal):
    rupees = money_out.to_paise(value)
    price = money_out.to_tick_places(value)
    assert _places(rupees) <= 2
    assert abs(rupees - value) <= Decimal("0.005")
    assert _places(price) <= 4
    assert abs(price - value) <= Decimal("0.00005")
    if _places(value) <= 2:
        assert str(rupees) == str(value)  # a figure on the paisa is written as it is


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
def test_kite_numbers_are_quantised_and_keep_their_type(value: float):
    assert isinstance(money_out.number_to_paise(value), float)
    assert _places(Decimal(repr(money_out.number_to_paise(value)))) <= 2
    assert money_out.number_to_paise(int(value)) == int(value)


def test_an_average_after_an_add_on_is_kept_to_the_price_column():
    """10 at ₹1,416.67 and 5 at ₹1,420.05: ₹21,266.95 for 15 is ₹1,417.79666… a unit,
    kept as 1417.7967 (half up), on SQLite as on PostgreSQL's NUMERIC(18, 4)."""
    cost = Decimal("1416.67") * 10 + Decimal("1420.05") * 5
    assert average_price(cost, 15) == Decimal("1417.7967")
    assert average_price(Decimal("4250.10"), 3) == Decimal("1416.7000")


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


# -- every GET answer of a demo account ---------------------------------------------------

# JSON keys named like money that are not rupees or prices (answers without a model, such
# as a chart's indicator series, say what they carry by key)
NOT_MONEY_KEYS = {"value"} | {n for _, n in NOT_RUPEES}
SKIP = re.compile(r"/stream|/ws|/docs|/openapi|/export|\.csv|\.pdf|/download|/tax-pack|/logout")


def _too_fine(body: Any, key: str = "", where: str = "$") -> Iterator[str]:
    if isinstance(body, dict):
        for k, v in body.items():
            yield from _too_fine(v, k, f"{where}.{k}")
    elif isinstance(body, list):
        for i, v in enumerate(body):
            yield from _too_fine(v, key, f"{where}[{i}]")
    elif key and MONEY.search(key) and not NOT_MONEY.search(key) and key not in NOT_MONEY_KEYS:
        number: Decimal | None = None
        if isinstance(body, float):
            number = Decimal(repr(body))
        elif isinstance(body, str) and re.fullmatch(r"-?\d+(\.\d+)?", body):
            number = Decimal(body)
        if number is not None and _places(number) > 2:
            yield f"{where} = {body!r}"


def _gets(app: FastAPI, portfolio_id: int) -> Iterator[str]:
    """Each GET path of the API a signed-in user can call without naming an object (and
    the dashboard of a portfolio), its required queries filled where they are known."""
    known = {"portfolio_id": str(portfolio_id)}
    for path, item in app.openapi()["paths"].items():
        get = item.get("get")
        if get is None or "{" in path or not path.startswith("/api/") or SKIP.search(path):
            continue
        required = [
            p["name"] for p in get.get("parameters", []) if p.get("required") and p["in"] == "query"
        ]
        if any(name not in known for name in required):
            continue
        query = "&".join(f"{name}={known[name]}" for name in required)
        yield f"{path}?{query}" if query else path


@pytest.mark.long
def test_every_get_answer_of_a_demo_account_writes_money_quantised(
    runtime: Runtime, client: TestClient
):
    demo = load_demo(runtime)
    login = {"email": demo.email, "password": demo.password}
    assert client.post("/api/auth/password-login", json=login).status_code == 200
    portfolios = client.get("/api/model/portfolios").json()
    assert portfolios, "the demo deploys portfolios"
    called, found = [], []
    for portfolio in portfolios:
        for path in _gets(client.app, portfolio["id"]):  # type: ignore[arg-type]
            answer = client.get(path)
            assert answer.status_code < 500, f"{path}: {answer.status_code} {answer.text[:300]}"
            if answer.status_code != 200 or "json" not in answer.headers.get("content-type", ""):
                continue
            called.append(path)
            found += [f"{path} {p}" for p in _too_fine(answer.json())]
    assert demo.created
    assert len(set(called)) > 50  # the walk reached the API, not a handful of routes
    assert "/api/model/dashboard?portfolio_id=" + str(portfolios[0]["id"]) in called
    assert found == []
