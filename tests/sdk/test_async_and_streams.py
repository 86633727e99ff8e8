"""The asyncio client (ASGITransport, in process) and the SSE iterators of both clients
(in process for the blocking one, over loopback for asyncio: ASGITransport buffers)."""

from __future__ import annotations

import itertools

import pytest
from fastapi.testclient import TestClient

from tests.workers_kit import issue_token, set_price
from tradertape.runtime import Runtime
from tradertape.settings import Settings
from tradertape_worker import (
    AlgoWorkerConfig,
    AsyncKiteAlgoWorkerClient,
    KiteAlgoWorkerClient,
    NotFoundError,
    RunConfig,
    equity_market_order,
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    quick = {"worker_stream_poll_secs": 0.02, "worker_stream_heartbeat_secs": 0.2}
    return settings.model_copy(update=quick)


@pytest.mark.anyio
async def test_async_client_managed_flow(async_sdk: AsyncKiteAlgoWorkerClient):
    config = RunConfig(strategy_run_id="run_async", template_id="t", account_scope="kite:paper")
    async with async_sdk.run(config) as run:
        safety = await run.safety_check()
        placed = await run.place_order(
            equity_market_order("INFY", "BUY", 1),
            idempotency_key="run_async:entry:1",
            safety_token=safety.safety_token,
        )
        await run.heartbeat(metrics={"n": 1})
        await run.log_decision_event(decision_type="note", action="observe", summary="hi")
        refreshed = await run.refresh()
        exited = await run.exit_run(reason="done")
    pnl = await async_sdk.get_run_pnl_snapshot("run_async")
    health = await async_sdk.health()

    assert placed["status"] == "accepted"
    assert refreshed["status"] == "open"
    assert exited["run"]["status"] == "closed"
    assert pnl.totals.realized_pnl == 0.0
    assert health["status"] == "ok"
    with pytest.raises(NotFoundError):
        await async_sdk.get_run("run_none")


@pytest.mark.anyio
async def test_async_run_refuses_a_mismatch_and_releases_on_error(
    async_sdk: AsyncKiteAlgoWorkerClient,
):
    config = RunConfig(strategy_run_id="run_a2", template_id="t", account_scope="kite:paper")
    await async_sdk.create_run_from_config(config)
    with pytest.raises(RuntimeError, match="body"):
        async with async_sdk.run(config):
            raise RuntimeError("body")
    assert (await async_sdk.get_run_health_snapshot("run_a2")).session_status == "missing"
    async with async_sdk.run(config, claim_session=False, heartbeat_on_enter=False) as run:
        assert run.session_nonce is None
    other = config.model_copy(update={"execution_mode": "dry_run"})
    with pytest.raises(Exception, match="another configuration"):
        async with async_sdk.run(other):
            pass  # pragma: no cover - never entered
    with pytest.raises(ValueError, match="claim_session"):
        async with async_sdk.run(config, claim_session=False):
            pass  # pragma: no cover - never entered
    fresh = RunConfig(template_id="t", account_scope="kite:paper", execution_mode="dry_run")
    async with async_sdk.run(fresh, release_on_exit=False) as run:
        assert run.run_id.startswith("run_")


def test_sync_streams_in_process(sdk: KiteAlgoWorkerClient, runtime: Runtime):
    sdk.create_run(strategy_run_id="run_st", template_id="t", account_scope="kite:paper")
    sdk.place_order("run_st", equity_market_order("INFY", "BUY", 2), "stream-key-1")

    pnl = sdk.stream_run_pnl("run_st", interval_seconds=0.25)
    first = next(pnl)
    set_price(runtime, "NSE:INFY", "1505")
    second = next(pnl)
    pnl.close()  # type: ignore[attr-defined]
    timeline = list(itertools.islice(sdk.stream_timeline("run_st"), 1))
    executions = list(itertools.islice(sdk.stream_execution_events("run_st"), 1))
    ticks = sdk.stream_ticks(["NSE:INFY"], mode="ltp")
    snapshot = next(ticks)
    set_price(runtime, "NSE:INFY", "1506")
    moved = next(ticks)
    ticks.close()  # type: ignore[attr-defined]

    assert first["totals"]["unrealized_pnl"] == 0.0
    assert second["totals"]["unrealized_pnl"] == 10.0
    assert timeline[0]["event_type"] == "order.updated"
    assert set(executions[0]) >= {"cursor", "event_type", "payload"}
    assert snapshot["quotes"][0]["last_price"] == 1505.0
    assert moved["ticks"][0]["last_price"] == 1506.0
    with pytest.raises(NotFoundError):
        sdk.stream_run_pnl("run_none")


def test_sync_candle_stream(sdk: KiteAlgoWorkerClient, runtime: Runtime):
    from tradertape.testkit import make_tick

    now = runtime.clock.now()
    runtime.candle_book.update(make_tick("NSE:INFY", "1500", ts=now))
    events = sdk.stream_candles("NSE:INFY", interval="minute")
    snapshot = next(events)
    runtime.candle_book.update(make_tick("NSE:INFY", "1503", ts=now))
    update = next(events)
    events.close()  # type: ignore[attr-defined]
    assert snapshot["current"]["close"] == 1500.0
    assert update["candle"]["close"] == 1503.0


@pytest.mark.anyio
async def test_async_streams_over_loopback(server: str, client: TestClient, runtime: Runtime):
    set_price(runtime, "NSE:INFY", "1500")
    secret, _ = issue_token(client, runtime, "loop@x.in")
    config = AlgoWorkerConfig(base_url=server, token=secret)
    async with AsyncKiteAlgoWorkerClient(config) as worker:
        await worker.create_run(
            strategy_run_id="run_lp", template_id="t", account_scope="kite:paper"
        )
        await worker.place_order("run_lp", equity_market_order("INFY", "BUY", 1), "loop-key-1")
        timeline = worker.stream_timeline("run_lp")
        first = await anext(timeline)
        await timeline.aclose()  # type: ignore[attr-defined]
        ticks = worker.stream_ticks(["NSE:INFY"])
        snapshot = await anext(ticks)
        await ticks.aclose()  # type: ignore[attr-defined]
        missing = worker.stream_run_pnl("run_none")
        with pytest.raises(NotFoundError):
            await anext(missing)
    assert first["event_type"] == "order.updated"
    assert snapshot["quotes"][0]["symbol"] == "NSE:INFY"
