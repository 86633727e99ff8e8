"""/api/backtests/options/walk-forwards: an options sweep's grid folded as an equity
walk-forward is, stored and run on the research jobs. Worked: a weekly short straddle on
generated chains (seed 7) from January to April 2025, its stop-loss 20 % or 60 % (the
grid), folds of 30 trading days in sample and 15 out, rolling. Each fold's choice and its
out-of-sample net equal the in-process driver's (`options_walk_forward`) over the same
chains, to the paisa; the verdict is the equity walk-forward's. Owner-scoped, apart from
the equity walk-forwards, resumable as they are."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.test_options_backtest_api import STRADDLE
from tests.helpers import sign_in
from tradertape.backtest.options.strategy import OptionStrategy
from tradertape.backtest.options.sweep import OptionsAxis, chains_for
from tradertape.backtest.options.walk_forward import grid_variant, options_walk_forward
from tradertape.backtest.walk_forward import FoldPlan
from tradertape.runtime import Runtime
from tradertape.services.research.resume_at_start import resume_cut_off

BASE = "/api/backtests/options/walk-forwards"
START, END = date(2025, 1, 1), date(2025, 4, 30)
GRID = [{"parameter": "stop_loss", "values": [20, 60]}]
BODY: dict[str, Any] = {
    "strategy": STRADDLE,
    "start_date": START.isoformat(),
    "end_date": END.isoformat(),
    "parameters": GRID,
    "in_sample_days": 30,
    "out_of_sample_days": 15,
    "pbo_blocks": 4,
}


@pytest.fixture
def alice(client: TestClient, runtime: Runtime) -> TestClient:
    sign_in(client, runtime, "alice@x.in")
    return client


def _finished(client: TestClient, runtime: Runtime, body: dict[str, Any]) -> dict[str, Any]:
    started = client.post(BASE, json=body)
    assert started.status_code == 202, started.text
    assert started.json()["status"] == "queued"
    assert runtime.research.wait_idle(180)
    read = client.get(f"{BASE}/{started.json()['id']}")
    assert read.status_code == 200, read.text
    return dict(read.json())


def test_a_run_folds_the_grid_as_the_driver_does_and_gives_the_verdict(
    alice: TestClient, runtime: Runtime
):
    run = _finished(alice, runtime, BODY)
    assert run["status"] == "completed", run["error"]
    assert run["variant_count"] == 2
    assert run["total"] == run["done"] == run["fold_count"] * 2
    assert run["config"]["in_sample_days"] == 30
    said = run["config"]["parameters"][0]
    assert (said["label"], said["name"]) == ("legs[*].stop_loss", "Stop-loss, every leg")

    strategy = OptionStrategy.model_validate(STRADDLE)
    axes = [OptionsAxis.model_validate(axis) for axis in GRID]
    source, minutes = chains_for(strategy, START, END, data="synthetic", seed=7, data_dir=None)
    variants = [grid_variant(strategy, axes, i) for i in range(2)]
    plan = FoldPlan(in_sample_days=30, out_of_sample_days=15)
    alone, verdict = options_walk_forward(
        variants, source, minutes, start=START, end=END, plan=plan, pbo_blocks=4
    )
    assert run["fold_count"] == len(alone) >= 3
    for got, want in zip(run["folds"], alone, strict=True):
        assert (got["out_start"], got["out_end"]) == (want["out_start"], want["out_end"])
        assert got["chosen"] == want["chosen"]
        assert got["params"] == {"legs[*].stop_loss": [20.0, 60.0][want["chosen"]]}
        assert got["out_of_sample"]["net"] == want["out_of_sample"]["net"]  # to the paisa
        assert len(got["out_of_sample"]["net"].split(".")[1]) == 2
        assert [c["variant"] for c in got["grid"]] == [0, 1]
    summary = run["summary"]
    assert summary["folds"] == run["fold_count"]
    assert summary["stitched"]["days"] == verdict["stitched"]["days"]
    assert summary["stitched"]["total_return"] == verdict["stitched"]["total_return"]
    assert [s["path"] for s in summary["stability"]] == ["legs[*].stop_loss"]
    assert len(summary["stability"][0]["chosen"]) == run["fold_count"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param(
            {"parameters": [{"parameter": "entry_time", "values": ["09:20", "10:00"]}]},
            "parameters[0]",
            id="a-time-of-day",
        ),
        pytest.param(
            {"parameters": [{"parameter": "trailing_by", "values": [5]}]},
            "parameters[0]",
            id="a-refused-value",
        ),
        pytest.param({"in_sample_days": 400}, "in_sample_days", id="no-fold-fits"),
        pytest.param({"in_sample_days": 0}, "in_sample_days", id="zero-days"),
        pytest.param({"objective": "luck"}, "objective", id="objective"),
        pytest.param({"pbo_blocks": 3}, "pbo_blocks", id="odd-blocks"),
        pytest.param({"end_date": "2024-12-01"}, "end_date", id="backwards"),
    ],
)
def test_a_bad_run_is_a_422_naming_the_field_and_stores_nothing(
    alice: TestClient, change: dict[str, Any], field: str
):
    refused = alice.post(BASE, json=BODY | change)
    assert refused.status_code == 422, refused.text
    assert field in refused.text
    missing = {k: v for k, v in BODY.items() if k != "out_of_sample_days"}
    refused = alice.post(BASE, json=missing)
    assert refused.status_code == 422
    assert "out_of_sample_days" in refused.text
    assert alice.get(BASE).json() == []


def test_runs_are_the_owners_and_apart_from_equity_walk_forwards(
    alice: TestClient, client: TestClient, runtime: Runtime
):
    run = _finished(alice, runtime, BODY | {"end_date": "2025-03-15"})
    path = f"{BASE}/{run['id']}"
    assert [r["id"] for r in alice.get(BASE).json()] == [run["id"]]
    assert alice.get("/api/backtest/walk-forwards").json() == []  # the equity list
    assert alice.get(f"/api/backtest/walk-forwards/{run['id']}").status_code == 404
    bob = TestClient(client.app)
    sign_in(bob, runtime, "bob@x.in")
    for answer in (
        bob.get(path),
        bob.post(f"{path}/cancel"),
        bob.post(f"{path}/resume"),
        bob.get(f"{path}/events"),
        bob.delete(path),
    ):
        assert answer.status_code == 404
    assert bob.get(BASE).json() == []
    assert alice.post(f"{path}/cancel").status_code == 409  # it has ended
    assert alice.post(f"{path}/resume").status_code == 409  # it completed
    assert alice.delete(path).status_code == 204
    assert alice.get(path).status_code == 404


def test_a_run_a_stop_cut_off_resumes_at_start_up_keeping_its_folds(
    alice: TestClient, runtime: Runtime
):
    held, reached = threading.Event(), threading.Event()

    def hold(_: int) -> None:
        reached.set()
        held.wait(10)

    runtime.research.between_chunks = hold
    run_id = alice.post(BASE, json=BODY).json()["id"]
    assert reached.wait(60)
    stopper = threading.Thread(target=runtime.research.stop)
    stopper.start()
    held.set()
    stopper.join(60)
    cut = alice.get(f"{BASE}/{run_id}").json()
    assert cut["status"] == "interrupted"
    kept = [f["out_start"] for f in cut["folds"]]
    assert len(kept) < cut["fold_count"]

    runtime.research.between_chunks = lambda _: None
    done = resume_cut_off(
        runtime.db, runtime.candles, runtime.research, clock=runtime.clock, limit=200
    )
    assert done.walk_forwards == [run_id], done.left
    assert runtime.research.wait_idle(180)
    run = alice.get(f"{BASE}/{run_id}").json()
    assert run["status"] == "completed", run["error"]
    assert [f["index"] for f in run["folds"]] == list(range(run["fold_count"]))
    assert [f["out_start"] for f in run["folds"]][: len(kept)] == kept
    assert run["summary"]["folds"] == run["fold_count"]
