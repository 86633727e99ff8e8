"""Sweeps and walk-forwards a server stop cut off start again when a server starts, with
nobody pressing resume (issue 70): the finished folds (a search's told trials) and the
finished variants are kept, the rest run, and the run ends as one never cut off.

The "server" is an app on the test's runtime: its research jobs are stopped as a stopping
server stops them, and a second app started on the same runtime is the restart (its
start-up resumes the jobs). The jobs' hook (`between_chunks`) holds and releases them;
nothing waits on a timer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api import test_sweeps_api as sweep_api
from tests.api.test_sweeps_api import _frames, _v1_id
from tests.api.test_walk_forward_bayes import GRID, TRIALS, _trials
from tests.api.test_walk_forwards_api import BASE, _body
from tests.api.test_walk_forwards_api import alice as alice  # the fixtures
from tests.api.test_walk_forwards_api import settings as settings
from tradertape.api.app import create_app
from tradertape.db.models import BacktestSweep, WalkForwardRun
from tradertape.runtime import Runtime
from tradertape.services.job_caps import BACKTEST, EXPORT, SWEEP, UPLOAD, JobCaps

SWEEPS = "/api/backtest/sweeps"


def _cut_off(runtime: Runtime, start: Callable[[], int], *, after: int) -> int:
    """Start a job, and stop the "server" once it has written ``after`` times."""
    held, reached = threading.Event(), threading.Event()
    writes: list[int] = []

    def hold(_: int) -> None:
        writes.append(1)
        if len(writes) == after:
            reached.set()
            held.wait(10)

    runtime.research.between_chunks = hold
    job_id = start()
    assert reached.wait(30)
    stopper = threading.Thread(target=runtime.research.stop)
    stopper.start()
    held.set()
    stopper.join(30)
    return job_id


def _restart(runtime: Runtime, jobs: set[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Start a second app on the runtime and wait until its start-up has started ``jobs``
    (``sweep 3``, ``walk-forward 4``) again and they have ended."""
    started: set[str] = set()
    all_started = threading.Event()

    def seeing(kind: str, run: Callable[..., None]) -> Callable[..., None]:
        def start(job_id: int, *args: Any, **kwargs: Any) -> None:
            run(job_id, *args, **kwargs)
            started.add(f"{kind} {job_id}")
            if jobs <= started:
                all_started.set()

        return start

    research = runtime.research
    monkeypatch.setattr(research, "run_sweep", seeing("sweep", research.run_sweep))
    monkeypatch.setattr(
        research, "run_walk_forward", seeing("walk-forward", research.run_walk_forward)
    )
    runtime.research.between_chunks = lambda _: None
    with TestClient(create_app(runtime), base_url="http://testserver"):
        assert all_started.wait(30)
        assert runtime.research.wait_idle(60)


def test_a_walk_forward_and_a_sweep_cut_off_by_a_stop_resume_when_the_server_starts(
    alice: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
):
    body = _body(_v1_id(alice), parameters=GRID, search="bayes", trials=TRIALS, seed=3)
    whole_id = alice.post(BASE, json=body).json()["id"]
    whole = list(_frames(alice, f"{BASE}/{whole_id}/events"))[-1][1]
    assert whole["status"] == "completed"

    run_id = _cut_off(runtime, lambda: int(alice.post(BASE, json=body).json()["id"]), after=3)
    sweep_body = sweep_api._body(_v1_id(alice))
    sweep_id = _cut_off(
        runtime, lambda: int(alice.post(SWEEPS, json=sweep_body).json()["id"]), after=2
    )
    cut_run = alice.get(f"{BASE}/{run_id}").json()
    cut_sweep = alice.get(f"{SWEEPS}/{sweep_id}").json()
    assert (cut_run["status"], cut_sweep["status"]) == ("interrupted", "interrupted")
    told = _trials(runtime, run_id)
    assert 0 < len(told) < cut_run["fold_count"] * TRIALS
    kept = {r["index"] for r in cut_sweep["results"]}
    assert 0 < len(kept) < cut_sweep["total"]

    _restart(runtime, {f"walk-forward {run_id}", f"sweep {sweep_id}"}, monkeypatch)

    run = alice.get(f"{BASE}/{run_id}").json()
    assert run["status"] == "completed", run["error"]
    assert set(told) <= set(_trials(runtime, run_id))
    again = alice.get(f"{BASE}/{whole_id}").json()
    assert [f["chosen"] for f in run["folds"]] == [f["chosen"] for f in again["folds"]]
    assert run["summary"] == again["summary"]
    sweep = alice.get(f"{SWEEPS}/{sweep_id}").json()
    assert sweep["status"] == "completed", sweep["error"]
    indices = [r["index"] for r in sweep["results"]]
    assert indices == list(range(sweep["total"]))  # the kept ones once, none run twice


def test_a_job_that_cannot_start_again_stays_interrupted_saying_why(
    alice: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
):
    body = _body(_v1_id(alice))
    run_id = _cut_off(runtime, lambda: int(alice.post(BASE, json=body).json()["id"]), after=1)
    with runtime.db.session() as db:  # a cancelled run is the user's decision: left alone
        cancelled = WalkForwardRun(**{
            c: getattr(db.get(WalkForwardRun, run_id), c)
            for c in ("user_id", "strategy_name", "strategy_snapshot", "config", "executor",
                      "workers", "fold_count", "variant_count", "total", "done", "elapsed_s",
                      "folds", "created_at")
        }, status="cancelled")  # fmt: skip
        db.add(cancelled)
        db.commit()
        cancelled_id = cancelled.id
    monkeypatch.setattr(
        runtime.research, "caps", JobCaps({SWEEP: 0, BACKTEST: 4, UPLOAD: 2, EXPORT: 2})
    )
    with TestClient(create_app(runtime), base_url="http://testserver"):
        pass  # start-up tries, and the user's cap of sweeps (0 here) refuses it
    run = alice.get(f"{BASE}/{run_id}").json()
    assert run["status"] == "interrupted"
    assert run["error"].startswith("not resumed at start-up")
    with runtime.db.session() as db:
        assert db.get(WalkForwardRun, cancelled_id).status == "cancelled"  # type: ignore[union-attr]
        assert db.query(BacktestSweep).count() == 0
