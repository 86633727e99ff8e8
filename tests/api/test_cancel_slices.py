"""``POST /api/orders/{order_id}/slices/cancel`` (issue 54): "cancel all slices" of a sliced
order cancels every working child through the pipeline, each as a cancel by hand would,
and answers every child as it then stands; a child already final stays so, asking again
cancels nothing twice, an order that was not sliced is a 409, another user's a 404."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.test_order_slicing import _nifty_call
from tests.helpers import PASSWORD, sign_in
from tradertape.runtime import Runtime
from tradertape.testkit import make_tick

FREEZE = 1800  # NIFTY's shipped freeze quantity


def _sliced(client: TestClient, runtime: Runtime, email: str) -> tuple[list[str], str, int]:
    """A resting paper buy of NIFTY's 25000 call in three slices: its children's ids, the
    symbol and the lot."""
    sign_in(client, runtime, email)
    client.post("/api/portfolio/funds", json={"amount": "10000000"})
    symbol, lot = _nifty_call(runtime)
    per = (FREEZE // lot) * lot
    body = {
        "exchange": "NFO",
        "tradingsymbol": symbol,
        "transaction_type": "BUY",
        "quantity": 2 * per + lot,
        "product": "NRML",
        "order_type": "LIMIT",
        "price": "100",
        "autoslice": True,
    }
    placed = client.post("/api/orders", json=body)
    assert placed.status_code == 201, placed.text
    children: list[str] = placed.json()["children"]
    assert len(children) == 3
    return children, symbol, lot


def _states(answer: Any) -> list[tuple[str, str, int]]:
    return [(c["order_id"], c["status"], c["cancelled_quantity"]) for c in answer["children"]]


def test_cancel_all_slices_cancels_every_working_child(client: TestClient, runtime: Runtime):
    children, _, lot = _sliced(client, runtime, "slicer@x.in")
    per = (FREEZE // lot) * lot

    answer = client.post(f"/api/orders/{children[1]}/slices/cancel")

    assert answer.status_code == 200, answer.text
    assert _states(answer.json()) == [
        (children[0], "CANCELLED", per),
        (children[1], "CANCELLED", per),
        (children[2], "CANCELLED", lot),
    ]
    book = {o["order_id"]: o for o in client.get("/api/portfolio/orders").json()}
    assert [book[c]["status"] for c in children] == ["CANCELLED"] * 3
    assert answer.json()["slice_parent"] == book[children[0]]["meta"]["slice_parent"]

    again = client.post(f"/api/orders/{children[0]}/slices/cancel")  # nothing twice
    assert (again.status_code, _states(again.json())) == (200, _states(answer.json()))


def test_a_filled_child_stays_filled_and_the_working_ones_are_cancelled(
    client: TestClient, runtime: Runtime
):
    children, symbol, lot = _sliced(client, runtime, "filler@x.in")
    per = (FREEZE // lot) * lot
    # The remainder slice (one lot) is modified up to the market and fills.
    moved = client.put(f"/api/orders/{children[2]}", json={"price": "170"})
    assert moved.status_code == 200, moved.text
    runtime.quotes.update(make_tick(f"NFO:{symbol}", "163.20", ts=runtime.clock.now()))
    assert client.get(f"/api/orders/{children[2]}").json()["status"] == "COMPLETE"

    answer = client.post(f"/api/orders/{children[0]}/slices/cancel")

    assert answer.status_code == 200, answer.text
    assert _states(answer.json()) == [
        (children[0], "CANCELLED", per),
        (children[1], "CANCELLED", per),
        (children[2], "COMPLETE", 0),
    ]


def test_an_order_not_sliced_is_a_409_and_another_users_a_404(client: TestClient, runtime: Runtime):
    children, symbol, lot = _sliced(client, runtime, "owner@x.in")
    whole = {
        "exchange": "NFO",
        "tradingsymbol": symbol,
        "transaction_type": "BUY",
        "quantity": lot,
        "product": "NRML",
        "order_type": "LIMIT",
        "price": "100",
    }
    single = client.post("/api/orders", json=whole).json()["order_id"]

    refused = client.post(f"/api/orders/{single}/slices/cancel")
    assert refused.status_code == 409, refused.text
    assert "was not sliced" in refused.json()["detail"]

    sign_in(client, runtime, "other@x.in")
    foreign = client.post(f"/api/orders/{children[0]}/slices/cancel")
    assert foreign.status_code == 404, foreign.text
    assert "detail" in foreign.json()
    again = client.post(
        "/api/auth/password-login", json={"email": "owner@x.in", "password": PASSWORD}
    )
    assert again.status_code == 200, again.text
    # The other user's ask touched nothing.
    assert [client.get(f"/api/orders/{c}").json()["status"] for c in children] == ["OPEN"] * 3
