"""A sweep's cell opens its own run: the variant's document and settings over the sweep's
whole range, started once, answered again after, kept when the sweep goes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.test_sweeps_api import _body, _frames, _v1_id
from tests.helpers import PASSWORD, make_user, sign_in
from tradertape.db.models import BacktestSweep
from tradertape.errors import NotFound
from tradertape.runtime import Runtime
from tradertape.services.research.sweep_runs import variant_request
from tradertape.settings import Settings

THRESHOLD = "entry_rules.conditions.1.right.value"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    quick = {"worker_stream_poll_secs": 0.02, "sweep_workers": 1, "sweep_max_variants": 50}
    return settings.model_copy(update=quick)


@pytest.fixture
def alice(client: TestClient, with_candles: Runtime) -> TestClient:
    sign_in(client, with_candles, "alice@x.in")
    return client


def _finished_sweep(client: TestClient) -> dict[str, Any]:
    started = client.post("/api/backtest/sweeps", json=_body(_v1_id(client)))
    assert started.status_code == 202, started.text
    sweep_id = started.json()["id"]
    assert list(_frames(client, f"/api/backtest/sweeps/{sweep_id}/events"))[-1][0] == "end"
    return dict(client.get(f"/api/backtest/sweeps/{sweep_id}").json())


def test_a_cell_opens_the_run_of_its_variant_once(alice: TestClient, with_candles: Runtime):
    sweep = _finished_sweep(alice)
    variant = sweep["results"][4]  # threshold 70, min_hold 5 (the last axis varies fastest)
    assert variant["params"] == {THRESHOLD: 70.0, "config.min_hold": 5.0}

    opened = alice.post(f"/api/backtest/sweeps/{sweep['id']}/variants/4/run")

    assert opened.status_code == 202, opened.text
    brief = opened.json()
    assert (brief["status"], brief["sweep_id"], brief["sweep_variant"]) == (
        "queued",
        sweep["id"],
        4,
    )
    assert brief["strategy_id"] == sweep["strategy_id"]
    end = list(_frames(alice, f"/api/backtest/runs/{brief['id']}/events"))[-1]
    assert end[1]["status"] == "completed"
    run = alice.get(f"/api/backtest/runs/{brief['id']}").json()
    rules = run["strategy"]
    assert rules["entry_rules"]["conditions"][1]["right"]["value"] == 70
    assert rules["config"]["min_hold"] == 5
    assert (run["config"]["start_date"], run["config"]["end_date"]) == ("2024-01-01", "2025-06-30")
    assert run["config"]["max_positions"] == 4
    days = [d["date"] for d in run["equity_curve"]]
    assert days[0] < sweep["split_date"] <= days[-1]  # in-sample and out-of-sample both

    again = alice.post(f"/api/backtest/sweeps/{sweep['id']}/variants/4/run")
    assert again.status_code == 200
    assert again.json()["id"] == brief["id"]
    assert alice.post(f"/api/backtest/sweeps/{sweep['id']}/variants/6/run").status_code == 404
    listed = alice.get("/api/backtest/runs").json()
    assert [(r["id"], r["sweep_variant"]) for r in listed] == [(brief["id"], 4)]

    other = TestClient(alice.app)
    make_user(with_candles, "bob@x.in")
    other.post("/api/auth/password-login", json={"email": "bob@x.in", "password": PASSWORD})
    assert other.post(f"/api/backtest/sweeps/{sweep['id']}/variants/4/run").status_code == 404

    assert alice.delete(f"/api/backtest/sweeps/{sweep['id']}").status_code == 204
    kept = alice.get(f"/api/backtest/runs/{brief['id']}").json()
    assert (kept["status"], kept["sweep_id"], kept["sweep_variant"]) == ("completed", None, None)


def _stored_sweep(parameters: list[dict[str, Any]], **config: Any) -> BacktestSweep:
    request = {
        "strategy_id": 1,
        "universe": ["INFY", "TCS"],
        "start_date": "2024-01-01",
        "end_date": "2024-12-31",
        "split_date": "2024-07-01",
        "max_positions": 5,
        "parameters": parameters,
        **config,
    }
    document = {
        "name": "Cross",
        "entry_rules": {
            "type": "compare",
            "left": {"type": "indicator", "name": "rsi14", "lag": 0},
            "op": ">",
            "right": {"type": "literal", "value": 50},
        },
    }
    now = datetime(2026, 11, 20, tzinfo=UTC)
    return BacktestSweep(
        id=7, user_id=1, strategy_id=1, strategy_version=2, strategy_name="Cross",
        strategy_snapshot=document, config=request, status="completed", executor="serial",
        workers=1, split_date=date(2024, 7, 1), total=4, done=4, elapsed_s=1.0, results=[],
        created_at=now, heartbeat_at=now,
    )  # fmt: skip


def test_a_variant_of_a_setting_runs_with_that_setting():
    sweep = _stored_sweep(
        [
            {"path": "settings.max_positions", "values": [2, 8]},
            {"path": "entry_rules.right.value", "values": [40, 60]},
        ]
    )

    request = variant_request(sweep, 3)  # 8 positions, RSI above 60

    assert request.max_positions == 8
    assert request.strategy is not None
    assert request.strategy.model_dump(mode="json")["entry_rules"]["right"]["value"] == 60
    assert request.strategy_id is None  # the variant's own document, inline
    assert (request.start_date, request.end_date) == (date(2024, 1, 1), date(2024, 12, 31))
    assert variant_request(sweep, 0).max_positions == 2
    with pytest.raises(NotFound):
        variant_request(sweep, 4)
