"""/api/backtests/options/sweeps: a grid over an options strategy's leg parameters run as a
stored sweep on the research jobs; each cell's figures equal a run of its document alone,
to the paisa; owner-scoped, apart from the equity sweeps, capped as they are."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.test_options_backtest_api import STRADDLE
from tests.helpers import sign_in
from tradertape.runtime import Runtime
from tradertape.services.job_caps import BACKTEST, EXPORT, SWEEP, UPLOAD, JobCaps

GRID = [
    {"parameter": "stop_loss", "values": [20, 50]},
    {"parameter": "strike", "values": [0, 1], "legs": [0]},
]
BODY: dict[str, Any] = {
    "strategy": STRADDLE,
    "start_date": "2025-02-03",
    "end_date": "2025-02-21",
    "parameters": GRID,
}
CELL = ("net", "gross", "charges", "slippage", "max_drawdown", "win_rate", "trade_sets")


@pytest.fixture
def alice(client: TestClient, runtime: Runtime) -> TestClient:
    sign_in(client, runtime, "alice@x.in")
    return client


def _finished(client: TestClient, runtime: Runtime, body: dict[str, Any]) -> dict[str, Any]:
    started = client.post("/api/backtests/options/sweeps", json=body)
    assert started.status_code == 202, started.text
    assert started.json()["status"] == "queued"
    assert started.json()["total"] == 4
    assert runtime.research.wait_idle(120)
    read = client.get(f"/api/backtests/options/sweeps/{started.json()['id']}")
    assert read.status_code == 200, read.text
    return dict(read.json())


def test_each_cell_equals_its_own_run_to_the_paisa(alice: TestClient, runtime: Runtime):
    sweep = _finished(alice, runtime, BODY)
    assert sweep["status"] == "completed"
    assert sweep["done"] == 4
    assert [(a["name"], a["label"]) for a in sweep["axes"]] == [
        ("Stop-loss, every leg", "legs[*].stop_loss"),
        ("Strike, leg 1", "legs[0].strike"),
    ]
    cells = sweep["cells"]
    assert [(c["index"], c["row"], c["col"], c["values"]) for c in cells] == [
        (0, 0, 0, [20, 0]),
        (1, 0, 1, [20, 1]),
        (2, 1, 0, [50, 0]),
        (3, 1, 1, [50, 1]),
    ]
    for cell in cells:
        stop, offset = cell["values"]
        legs = [leg | {"stop_loss": {"unit": "pct", "value": stop}} for leg in STRADDLE["legs"]]
        legs[0] = legs[0] | {"strike": {"type": "atm", "offset": offset}}
        alone = alice.post(
            "/api/backtests/options",
            json={
                "strategy": STRADDLE | {"legs": legs},
                "start_date": "2025-02-03",
                "end_date": "2025-02-21",
            },
        )
        assert alone.status_code == 200, alone.text
        assert {k: cell[k] for k in CELL} == {k: alone.json()[k] for k in CELL}, cell["values"]
    nets = {c["net"] for c in cells}
    assert len(nets) > 1  # the parameters change the result
    assert all(isinstance(c["net"], str) and c["net"].count(".") == 1 for c in cells)
    assert all(len(c["net"].split(".")[1]) == 2 for c in cells)  # to the paisa


def test_a_value_the_strategy_refuses_is_a_422_naming_the_parameter(alice: TestClient):
    body = BODY | {"parameters": [{"parameter": "trailing_by", "values": [5]}]}
    refused = alice.post("/api/backtests/options/sweeps", json=body)
    assert refused.status_code == 422
    assert '"field":"parameters[0]"' in refused.text
    assert "trailing stop" in refused.text
    three = BODY | {"parameters": [*GRID, {"parameter": "lots", "values": [1]}]}
    assert alice.post("/api/backtests/options/sweeps", json=three).status_code == 422
    other = BODY | {"strategy": STRADDLE | {"underlying": "BANKNIFTY"}}
    refused = alice.post("/api/backtests/options/sweeps", json=other)
    assert refused.status_code == 422
    assert "strategy.underlying" in refused.text
    assert alice.get("/api/backtests/options/sweeps").json() == []  # nothing stored


def test_sweeps_are_the_owners_and_apart_from_equity_sweeps(
    alice: TestClient, client: TestClient, runtime: Runtime
):
    sweep = _finished(alice, runtime, BODY)
    path = f"/api/backtests/options/sweeps/{sweep['id']}"
    assert [s["id"] for s in alice.get("/api/backtests/options/sweeps").json()] == [sweep["id"]]
    assert alice.get("/api/backtest/sweeps").json() == []  # the equity list
    assert alice.get(f"/api/backtest/sweeps/{sweep['id']}").status_code == 404
    bob = TestClient(client.app)
    sign_in(bob, runtime, "bob@x.in")
    assert bob.get(path).status_code == 404
    assert bob.delete(path).status_code == 404
    assert bob.get("/api/backtests/options/sweeps").json() == []
    assert alice.post(f"{path}/cancel").status_code == 409  # it has ended
    assert alice.delete(path).status_code == 204
    assert alice.get(path).status_code == 404


def test_options_sweeps_share_the_users_cap_of_sweeps(
    alice: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
):
    caps = {SWEEP: 1, BACKTEST: 4, UPLOAD: 2, EXPORT: 2}
    monkeypatch.setattr(runtime.research, "caps", JobCaps(caps))
    held, reached = threading.Event(), threading.Event()

    def hold(_: int) -> None:
        reached.set()
        held.wait(30)

    runtime.research.between_chunks = hold
    first = alice.post("/api/backtests/options/sweeps", json=BODY)
    assert first.status_code == 202, first.text
    assert reached.wait(60)
    refused = alice.post("/api/backtests/options/sweeps", json=BODY)
    assert refused.status_code == 429
    cancelled = alice.post(f"/api/backtests/options/sweeps/{first.json()['id']}/cancel")
    assert cancelled.status_code == 202
    held.set()
    assert runtime.research.wait_idle(60)
    ended = alice.get(f"/api/backtests/options/sweeps/{first.json()['id']}").json()
    assert ended["status"] == "cancelled"
    assert 0 < ended["done"] < 4
