"""A worker on the *published* ``kite-algo-worker`` SDK while its user's kill switch is on.

Run by the compatibility test like `scripted_worker.py`: it asks the safety check, then
places anyway, and prints what it saw as JSON (the exception the SDK raised, its status
and, from 0.13, its ``rejection_reason``).
"""

from __future__ import annotations

import json
import os
from importlib.metadata import version

from kite_algo_worker import (
    AlgoWorkerConfig,
    KiteAlgoWorkerClient,
    KiteAlgoWorkerError,
    RunConfig,
    equity_market_order,
)


def main() -> dict[str, object]:
    """Create a run, read the safety check, place one order and report the refusal."""
    run_id = os.environ["COMPAT_RUN_ID"]
    client = KiteAlgoWorkerClient(
        AlgoWorkerConfig(
            base_url=os.environ["KITE_ALGO_API_BASE"], token=os.environ["KITE_ALGO_WORKER_TOKEN"]
        )
    )
    seen: dict[str, object] = {"sdk": version("kite-algo-worker")}
    config = RunConfig(
        strategy_run_id=run_id,
        template_id="compat",
        account_scope="kite:paper",
        execution_mode="paper",
    )
    with client.run(config) as run:
        safety = run.safety_check()
        seen["safety"] = [safety.can_trade, list(safety.blocking_reasons)]
        try:
            run.place_order(
                equity_market_order("INFY", "BUY", 1), idempotency_key=f"{run_id}:entry:001"
            )
        except KiteAlgoWorkerError as exc:
            detail = exc.response_body["detail"] if isinstance(exc.response_body, dict) else {}
            seen["refused"] = [
                type(exc).__name__,
                exc.status_code,
                getattr(exc, "rejection_reason", None),  # 0.13 reads it; 0.7.4 has none
                detail.get("rejection_reason"),
            ]
        else:
            seen["refused"] = None
    return seen


if __name__ == "__main__":
    print(json.dumps(main()))
