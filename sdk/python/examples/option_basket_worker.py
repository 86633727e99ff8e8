"""A bull call spread, the seed's options flow: resolve the legs on the server, hold the
run, check safety, create the option run, enter with the safety token and the nonce.

The server lists index options itself when no Kite dump does (its simulated market
prices them from the index), so this runs against a fresh server once the index has a
price. ``KITE_ALGO_UNDERLYING`` (default NIFTY) and ``KITE_ALGO_OPTION_EXPIRY`` (default
``current_week``) choose the contracts; a rerun finds the option run already entered.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from tradertape_worker import (
    AlgoWorkerConfig,
    KiteAlgoWorkerClient,
    KiteAlgoWorkerError,
    RunConfig,
    SpreadLegSelection,
    SpreadSpec,
    resolve_spread,
)


def main(
    client: KiteAlgoWorkerClient | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Enter the spread once (a rerun returns the option run as it is)."""
    env = os.environ if environ is None else environ
    client = client or KiteAlgoWorkerClient(AlgoWorkerConfig.from_env(env))
    underlying = env.get("KITE_ALGO_UNDERLYING", "NIFTY")
    try:
        client.options.ensure_session(underlying)
    except KiteAlgoWorkerError as exc:
        return {"placed": False, "reason": f"no {underlying} options listed: {exc}"}
    spread = resolve_spread(
        client.options,
        underlying=underlying,
        product="MIS",
        spec=SpreadSpec(
            spread_type="vertical_call_spread",
            expiry=env.get("KITE_ALGO_OPTION_EXPIRY", "current_week"),
            legs=[
                SpreadLegSelection(
                    selection={"option_type": "CE", "moneyness": "ATM"}, transaction_type="BUY"
                ),
                SpreadLegSelection(
                    selection={"option_type": "CE", "moneyness": "+1_strike"},
                    transaction_type="SELL",
                ),
            ],
        ),
    )
    config = RunConfig.from_env(
        "option-spread",
        strategy_run_id=env.get("KITE_ALGO_RUN_ID", "run_option_spread_001"),
        environ=env,
        metadata={"strategy_family": "options_strategy", "strategy_name": "Bull call spread"},
    )
    with client.run(config) as run:
        try:
            state = client.options.get_run_state(run.run_id)
        except KiteAlgoWorkerError:
            state = None
        if state is not None and state["status"] != "created":
            return {"placed": False, "run_id": run.run_id, "status": state["status"]}
        safety = client.safety_check(run.run_id)
        if not safety.can_trade:
            return {"placed": False, "reason": ", ".join(safety.blocking_reasons)}
        option_run = state or client.options.create_run(
            strategy_name="Bull Call Spread",
            product="MIS",
            legs=[leg.model_dump(exclude_none=True) for leg in spread],
            protection={"stoploss_pct": 2.0},
            strategy_run_id=run.run_id,
            session_nonce=run.session_nonce,
        )
        preview = client.options.preview_entry(option_run["strategy_run_id"])
        entered = client.options.enter(
            option_run["strategy_run_id"],
            safety_token=safety.safety_token,
            session_nonce=run.session_nonce,
        )
        protection = client.options.get_protection_state(option_run["strategy_run_id"])
    return {
        "placed": True,
        "run_id": entered["strategy_run_id"],
        "legs": [leg.tradingsymbol for leg in spread],
        "net_premium": preview["net_premium"],
        "estimated_charges": preview["cost_contract"]["total_charges"],
        "status": entered["status"],
        "basket": entered["result"]["status"],
        "protection_triggered": protection["triggered"],
    }


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
