"""A backtest run read through the assistant: the API's answer for the run, its trades
bounded, and another user's run (or an options run) not found, as the API's 404."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tests.mcp.conftest import connected, issue_key, structured, text_of, user_with_key
from tradertape.runtime import Runtime
from tradertape.services.research import strategies

pytestmark = pytest.mark.anyio


async def test_a_run_reads_as_the_api_answers_it_its_trades_bounded(
    with_candles: Runtime, client: TestClient
):
    runtime = with_candles
    user_id = sign_in(client, runtime, "a@x.in")
    secret = issue_key(runtime, user_id, "read")
    with runtime.db.session() as db:
        v1 = strategies.by_builtin_key(db, "v1_momentum", clock=runtime.clock)
        assert v1 is not None
    request = {
        "strategy_id": v1.id,
        "universe": "nifty_50",
        "start_date": "2024-01-01",
        "end_date": "2024-12-31",
        "starting_capital": 1000000,
    }
    async with connected(runtime, secret) as mcp:
        ran = structured(await mcp.call_tool("run_backtest", {"request": request}))
        read = structured(await mcp.call_tool("backtest", {"run_id": ran["id"], "trades": 3}))
        none = structured(await mcp.call_tool("backtest", {"run_id": ran["id"], "trades": 0}))
    api = client.get(f"/api/backtest/runs/{ran['id']}").json()

    assert api["trades"], "the year's run trades"
    assert read["trade_count"] == len(api["trades"])  # still-open ones too (end_of_data)
    # every figure as the API sends it; a day run's trades have no times (null here)
    untimed = {"entry_time": None, "exit_time": None}
    assert read["trades"] == [untimed | t for t in api["trades"][:3]]
    for field in ("id", "status", "config", "summary", "strategy", "strategy_name"):
        assert read[field] == api[field], field
    assert read["config"]["starting_capital"] == ran["config"]["starting_capital"]
    assert (none["trades"], none["trade_count"]) == ([], read["trade_count"])


async def test_another_users_run_and_an_options_run_are_not_found(
    with_candles: Runtime, client: TestClient
):
    runtime = with_candles
    user_id = sign_in(client, runtime, "a@x.in")
    options = client.post(
        "/api/backtests/options",
        json={
            "strategy": {
                "name": "one sold call",
                "underlying": "NIFTY",
                "legs": [{"option_type": "CE", "side": "sell"}],
            },
            "start_date": "2025-02-03",
            "end_date": "2025-02-07",
        },
    )
    assert options.status_code == 200, options.text
    with runtime.db.session() as db:
        v1 = strategies.by_builtin_key(db, "v1_momentum", clock=runtime.clock)
        assert v1 is not None
    request = {
        "strategy_id": v1.id,
        "start_date": "2024-01-01",
        "end_date": "2024-03-31",
    }
    _, theirs = user_with_key(runtime, "read", email="b@x.in")
    async with connected(runtime, theirs) as mcp:
        their_run = structured(await mcp.call_tool("run_backtest", {"request": request}))
    async with connected(runtime, issue_key(runtime, user_id, "read")) as mcp:
        other = await mcp.call_tool("backtest", {"run_id": their_run["id"]})
        not_equity = await mcp.call_tool("backtest", {"run_id": options.json()["id"]})
        missing = await mcp.call_tool("backtest", {"run_id": 10**6})

    for answer in (other, not_equity, missing):
        assert answer.is_error
        assert "not found" in text_of(answer)
