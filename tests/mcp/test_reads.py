"""Read tools through the SDK's own client: each tool's schema, and answers from our services."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

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


def _paisa(value: Any) -> Decimal:
    """A Kite-shaped JSON number as the decimal it prints as (1526.11, not 1526.1100000001:
    a figure off by a fraction of a paisa would not compare equal)."""
    return Decimal(str(value))


async def test_holdings_orders_and_trades_carry_two_paper_fills(runtime: Runtime):
    user_id, secret = user_with_key(runtime, "paper")
    fund(runtime, user_id, "100000")
    order = {
        "exchange": "NSE",
        "tradingsymbol": "INFY",
        "transaction_type": "BUY",
        "product": "CNC",
        "order_type": "MARKET",
    }
    async with connected(runtime, secret) as client:
        set_price(runtime, "NSE:INFY", "1523.45")
        first = structured(
            await client.call_tool("place_order", {"order": order | {"quantity": 3}})
        )
        set_price(runtime, "NSE:INFY", "1530.10")
        second = structured(
            await client.call_tool("place_order", {"order": order | {"quantity": 2}})
        )
        holdings = structured(await client.call_tool("holdings", {}))["rows"]
        orders = structured(await client.call_tool("orders", {}))["rows"]
        trades = structured(await client.call_tool("trades", {}))["rows"]
        manual = structured(await client.call_tool("trades", {"book": "manual"}))["rows"]
        elsewhere = structured(await client.call_tool("trades", {"book": "portfolio:1"}))["rows"]

    assert (first["status"], second["status"]) == ("placed", "placed")
    ids = [first["order"]["order_id"], second["order"]["order_id"]]
    # bought today: T+1 shares, at (3 × 1,523.45 + 2 × 1,530.10) / 5 = 7,630.55 / 5
    [held] = holdings
    assert (held["tradingsymbol"], held["quantity"], held["t1_quantity"]) == ("INFY", 0, 5)
    assert _paisa(held["average_price"]) == Decimal("1526.11")
    assert _paisa(held["last_price"]) == Decimal("1530.10")
    assert sorted(
        (
            o["order_id"],
            o["status"],
            o["quantity"],
            o["filled_quantity"],
            _paisa(o["average_price"]),
        )
        for o in orders
    ) == sorted(
        [
            (ids[0], "COMPLETE", 3, 3, Decimal("1523.45")),
            (ids[1], "COMPLETE", 2, 2, Decimal("1530.10")),
        ]
    )
    assert [o["meta"]["source"].partition(":")[0] for o in orders] == ["assistant"] * 2
    assert sorted(
        (t["order_id"], t["transaction_type"], t["quantity"], _paisa(t["average_price"]))
        for t in trades
    ) == sorted([(ids[0], "BUY", 3, Decimal("1523.45")), (ids[1], "BUY", 2, Decimal("1530.10"))])
    assert sum(t["quantity"] * _paisa(t["average_price"]) for t in trades) == Decimal("7630.55")
    assert manual == trades
    assert elsewhere == []


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
