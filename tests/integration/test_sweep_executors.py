"""The same sweep on every executor gives the same figures: in this thread, on the local
process pool, and on a local Ray (marked ``ray``: it needs the ``[ray]`` extra), each behind
the fair queue as a server runs them."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tradertape.backtest.executors import SharedPool
from tradertape.backtest.fair import FairChunks, FairQueue
from tradertape.backtest.sweep import SweepMarket, SweepSpec
from tradertape.backtest.sweep_request import SweepRequest
from tradertape.runtime import Runtime
from tradertape.services.research.jobs import SweepPlan, make_executor
from tradertape.services.research.simulation import load_market, settings_of
from tradertape.strategies.builtins import builtin, builtin_models

REQUEST = SweepRequest.model_validate(
    {
        "strategy": builtin(builtin_models()[1]).model_dump(mode="json"),
        "universe": ["RELIANCE", "INFY", "TCS", "ITC"],
        "start_date": "2024-06-01",
        "end_date": "2025-06-30",
        "split_date": "2025-01-01",
        "max_positions": 3,
        "parameters": [
            {"path": "entry_rules.conditions.1.right.value", "values": [60, 70]},
            {"path": "config.min_hold", "values": [0, 10]},
        ],
    }
)


def _sweep(runtime: Runtime, plan: SweepPlan) -> list[dict[str, Any]]:
    loaded = load_market(runtime.candles, REQUEST)
    market = SweepMarket(
        loaded.panel, loaded.benchmark, loaded.benchmark_source,
        REQUEST.start_date, REQUEST.split_date, REQUEST.end_date,
    )  # fmt: skip
    assert REQUEST.strategy is not None
    axes = tuple((p.path, p.expanded()) for p in REQUEST.parameters)
    spec = SweepSpec(REQUEST.strategy.model_dump(mode="json"), settings_of(REQUEST), axes)
    pool = SharedPool(plan.slots)
    inner = make_executor(plan, market, spec, pool=pool)
    executor = FairChunks(inner, FairQueue(plan.slots, plan.workers), user=1)  # as a server's
    try:
        futures = [executor.submit([0, 1]), executor.submit([2, 3])]
        return [row for future in futures for row in future.result(timeout=300)]
    finally:
        executor.close(cancel=False)
        pool.shutdown()


def test_the_pool_gives_the_figures_of_one_thread(with_candles: Runtime):
    serial = _sweep(with_candles, SweepPlan(workers=1))
    assert [r["index"] for r in serial] == [0, 1, 2, 3]
    assert serial[0]["in_sample"]["last_day"] < date(2025, 1, 1).isoformat()
    assert _sweep(with_candles, SweepPlan(workers=2)) == serial


@pytest.mark.ray
def test_ray_gives_the_figures_of_one_thread(with_candles: Runtime):
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        address = ray.get_runtime_context().gcs_address
        serial = _sweep(with_candles, SweepPlan(workers=1))
        assert _sweep(with_candles, SweepPlan(workers=2, ray_address=address)) == serial
    finally:
        ray.shutdown()
