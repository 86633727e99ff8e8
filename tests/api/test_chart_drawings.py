"""``/api/market/drawings``: a user's trend lines, levels and retracements per chart, kept
whole and owner-scoped (another user's drawing is a 404)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.helpers import PASSWORD, sign_in
from tradertape.runtime import Runtime

LEVEL = {
    "symbol": "infy",
    "kind": "horizontal",
    "points": [{"time": 1763942400, "price": "1512.35"}],
}
FIB = {
    "symbol": "NSE:INFY",
    "kind": "fibonacci",
    "points": [{"time": 1763337600, "price": "1480"}, {"time": 1763942400, "price": "1560.5"}],
}


def test_a_drawing_is_kept_listed_and_deleted(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "a@x.in")
    made = client.post("/api/market/drawings", json=LEVEL)
    assert made.status_code == 201, made.text
    level = made.json()
    assert level["symbol"] == "NSE:INFY"  # the instrument's key, however it was spelled
    assert level["points"] == [{"time": 1763942400, "price": "1512.35"}]
    fib = client.post("/api/market/drawings", json=FIB).json()
    client.post("/api/market/drawings", json={**LEVEL, "symbol": "NSE:TCS"})
    listed = client.get("/api/market/drawings", params={"symbol": "NSE:INFY"}).json()
    assert [d["id"] for d in listed] == [level["id"], fib["id"]]  # only INFY's, oldest first
    assert listed[1]["points"][1]["price"] == "1560.5"
    assert client.delete(f"/api/market/drawings/{level['id']}").status_code == 204
    listed = client.get("/api/market/drawings", params={"symbol": "NSE:INFY"}).json()
    assert [d["kind"] for d in listed] == ["fibonacci"]


def test_another_users_drawing_is_not_found(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "a@x.in")
    mine = client.post("/api/market/drawings", json=FIB).json()
    sign_in(client, runtime, "b@x.in")
    assert client.get("/api/market/drawings", params={"symbol": "NSE:INFY"}).json() == []
    gone = client.delete(f"/api/market/drawings/{mine['id']}")
    assert gone.status_code == 404
    assert gone.json() == {"detail": f"drawing {mine['id']} not found"}
    login = client.post("/api/auth/password-login", json={"email": "a@x.in", "password": PASSWORD})
    assert login.status_code == 200
    assert len(client.get("/api/market/drawings", params={"symbol": "NSE:INFY"}).json()) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"kind": "trend"}, "points", id="trend-needs-two"),
        pytest.param({"kind": "circle"}, "kind", id="unknown-kind"),
        pytest.param({"symbol": "NSE:NOSUCH"}, "symbol", id="unknown-symbol"),
        pytest.param({"points": [{"time": "1763942400", "price": "1"}]}, "points", id="time-str"),
        pytest.param({"points": [{"time": 1763942400, "price": "-1"}]}, "points", id="neg-price"),
        pytest.param({"points": []}, "points", id="no-points"),
        pytest.param({"colour": "red"}, "colour", id="unknown-field"),
    ],
)
def test_bad_drawings_are_422_naming_the_field(
    client: TestClient, runtime: Runtime, change: dict[str, object], field: str
):
    sign_in(client, runtime, "a@x.in")
    response = client.post("/api/market/drawings", json={**LEVEL, **change})
    assert response.status_code == 422, response.text
    assert field in str(response.json()["detail"])


def test_the_two_points_of_a_line_differ(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "a@x.in")
    same = {"time": 1763942400, "price": "1500"}
    response = client.post(
        "/api/market/drawings", json={**FIB, "kind": "trend", "points": [same, same]}
    )
    assert response.status_code == 422
    assert "the two points are the same" in str(response.json()["detail"])
