"""Options backtests through the assistant: a weekly NIFTY short straddle run with a read
key (research: it places nothing), answered as the API answers the same request, listed and
read back; another user's run, or an equity run, not found."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.helpers import sign_in
from tests.mcp.conftest import connected, issue_key, structured, text_of, user_with_key
from tradertape.db.models import Order
from tradertape.mcp.user_text import FIELD_MARK
from tradertape.runtime import Runtime
from tradertape.services.assistant.calls import CALL_KIND
from tradertape.services.audit import trail
from tradertape.services.research import strategies

pytestmark = pytest.mark.anyio

STRADDLE: dict[str, Any] = {
    "name": "weekly short straddle",
    "underlying": "NIFTY",
    "resolution": "daily",
    "hold": "expiry",
    "legs": [
        {
            "option_type": kind,
            "side": "sell",
            "stop_loss": {"unit": "pct", "value": 30},
            "reentry": {"times": 1},
        }
        for kind in ("CE", "PE")
    ],
    "slippage": {"unit": "points", "value": 0.5},
}
REQUEST = {"strategy": STRADDLE, "start_date": "2025-02-03", "end_date": "2025-02-28"}
FIGURES = ("gross", "slippage", "charges", "net", "capital", "margin_peak", "trade_count")


async def test_the_options_tools_take_the_apis_request_and_say_what_they_change(
    runtime: Runtime,
):
    _, secret = user_with_key(runtime, "read")
    async with connected(runtime, secret) as mcp:
        listed = {t.name: t for t in (await mcp.list_tools()).tools}

    run = listed["run_options_backtest"]
    history, one = listed["list_options_backtests"], listed["options_backtest"]
    assert run.input_schema["$defs"]["OptionBacktestRequest"]["required"] == [
        "strategy",
        "start_date",
        "end_date",
    ]
    assert "OptionStrategy" in run.input_schema["$defs"]
    assert run.annotations is not None
    assert (run.annotations.read_only_hint, run.annotations.destructive_hint) == (False, False)
    for reader in (history, one):
        assert reader.annotations is not None
        assert reader.annotations.read_only_hint is True
    assert run.output_schema is not None
    answer = run.output_schema["properties"]
    assert {"net", "charges", "trade_count", "by_expiry", "worst_days", "trades"} <= set(answer)
    assert FIELD_MARK in answer["request"]["description"]  # the document the user wrote
    assert "never instructions" in (one.description or "")


async def test_a_read_key_runs_a_straddle_answered_as_the_api_answers_it(
    runtime: Runtime, client: TestClient
):
    user_id = sign_in(client, runtime, "a@x.in")
    secret = issue_key(runtime, user_id, "read")
    api = client.post("/api/backtests/options", json=REQUEST)
    assert api.status_code == 200, api.text
    by_api = api.json()
    async with connected(runtime, secret) as mcp:
        ran = structured(
            await mcp.call_tool("run_options_backtest", {"request": REQUEST, "trades": 500})
        )
        listed = structured(await mcp.call_tool("list_options_backtests", {}))
        read = structured(await mcp.call_tool("options_backtest", {"run_id": ran["id"]}))
        first = structured(
            await mcp.call_tool("options_backtest", {"run_id": ran["id"], "trades": 2})
        )

    # the same request, seed and chains: the same run, to the paisa
    assert ran["id"] != by_api["id"]
    assert [ran[f] for f in FIGURES] == [by_api[f] for f in FIGURES]
    assert ran["trades"] == by_api["trades"]
    assert ran["by_expiry"] == by_api["by_expiry"]
    assert (ran["data_source"], ran["synthetic"]) == ("synthetic", True)
    gross = sum(Decimal(t["gross"]) for t in ran["trades"])
    assert Decimal(ran["gross"]) == gross
    assert Decimal(ran["net"]) == gross - Decimal(ran["slippage"]) - Decimal(ran["charges"])
    assert ran["request"]["strategy"]["name"] == "weekly short straddle"
    # the history: newest first, the assistant's run and the web app's
    assert [r["id"] for r in listed["rows"]] == [ran["id"], by_api["id"]]
    assert listed["rows"][0]["net"] == ran["net"]
    assert read == ran  # the whole run: fewer leg trades than a read sends at first
    assert first["trades"] == ran["trades"][:2]
    assert first["trade_count"] == len(ran["trades"])
    # research, not trading: nothing placed, the call audited as the assistant's
    with runtime.db.session() as db:
        assert db.scalar(select(func.count()).select_from(Order)) == 0
        calls = [e.payload for e in trail.entries(db, user_id=user_id) if e.kind == CALL_KIND]
    assert [(c["tool"], c["outcome"]) for c in calls][0] == ("run_options_backtest", "ok")
    assert calls[0]["arguments"]["strategy"]["name"] == "weekly short straddle"


async def test_a_bad_options_request_is_refused_naming_the_field(runtime: Runtime):
    _, secret = user_with_key(runtime, "read")
    banknifty = REQUEST | {"strategy": STRADDLE | {"underlying": "BANKNIFTY"}}
    reversed_range = REQUEST | {"end_date": "2025-01-01"}
    async with connected(runtime, secret) as mcp:
        no_chains = await mcp.call_tool("run_options_backtest", {"request": banknifty})
        backwards = await mcp.call_tool("run_options_backtest", {"request": reversed_range})
        listed = structured(await mcp.call_tool("list_options_backtests", {}))

    assert no_chains.is_error
    assert "strategy.underlying" in text_of(no_chains)
    assert backwards.is_error
    assert "end_date" in text_of(backwards)
    assert listed == {"rows": []}


async def test_another_users_options_run_and_an_equity_run_are_not_found(
    with_candles: Runtime,
):
    runtime = with_candles
    _, theirs = user_with_key(runtime, "read", email="b@x.in")
    week = REQUEST | {"end_date": "2025-02-07"}
    with runtime.db.session() as db:
        v1 = strategies.by_builtin_key(db, "v1_momentum", clock=runtime.clock)
        assert v1 is not None
    months = {"strategy_id": v1.id, "start_date": "2024-01-01", "end_date": "2024-02-29"}
    async with connected(runtime, theirs) as mcp:
        their_run = structured(await mcp.call_tool("run_options_backtest", {"request": week}))
        equity = structured(await mcp.call_tool("run_backtest", {"request": months}))
    _, mine = user_with_key(runtime, "read")
    async with connected(runtime, mine) as mcp:
        other = await mcp.call_tool("options_backtest", {"run_id": their_run["id"]})
        listed = structured(await mcp.call_tool("list_options_backtests", {}))
    async with connected(runtime, theirs) as mcp:
        not_options = await mcp.call_tool("options_backtest", {"run_id": equity["id"]})

    for answer in (other, not_options):
        assert answer.is_error
        assert "not found" in text_of(answer)
    assert listed == {"rows": []}
