"""`/api/model/cart/place` takes `portfolio_id` where `/scan` does: in the body.

It read only the query, so a body naming one portfolio placed every portfolio's cart.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.test_model_api import _deploy, _scan
from tests.helpers import sign_in
from tradertape.runtime import Runtime


@pytest.fixture
def alice(client: TestClient, with_candles: Runtime) -> TestClient:
    sign_in(client, with_candles, "alice@x.in")
    return client


def _two_carts(client: TestClient) -> tuple[int, list[int], int, list[int]]:
    carts: list[Any] = []
    for _ in range(2):
        pid = _deploy(client)["id"]
        entries = _scan(client, pid)["entries"][:2]
        for signal in entries:
            assert client.post(f"/api/model/signals/{signal}/approve").status_code == 200
        carts += [pid, entries]
    return carts[0], carts[1], carts[2], carts[3]


def _in_cart(client: TestClient, pid: int) -> list[int]:
    rows = client.get("/api/model/signals", params={"portfolio_id": pid, "status": "in_cart"})
    return sorted(s["id"] for s in rows.json())


def test_the_body_names_the_portfolio_whose_cart_is_placed(alice: TestClient):
    first, first_cart, second, second_cart = _two_carts(alice)
    placed = alice.post("/api/model/cart/place", json={"portfolio_id": first})
    assert placed.status_code == 200, placed.text
    assert sorted(placed.json()["placed"]) == sorted(first_cart)
    assert _in_cart(alice, second) == sorted(second_cart)


def test_the_query_still_works_and_a_conflict_is_422(alice: TestClient):
    first, first_cart, second, second_cart = _two_carts(alice)
    conflict = alice.post(
        "/api/model/cart/place", params={"portfolio_id": first}, json={"portfolio_id": second}
    )
    assert conflict.status_code == 422
    assert conflict.json()["detail"][0]["field"] == "portfolio_id"
    assert _in_cart(alice, first) == sorted(first_cart)
    assert _in_cart(alice, second) == sorted(second_cart)
    by_query = alice.post("/api/model/cart/place", params={"portfolio_id": second})
    assert sorted(by_query.json()["placed"]) == sorted(second_cart)
    assert _in_cart(alice, first) == sorted(first_cart)


def test_an_unknown_field_or_portfolio_is_refused(alice: TestClient):
    first, first_cart, _, _ = _two_carts(alice)
    typo = alice.post("/api/model/cart/place", json={"portfolio": first})
    assert typo.status_code == 422
    assert typo.json()["detail"][0]["field"] == "portfolio"
    missing = alice.post("/api/model/cart/place", json={"portfolio_id": 999_999})
    assert missing.status_code == 404
    assert _in_cart(alice, first) == sorted(first_cart)
