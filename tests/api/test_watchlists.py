"""Watchlists over HTTP: the default list on first read, create/rename/reorder/delete,
items checked against the catalog (422 naming the item), the caps, owners only."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tradertape.runtime import Runtime
from tradertape.services.market.watchlists import DEFAULT_ITEMS, MAX_ITEMS, MAX_LISTS

START_UTC = "2026-11-20T04:30:00Z"  # the suite's clock, Friday 10:00 IST


@pytest.fixture
def alice(client: TestClient, runtime: Runtime) -> TestClient:
    sign_in(client, runtime, "alice@x.in")
    return client


def _create(client: TestClient, name: str, items: list[str]) -> dict[str, Any]:
    response = client.post("/api/watchlists", json={"name": name, "items": items})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_first_read_makes_one_default_list(alice: TestClient):
    (default,) = alice.get("/api/watchlists").json()
    assert default["name"] == "Watchlist 1"
    assert default["items"] == list(DEFAULT_ITEMS)
    assert default["items"][:3] == ["NSE:RELIANCE", "NSE:HDFCBANK", "NSE:ICICIBANK"]
    assert default["created_at"] == default["updated_at"] == START_UTC
    assert alice.get("/api/watchlists").json() == [default]  # made once
    assert alice.get(f"/api/watchlists/{default['id']}").json() == default


def test_every_default_item_is_a_known_instrument(alice: TestClient):
    for key in DEFAULT_ITEMS:
        exchange, symbol = key.split(":")
        found = alice.get(f"/api/instruments/{exchange}/{symbol}")
        assert found.status_code == 200, key
        assert found.json()["instrument_type"] == "EQ"


def test_create_keeps_the_order_in_the_catalogs_spelling(alice: TestClient):
    made = _create(alice, "  Banks  ", ["nse:sbin", "NSE:HDFCBANK", "NSE:NIFTY BANK"])
    assert made["name"] == "Banks"
    assert made["items"] == ["NSE:SBIN", "NSE:HDFCBANK", "NSE:NIFTY BANK"]
    names = [w["name"] for w in alice.get("/api/watchlists").json()]
    assert names == ["Banks"]  # a user with a list gets no default


def test_patch_renames_reorders_and_a_read_can_be_sent_back(alice: TestClient, runtime: Runtime):
    made = _create(alice, "IT", ["NSE:INFY", "NSE:TCS", "NSE:WIPRO"])
    path = f"/api/watchlists/{made['id']}"
    renamed = alice.patch(path, json={"name": "Tech"}).json()
    assert (renamed["name"], renamed["items"]) == ("Tech", ["NSE:INFY", "NSE:TCS", "NSE:WIPRO"])
    read = alice.get(path).json()
    read["items"] = ["NSE:WIPRO", "NSE:INFY"]  # remove one, reorder the rest
    patched = alice.patch(path, json=read)
    assert patched.status_code == 200, patched.text
    assert patched.json()["items"] == ["NSE:WIPRO", "NSE:INFY"]
    assert alice.get(path).json()["items"] == ["NSE:WIPRO", "NSE:INFY"]
    copy = alice.post("/api/watchlists", json=alice.get(path).json())
    assert copy.status_code == 201
    assert copy.json()["id"] != made["id"]
    assert copy.json()["items"] == ["NSE:WIPRO", "NSE:INFY"]
    wrong = alice.patch(path, json={**read, "id": made["id"] + 100})
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["field"] == "id"


@pytest.mark.parametrize(
    ("items", "field", "message"),
    [
        pytest.param(["NSE:INFY", "NSE:NOSUCH"], "items[1]", "unknown instrument 'NSE:NOSUCH'"),
        pytest.param(["XYZ:INFY"], "items[0]", "unknown instrument 'XYZ:INFY'"),
        pytest.param(["INFY"], "items[0]", "'INFY' is not EXCHANGE:SYMBOL (e.g. NSE:INFY)"),
        pytest.param(
            ["NSE:INFY", "NSE:TCS", "nse:infy"],
            "items[2]",
            "NSE:INFY is already in the list at items[0]",
        ),
    ],
)
def test_bad_items_are_422_naming_the_item(
    alice: TestClient, items: list[str], field: str, message: str
):
    made = _create(alice, "Mine", ["NSE:ITC"])
    for response in (
        alice.post("/api/watchlists", json={"name": "New", "items": items}),
        alice.patch(f"/api/watchlists/{made['id']}", json={"items": items}),
    ):
        assert response.status_code == 422
        (problem,) = response.json()["detail"]
        assert (problem["field"], problem["msg"]) == (field, message)
    assert alice.get(f"/api/watchlists/{made['id']}").json()["items"] == ["NSE:ITC"]
    assert [w["name"] for w in alice.get("/api/watchlists").json()] == ["Mine"]


def test_input_is_bounded(alice: TestClient):
    too_many = [f"NSE:S{n}" for n in range(MAX_ITEMS + 1)]
    response = alice.post("/api/watchlists", json={"name": "Big", "items": too_many})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "items"
    long_name = alice.post("/api/watchlists", json={"name": "x" * 61})
    assert long_name.json()["detail"][0]["field"] == "name"
    blank = alice.post("/api/watchlists", json={"name": "   "})
    assert blank.json()["detail"][0]["field"] == "name"
    unknown = alice.post("/api/watchlists", json={"name": "A", "colour": "red"})
    assert unknown.json()["detail"][0]["field"] == "colour"


def test_a_full_list_of_250_is_kept(alice: TestClient):
    members = alice.get("/api/universes/nifty_500").json()["members"]
    keys = [m["key"] for m in members][:MAX_ITEMS]
    made = _create(alice, "Broad", keys)
    assert made["items"] == keys
    assert len(made["items"]) == MAX_ITEMS


def test_the_fifty_first_list_is_a_409(alice: TestClient):
    for n in range(MAX_LISTS):
        _create(alice, f"L{n}", [])
    response = alice.post("/api/watchlists", json={"name": "one more"})
    assert response.status_code == 409
    assert response.json() == {
        "detail": "you have 50 watchlists, the most allowed; delete one first"
    }
    page = alice.get("/api/watchlists", params={"limit": 20, "offset": 40}).json()
    assert [w["name"] for w in page] == [f"L{n}" for n in range(40, 50)]


def test_delete_and_others_lists_are_404(alice: TestClient, runtime: Runtime):
    mine = _create(alice, "Mine", ["NSE:INFY"])
    path = f"/api/watchlists/{mine['id']}"
    sign_in(alice, runtime, "bob@x.in")
    for response in (
        alice.get(path),
        alice.patch(path, json={"name": "taken"}),
        alice.delete(path),
    ):
        assert response.status_code == 404
        assert response.json() == {"detail": f"watchlist {mine['id']} not found"}
    (bobs,) = alice.get("/api/watchlists").json()
    assert bobs["name"] == "Watchlist 1"
    assert bobs["id"] != mine["id"]
    assert alice.delete(f"/api/watchlists/{bobs['id']}").status_code == 204
    assert alice.get(f"/api/watchlists/{bobs['id']}").status_code == 404
    (again,) = alice.get("/api/watchlists").json()  # none left: the default again
    assert again["items"] == list(DEFAULT_ITEMS)


def test_signed_out_is_401(client: TestClient):
    assert client.get("/api/watchlists").status_code == 401
    assert client.post("/api/watchlists", json={"name": "x"}).status_code == 401
