"""Parameter sweeps and backtests with progress over the API, on synthetic NIFTY 50 candles.

Sweeps run in the sweep's own thread here (``sweep_workers = 1``); the pool has its own test.
Streams poll quickly, so every test ends in well under a second of waiting on them.
"""

from __future__ import annotations

import importlib.util
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tradertape.api.schemas.sweeps import BacktestProgressMessage, SweepProgressMessage
from tradertape.db.models import BacktestSweep
from tradertape.runtime import Runtime
from tradertape.services.job_caps import BACKTEST, EXPORT, SWEEP, UPLOAD, JobCaps
from tradertape.services.research import sweeps
from tradertape.services.research.jobs import SweepPlan
from tradertape.settings import Settings

SYMBOLS = ["RELIANCE", "INFY", "TCS", "HDFCBANK", "ITC", "SBIN"]


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


def _v1_id(client: TestClient) -> int:
    templates = client.get("/api/strategies", params={"is_template": True}).json()
    return int(next(s["id"] for s in templates if s["base_model"] == "v1_momentum"))


def _body(strategy_id: int, **changes: Any) -> dict[str, Any]:
    return {
        "strategy_id": strategy_id,
        "universe": SYMBOLS,
        "start_date": "2024-01-01",
        "end_date": "2025-06-30",
        "split_date": "2025-01-01",
        "max_positions": 4,
        "parameters": [
            {"path": "entry_rules.conditions.1.right.value", "values": [60, 70]},
            {"path": "config.min_hold", "start": 0, "stop": 10, "step": 5},
        ],
        **changes,
    }


def _frames(client: TestClient, path: str) -> Iterator[tuple[str | None, Any]]:
    with client.stream("GET", path) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        event: str | None = None
        for line in response.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                yield event, json.loads(line.split(":", 1)[1])
                if event == "end":
                    return


def test_a_sweep_streams_progress_and_keeps_both_parts(alice: TestClient):
    response = alice.post("/api/backtest/sweeps", json=_body(_v1_id(alice)))
    assert response.status_code == 202, response.text
    started = response.json()
    assert (started["status"], started["total"], started["executor"]) == ("queued", 6, "serial")

    events = list(_frames(alice, f"/api/backtest/sweeps/{started['id']}/events"))
    for name, data in events:  # each message as the document describes it
        SweepProgressMessage.model_validate({"event": name, "data": data})
    progress = [data for name, data in events if name == "progress"]
    done = [p["done"] for p in progress]
    assert done == sorted(done)  # counts only grow
    end = events[-1]
    assert end[0] == "end"
    assert (end[1]["status"], end[1]["done"], end[1]["total"]) == ("completed", 6, 6)
    assert end[1]["variants_per_s"] > 0

    sweep = alice.get(f"/api/backtest/sweeps/{started['id']}").json()
    assert sweep["status"] == "completed"
    assert [v["index"] for v in sweep["results"]] == list(range(6))
    first = sweep["results"][0]
    assert first["params"] == {"entry_rules.conditions.1.right.value": 60.0, "config.min_hold": 0.0}
    assert first["in_sample"]["first_day"] >= "2024-01-01"
    assert first["in_sample"]["last_day"] < "2025-01-01" <= first["out_of_sample"]["first_day"]
    assert first["out_of_sample"]["last_day"] <= "2025-06-30"
    assert any(v["in_sample"]["total_trades"] > 0 for v in sweep["results"])
    # a different threshold is a different strategy: the figures differ somewhere
    assert len({json.dumps(v["in_sample"], sort_keys=True) for v in sweep["results"]}) > 1

    listed = alice.get("/api/backtest/sweeps").json()
    assert [(s["id"], s["done"]) for s in listed] == [(started["id"], 6)]
    assert "results" not in listed[0]


def test_the_parameters_a_strategy_offers(alice: TestClient):
    choices = alice.get(
        "/api/backtest/sweeps/parameters", params={"strategy_id": _v1_id(alice)}
    ).json()
    paths = {c["path"]: c for c in choices}
    assert paths["entry_rules.conditions.1.left.name"]["value"] == 14
    assert paths["entry_rules.conditions.1.left.name"]["kind"] == "indicator_length"
    assert paths["config.min_hold"]["value"] == 10
    assert paths["settings.max_positions"]["kind"] == "cap"


def test_an_indicator_length_sweep(alice: TestClient):
    body = _body(
        _v1_id(alice),
        parameters=[{"path": "entry_rules.conditions.1.left.name", "values": [7, 14, 21]}],
    )
    sweep_id = alice.post("/api/backtest/sweeps", json=body).json()["id"]
    assert list(_frames(alice, f"/api/backtest/sweeps/{sweep_id}/events"))[-1][1]["done"] == 3
    sweep = alice.get(f"/api/backtest/sweeps/{sweep_id}").json()
    assert [v["error"] for v in sweep["results"]] == [None, None, None]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param(
            {"parameters": [{"path": "config.min_hold", "start": 0, "stop": 99, "step": 1}]},
            "parameters",
            id="over-the-limit",
        ),
        pytest.param({"max_variants": 51}, "max_variants", id="limit-above-the-servers"),
        pytest.param(
            {
                "max_variants": 5,
                "parameters": [{"path": "config.min_hold", "values": [1, 2, 3, 4, 5, 6]}],
            },
            "parameters",
            id="over-its-own-limit",
        ),
        pytest.param(
            {"parameters": [{"path": "entry_rules.nope", "values": [1]}]},
            "parameters[0]",
            id="unknown-path",
        ),
        pytest.param(
            {"parameters": [{"path": "config.min_hold", "values": [-1]}]},
            "parameters[0]",
            id="value-refused",
        ),
        pytest.param(
            {"parameters": [{"path": "config.min_hold"}]}, "parameters[0]", id="no-values"
        ),
        pytest.param({"split_date": "2023-06-01"}, "split_date", id="split-before-start"),
        pytest.param({"split_date": "2025-06-29"}, "split_date", id="split-leaves-no-days"),
        pytest.param({"universe": ["NOPE"]}, "universe", id="unknown-symbol"),
        pytest.param({"parameters": []}, "parameters", id="no-parameters"),
        pytest.param(
            {"parameters": [{"path": "config.min_hold", "values": [5, "1_000"]}]},
            "parameters[0].values[1]",
            id="not-a-plain-number",
        ),
    ],
)
def test_bad_sweeps_are_refused_naming_the_field(
    alice: TestClient, changes: dict[str, Any], field: str
):
    response = alice.post("/api/backtest/sweeps", json=_body(_v1_id(alice), **changes))
    assert response.status_code == 422, response.text
    assert field in {e["field"] for e in response.json()["detail"]}


def test_another_users_sweep_is_404(alice: TestClient, client: TestClient, runtime: Runtime):
    sweep_id = alice.post("/api/backtest/sweeps", json=_body(_v1_id(alice))).json()["id"]
    list(_frames(alice, f"/api/backtest/sweeps/{sweep_id}/events"))
    bob = TestClient(client.app)
    sign_in(bob, runtime, "bob@x.in")
    for method, path in [
        ("GET", f"/api/backtest/sweeps/{sweep_id}"),
        ("GET", f"/api/backtest/sweeps/{sweep_id}/events"),
        ("POST", f"/api/backtest/sweeps/{sweep_id}/cancel"),
        ("DELETE", f"/api/backtest/sweeps/{sweep_id}"),
    ]:
        assert bob.request(method, path).status_code == 404, (method, path)
    assert bob.get("/api/backtest/sweeps").json() == []
    assert alice.get(f"/api/backtest/sweeps/{sweep_id}").status_code == 200


def test_cancel_stops_a_running_sweep_keeping_what_is_done(alice: TestClient, runtime: Runtime):
    held, reached = threading.Event(), threading.Event()

    def hold(_: int) -> None:
        reached.set()
        held.wait(10)

    runtime.research.between_chunks = hold
    forty = [{"path": "config.min_hold", "start": 0, "stop": 39, "step": 1}]
    body = _body(_v1_id(alice), parameters=forty, max_variants=50)
    sweep_id = alice.post("/api/backtest/sweeps", json=body).json()["id"]
    assert reached.wait(30)  # the first chunk is done; the sweep waits between chunks
    response = alice.post(f"/api/backtest/sweeps/{sweep_id}/cancel")
    assert response.status_code == 202, response.text
    held.set()
    end = list(_frames(alice, f"/api/backtest/sweeps/{sweep_id}/events"))[-1][1]
    assert end["status"] == "cancelled"
    assert 0 < end["done"] < end["total"] == 40
    sweep = alice.get(f"/api/backtest/sweeps/{sweep_id}").json()
    assert len(sweep["results"]) == end["done"]
    assert alice.post(f"/api/backtest/sweeps/{sweep_id}/cancel").status_code == 409
    assert alice.delete(f"/api/backtest/sweeps/{sweep_id}").status_code == 204
    assert alice.get(f"/api/backtest/sweeps/{sweep_id}").status_code == 404


def test_sweeps_past_the_users_cap_are_429_and_other_users_still_start(
    alice: TestClient, client: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
):
    caps = {SWEEP: 1, BACKTEST: 4, UPLOAD: 2, EXPORT: 2}
    monkeypatch.setattr(runtime.research, "caps", JobCaps(caps))
    held, reached = threading.Event(), threading.Event()

    def hold(_: int) -> None:
        reached.set()
        held.wait(10)

    runtime.research.between_chunks = hold
    body = _body(_v1_id(alice))
    first = alice.post("/api/backtest/sweeps", json=body)
    assert first.status_code == 202, first.text
    assert reached.wait(30)
    refused = alice.post("/api/backtest/sweeps", json=body)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "30"
    assert "1 of your sweeps" in refused.json()["detail"]
    assert [s["id"] for s in alice.get("/api/backtest/sweeps").json()] == [first.json()["id"]]
    bob = TestClient(client.app)
    sign_in(bob, runtime, "bob@x.in")
    assert bob.post("/api/backtest/sweeps", json=body).status_code == 202  # a cap per user
    held.set()
    assert runtime.research.wait_idle(30)  # both ended: Alice's place is hers again
    assert alice.post("/api/backtest/sweeps", json=body).status_code == 202


def test_a_sweep_cut_off_by_a_restart_reads_as_interrupted(
    alice: TestClient, runtime: Runtime, clock: Any
):
    sweep_id = alice.post("/api/backtest/sweeps", json=_body(_v1_id(alice))).json()["id"]
    list(_frames(alice, f"/api/backtest/sweeps/{sweep_id}/events"))
    with runtime.db.session() as db:  # as a crashed process leaves it: running, gone quiet
        row = db.get(BacktestSweep, sweep_id)
        assert row is not None
        row.status, row.heartbeat_at = "running", clock.now()
        db.commit()
    assert alice.get(f"/api/backtest/sweeps/{sweep_id}").json()["status"] == "running"
    clock.advance(timedelta(minutes=2))
    sweep = alice.get(f"/api/backtest/sweeps/{sweep_id}").json()
    assert sweep["status"] == "interrupted"
    assert "restarted" in sweep["error"]
    assert alice.post(f"/api/backtest/sweeps/{sweep_id}/cancel").status_code == 409
    # and start-up marks them too, for every user
    with runtime.db.session() as db:
        row = db.get(BacktestSweep, sweep_id)
        assert row is not None
        row.status = "running"
        db.commit()
        assert sweeps.interrupt_stale(db, clock=clock) == 1


def test_a_stopping_server_marks_its_sweep_interrupted(alice: TestClient, runtime: Runtime):
    held, reached = threading.Event(), threading.Event()

    def hold(_: int) -> None:
        reached.set()
        held.wait(10)

    runtime.research.between_chunks = hold
    sweep_id = alice.post("/api/backtest/sweeps", json=_body(_v1_id(alice))).json()["id"]
    assert reached.wait(30)
    stopper = threading.Thread(target=runtime.research.stop)
    stopper.start()
    held.set()
    stopper.join(30)
    assert alice.get(f"/api/backtest/sweeps/{sweep_id}").json()["status"] == "interrupted"


# -- backtests with progress ------------------------------------------------------------------


def test_a_backtest_started_with_progress_streams_its_stages(alice: TestClient):
    body = {k: v for k, v in _body(_v1_id(alice)).items() if k not in ("parameters", "split_date")}
    response = alice.post("/api/backtest/runs", json=body)
    assert response.status_code == 202, response.text
    run = response.json()
    assert (run["status"], run["stage"]) == ("queued", "queued")
    events = list(_frames(alice, f"/api/backtest/runs/{run['id']}/events"))
    for name, data in events:
        BacktestProgressMessage.model_validate({"event": name, "data": data})
    fractions = [data["fraction"] for name, data in events if name == "progress"]
    assert fractions == sorted(fractions)
    assert events[-1] == ("end", {**events[-1][1], "status": "completed", "fraction": 1.0})
    done = alice.get(f"/api/backtest/runs/{run['id']}").json()
    assert done["status"] == "completed"
    assert done["summary"]["total_trades"] >= 0
    assert len(done["equity_curve"]) > 100
    blocking = alice.post("/api/backtest/run", json=body).json()
    assert blocking["summary"] == done["summary"]  # the same run, however it was started


def test_a_backtest_with_progress_refuses_bad_input_at_once(alice: TestClient):
    body = {"strategy_id": _v1_id(alice), "universe": ["NOPE"]}
    body |= {"start_date": "2024-01-01", "end_date": "2024-06-30"}
    response = alice.post("/api/backtest/runs", json=body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "universe"
    assert alice.get("/api/backtest/runs").json() == []


def test_a_ray_address_without_ray_fails_the_sweep_saying_why(
    alice: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
):
    if importlib.util.find_spec("ray") is not None:
        pytest.skip("Ray is installed here: the marked Ray test covers it")
    monkeypatch.setattr(runtime.research, "plan", SweepPlan(workers=2, ray_address="127.0.0.1:1"))
    response = alice.post("/api/backtest/sweeps", json=_body(_v1_id(alice)))
    assert response.status_code == 202, response.text
    assert response.json()["executor"] == "ray"
    end = list(_frames(alice, f"/api/backtest/sweeps/{response.json()['id']}/events"))[-1][1]
    assert end["status"] == "failed"
    assert "pip install 'tradertape[ray]'" in end["error"]
