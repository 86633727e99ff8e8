"""Options backtest runs kept: each run of POST /api/backtests/options joins the user's
options history; listed, read, compared side by side and deleted, owner-scoped, and apart
from the equity history."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.test_options_backtest_api import STRADDLE
from tests.helpers import PASSWORD, make_user, sign_in
from tradertape.runtime import Runtime

FIGURES = ("net", "gross", "charges", "slippage", "max_drawdown", "win_rate", "trade_sets")


@pytest.fixture
def alice(client: TestClient, runtime: Runtime) -> TestClient:
    sign_in(client, runtime, "alice@x.in")
    return client


def _run(client: TestClient, stop_pct: float = 30) -> dict[str, Any]:
    legs = [leg | {"stop_loss": {"unit": "pct", "value": stop_pct}} for leg in STRADDLE["legs"]]
    body = {
        "strategy": STRADDLE | {"name": f"straddle, stop {stop_pct} %", "legs": legs},
        "start_date": "2025-02-03",
        "end_date": "2025-02-21",
    }
    response = client.post("/api/backtests/options", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_run_is_kept_with_its_request_and_reads_back_whole(alice: TestClient):
    ran = _run(alice)
    assert ran["id"] > 0
    assert ran["request"]["start_date"] == "2025-02-03"
    assert ran["request"]["data"] == "synthetic"
    assert ran["request"]["strategy"]["legs"][0]["stop_loss"] == {"unit": "pct", "value": 30.0}
    assert ran["trade_count"] == len(ran["trades"]) > 0

    read = alice.get(f"/api/backtests/options/{ran['id']}")
    assert read.status_code == 200, read.text
    assert read.json() == ran  # the stored run reads as it was answered

    listed = alice.get("/api/backtests/options").json()
    assert [r["id"] for r in listed] == [ran["id"]]
    assert {k: listed[0][k] for k in FIGURES} == {k: ran[k] for k in FIGURES}
    assert "trades" not in listed[0]
    assert "curve" not in listed[0]


def test_the_request_runs_again_to_the_same_figures(alice: TestClient):
    ran = _run(alice)
    again = alice.post("/api/backtests/options", json=ran["request"]).json()
    assert {k: again[k] for k in FIGURES} == {k: ran[k] for k in FIGURES}
    listed = alice.get("/api/backtests/options").json()
    assert [r["id"] for r in listed] == [again["id"], ran["id"]]  # newest first


def test_runs_compare_side_by_side_in_the_order_asked(alice: TestClient):
    tight, loose = _run(alice, stop_pct=10), _run(alice, stop_pct=60)
    response = alice.get(
        "/api/backtests/options/compare", params={"run": [loose["id"], tight["id"]]}
    )
    assert response.status_code == 200, response.text
    runs = response.json()["runs"]
    assert [r["id"] for r in runs] == [loose["id"], tight["id"]]
    for got, ran in zip(runs, (loose, tight), strict=True):
        assert {k: got[k] for k in FIGURES} == {k: ran[k] for k in FIGURES}
        assert got["trade_count"] == len(ran["trades"])
        assert got["curve"] == ran["curve"]
        assert got["request"]["strategy"]["name"] == ran["name"]
    # the tighter stop trades more (each stop re-enters once): the comparison shows it
    assert tight["trade_count"] > loose["trade_count"]
    assert Decimal(runs[0]["net"]) != Decimal(runs[1]["net"])


@pytest.mark.parametrize(
    "ids",
    [pytest.param("one", id="one-run"), pytest.param("twice", id="the-same-run-twice")],
)
def test_a_comparison_needs_two_different_runs(alice: TestClient, ids: str):
    ran = _run(alice)
    asked = [ran["id"]] if ids == "one" else [ran["id"], ran["id"]]
    response = alice.get("/api/backtests/options/compare", params={"run": asked})
    assert response.status_code == 422, response.text
    assert "run" in response.text


def test_another_users_run_is_not_found(client: TestClient, runtime: Runtime):
    make_user(runtime, "bob@x.in")
    sign_in(client, runtime, "alice@x.in")
    first, second = _run(client), _run(client, stop_pct=50)
    client.post("/api/auth/password-login", json={"email": "bob@x.in", "password": PASSWORD})
    assert client.get(f"/api/backtests/options/{first['id']}").status_code == 404
    assert client.delete(f"/api/backtests/options/{first['id']}").status_code == 404
    compare = client.get(
        "/api/backtests/options/compare", params={"run": [first["id"], second["id"]]}
    )
    assert compare.status_code == 404
    assert client.get("/api/backtests/options").json() == []
    client.post("/api/auth/password-login", json={"email": "alice@x.in", "password": PASSWORD})
    assert client.delete(f"/api/backtests/options/{first['id']}").status_code == 204
    assert client.get(f"/api/backtests/options/{first['id']}").status_code == 404
    assert [r["id"] for r in client.get("/api/backtests/options").json()] == [second["id"]]


def test_options_and_equity_histories_keep_apart(alice: TestClient):
    ran = _run(alice)
    assert alice.get("/api/backtest/runs").json() == []
    assert alice.get(f"/api/backtest/runs/{ran['id']}").status_code == 404
    assert alice.delete(f"/api/backtest/runs/{ran['id']}").status_code == 404
    assert alice.get(f"/api/backtests/options/{ran['id']}").status_code == 200


def test_a_refused_run_is_not_kept(alice: TestClient):
    body = {"strategy": STRADDLE, "start_date": "2025-02-03", "end_date": "2025-01-01"}
    assert alice.post("/api/backtests/options", json=body).status_code == 422
    assert alice.get("/api/backtests/options").json() == []
