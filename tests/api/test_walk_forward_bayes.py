"""A walk-forward's Bayesian search (Optuna's TPE per fold) over the API: the same seed
chooses the same trials, every told trial is a row of ``walk_forward_trials``, and a run cut
off mid-search resumes at its next batch and ends exactly as a run never cut off.

Run on either database (``--db-url``): the trials are ours, not an Optuna storage.
"""

from __future__ import annotations

import math
import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.api.test_sweeps_api import _frames, _v1_id
from tests.api.test_walk_forwards_api import BASE, _body
from tests.api.test_walk_forwards_api import alice as alice  # the fixtures
from tests.api.test_walk_forwards_api import settings as settings
from tradertape.db.models import WalkForwardTrial
from tradertape.runtime import Runtime

TRIALS = 6  # two batches a fold: four, then two
GRID = [  # 11 x 3 = 33 variants; six are tried in each fold
    {"path": "config.min_hold", "start": 0, "stop": 20, "step": 2},
    {"path": "settings.max_positions", "values": [2, 3, 4]},
]


def _bayes(alice: TestClient, **changes: Any) -> dict[str, Any]:
    body = _body(_v1_id(alice), parameters=GRID, search="bayes", trials=TRIALS, seed=11)
    return {**body, **changes}


def _finished(alice: TestClient, run_id: int) -> dict[str, Any]:
    end = list(_frames(alice, f"{BASE}/{run_id}/events"))[-1][1]
    assert end["status"] == "completed", end
    run: dict[str, Any] = alice.get(f"{BASE}/{run_id}").json()
    return run


def _trials(runtime: Runtime, run_id: int) -> list[tuple[int, int, int, float | None]]:
    with runtime.db.session() as db:
        rows = db.scalars(
            select(WalkForwardTrial)
            .where(WalkForwardTrial.run_id == run_id)
            .order_by(WalkForwardTrial.fold, WalkForwardTrial.number)
        )
        return [(t.fold, t.number, t.variant, t.value) for t in rows]


def _choices(run: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(f["chosen"], f["params"], [c["variant"] for c in f["grid"]]) for f in run["folds"]]


def test_a_seeded_bayesian_search_tries_the_same_trials_and_keeps_them(
    alice: TestClient, runtime: Runtime
):
    started = alice.post(BASE, json=_bayes(alice))
    assert started.status_code == 202, started.text
    first = started.json()
    assert (first["variant_count"], first["total"]) == (TRIALS, first["fold_count"] * TRIALS)
    one = _finished(alice, first["id"])
    assert one["config"]["search"] == "bayes"
    kept = _trials(runtime, first["id"])
    assert len(kept) == one["fold_count"] * TRIALS
    for fold in one["folds"]:
        mine = [t for t in kept if t[0] == fold["index"]]
        assert [t[1] for t in mine] == list(range(TRIALS))
        tried = {t[2] for t in mine}
        assert {c["variant"] for c in fold["grid"]} == tried  # each variant run once
        best = max(mine, key=lambda t: -math.inf if t[3] is None else t[3])
        assert fold["chosen"] == best[2] or fold["in_sample"]["sharpe"] == best[3]
    summary = one["summary"]
    distinct = {t[2] for t in kept}
    assert summary["deflated_sharpe"]["trials"] == len(distinct)  # every variant tried anywhere

    again = _finished(alice, alice.post(BASE, json=_bayes(alice)).json()["id"])
    assert _choices(again) == _choices(one)
    assert [t[1:] for t in _trials(runtime, again["id"])] == [t[1:] for t in kept]
    assert again["summary"] == summary

    other = _finished(alice, alice.post(BASE, json=_bayes(alice, seed=12)).json()["id"])
    assert [t[2] for t in _trials(runtime, other["id"])] != [t[2] for t in kept]
    assert alice.delete(f"{BASE}/{first['id']}").status_code == 204
    assert _trials(runtime, first["id"]) == []  # the trials go with their run


def test_a_search_cut_off_mid_fold_resumes_at_its_next_batch(alice: TestClient, runtime: Runtime):
    whole = _finished(alice, alice.post(BASE, json=_bayes(alice)).json()["id"])

    held, reached = threading.Event(), threading.Event()
    writes = []

    def hold(_: int) -> None:
        writes.append(1)
        if len(writes) == 3:  # the first fold's first batch is told, not its second
            reached.set()
            held.wait(10)

    runtime.research.between_chunks = hold
    run_id = alice.post(BASE, json=_bayes(alice)).json()["id"]
    assert reached.wait(30)
    stopper = threading.Thread(target=runtime.research.stop)
    stopper.start()
    held.set()
    stopper.join(30)
    cut = alice.get(f"{BASE}/{run_id}").json()
    assert cut["status"] == "interrupted"
    told = _trials(runtime, run_id)
    assert 0 < len(told) < cut["fold_count"] * TRIALS
    assert all(sum(t[0] == f for t in told) in (4, TRIALS) for f in {t[0] for t in told})

    runtime.research.between_chunks = lambda _: None
    resumed = alice.post(f"{BASE}/{run_id}/resume")
    assert resumed.status_code == 202, resumed.text
    run = _finished(alice, run_id)
    after = _trials(runtime, run_id)
    assert set(told) <= set(after)  # the trials told before the cut are kept
    assert len(after) == len(set(after)) == run["fold_count"] * TRIALS  # none asked twice
    assert _choices(run) == _choices(whole)
    assert [t[1:] for t in after] == [t[1:] for t in _trials(runtime, whole["id"])]
    assert run["summary"] == whole["summary"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"trials": 3}, "trials"),  # trials is for search: bayes
        ({"search": "bayes", "trials": 1}, "trials"),
        ({"search": "bayes", "trials": 60}, "trials"),  # over the server's 50 a fold
    ],
)
def test_bad_bayesian_searches_are_refused_naming_the_field(
    alice: TestClient, changes: dict[str, Any], field: str
):
    response = alice.post(BASE, json=_body(_v1_id(alice), parameters=GRID, **changes))
    assert response.status_code == 422, response.text
    assert field in {e["field"] for e in response.json()["detail"]}
