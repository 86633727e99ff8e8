"""Basic equity worker: the raw client, step by step.

health → recover or create the run → one MARKET order (a deterministic idempotency key,
so a restart never buys twice) → grouped P&L → exit. A run already finished is left as it
is. ``KITE_ALGO_SYMBOL`` picks the stock.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from tradertape_worker import (
    AlgoWorkerConfig,
    KiteAlgoWorkerClient,
    RunConfig,
    ensure_run,
    equity_market_order,
)


def main(
    client: KiteAlgoWorkerClient | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Run the worker once; returns what it did."""
    env = os.environ if environ is None else environ
    client = client or KiteAlgoWorkerClient(AlgoWorkerConfig.from_env(env))
    symbol = env.get("KITE_ALGO_SYMBOL", "INFY")
    config = RunConfig.from_env(
        "basic-equity",
        strategy_run_id=env.get("KITE_ALGO_RUN_ID", "run_basic_equity_001"),
        environ=env,
    )
    assert config.strategy_run_id is not None
    client.health()
    run = ensure_run(
        client,
        strategy_run_id=config.strategy_run_id,
        template_id=config.template_id,
        account_scope=config.account_scope,
        execution_mode=config.execution_mode,
        metadata={"strategy_family": "indicator_strategy", "strategy_name": "Basic Equity"},
    )
    run_id = str(run["strategy_run_id"])
    if run["status"] != "open":  # finished earlier: a restart has nothing left to do
        return {"run_id": run_id, "mode": run["execution_mode"], "status": run["status"]}
    placed = client.place_order(
        run_id,
        equity_market_order(symbol, "BUY", 1),
        idempotency_key=f"{run_id}:entry:{symbol}:001",
    )
    pnl = client.get_run_pnl(run_id)
    exited = client.exit_run(
        run_id, reason="strategy complete", idempotency_key=f"{run_id}:exit:001"
    )
    return {
        "run_id": run_id,
        "mode": run["execution_mode"],
        "order": placed["status"],
        "order_result": placed["result"].get("status"),
        "net_pnl": pnl["totals"]["net_pnl"],
        "exit": exited["status"],
    }


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
