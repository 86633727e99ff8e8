"""Sweeps through the assistant: what a strategy may vary, a sweep started with a read key
(research, as a backtest is), followed to its end and read as its page reads it (the best
variants, the heatmap); another user's sweep is not found."""

from __future__ import annotations

from typing import Any, get_args

import pytest
from fastapi.testclient import TestClient

from tests.api.test_sweeps_api import _body, _frames, _v1_id
from tests.helpers import sign_in
from tests.mcp.conftest import connected, issue_key, structured, text_of, user_with_key
from tradertape.backtest.sweep import METRICS
from tradertape.mcp.sweep_tools import SweepMetric
from tradertape.runtime import Runtime
from tradertape.services.research.sweep_reading import best, heat_grid
from tradertape.settings import Settings

pytestmark = pytest.mark.anyio
BASE = "/api/backtest/sweeps"
THRESHOLD = "entry_rules.conditions.1.right.value"
MIN_HOLD = "config.min_hold"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    quick = {"sweep_workers": 1, "worker_stream_poll_secs": 0.02, "sweep_max_variants": 50}
    return settings.model_copy(update=quick)


async def test_a_sweep_is_started_followed_and_read(client: TestClient, with_candles: Runtime):
    runtime = with_candles
    user_id = sign_in(client, runtime, "sweep@x.in")
    secret = issue_key(runtime, user_id, "read")
    strategy_id = _v1_id(client)
    async with connected(runtime, secret) as assistant:
        choices = structured(
            await assistant.call_tool("sweep_parameters", {"strategy_id": strategy_id})
        )
        started = structured(
            await assistant.call_tool("start_sweep", {"request": _body(strategy_id)})
        )
        *_, (_, end) = _frames(client, f"{BASE}/{started['id']}/events")
        assert end["status"] == "completed"
        read = structured(
            await assistant.call_tool(
                "sweep", {"sweep_id": started["id"], "metric": "total_return", "top": 3}
            )
        )
        listed = structured(await assistant.call_tool("list_sweeps", {}))

    assert THRESHOLD in {c["path"] for c in choices["rows"]}
    assert (started["status"], started["total"]) == ("queued", 6)  # 2 thresholds x 3 holds
    whole = client.get(f"{BASE}/{started['id']}").json()  # the API's own answer
    assert read["sweep"] == {k: v for k, v in whole.items() if k not in ("strategy", "results")}
    assert read["variants_done"] == 6
    figures = sorted(
        (v["out_of_sample"]["total_return"] for v in whole["results"] if v["out_of_sample"]),
        reverse=True,
    )
    assert [v["out_of_sample"]["total_return"] for v in read["best"]] == figures[:3]
    grid = read["heatmap"]
    assert (grid["x"], grid["y"], grid["xs"], grid["ys"]) == (
        THRESHOLD,
        MIN_HOLD,
        [60.0, 70.0],
        [0.0, 5.0, 10.0],
    )
    # two parameters: each cell is its one variant's figure
    by_values = {
        (v["params"][THRESHOLD], v["params"][MIN_HOLD]): v["out_of_sample"]["total_return"]
        for v in whole["results"]
    }
    assert grid["cells"][1][0] == by_values[(60.0, 5.0)]
    assert grid["averaged"] is False
    assert [row["id"] for row in listed["rows"]] == [started["id"]]

    _, other = user_with_key(runtime, "read", "other@x.in")
    async with connected(runtime, other) as stranger:
        missing = await stranger.call_tool("sweep", {"sweep_id": started["id"]})
    assert missing.is_error
    assert "not found" in text_of(missing).lower()


def test_the_metrics_a_sweep_is_read_by_are_the_ones_it_keeps():
    assert get_args(SweepMetric) == METRICS


def test_the_best_and_the_heatmap_average_over_a_third_parameter():
    # worked example: a, b varied with c; the cell (a=1, b=2) averages c=1 and c=2: (4 + 8) / 2
    def variant(index: int, a: float, b: float, c: float, sharpe: float | None) -> dict[str, Any]:
        figures = None if sharpe is None else {"sharpe": sharpe}
        return {"index": index, "params": {"a": a, "b": b, "c": c}, "in_sample": figures}

    rows = [
        variant(0, 1, 2, 1, 4.0),
        variant(1, 1, 2, 2, 8.0),
        variant(2, 2, 2, 1, 8.0),
        variant(3, 2, 3, 1, None),  # refused
    ]
    grid = heat_grid(rows, x="a", y="b", part="in_sample", metric="sharpe")
    assert (grid.xs, grid.ys) == ([1.0, 2.0], [2.0, 3.0])
    assert grid.cells == [[6.0, 8.0], [None, None]]
    assert grid.averaged is True
    ranked = best(rows, part="in_sample", metric="sharpe", count=2)
    assert [v["index"] for v in ranked] == [1, 2]  # a tie goes to the lower index


def test_the_tools_metric_choices_are_the_figures_a_sweep_keeps():
    """`SweepMetric` spells the sweep's figures out for the tool's schema: it must be the
    engine's own list (`backtest.sweep.METRICS`), never a copy that drifts from it."""
    from typing import get_args

    from tradertape.backtest.sweep import METRICS
    from tradertape.mcp.sweep_tools import SweepMetric

    assert get_args(SweepMetric) == METRICS
