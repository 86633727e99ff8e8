"""A scripted options worker written against the *published* ``kite-algo-worker`` SDK.

Run by the compatibility test in the throwaway environment of one SDK version, against
the server on loopback: seed 002's options flow (session, expiries, chain, the resolver
helpers, an option run entered with a safety token and the session nonce, its protection
state, the exit) through ``client.options`` and the SDK's own typed models. It prints what
it saw as JSON. 0.7.4's ``create_run`` takes no run id or nonce, so there the option run
opens its own paper run and nothing is claimed.
"""

from __future__ import annotations

import asyncio
import json
import os
from importlib.metadata import version
from typing import Any

from kite_algo_worker import AlgoWorkerConfig, KiteAlgoWorkerClient, RunConfig
from kite_algo_worker.options import (
    OptionExecutionLeg,
    SpreadLegSelection,
    SpreadSpec,
    resolve_delta_leg,
    resolve_offset_leg,
    resolve_option_contracts,
    resolve_option_leg,
    resolve_spread,
)

STOP = {
    "rules": [{"metric": "strategy_mtm_pct", "operator": "lte", "threshold": -50, "action": "exit"}]
}


def _legs(client: KiteAlgoWorkerClient, expiry: str) -> tuple[list[OptionExecutionLeg], list[Any]]:
    """A bull call spread from ``resolve_spread``, plus what the other helpers resolve."""
    options = client.options
    spread = resolve_spread(
        options,
        underlying="NIFTY",
        product="MIS",
        spec=SpreadSpec(
            spread_type="vertical_call_spread",
            expiry=expiry,
            legs=[
                SpreadLegSelection(
                    selection={"option_type": "CE", "offset": 0}, transaction_type="BUY"
                ),
                SpreadLegSelection(
                    selection={"option_type": "CE", "offset": 2}, transaction_type="SELL"
                ),
            ],
        ),
    )
    by_strike = resolve_option_leg(
        options,
        underlying="NIFTY",
        product="MIS",
        expiry=expiry,
        selection={"option_type": "PE", "strike": 25000},
        transaction_type="BUY",
        lots=2,
    )
    by_offset = resolve_offset_leg(
        options,
        underlying="NIFTY",
        product="MIS",
        expiry=expiry,
        option_type="PE",
        offset="ATM-1",
        transaction_type="SELL",
    )
    by_delta = resolve_delta_leg(
        options,
        underlying="NIFTY",
        product="MIS",
        expiry=expiry,
        option_type="CE",
        delta_target=0.3,
        transaction_type="SELL",
    )
    contracts = resolve_option_contracts(
        options,
        underlying="NIFTY",
        selection_payload={"expiry": expiry, "legs": [{"option_type": "CE", "offset": "ATM"}]},
    )
    helpers = [
        [by_strike.strike, by_strike.quantity, by_strike.lots],
        by_offset.strike,
        0 < (by_delta.strike or 0) - 25000 <= 1000,
        contracts[0]["strike"],
    ]
    return spread, helpers


def _flow(client: KiteAlgoWorkerClient, run_id: str | None, nonce: str | None) -> dict[str, Any]:
    options = client.options
    seen: dict[str, Any] = {"session": options.ensure_session("NIFTY")["spot_ltp"]}
    expiries = options.list_expiries("NIFTY")
    expiry = expiries["expiries"][0]
    chain = options.get_chain("NIFTY", expiry=expiry)
    seen["chain"] = [chain["expiry"] == expiry, chain["atm_strike"], len(chain["chain"]) > 10]
    mini = options.get_mini_chain("NIFTY", expiry=expiry, window=2)
    greeks = options.get_greeks("NIFTY", expiry=expiry)
    seen["mini_greeks"] = [mini["window"], greeks["greeks_source"]]
    pcr = options.get_pcr("NIFTY", expiry=expiry)
    pain = options.get_max_pain("NIFTY", expiry=expiry)
    seen["analytics"] = [pcr["value"] > 0, pcr["expiry"] == expiry, pain["value"] % 50 == 0]
    spread, seen["helpers"] = _legs(client, expiry)
    seen["spread"] = [[leg.strike, leg.transaction_type, leg.quantity] for leg in spread]
    create: dict[str, Any] = {"strategy_name": "compat spread", "product": "MIS", "legs": spread}
    if run_id is not None:
        create.update(strategy_run_id=run_id, session_nonce=nonce)
    created = options.create_run(protection=STOP, **create)
    run_id = created["strategy_run_id"]
    seen["created"] = created["status"]
    with_nonce = {"session_nonce": nonce} if nonce is not None else {}
    protected = options.update_protection(run_id, STOP, **with_nonce)["protection"]
    seen["protected"] = [(r["metric"], r["operator"], r["threshold"]) for r in protected["rules"]]
    preview = options.preview_run_entry(run_id)
    seen["preview"] = [preview["status"], len(preview["orders"]), preview["net_premium"] < 0]
    safety = client.safety_check(run_id)
    block = safety.options_protection
    seen["safety"] = [safety.can_trade, block.get("applicable"), block.get("run_status")]
    enter = {"idempotency_key": f"{run_id}:enter:1", "all_or_none": True}
    entered = options.enter(run_id, enter, safety_token=safety.safety_token, **with_nonce)
    again = options.enter(run_id, enter, **with_nonce)
    seen["entered"] = [entered["status"], entered["result"]["status"], again["deduped"]]
    pnl = client.get_run_pnl_snapshot(run_id)
    seen["pnl"] = sorted(leg.net_quantity for leg in pnl.legs)
    timeline = client.list_timeline_snapshot(run_id)
    seen["timeline"] = [event.event_type for event in timeline.events][:2]
    state = options.get_run_state(run_id)
    seen["held"] = [leg["net_quantity"] for leg in state["legs"]]
    protection = options.get_protection_state(run_id)
    seen["protection"] = [protection["triggered"], protection["matched_rule"]]
    snapshots = [{"strategy_mtm_pct": -10}, {"strategy_mtm_pct": -60}]
    what_if = options.replay_protection(run_id, snapshots, protection=STOP)
    seen["replay"] = [r["triggered"] for r in what_if["results"]]
    seen["exit_preview"] = len(options.preview_exit(run_id)["orders"])
    exited = options.exit(run_id, {"idempotency_key": f"{run_id}:exit:1"}, **with_nonce)
    seen["exited"] = exited["status"]
    return seen


async def _async_reads(config: AlgoWorkerConfig) -> list[Any]:
    """0.13.0's ``AsyncOptionWorkerClient``: expiries through its typed model, and a chain."""
    from kite_algo_worker import AsyncKiteAlgoWorkerClient  # 0.13.0 only

    async with AsyncKiteAlgoWorkerClient(config) as client:
        expiries = await client.options.list_expiries("NIFTY")
        chain = await client.options.get_chain("NIFTY", expiry=expiries["expiries"][0])
        return [expiries["underlying"], chain["atm_strike"]]


def main() -> dict[str, Any]:
    """Drive the options flow on a claimed run (0.13.0) or on the option run's own (0.7.4)."""
    sdk = version("kite-algo-worker")
    config = AlgoWorkerConfig(
        base_url=os.environ["KITE_ALGO_API_BASE"], token=os.environ["KITE_ALGO_WORKER_TOKEN"]
    )
    client = KiteAlgoWorkerClient(config)
    if sdk == "0.7.4":
        return {"sdk": sdk, **_flow(client, None, None)}
    run_config = RunConfig(
        strategy_run_id=os.environ["COMPAT_RUN_ID"],
        template_id="options",
        account_scope="kite:paper",
        execution_mode="paper",
    )
    with client.run(run_config) as run:
        seen = {"sdk": sdk, **_flow(client, run.run_id, run.session_nonce)}
    return {**seen, "async": asyncio.run(_async_reads(config))}


if __name__ == "__main__":
    print(json.dumps(main()))
