"""API conventions every route follows: error shapes, pagination, request ids, OpenAPI, health."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.helpers import sign_in
from tests.workers_kit import new_worker
from tradertape.api.app import create_app
from tradertape.api.schemas.numbers import INT64_MAX
from tradertape.db.models.trading import Order
from tradertape.domain.row_ids import MAX_ROW_ID
from tradertape.runtime import Runtime

OPENAPI_SNAPSHOT = Path(__file__).parents[2] / "docs" / "openapi.json"


def test_malformed_json_is_422(client: TestClient):
    response = client.post(
        "/api/auth/magic-link", content=b'{"email": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


def test_wrong_type_is_422_naming_the_field(client: TestClient):
    response = client.post("/api/auth/password-login", json={"email": "a@x.in", "password": 5})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert [d["field"] for d in detail] == ["password"]
    assert detail[0]["loc"] == ["body", "password"]


def test_unknown_field_is_422(client: TestClient):
    response = client.post("/api/auth/magic-link", json={"email": "a@x.in", "admin": True})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "admin"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        pytest.param("limit=501", "limit", id="over-max"),
        pytest.param("limit=0", "limit", id="zero"),
        pytest.param("offset=-1", "offset", id="negative-offset"),
        pytest.param("limit=ten", "limit", id="not-a-number"),
    ],
)
def test_pagination_bounds(client: TestClient, runtime: Runtime, query: str, field: str):
    sign_in(client, runtime, "a@x.in")
    response = client.get(f"/api/agent/keys?{query}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == field


@pytest.mark.parametrize(
    ("method", "path", "field", "largest"),
    [
        pytest.param("GET", "/api/agent/keys?offset={n}", "offset", INT64_MAX, id="offset"),
        pytest.param("GET", "/api/strategies/{n}", "strategy_id", MAX_ROW_ID, id="strategy"),
        pytest.param("GET", "/api/strategies/1/versions/{n}", "version", MAX_ROW_ID, id="version"),
        pytest.param("GET", "/api/backtest/runs/{n}", "run_id", MAX_ROW_ID, id="backtest-run"),
        pytest.param("GET", "/api/gtt/triggers/{n}", "trigger_id", MAX_ROW_ID, id="gtt"),
        pytest.param("GET", "/api/risk/rules/{n}", "rule_id", MAX_ROW_ID, id="risk-rule"),
        pytest.param(
            "GET", "/api/model/dashboard?portfolio_id={n}", "portfolio_id", MAX_ROW_ID, id="dash"
        ),
        pytest.param(
            "POST", "/api/model/positions/{n}/close", "position_id", MAX_ROW_ID, id="position"
        ),
        pytest.param("DELETE", "/api/auth/sessions/{n}", "session_id", MAX_ROW_ID, id="session"),
    ],
)
def test_a_number_beyond_what_the_database_stores_is_422_naming_it(
    client: TestClient, runtime: Runtime, method: str, path: str, field: str, largest: int
):
    """Ids are 32-bit INTEGER columns on PostgreSQL and offsets 64-bit: one more is the
    client's mistake (a 422), not a driver error (a 500); the largest value is a 404."""
    sign_in(client, runtime, "a@x.in")
    response = client.request(method, path.format(n=largest + 1))
    assert response.status_code == 422, response.text
    assert [d["field"] for d in response.json()["detail"]] == [field]
    at_the_bound = client.request(method, path.format(n=largest))
    assert at_the_bound.status_code in (200, 404), at_the_bound.text


def test_pagination_limits_and_offsets(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "a@x.in")
    for i in range(3):
        client.post("/api/agent/keys", json={"name": f"k{i}"})
    assert [k["name"] for k in client.get("/api/agent/keys?limit=2").json()] == ["k2", "k1"]
    assert [k["name"] for k in client.get("/api/agent/keys?limit=2&offset=2").json()] == ["k0"]
    assert len(client.get("/api/agent/keys?limit=500").json()) == 3


def test_unauthenticated_is_401_with_detail(client: TestClient):
    response = client.get("/api/auth/me")
    assert response.status_code == 401
    assert response.json() == {"detail": "not signed in"}


WRITES_CHECKED_IN_THEIR_THREAD = [
    ("POST", "/api/orders"),
    ("PUT", "/api/orders/260101000000001"),
    ("DELETE", "/api/orders/260101000000001"),
    ("POST", "/api/backtest/run"),
    ("POST", "/api/orders/preview"),
    ("POST", "/api/gtt/triggers"),
    ("PUT", "/api/gtt/triggers/1"),
    ("DELETE", "/api/gtt/triggers/1"),
]


@pytest.mark.parametrize(("method", "path"), WRITES_CHECKED_IN_THEIR_THREAD)
def test_a_write_checking_its_cookie_in_its_thread_refuses_as_every_route_does(
    client: TestClient, runtime: Runtime, method: str, path: str
):
    """Orders, GTTs, the ticket's preview and a backtest look the person up in the route's
    own thread (`SessionCookie`); a missing, malformed or unknown cookie is still a 401 in
    the same words, ahead of a bad body, and nothing is written."""
    bad_body = {"quantity": "lots"}
    client.cookies.clear()
    answer = client.request(method, path, json=bad_body)
    assert (answer.status_code, answer.json()) == (401, {"detail": "not signed in"})
    for cookie in ("short", "A" * 43):
        client.cookies.set("kite_session", cookie)
        answer = client.request(method, path, json=bad_body)
        assert answer.status_code == 401, answer.text
        assert answer.json() == {"detail": "session expired or signed out; sign in again"}
    with runtime.db.session() as db:
        assert db.scalar(select(func.count()).select_from(Order)) == 0


def test_an_order_from_a_signed_out_tab_is_refused_and_not_placed(
    client: TestClient, runtime: Runtime
):
    """A cookie signed out a moment ago passes the screen's cache of good cookies; the
    lookup in the route's thread refuses it (its body, read first, was valid)."""
    sign_in(client, runtime, "later@x.in")
    token = client.cookies["kite_session"]
    assert client.post("/api/auth/logout").status_code == 204
    client.cookies.set("kite_session", token)  # a tab that still sends it
    order = {"exchange": "NSE", "tradingsymbol": "INFY", "transaction_type": "BUY",
             "quantity": 1, "product": "CNC", "order_type": "MARKET"}  # fmt: skip
    answer = client.post("/api/orders", json=order)
    assert answer.status_code == 401, answer.text
    assert answer.json() == {"detail": "session expired or signed out; sign in again"}
    with runtime.db.session() as db:
        assert db.scalar(select(func.count()).select_from(Order)) == 0


def test_unknown_route_is_404_with_detail(client: TestClient):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_unexpected_error_is_sanitized_500_with_request_id(runtime: Runtime):
    app = create_app(runtime)

    @app.get("/api/boom")
    def boom() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/api/boom", headers={"X-Request-ID": "req-123"})

    assert response.status_code == 500
    body = response.json()
    assert body["request_id"] == "req-123"
    assert "hunter2" not in response.text
    assert "Traceback" not in response.text
    assert body["detail"].startswith("internal server error")


def test_request_id_is_generated_and_echoed(client: TestClient):
    generated = client.get("/api/health").headers["x-request-id"]
    assert len(generated) == 32
    echoed = client.get("/api/health", headers={"X-Request-ID": "abc-1"}).headers["x-request-id"]
    assert echoed == "abc-1"
    unsafe = client.get("/api/health", headers={"X-Request-ID": "a\tb"}).headers["x-request-id"]
    assert unsafe != "a\tb"


def test_health_reports_database_and_version(client: TestClient):
    from tradertape import __version__

    assert client.get("/api/health").json() == {
        "status": "ok",
        "database": "ok",
        "kernels": "lazy",  # the test settings do not ready them at start
        "version": __version__,
        "api_version": "1",
        # The test clock stands 41 days before the shipped holiday list's last day.
        "calendar_warning": "the NSE holiday list ends 2026-12-31 (41 days left); load NSE's "
        "holiday list with `tradertape calendar import FILE`",
        "loop": None,  # no trading loop has run a batch in this process
    }


def test_health_is_503_when_database_is_down(runtime: Runtime):
    from tradertape.db.engine import Database

    broken = Runtime.build(
        runtime.settings,
        clock=runtime.clock,
        db=Database.from_url("postgresql+psycopg://nobody@127.0.0.1:1/none"),
    )
    with TestClient(create_app(broken)) as client:
        response = client.get("/api/health")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_openapi_and_docs_are_served(client: TestClient):
    spec = client.get("/api/openapi.json").json()
    assert "/api/auth/magic-link" in spec["paths"]
    operation = spec["paths"]["/api/auth/magic-link"]["post"]["operationId"]
    assert operation == "auth-magic_link"
    assert "swagger" in client.get("/api/docs").text.lower()


def test_checked_in_openapi_matches_the_app(client: TestClient):
    """docs/openapi.json is the contract; regenerate it with `make openapi` when it changes."""
    live = client.get("/api/openapi.json").json()
    live["info"].pop("version")
    stored = json.loads(OPENAPI_SNAPSHOT.read_text())
    stored["info"].pop("version", None)
    assert live == stored, "API changed: run `make openapi` and review the diff"


def test_a_nul_character_is_refused_naming_the_parameter(client: TestClient, runtime: Runtime):
    """PostgreSQL cannot hold NUL in text: refused as the request is read, on every database."""
    worker = new_worker(client, runtime)
    response = worker.call("GET", "/trades", params={"strategy_run_id": "run\x00x"})
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"] == "strategy_run_id"
