"""Orders from an external signal source, exactly once per signal.

Signals are JSON lines (a file named by ``KITE_ALGO_SIGNALS``, else standard input)::

    {"signal_id": "s-001", "symbol": "INFY", "side": "BUY", "quantity": 1, "reason": "..."}

Each is journalled as a decision and placed with the key ``<run>:signal:<signal_id>``, so
feeding the same signals again (a restart, a retried webhook) places nothing twice.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Mapping
from typing import Any

from tradertape_worker import (
    AlgoWorkerConfig,
    KiteAlgoWorkerClient,
    OrderValidationError,
    RunConfig,
    equity_market_order,
)


def read_signals(lines: Iterable[str]) -> list[dict[str, Any]]:
    """Non-empty JSON lines."""
    return [json.loads(line) for line in lines if line.strip()]


def main(
    client: KiteAlgoWorkerClient | None = None,
    environ: Mapping[str, str] | None = None,
    signals: Iterable[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Act on every signal; count what was placed, replayed and refused."""
    env = os.environ if environ is None else environ
    client = client or KiteAlgoWorkerClient(AlgoWorkerConfig.from_env(env))
    if signals is None:
        source = env.get("KITE_ALGO_SIGNALS")
        with open(source) if source else sys.stdin as lines:  # noqa: SIM115 - stdin or a file
            signals = read_signals(lines)
    config = RunConfig.from_env(
        "signal-driven",
        strategy_run_id=env.get("KITE_ALGO_RUN_ID", "run_signal_driven_001"),
        environ=env,
        metadata={"strategy_family": "discretionary_strategy", "strategy_name": "Signals"},
    )
    run_id = str(client.create_run_from_config(config)["strategy_run_id"])
    counts = {"accepted": 0, "deduped": 0, "refused": 0}
    for signal in signals:
        try:
            order = equity_market_order(signal["symbol"], signal["side"], int(signal["quantity"]))
        except OrderValidationError as exc:
            counts["refused"] += 1
            client.log_decision_event(
                run_id, decision_type="signal", action="skip", summary=f"refused: {exc}"
            )
            continue
        answer = client.place_order(
            run_id,
            order,
            idempotency_key=f"{run_id}:signal:{signal['signal_id']}",
            metadata={"signal_id": signal["signal_id"], "reason": signal.get("reason")},
        )
        counts[answer["status"]] += 1
        if answer["status"] == "accepted":
            client.log_decision_event(
                run_id,
                decision_type="signal",
                action="enter",
                summary=f"signal {signal['signal_id']}: {signal['side']} {signal['symbol']}",
            )
    return {"run_id": run_id, **counts}


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
