"""Preview a run's exit without sending anything: ``exit_run(dry_run=True)``.

Safe for live runs (it is how a person checks what an exit would do before doing it);
works the same on paper runs. ``KITE_ALGO_RUN_ID`` names the run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from tradertape_worker import AlgoWorkerConfig, KiteAlgoWorkerClient


def main(
    client: KiteAlgoWorkerClient | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The exit plan of the run: legs to flatten, orders that would go, orders to cancel."""
    env = os.environ if environ is None else environ
    client = client or KiteAlgoWorkerClient(AlgoWorkerConfig.from_env(env))
    run_id = env.get("KITE_ALGO_RUN_ID", "run_basic_equity_001")
    run = client.get_run(run_id)
    preview = client.exit_run(run_id, reason="preview only", dry_run=True)
    plan = preview.get("exit", {})
    return {
        "run_id": run_id,
        "mode": run["execution_mode"],
        "status": preview["status"],
        "run_status": preview["run"]["status"],
        "orders": plan.get("orders", []),
        "cancels": plan.get("cancels", []),
    }


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
