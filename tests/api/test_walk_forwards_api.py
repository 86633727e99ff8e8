"""Walk-forwards over the API, on synthetic NIFTY 50 candles: folds, the verdict, owner
scoping, caps, and a run cut off by a stopping server resumed without its finished folds.

Runs go in the job's own thread here (``sweep_workers = 1``), as the sweeps' tests do.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.test_sweeps_api import _frames, _v1_id
from tests.helpers import sign_in
from tradertape.api.schemas.walk_forwards import WalkForwardProgressMessage
from tradertape.db.models import WalkForwardRun
from tradertape.runtime import Runtime
from tradertape.services.job_caps import BACKTEST, EXPORT, SWEEP, UPLOAD, JobCaps
from tradertape.services.research import walk_forwards
from tradertape.settings import Settings

SYMBOLS = ["RELIANCE", "INFY", "TCS", "HDFCBANK", "ITC", "SBIN"]
BASE = "/api/backtest/walk-forwards"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    quick = {
        "worker_stream_poll_secs": 0.02,
        "worker_stream_heartbeat_secs": 5.0,
        "sweep_workers": 1,
        "sweep_max_variants": 50,
    }
    return settings.model_copy(update=quick)


@pytest.fixture
def alice(client: TestClient, with_candles: Runtime) -> TestClient:
    sign_in(client, with_candles, "alice@x.in")
    return client


def _body(strategy_id: int, **changes: Any) -> dict[str, Any]:
    return {
        "strategy_id": strategy_id,
        "universe": SYMBOLS,
        "start_date": "2024-01-01",
        "end_date": "2025-06-30",
        "max_positions": 4,
        "in_sample_days": 120,
        "out_of_sample_days": 60,
        "pbo_blocks": 4,
        "parameters": [{"path": "config.min_hold", "values": [2, 10]}],
        **changes,
    }


def test_a_walk_forward_chooses_per_fold_and_stitches_the_out_of_sample(alice: TestClient):
    response = alice.post(BASE, json=_body(_v1_id(alice)))
    assert response.status_code == 202, response.text
    started = response.json()
    assert (started["status"], started["variant_count"], started["executor"]) == (
        "queued",
        2,
        "serial",
    )
    folds = started["fold_count"]
    assert folds >= 3
    assert started["total"] == folds * 2

    events = list(_frames(alice, f"{BASE}/{started['id']}/events"))
    for name, data in events:
        WalkForwardProgressMessage.model_validate({"event": name, "data": data})
    assert events[-1][1]["status"] == "completed"
    assert events[-1][1]["folds_done"] == folds

    run = alice.get(f"{BASE}/{started['id']}").json()
    assert [f["index"] for f in run["folds"]] == list(range(folds))
    for before, after in zip(run["folds"], run["folds"][1:], strict=False):
        assert before["out_end"] < after["out_start"]
        assert after["in_end"] < after["out_start"]
    for fold in run["folds"]:
        assert fold["chosen"] in (0, 1)
        assert fold["params"]["config.min_hold"] in (2.0, 10.0)
        assert fold["in_sample"]["last_day"] <= fold["in_end"] < fold["out_start"]
        assert fold["out_of_sample"]["first_day"] >= fold["out_start"]
        assert len(fold["grid"]) == 2
        # the chosen one is the in-sample best by Sharpe
        best = max(fold["grid"], key=lambda c: c["in_sample"] or float("-inf"))
        assert fold["chosen"] == best["variant"]
    summary = run["summary"]
    stitched = summary["stitched"]
    assert stitched["days"][0] == run["folds"][0]["out_start"]
    assert stitched["days"][-1] == run["folds"][-1]["out_end"]
    assert len(stitched["days"]) == len(stitched["equity"])
    assert summary["stability"][0]["path"] == "config.min_hold"
    assert len(summary["stability"][0]["chosen"]) == folds
    assert summary["deflated_sharpe"]["trials"] == 2
    assert 0 <= summary["deflated_sharpe"]["dsr"] <= 1
    assert summary["pbo"]["splits"] == 6  # C(4, 2)
    assert 0 <= summary["pbo"]["pbo"] <= 1

    listed = alice.get(BASE).json()
    assert [r["id"] for r in listed] == [started["id"]]
    assert "folds" not in listed[0]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"in_sample_days": 400}, "in_sample_days"),
        ({"samples": 5}, "samples"),
        ({"search": "random", "samples": 1}, "samples"),
        ({"pbo_blocks": 3}, "pbo_blocks"),
        ({"in_sample_days": True}, "in_sample_days"),
        (
            {"parameters": [{"path": "config.min_hold", "start": 0, "stop": 60, "step": 1}]},
            "parameters",
        ),
        ({"parameters": [{"path": "config.nothing", "values": [1]}]}, "parameters[0]"),
    ],
)
def test_bad_walk_forwards_are_refused_naming_the_field(
    alice: TestClient, changes: dict[str, Any], field: str
):
    response = alice.post(BASE, json=_body(_v1_id(alice), **changes))
    assert response.status_code == 422, response.text
    assert field in {e["field"] for e in response.json()["detail"]}


def test_random_search_tries_a_seeded_sample_of_the_grid(alice: TestClient):
    grid = [{"path": "config.min_hold", "start": 0, "stop": 40, "step": 1}]  # 41 variants
    body = _body(_v1_id(alice), parameters=grid, search="random", samples=3, seed=7)
    started = alice.post(BASE, json=body).json()
    assert started["variant_count"] == 3
    list(_frames(alice, f"{BASE}/{started['id']}/events"))
    run = alice.get(f"{BASE}/{started['id']}").json()
    tried = {c["variant"] for c in run["folds"][0]["grid"]}
    assert len(tried) == 3
    assert all({c["variant"] for c in f["grid"]} == tried for f in run["folds"])


def test_another_users_walk_forward_is_404(alice: TestClient, client: TestClient, runtime: Runtime):
    run_id = alice.post(BASE, json=_body(_v1_id(alice))).json()["id"]
    list(_frames(alice, f"{BASE}/{run_id}/events"))
    bob = TestClient(client.app)
    sign_in(bob, runtime, "bob@x.in")
    for method, path in [
        ("GET", f"{BASE}/{run_id}"),
        ("GET", f"{BASE}/{run_id}/events"),
        ("POST", f"{BASE}/{run_id}/cancel"),
        ("POST", f"{BASE}/{run_id}/resume"),
        ("DELETE", f"{BASE}/{run_id}"),
    ]:
        assert bob.request(method, path).status_code == 404, (method, path)
    assert bob.get(BASE).json() == []
    assert alice.get(f"{BASE}/{run_id}").status_code == 200


def test_a_walk_forward_counts_under_the_users_cap_of_sweeps(
    alice: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(
        runtime.research, "caps", JobCaps({SWEEP: 1, BACKTEST: 4, UPLOAD: 2, EXPORT: 2})
    )
    held, reached = threading.Event(), threading.Event()

    def hold(_: int) -> None:
        reached.set()
        held.wait(10)

    runtime.research.between_chunks = hold
    first = alice.post(BASE, json=_body(_v1_id(alice)))
    assert first.status_code == 202
    assert reached.wait(30)
    assert alice.post(BASE, json=_body(_v1_id(alice))).status_code == 429
    held.set()
    assert runtime.research.wait_idle(30)


def test_a_run_cut_off_by_a_stopping_server_resumes_skipping_its_finished_folds(
    alice: TestClient, runtime: Runtime
):
    held, reached = threading.Event(), threading.Event()

    def hold(_: int) -> None:
        reached.set()
        held.wait(10)

    runtime.research.between_chunks = hold
    run_id = alice.post(BASE, json=_body(_v1_id(alice))).json()["id"]
    assert reached.wait(30)  # a chunk (one fold: two variants) is done
    stopper = threading.Thread(target=runtime.research.stop)
    stopper.start()
    held.set()
    stopper.join(30)
    cut = alice.get(f"{BASE}/{run_id}").json()
    assert cut["status"] == "interrupted"
    kept = len(cut["folds"])
    assert 0 < kept < cut["fold_count"]
    assert cut["summary"]["folds"] == kept  # what the finished folds say so far
    with runtime.db.session() as db:  # mark a kept fold: a fold run again would lose it
        row = db.get(WalkForwardRun, run_id)
        assert row is not None
        row.folds = [{**row.folds[0], "failed": 7}, *row.folds[1:]]
        db.commit()

    runtime.research.between_chunks = lambda _: None
    assert alice.post(f"{BASE}/{run_id}/cancel").status_code == 409
    resumed = alice.post(f"{BASE}/{run_id}/resume")
    assert resumed.status_code == 202, resumed.text
    assert resumed.json()["done"] == kept * 2
    end = list(_frames(alice, f"{BASE}/{run_id}/events"))[-1][1]
    assert end["status"] == "completed"
    run = alice.get(f"{BASE}/{run_id}").json()
    assert [f["index"] for f in run["folds"]] == list(range(run["fold_count"]))
    assert run["folds"][0]["failed"] == 7  # kept, not run again
    assert run["summary"]["folds"] == run["fold_count"]
    assert alice.post(f"{BASE}/{run_id}/resume").status_code == 409  # completed
    assert alice.delete(f"{BASE}/{run_id}").status_code == 204


def test_a_run_cut_off_by_a_crash_reads_as_interrupted_and_start_up_marks_it(
    alice: TestClient, runtime: Runtime, clock: Any
):
    run_id = alice.post(BASE, json=_body(_v1_id(alice))).json()["id"]
    list(_frames(alice, f"{BASE}/{run_id}/events"))
    with runtime.db.session() as db:  # as a crashed process leaves it: running, gone quiet
        row = db.get(WalkForwardRun, run_id)
        assert row is not None
        row.status, row.heartbeat_at = "running", clock.now()
        db.commit()
    assert alice.get(f"{BASE}/{run_id}").json()["status"] == "running"
    clock.advance(timedelta(minutes=2))
    assert alice.get(f"{BASE}/{run_id}").json()["status"] == "interrupted"
    with runtime.db.session() as db:
        row = db.get(WalkForwardRun, run_id)
        assert row is not None
        row.status = "running"
        db.commit()
        assert walk_forwards.interrupt_stale(db, clock=clock) == 1
