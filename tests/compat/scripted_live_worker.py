"""A ``live`` worker on the *published* ``kite-algo-worker`` SDK, as its examples are written.

Run by `tests/brokers/kite/test_worker_live.py` against the server connected to the fake
Kite. Like the SDK's examples it refuses live execution unless ``KITE_ALGO_ENABLE_LIVE=1``
(the SDK itself never checks it). It creates a live run on ``KITE_ALGO_ACCOUNT_SCOPE``,
places one MARKET buy, replays its key, waits for the order to end, reads its trades, P&L
and the account's live funds, and prints what it saw as JSON; a refusal prints the SDK's
exception instead.
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
    wait_for_terminal_order_state,
)


def main() -> dict[str, object]:
    """Create a live run, place, replay, wait for the fill, read trades, P&L and funds."""
    if os.environ.get("KITE_ALGO_ENABLE_LIVE") != "1":
        raise SystemExit("live execution refused: set KITE_ALGO_ENABLE_LIVE=1")
    run_id = os.environ["COMPAT_RUN_ID"]
    client = KiteAlgoWorkerClient(
        AlgoWorkerConfig(
            base_url=os.environ["KITE_ALGO_API_BASE"], token=os.environ["KITE_ALGO_WORKER_TOKEN"]
        )
    )
    seen: dict[str, object] = {"sdk": version("kite-algo-worker")}
    config = RunConfig(
        strategy_run_id=run_id,
        template_id="compat-live",
        account_scope=os.environ["KITE_ALGO_ACCOUNT_SCOPE"],
        execution_mode=os.environ["KITE_ALGO_EXECUTION_MODE"],
        metadata={
            "strategy_family": "indicator_strategy",
            "strategy_name": "Compat live",
            "entry_surface": "algo_worker",
        },
    )
    try:
        with client.run(config) as run:
            seen["mode"] = client.get_run(run_id)["execution_mode"]
            safety = run.safety_check()
            seen["safety"] = [safety.can_trade, list(safety.blocking_reasons)]
            key = f"{run_id}:entry:001"
            order = equity_market_order("INFY", "BUY", 10)
            placed = run.place_order(order, idempotency_key=key)
            replay = run.place_order(order, idempotency_key=key)
            result = placed["result"]
            seen["placed"] = [placed["status"], result["mode"], result["status"]]
            seen["replay"] = [replay["status"], replay["result"]["order_id"] == result["order_id"]]
            final = wait_for_terminal_order_state(
                client, run_id, result["order_id"], attempts=3, sleep_seconds=0.2
            )
            seen["order"] = [final.status, final.filled_quantity, final.average_price]
            trades = client.get_trades_snapshot(run_id).trades
            seen["trades"] = [[t.transaction_type, t.quantity, t.average_price] for t in trades]
            pnl = client.get_run_pnl_snapshot(run_id)
            seen["pnl"] = [pnl.execution_mode, pnl.legs[0].net_quantity, pnl.totals.charges]
            funds = client.get_funds_snapshot(mode="live")
            equity = funds.segments["equity"]
            seen["funds"] = [funds.source, equity.opening_balance, equity.live_balance]
    except KiteAlgoWorkerError as exc:
        detail = exc.response_body.get("detail") if isinstance(exc.response_body, dict) else None
        reason = detail.get("rejection_reason") if isinstance(detail, dict) else None
        seen["refused"] = [type(exc).__name__, exc.status_code, reason]
    return seen


if __name__ == "__main__":
    print(json.dumps(main()))
