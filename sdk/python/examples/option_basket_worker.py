"""A bull call spread as one all-or-none basket: buy the at-the-money call, sell the next.

Contracts come from the server's instrument catalog (``search_tickers`` on NFO), so the
server needs NFO contracts (import a Kite instruments dump: ``tradertape instruments
import``). ``KITE_ALGO_UNDERLYING`` (default NIFTY) and ``KITE_ALGO_OPTION_PREFIX`` (say
``NIFTY26NOV``, to narrow the search to one expiry) choose the contracts.
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
    option_market_order,
)

INDEX = {"NIFTY": "NSE:NIFTY 50", "BANKNIFTY": "NSE:NIFTY BANK"}


def call_ladder(client: KiteAlgoWorkerClient, underlying: str, prefix: str) -> list[dict[str, Any]]:
    """Calls of the nearest listed expiry, by strike."""
    found = client.search_tickers(prefix, exchange="NFO", limit=50)["results"]
    calls = [i for i in found if i["instrument_type"] == "CE" and i["name"] == underlying]
    if not calls:
        return []
    nearest = min(i["expiry"] for i in calls)
    return sorted((i for i in calls if i["expiry"] == nearest), key=lambda i: i["strike"])


def main(
    client: KiteAlgoWorkerClient | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Place the spread once (the basket's key makes a rerun a no-op)."""
    env = os.environ if environ is None else environ
    client = client or KiteAlgoWorkerClient(AlgoWorkerConfig.from_env(env))
    underlying = env.get("KITE_ALGO_UNDERLYING", "NIFTY")
    ladder = call_ladder(client, underlying, env.get("KITE_ALGO_OPTION_PREFIX", underlying))
    if len(ladder) < 2:
        return {"placed": False, "reason": f"no {underlying} call ladder on NFO: import one"}
    spot_quotes = client.get_quotes([INDEX.get(underlying, f"NSE:{underlying}")], mode="ltp")
    quotes = spot_quotes["quotes"]
    spot = float(quotes[0]["last_price"]) if quotes else ladder[len(ladder) // 2]["strike"]
    atm = min(range(len(ladder) - 1), key=lambda i: abs(ladder[i]["strike"] - spot))
    long_leg, short_leg = ladder[atm], ladder[atm + 1]
    lot = int(long_leg["lot_size"])
    config = RunConfig.from_env(
        "option-spread",
        strategy_run_id=env.get("KITE_ALGO_RUN_ID", "run_option_spread_001"),
        environ=env,
        metadata={"strategy_family": "options_strategy", "strategy_name": "Bull call spread"},
    )
    run_id = str(client.create_run_from_config(config)["strategy_run_id"])
    legs = [
        option_market_order(long_leg["tradingsymbol"], "BUY", lot),
        option_market_order(short_leg["tradingsymbol"], "SELL", lot),
    ]
    preview = client.preview_basket(run_id, legs, all_or_none=True)
    basket = client.place_basket(
        run_id, legs, idempotency_key=f"{run_id}:spread:{long_leg['expiry']}", all_or_none=True
    )
    return {
        "placed": True,
        "run_id": run_id,
        "spot": spot,
        "legs": [long_leg["tradingsymbol"], short_leg["tradingsymbol"]],
        "estimated_charges": preview["preview"]["cost_contract"]["total_charges"],
        "basket": basket["result"]["status"],
    }


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
