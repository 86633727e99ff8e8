"""Research through the assistant: a saved strategy backtested, read back and compared;
model portfolios and their signals."""

from __future__ import annotations

import pytest

from tests.helpers import deploy_v1
from tests.mcp.conftest import connected, fund, structured, user_with_key
from tests.workers_kit import set_price
from tradertape.runtime import Runtime
from tradertape.services.research import strategies

pytestmark = pytest.mark.anyio


async def test_a_saved_strategy_is_backtested_listed_and_compared(with_candles: Runtime):
    runtime = with_candles
    _, secret = user_with_key(runtime, "read")  # research needs no trading scope
    with runtime.db.session() as db:
        v1 = strategies.by_builtin_key(db, "v1_momentum", clock=runtime.clock)
        assert v1 is not None
    request = {
        "strategy_id": v1.id,
        "universe": "nifty_50",
        "start_date": "2024-01-01",
        "end_date": "2024-06-30",
        "starting_capital": 1000000,
    }
    async with connected(runtime, secret) as client:
        first = structured(await client.call_tool("run_backtest", {"request": request}))
        second = structured(
            await client.call_tool("run_backtest", {"request": request | {"max_positions": 5}})
        )
        listed = structured(await client.call_tool("list_backtests", {}))
        compared = structured(
            await client.call_tool("compare_backtests", {"run_ids": [first["id"], second["id"]]})
        )

    assert first["status"] == "completed"
    assert first["strategy_id"] == v1.id
    assert [row["id"] for row in listed["rows"]] == [second["id"], first["id"]]
    assert [run["config"]["max_positions"] for run in compared["runs"]] == [10, 5]
    assert all(run["summary"] for run in compared["runs"])


async def test_model_portfolios_and_their_signals_are_read(runtime: Runtime):
    user_id, secret = user_with_key(runtime, "read")
    portfolio_id = deploy_v1(runtime, user_id)
    async with connected(runtime, secret) as client:
        portfolios = structured(await client.call_tool("model_portfolios", {}))
        signals = structured(
            await client.call_tool("model_signals", {"portfolio_id": portfolio_id})
        )

    [portfolio] = portfolios["rows"]
    assert (portfolio["id"], portfolio["universe"]) == (portfolio_id, "nifty_50")
    assert portfolio["total_capital"] == "1000000.00"  # Paise: rupees to the paisa, as the API
    assert signals["rows"] == []


async def test_the_tax_pnl_of_a_year_counts_paper_trades_only_when_asked(runtime: Runtime):
    user_id, secret = user_with_key(runtime, "paper")
    fund(runtime, user_id, "100000")
    order = {
        "exchange": "NSE",
        "tradingsymbol": "INFY",
        "quantity": 2,
        "product": "CNC",
        "order_type": "MARKET",
    }
    async with connected(runtime, secret) as client:
        set_price(runtime, "NSE:INFY", "1500")
        bought = structured(
            await client.call_tool("place_order", {"order": order | {"transaction_type": "BUY"}})
        )
        set_price(runtime, "NSE:INFY", "1510")
        sold = structured(
            await client.call_tool("place_order", {"order": order | {"transaction_type": "SELL"}})
        )
        real = structured(await client.call_tool("journal_tax", {"fy": "2026-27"}))
        paper = structured(
            await client.call_tool("journal_tax", {"fy": "2026-27", "include_paper": True})
        )
        wrong = await client.call_tool("journal_tax", {"fy": "2026-28"})

    assert (bought["status"], sold["status"]) == ("placed", "placed")
    assert real["speculative"]["trips"] == 0
    assert paper["speculative"]["trips"] == 1
    assert wrong.is_error
