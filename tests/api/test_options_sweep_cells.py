"""An options sweep followed on its event stream, and its cells opened as options runs of
their own: the cell's trades, equity and payoff, the same figures as the heatmap's cell to
the paisa, kept once in the options history, the owner's alone."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.test_options_backtest_api import STRADDLE
from tests.api.test_options_sweeps_api import BODY, CELL
from tests.api.test_sweeps_api import _frames
from tests.helpers import sign_in
from tradertape.api.schemas.sweeps import SweepProgressMessage
from tradertape.runtime import Runtime
from tradertape.settings import Settings

SWEEPS = "/api/backtests/options/sweeps"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"worker_stream_poll_secs": 0.02})


@pytest.fixture
def alice(client: TestClient, runtime: Runtime) -> TestClient:
    sign_in(client, runtime, "alice@x.in")
    return client


def _ended(client: TestClient, runtime: Runtime) -> dict[str, Any]:
    started = client.post(SWEEPS, json=BODY)
    assert started.status_code == 202, started.text
    assert runtime.research.wait_idle(120)
    return dict(client.get(f"{SWEEPS}/{started.json()['id']}").json())


def test_the_stream_counts_cells_as_the_document_says_then_ends(alice: TestClient):
    started = alice.post(SWEEPS, json=BODY)
    assert started.status_code == 202, started.text
    events = list(_frames(alice, f"{SWEEPS}/{started.json()['id']}/events"))
    for name, data in events:
        SweepProgressMessage.model_validate({"event": name, "data": data})
    done = [data["done"] for name, data in events if name in ("progress", "end")]
    assert done == sorted(done)
    name, end = events[-1]
    assert name == "end"
    assert (end["status"], end["done"], end["total"]) == ("completed", 4, 4)


def test_a_cell_opens_as_its_own_run_with_the_cells_figures(alice: TestClient, runtime: Runtime):
    sweep = _ended(alice, runtime)
    cell = sweep["cells"][2]  # stop-loss 50, ATM: row 1, column 0
    assert cell["run_id"] is None
    path = f"{SWEEPS}/{sweep['id']}/cells/{cell['index']}/run"
    ran = alice.post(path)
    assert ran.status_code == 201, ran.text
    run = ran.json()
    assert {k: run[k] for k in CELL} == {k: cell[k] for k in CELL}  # to the paisa
    assert run["trade_count"] == len(run["trades"]) > 0
    assert run["curve"]
    assert run["payoffs"]
    assert (run["sweep_id"], run["sweep_cell"]) == (sweep["id"], cell["index"])
    legs = run["request"]["strategy"]["legs"]
    assert [leg["stop_loss"] for leg in legs] == [{"unit": "pct", "value": 50.0}] * 2
    assert [leg["strike"] for leg in legs] == [{"type": "atm", "offset": 0}] * 2
    assert run["request"]["start_date"] == BODY["start_date"]
    # the run's request runs again as a plain run, to the same figures
    again = alice.post("/api/backtests/options", json=run["request"])
    assert again.status_code == 200, again.text
    assert {k: again.json()[k] for k in CELL} == {k: run[k] for k in CELL}

    # asked again: the same run, not a second one; the heatmap links it
    same = alice.post(path)
    assert same.status_code == 200, same.text
    assert same.json()["id"] == run["id"]
    cells = alice.get(f"{SWEEPS}/{sweep['id']}").json()["cells"]
    assert [c["run_id"] for c in cells] == [None, None, run["id"], None]
    history = alice.get("/api/backtests/options").json()
    mine = [r for r in history if r["id"] == run["id"]]
    assert (mine[0]["sweep_id"], mine[0]["sweep_cell"]) == (sweep["id"], cell["index"])
    assert alice.get(f"/api/backtests/options/{run['id']}").json()["trades"] == run["trades"]

    # the sweep deleted: the run stays in the history, no longer a cell of it
    assert alice.delete(f"{SWEEPS}/{sweep['id']}").status_code == 204
    kept = alice.get(f"/api/backtests/options/{run['id']}").json()
    assert (kept["sweep_id"], kept["sweep_cell"]) == (None, None)
    assert alice.post(path).status_code == 404


def test_only_the_owner_opens_a_cell_and_only_a_cell_of_the_grid(
    alice: TestClient, client: TestClient, runtime: Runtime
):
    sweep = _ended(alice, runtime)
    bob = TestClient(client.app)
    sign_in(bob, runtime, "bob@x.in")
    assert bob.post(f"{SWEEPS}/{sweep['id']}/cells/0/run").status_code == 404
    assert bob.get(f"{SWEEPS}/{sweep['id']}/events").status_code == 404
    assert bob.get("/api/backtests/options").json() == []
    past = alice.post(f"{SWEEPS}/{sweep['id']}/cells/4/run")
    assert past.status_code == 404
    assert "no cell 4" in past.text
    assert alice.post(f"{SWEEPS}/{sweep['id']}/cells/-1/run").status_code == 422
    assert alice.post(f"{SWEEPS}/{sweep['id'] + 1}/cells/0/run").status_code == 404
    assert alice.get("/api/backtests/options").json() == []  # nothing kept


def test_a_cell_opens_before_the_sweep_reaches_it(alice: TestClient, runtime: Runtime):
    """The run is the cell's document over the sweep's range, whatever the sweep's state."""
    one = BODY | {"parameters": [{"parameter": "lots", "values": [1, 2]}]}
    started = alice.post(SWEEPS, json=one).json()
    assert alice.post(f"{SWEEPS}/{started['id']}/cancel").status_code in (202, 409)
    assert runtime.research.wait_idle(120)
    ran = alice.post(f"{SWEEPS}/{started['id']}/cells/1/run")
    assert ran.status_code == 201, ran.text
    assert {leg["lots"] for leg in ran.json()["request"]["strategy"]["legs"]} == {2}
    assert ran.json()["request"]["strategy"]["underlying"] == STRADDLE["underlying"]
