"""Managed run: ``client.run(...)`` holds the session while the worker trades.

The run carries backend protection (a 2 % stop on the position, exit if this worker goes
quiet for five minutes), so the server protects it even if this process dies. Every
order is preceded by a safety check whose token proves the run could trade.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from tradertape_worker import (
    AlgoWorkerConfig,
    BackendProtection,
    KiteAlgoWorkerClient,
    OperationalProtection,
    ProtectedPosition,
    RunConfig,
    equity_market_order,
)


def protection(symbol: str, entry_price: float) -> BackendProtection:
    """A 2 % stop on the position and an exit if the worker goes quiet for 5 minutes."""
    return BackendProtection(
        positions=[
            ProtectedPosition(
                symbol=f"NSE:{symbol}",
                product="CNC",
                side="BUY",
                quantity=1,
                entry_price=entry_price,
                stoploss_pct=2.0,
            )
        ],
        operations=OperationalProtection(exit_on_worker_stale=True, worker_stale_sec=300),
    )


def main(
    client: KiteAlgoWorkerClient | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Claim the run, check safety, place one protected order, beat, journal."""
    env = os.environ if environ is None else environ
    client = client or KiteAlgoWorkerClient(AlgoWorkerConfig.from_env(env))
    symbol = env.get("KITE_ALGO_SYMBOL", "INFY")
    quote = client.get_quotes([f"NSE:{symbol}"], mode="ltp")["quotes"]
    price = float(quote[0]["last_price"]) if quote else 1.0
    config = RunConfig.from_env(
        "managed-demo", strategy_run_id=env.get("KITE_ALGO_RUN_ID", "run_managed_001"), environ=env
    ).with_backend_protection(protection(symbol, price))
    with client.run(config) as run:
        safety = run.safety_check()
        if not safety.can_trade:
            return {"run_id": run.run_id, "blocked": safety.blocking_reasons or [safety.run_status]}
        placed = run.place_order(
            equity_market_order(symbol, "BUY", 1),
            idempotency_key=f"{run.run_id}:entry:001",
            safety_token=safety.safety_token,
        )
        run.heartbeat(metrics={"last_signal": "entry-001"})
        run.log_decision_event(
            decision_type="entry", action="enter", summary=f"bought 1 {symbol} near {price}"
        )
        state = client.get_run_protection_state(run.run_id)
    return {
        "run_id": run.run_id,
        "order": placed["status"],
        "protection": state.status,
        "generation": state.generation,
    }


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
