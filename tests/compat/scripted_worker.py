"""A scripted worker written against the *published* ``kite-algo-worker`` SDK.

Run by the compatibility test with the throwaway virtual environment of one SDK version
(0.7.4 or 0.13.0), against the server on loopback; it prints what it saw as JSON. It
uses only the SDK's public names, exactly as a worker written for it would.
"""

from __future__ import annotations

import json
import os
from importlib.metadata import version

from kite_algo_worker import (
    AlgoWorkerConfig,
    BackendProtection,
    BasketProtection,
    KiteAlgoWorkerClient,
    ProtectedPosition,
    RunConfig,
    equity_market_order,
)


def main() -> dict[str, object]:
    """Create, claim, check, place, replay, read P&L and the journal, stream, protect, exit."""
    sdk = version("kite-algo-worker")
    run_id = os.environ["COMPAT_RUN_ID"]
    client = KiteAlgoWorkerClient(
        AlgoWorkerConfig(
            base_url=os.environ["KITE_ALGO_API_BASE"], token=os.environ["KITE_ALGO_WORKER_TOKEN"]
        )
    )
    seen: dict[str, object] = {"sdk": sdk, "health": client.health()["status"]}
    protection = BackendProtection(
        positions=[
            ProtectedPosition(
                symbol="NSE:INFY",
                product="CNC",
                side="BUY",
                quantity=1,
                entry_price=1500.0,
                stoploss_pct=5.0,
            )
        ]
    )
    config = RunConfig(
        strategy_run_id=run_id,
        template_id="compat",
        account_scope="kite:paper",
        execution_mode="paper",
    ).with_backend_protection(protection)
    with client.run(config) as run:  # GET → 404 → create; claim; heartbeat
        safety = run.safety_check()
        seen["can_trade"] = safety.can_trade
        key = f"{run_id}:entry:001"
        order = equity_market_order("INFY", "BUY", 1)
        placed = run.place_order(order, idempotency_key=key, safety_token=safety.safety_token)
        replay = run.place_order(order, idempotency_key=key)
        seen["placed"] = [placed["status"], placed["result"]["status"]]
        seen["replay"] = replay["status"]
        seen["same_result"] = replay["result"] == placed["result"]
        pnl = client.get_run_pnl_snapshot(run_id)
        seen["pnl"] = [pnl.legs[0].net_quantity, pnl.totals.charges > 0, pnl.currency]
        run.log_decision_event(decision_type="entry", action="enter", summary="compat entry")
        timeline = client.list_timeline_snapshot(run_id)
        seen["timeline"] = [event.event_type for event in timeline.events]
        seen["sse_timeline"] = next(iter(client.stream_timeline(run_id)))["event_type"]
        seen["sse_pnl"] = next(iter(client.stream_run_pnl(run_id, interval_seconds=0.25)))[
            "strategy_run_id"
        ]
        funds = client.get_funds_snapshot(mode="paper")
        seen["funds"] = funds.segments["equity"].opening_balance
        updated = run.update_backend_protection(
            BackendProtection(basket=BasketProtection(stoploss_pct=3.0)), reason="compat"
        )
        seen["generation"] = updated["runtime_state"]["backend_protection_state"]["generation"]
        seen["protection"] = client.get_run_protection_state(run_id)["status"]
        if sdk != "0.7.4":  # 0.7.4 builds this model from the whole run document and refuses it
            seen["session"] = client.get_run_health_snapshot(run_id).session_status
        exited = run.exit_run(reason="compat done", idempotency_key=f"{run_id}:exit:001")
        seen["exit"] = [exited["status"], exited["run"]["status"]]
    return seen


if __name__ == "__main__":
    print(json.dumps(main()))
