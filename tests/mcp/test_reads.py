"""Read tools through the SDK's own client: each tool's schema, and answers from our services."""

from __future__ import annotations

import json

import pytest
from mcp_types import TextResourceContents

from tests.mcp.conftest import connected, fund, structured, user_with_key
from tests.workers_kit import set_price
from tradertape.mcp.server import DSL_SCHEMA_URI
from tradertape.runtime import Runtime

pytestmark = pytest.mark.anyio


async def test_every_tool_has_typed_schemas_and_says_whether_it_reads(runtime: Runtime):
    _, secret = user_with_key(runtime, "read")
    async with connected(runtime, secret) as client:
        listed = (await client.list_tools()).tools

    by_name = {tool.name: tool for tool in listed}
    assert {"account", "positions", "place_order", "run_backtest", "option_chain"} <= set(by_name)
    for tool in listed:
        assert tool.input_schema["type"] == "object", tool.name
        assert tool.output_schema is not None, tool.name
        assert tool.annotations is not None
        assert tool.annotations.read_only_hint is not None
    reads, trades = by_name["positions"].annotations, by_name["place_order"].annotations
    assert reads is not None
    assert reads.read_only_hint is True
    assert trades is not None
    assert trades.read_only_hint is False
    assert trades.destructive_hint
    order_fields = by_name["place_order"].input_schema["$defs"]["OrderIn"]["properties"]
    assert {"tradingsymbol", "quantity", "mode"} <= set(order_fields)


async def test_account_names_the_key_and_its_scope_with_the_funds(runtime: Runtime):
    user_id, secret = user_with_key(runtime, "paper")
    fund(runtime, user_id, "250000.50")
    async with connected(runtime, secret) as client:
        answer = structured(await client.call_tool("account", {}))

    assert answer["key_name"] == "Claude"
    assert answer["scope"] == "paper"
    assert answer["margins"]["equity"]["net"] == 250000.5


async def test_positions_show_a_paper_fill(runtime: Runtime):
    user_id, secret = user_with_key(runtime, "paper")
    fund(runtime, user_id, "100000")
    set_price(runtime, "NSE:INFY", "1500")
    order = {
        "exchange": "NSE",
        "tradingsymbol": "INFY",
        "transaction_type": "BUY",
        "quantity": 2,
        "product": "CNC",
        "order_type": "MARKET",
    }
    async with connected(runtime, secret) as client:
        placed = structured(await client.call_tool("place_order", {"order": order}))
        answer = structured(await client.call_tool("positions", {}))

    assert placed["status"] == "placed", placed
    net = answer["positions"]["net"]
    assert net, placed
    assert [(row["tradingsymbol"], row["quantity"]) for row in net] == [("INFY", 2)]


async def test_quotes_and_instrument_search(runtime: Runtime):
    _, secret = user_with_key(runtime, "read")
    set_price(runtime, "NSE:INFY", "1500.5")
    async with connected(runtime, secret) as client:
        quoted = structured(
            await client.call_tool("quotes_of", {"instruments": ["NSE:INFY", "NSE:NOPE"]})
        )
        found = structured(await client.call_tool("search_instruments", {"query": "INFY"}))

    assert quoted["quotes"]["NSE:INFY"]["last_price"] == 1500.5
    assert quoted["missing"] == ["NSE:NOPE"]
    assert found["rows"][0]["tradingsymbol"] == "INFY"


async def test_strategies_are_listed_and_the_dsl_schema_is_a_resource(runtime: Runtime):
    _, secret = user_with_key(runtime, "read")
    async with connected(runtime, secret) as client:
        listed = structured(await client.call_tool("list_strategies", {}))
        resource = await client.read_resource(DSL_SCHEMA_URI)

    assert listed["rows"]
    assert all(row["is_template"] for row in listed["rows"])
    content = resource.contents[0]
    assert isinstance(content, TextResourceContents)
    schema = json.loads(content.text)
    assert "properties" in schema or "$defs" in schema
