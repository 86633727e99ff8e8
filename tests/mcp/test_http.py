"""``/mcp`` on the served app, through the SDK's streamable HTTP client: the key is the door."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import httpx2
import pytest
from mcp.client.streamable_http import streamable_http_client

from mcp import Client
from tests.conftest import serving
from tests.mcp.conftest import fund, structured, user_with_key
from tradertape.runtime import Runtime

pytestmark = pytest.mark.anyio


@asynccontextmanager
async def over_http(base: str, secret: str) -> AsyncIterator[Client]:
    """The SDK's client on ``/mcp``, presenting `secret`."""
    headers = {"Authorization": f"Bearer {secret}"}
    http = httpx2.AsyncClient(headers=headers, timeout=30)
    transport = streamable_http_client(f"{base}/mcp", http_client=http)
    async with http, Client(transport) as client:
        yield client


async def test_a_key_reaches_its_account_over_http(runtime: Runtime):
    user_id, secret = user_with_key(runtime, "read")
    fund(runtime, user_id, "1013418.76")
    with serving(runtime) as base:
        async with over_http(base, secret) as client:
            tools = {tool.name: tool for tool in (await client.list_tools()).tools}
            answer = structured(await client.call_tool("account", {}))
            sweeps = structured(await client.call_tool("list_sweeps", {}))
            pnl = structured(await client.call_tool("journal_pnl", {"underlying": "NIFTY"}))
            quoted = structured(await client.call_tool("quotes_of", {"instruments": ["NSE:INFY"]}))
            refused = await client.call_tool("start_sweep", {"request": {"strategy_id": 1}})

    assert {"place_order", "start_sweep", "sweep", "sweep_parameters", "journal_pnl"} <= set(tools)
    assert tools["sweep"].output_schema is not None
    assert tools["journal_pnl"].annotations is not None
    assert tools["journal_pnl"].annotations.read_only_hint is True
    assert answer["scope"] == "read"
    assert answer["margins"]["equity"]["net"] == 1013418.76
    assert sweeps == {"rows": []}
    assert (pnl["round_trips"], pnl["realised"]) == ([], "0.00")
    assert quoted["missing"] == ["NSE:INFY"]  # the server's feed: no tick yet, no close read
    assert refused.is_error  # a bad request, told as the tool's error


async def test_an_options_backtest_runs_and_reads_back_over_http(runtime: Runtime):
    _, secret = user_with_key(runtime, "read")
    strategy = {
        "name": "one sold call",
        "underlying": "NIFTY",
        "legs": [{"option_type": "CE", "side": "sell"}],
    }
    request = {"strategy": strategy, "start_date": "2025-02-03", "end_date": "2025-02-07"}
    with serving(runtime) as base:
        async with over_http(base, secret) as client:
            ran = structured(await client.call_tool("run_options_backtest", {"request": request}))
            read = structured(await client.call_tool("options_backtest", {"run_id": ran["id"]}))

    assert ran["trade_count"] >= 1
    assert ran["synthetic"] is True
    assert read == ran


def test_no_key_a_wrong_key_or_a_revoked_one_is_a_401(runtime: Runtime):
    _, secret = user_with_key(runtime, "live")
    with serving(runtime) as base:
        bare = httpx.post(f"{base}/mcp", json={})
        agent_style = httpx.post(
            f"{base}/mcp", json={}, headers={"Authorization": "Bearer zt_notanassistantkey"}
        )
        forged = httpx.post(
            f"{base}/mcp", json={}, headers={"Authorization": f"Bearer {secret[:-2]}xx"}
        )

    assert bare.status_code == 401
    assert "assistant key" in bare.json()["detail"]
    assert agent_style.status_code == 401
    assert forged.status_code == 401
    assert bare.headers["www-authenticate"].startswith("Bearer")


def test_an_assistant_key_reaches_no_other_route(runtime: Runtime):
    _, secret = user_with_key(runtime, "live")
    bearer = {"Authorization": f"Bearer {secret}"}
    with serving(runtime) as base:
        answers = [
            httpx.get(f"{base}/api/portfolio/positions", headers=bearer),
            httpx.post(f"{base}/api/risk/kill-switch", json={"on": False}, headers=bearer),
            httpx.post(f"{base}/api/assistant/keys", json={"scope": "live"}, headers=bearer),
            httpx.get(f"{base}/api/agent/whoami", headers=bearer),
        ]

    assert [a.status_code for a in answers] == [401, 401, 401, 401]
