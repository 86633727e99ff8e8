"""What the flows above do not reach: the rest of `ManagedRun`, clients on a borrowed pool,
missing optional dependencies, and the last branches of the polling helpers."""

from __future__ import annotations

import itertools
import sys

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.sdk.conftest import connect
from tests.sdk.test_edges import CONFIG, Script, candle, client
from tests.workers_kit import issue_token, set_price
from tradertape.runtime import Runtime
from tradertape_worker import (
    AsyncKiteAlgoWorkerClient,
    KiteAlgoWorkerClient,
    RunConfig,
    SessionConflictError,
    candles_to_df,
    equity_market_order,
    sma,
    wait_for_fresh_candle,
    wait_for_quotes,
    wait_for_terminal_order_state,
    warmup_history,
)


def test_the_rest_of_a_managed_run(client: TestClient, runtime: Runtime):
    actions = ["runs:create", "runs:read", "runs:log", "runs:progress", "runs:exit"]
    token, _ = issue_token(
        client, runtime, "m@x.in", allowed_actions=[*actions, "heartbeat", "intents:submit"]
    )
    sdk = connect(client, token)
    set_price(runtime, "NSE:INFY", "1500")
    config = RunConfig(template_id="t", account_scope="kite:paper")  # no id: a new run each time
    with sdk.run(config) as run:
        progress = run.progress("warming up")
        basket = run.place_basket(
            [equity_market_order("INFY", "BUY", 1)], idempotency_key=f"{run.run_id}:basket:1"
        )
        pnl = run.get_pnl()
        first = next(itertools.islice(run.stream_timeline(), 1))
        exited = run.exit_run(reason="done")
    assert progress == {"status": "ok", "strategy_run_id": run.run_id, "recorded": True}
    assert basket["result"]["status"] == "success"
    assert pnl["position_count"] == 1
    assert first["event_type"] == "order.updated"
    assert exited["run"]["status"] == "closed"


@pytest.mark.anyio
async def test_async_release_failures(async_sdk: AsyncKiteAlgoWorkerClient):
    config = RunConfig(strategy_run_id="run_ar", template_id="t", account_scope="kite:paper")

    async def release_inside(then_fail: bool) -> None:
        async with async_sdk.run(config, heartbeat_on_enter=then_fail) as run:
            await async_sdk.release_session(run.run_id, session_nonce=str(run.session_nonce))
            events = run.stream_timeline()
            await events.aclose()  # type: ignore[attr-defined]
            if then_fail:
                raise RuntimeError("body")

    with pytest.raises(SessionConflictError):
        await release_inside(then_fail=False)
    with pytest.raises(RuntimeError, match="body"):
        await release_inside(then_fail=True)


ANSWER = httpx.MockTransport(lambda r: httpx.Response(200, json={"status": "ok"}))


def test_a_client_on_a_borrowed_pool_leaves_it_open():
    pool = httpx.Client(transport=ANSWER)
    with KiteAlgoWorkerClient(CONFIG, http_client=pool) as borrowed:
        assert borrowed.health() == {"status": "ok"}
    assert not pool.is_closed
    pool.close()


@pytest.mark.anyio
async def test_an_async_client_on_a_borrowed_pool_leaves_it_open(monkeypatch):
    answer = ANSWER
    apool = httpx.AsyncClient(transport=answer)
    async with AsyncKiteAlgoWorkerClient(CONFIG, http_client=apool) as aborrowed:
        assert await aborrowed.health() == {"status": "ok"}
    assert not apool.is_closed
    await apool.aclose()
    monkeypatch.setenv("KITE_ALGO_WORKER_TOKEN", "kwa_env")
    from_env = AsyncKiteAlgoWorkerClient.from_env(transport=answer)
    assert from_env.config.token == "kwa_env"
    await from_env.aclose()


def test_missing_optional_dependencies_say_which_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"tradertape-worker\[dataframe\]"):
        candles_to_df([])
    monkeypatch.setitem(sys.modules, "numpy", None)
    with pytest.raises(ImportError, match=r"tradertape-worker\[indicators\]"):
        sma([1.0], 1)


def test_last_branches_of_the_helpers():
    script = Script(
        {
            "market/history": [{"candles": [candle("a"), candle("b")]}],
            "market/candles": [{"candles": [candle("t1")]}, {"candles": [candle("t2")]}],
            "market/quotes": [{"quotes": [], "missing": ["NSE:X"]}],
            "orders/o1": [{"order": {"order_id": "o1", "status": "OPEN"}}],
        }
    )
    worker = client(script)
    warm = warmup_history(worker, "INFY", min_candles=2, sleep=script.sleep)
    fresh = wait_for_fresh_candle(worker, "INFY", attempts=2, sleep=script.sleep)
    quotes = wait_for_quotes(worker, ["", "NSE:X"], attempts=1, sleep=script.sleep)
    order = wait_for_terminal_order_state(worker, "run", "o1", attempts=2, sleep=script.sleep)
    assert len(warm.candles) == 2
    assert fresh is not None
    assert fresh.ts == "t2"
    assert quotes["missing"] == ["NSE:X"]
    assert order.status == "OPEN"
    assert script.sleeps == [1.0, 1.0]
