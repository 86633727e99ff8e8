"""Mean reversion on daily closes: buy when the close sits well below its 20-day mean.

The run shows its state on the run card (``summary_fields``) and exposes its band as an
editable risk control (``risk_schema``); every decision, taken or skipped, is journalled
with the numbers behind it. ``KITE_ALGO_BAND_PCT`` sets the band (default 3 %).
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
    candles_to_df,
    equity_market_order,
    sma,
)

PERIOD = 20


def main(
    client: KiteAlgoWorkerClient | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Decide once on the latest daily close; buy 1 share if it is below the band."""
    env = os.environ if environ is None else environ
    client = client or KiteAlgoWorkerClient(AlgoWorkerConfig.from_env(env))
    symbol = env.get("KITE_ALGO_SYMBOL", "INFY")
    band_pct = float(env.get("KITE_ALGO_BAND_PCT", "3"))
    config = RunConfig.from_env(
        "mean-reversion",
        strategy_run_id=env.get("KITE_ALGO_RUN_ID", "run_mean_reversion_001"),
        environ=env,
        summary_fields=[{"key": "signal", "label": "Signal", "value": "warming up"}],
        risk_schema=[{"key": "band_pct", "label": "Band %", "type": "number", "value": band_pct}],
        runtime_state={"risk": {"band_pct": band_pct}},
        metadata={"strategy_family": "indicator_strategy", "strategy_name": "Mean reversion"},
    )
    run = client.create_run_from_config(config)
    run_id = str(run["strategy_run_id"])
    frame = candles_to_df(client.get_candles(f"NSE:{symbol}", interval="day", lookback=60))
    closes = frame["close"].to_numpy(dtype=float)
    if len(closes) < PERIOD:
        client.log_decision_event(
            run_id, decision_type="note", action="skip", summary=f"only {len(closes)} closes"
        )
        return {"run_id": run_id, "decision": "warming_up", "closes": len(closes)}
    mean = float(sma(closes, PERIOD)[-1])
    close = float(closes[-1])
    gap_pct = (close - mean) / mean * 100
    enter = gap_pct <= -band_pct
    details = {"close": close, "sma20": round(mean, 2), "gap_pct": round(gap_pct, 2)}
    client.log_decision_event(
        run_id,
        decision_type="signal",
        action="enter" if enter else "hold",
        summary=f"{symbol} is {gap_pct:.2f}% from its 20-day mean",
        metadata=details,
    )
    result = None
    if enter:
        key = f"{run_id}:entry:{symbol}:{frame.index[-1].date()}"
        result = client.place_order(
            run_id, equity_market_order(symbol, "BUY", 1), idempotency_key=key, metadata=details
        )
    client.patch_risk(run_id, {"last_gap_pct": round(gap_pct, 2)}, reason="after the decision")
    client.heartbeat(metrics={"gap_pct": round(gap_pct, 2)})
    return {
        "run_id": run_id,
        "decision": "enter" if enter else "hold",
        "order": result["status"] if result else None,
        **details,
    }


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
