"""`tradertape mcp`: the server over stdio, as a desktop assistant starts it, with the SDK's
stdio client."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from mcp.client.stdio import StdioServerParameters

from mcp import Client
from tests.conftest import TEST_SECRET
from tests.mcp.conftest import structured, text_of, user_with_key
from tradertape.runtime import Runtime

# a Python process started and importing the server: seconds, not the point's fraction
pytestmark = [pytest.mark.anyio, pytest.mark.long]


def _command(runtime: Runtime, secret: str) -> StdioServerParameters:
    url = runtime.db.engine.url
    if url.get_backend_name() != "sqlite":
        pytest.skip("the subprocess opens the test's database by URL: SQLite's file")
    tradertape = Path(sys.executable).with_name("tradertape")
    return StdioServerParameters(
        command=str(tradertape),
        args=["mcp"],
        env={
            **os.environ,
            "TRADERTAPE_DATABASE_URL": url.render_as_string(hide_password=False),
            "TRADERTAPE_DATA_DIR": str(runtime.settings.data_dir),
            "TRADERTAPE_SECRET_KEY": TEST_SECRET,
            "TRADERTAPE_FEED": "none",
            "TRADERTAPE_REDIS_URL": "",
            "TRADERTAPE_CLI_HOST": "off",
            "TRADERTAPE_ASSISTANT_KEY": secret,
        },
    )


async def test_a_desktop_assistant_reads_and_is_held_to_its_scope(runtime: Runtime):
    _, secret = user_with_key(runtime, "read")
    order = {
        "exchange": "NSE",
        "tradingsymbol": "INFY",
        "transaction_type": "BUY",
        "quantity": 1,
        "product": "CNC",
        "order_type": "MARKET",
    }
    async with Client(_command(runtime, secret)) as client:
        account = structured(await client.call_tool("account", {}))
        refused = await client.call_tool("place_order", {"order": order})
        sweeps = structured(await client.call_tool("list_sweeps", {}))
        pnl = structured(await client.call_tool("journal_pnl", {"segment": "FO"}))

    assert account["scope"] == "read"
    assert refused.is_error
    assert "'read' scope" in text_of(refused)
    assert sweeps == {"rows": []}
    assert pnl["round_trips"] == []


async def test_a_desktop_assistant_is_quoted_the_last_stored_close(with_candles: Runtime):
    _, secret = user_with_key(with_candles, "paper")
    async with Client(_command(with_candles, secret)) as client:
        quoted = structured(await client.call_tool("quotes_of", {"instruments": ["NSE:INFY"]}))

    quote = quoted["quotes"]["NSE:INFY"]
    assert quote["price_source"] == "close"  # no feed in this process: never passed as live
    assert quote["timestamp"].startswith("2025-12-31T15:30:00")
