"""The blocking client against the real app, in process: every family of calls, and the
exception each refusal becomes."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.sdk.conftest import connect
from tests.workers_kit import issue_token, set_price
from tradertape.runtime import Runtime
from tradertape_worker import (
    AlgoWorkerConfig,
    AuthError,
    BackendProtection,
    BasketProtection,
    BrokerValidationError,
    CalendarRangeUncoveredError,
    ClientValidationError,
    KiteAlgoWorkerClient,
    KiteAlgoWorkerError,
    LiveTradingNotEnabledError,
    NotFoundError,
    OperationalProtection,
    OrderValidationError,
    PermissionDeniedError,
    ProtectedPosition,
    RunConfig,
    SafetyTokenExpiredError,
    SessionConflictError,
    equity_market_order,
    limit_order,
)

RUN = "run_sdk_001"


def paper_run(sdk: KiteAlgoWorkerClient, run_id: str = RUN, **fields: Any) -> dict[str, Any]:
    return sdk.create_run(
        strategy_run_id=run_id,
        template_id="sdk-test",
        account_scope="kite:paper",
        execution_mode="paper",
        **fields,
    )


def test_health_and_token_heartbeat(sdk: KiteAlgoWorkerClient):
    health = sdk.health()
    beat = sdk.heartbeat(worker_id="w-1", metrics={"loop": 1})
    assert health["status"] == "ok"
    assert "intents:submit" in health["allowed_actions"]
    assert beat["status"] == "ok"


def test_raw_lifecycle_place_replay_pnl_exit(sdk: KiteAlgoWorkerClient, runtime: Runtime):
    run = paper_run(sdk, metadata={"strategy_name": "Basic"})
    order = equity_market_order("INFY", "BUY", 2)
    placed = sdk.place_order(RUN, order, idempotency_key=f"{RUN}:entry:001")
    replay = sdk.place_order(RUN, order, idempotency_key=f"{RUN}:entry:001")
    set_price(runtime, "NSE:INFY", "1510")
    pnl = sdk.get_run_pnl_snapshot(RUN)
    exited = sdk.exit_run(RUN, reason="done", idempotency_key=f"{RUN}:exit:001")

    assert (run["status"], run["name"]) == ("open", "Basic")
    assert (placed["status"], placed["result"]["status"]) == ("accepted", "filled")
    assert replay == {"status": "deduped", "result": placed["result"]}
    assert pnl.totals.unrealized_pnl == 20.0
    assert pnl.legs[0].net_quantity == 2
    assert (exited["status"], exited["run"]["status"]) == ("success", "closed")
    assert sdk.get_run(RUN)["closed_at"] is not None


def test_managed_run_claims_checks_places_and_releases(sdk: KiteAlgoWorkerClient):
    config = RunConfig(
        strategy_run_id="run_managed_001",
        template_id="managed-demo",
        account_scope="kite:paper",
        execution_mode="paper",
    ).with_metadata(strategy_name="Managed")
    with sdk.run(config) as run:
        held = run.get_health_snapshot()
        safety = run.safety_check()
        assert safety.can_trade, safety.blocking_reasons
        placed = run.place_order(
            equity_market_order("INFY", "BUY", 1),
            idempotency_key=f"{run.run_id}:entry:001",
            safety_token=safety.safety_token,
        )
        run.heartbeat(metrics={"last_signal": "entry-001"})
        run.log_decision_event(event_type="signal.generated", summary="EMA cross")
        run.patch_risk({"stop_loss_pct": 1.0}, reason="tighter")
        protection = BackendProtection(basket=BasketProtection(stoploss_pct=4.0))
        updated = run.update_backend_protection(protection, reason="rebalance")
        timeline = run.list_timeline(event_kind="decision")
        run.progress  # noqa: B018 - present on ManagedRun (needs runs:progress to call)
        assert run.refresh()["status"] == "open"
    after = sdk.get_run_health_snapshot("run_managed_001")

    assert (held.session_status, held.health_status) == ("claimed", "healthy")
    assert placed["status"] == "accepted"
    assert updated["runtime_state"]["backend_protection_state"]["generation"] == 2
    assert [e["event_type"] for e in timeline["events"]] == ["signal.generated", "risk.updated"]
    assert after.session_status == "missing"  # released on the way out
    assert sdk.get_run_pnl("run_managed_001")["position_count"] == 1


def test_run_recovers_an_existing_run_and_refuses_a_different_one(sdk: KiteAlgoWorkerClient):
    config = RunConfig(strategy_run_id="run_again", template_id="t", account_scope="kite:paper")
    with sdk.run(config, heartbeat_on_enter=False) as first:
        created = first.run["created_at"]
    with sdk.run(config, claim_session=False, heartbeat_on_enter=False) as second:
        assert second.run["created_at"] == created
        assert second.session_nonce is None
        with pytest.raises(ClientValidationError):
            second.heartbeat()
    other = config.model_copy(update={"template_id": "other"})
    with pytest.raises(KiteAlgoWorkerError) as refused, sdk.run(other):
        pass  # pragma: no cover - never entered
    assert refused.value.status_code == 409
    with pytest.raises(ValueError, match="claim_session"), sdk.run(config, claim_session=False):
        pass  # pragma: no cover - never entered


def test_release_failure_surfaces_only_without_a_body_error(sdk: KiteAlgoWorkerClient):
    config = RunConfig(strategy_run_id="run_rel", template_id="t", account_scope="kite:paper")

    def release_inside(then_fail: bool) -> None:
        with sdk.run(config) as run:
            sdk.release_session(run.run_id, session_nonce=str(run.session_nonce))
            if then_fail:
                raise RuntimeError("body")

    with pytest.raises(SessionConflictError):  # the second release finds no session
        release_inside(then_fail=False)
    with pytest.raises(RuntimeError, match="body"):  # the body's error wins
        release_inside(then_fail=True)


def test_refusals_become_typed_exceptions(client: TestClient, runtime: Runtime, sdk):
    paper_run(sdk)
    nonce = sdk.claim_session(RUN)["worker_session_nonce"]
    with pytest.raises(NotFoundError):
        sdk.get_run("run_nobody")
    with pytest.raises(SessionConflictError) as required:
        sdk.place_order(RUN, equity_market_order("INFY", "BUY", 1), "key-00000001")
    with pytest.raises(SafetyTokenExpiredError):
        sdk.place_order(
            RUN,
            equity_market_order("INFY", "BUY", 1),
            "key-00000002",
            safety_token="wst1.forged.token",
            session_nonce=nonce,
        )
    with pytest.raises(BrokerValidationError) as invalid:
        sdk.place_order(
            RUN,
            limit_order("NSE", "INFY", "BUY", "CNC", 1, 1500.03),
            "key-3333333",
            session_nonce=nonce,
        )
    assert required.value.rejection_reason == "WORKER_SESSION_REQUIRED"
    assert invalid.value.status_code == 422
    assert "tick" in str(invalid.value)
    with pytest.raises(AuthError):
        connect(client, "kwa_nope").health()
    narrow, _ = issue_token(client, runtime, "narrow@x.in", allowed_actions=["runs:read"])
    with pytest.raises(PermissionDeniedError):
        connect(client, narrow).get_funds()


def test_the_client_checks_before_sending(sdk: KiteAlgoWorkerClient, monkeypatch):
    with pytest.raises(ClientValidationError, match="idempotency_key"):
        sdk.place_order(RUN, equity_market_order("INFY", "BUY", 1), "short")
    with pytest.raises(OrderValidationError) as field:
        sdk.place_basket(RUN, [{"exchange": "NSE", "tag": "x"}], "basket-key-1")
    assert field.value.field == "tag"
    monkeypatch.delenv("KITE_ALGO_ENABLE_LIVE", raising=False)
    with pytest.raises(LiveTradingNotEnabledError):
        sdk.create_run(template_id="t", account_scope="kite:AB1234", execution_mode="live")
    live = RunConfig(template_id="t", account_scope="kite:AB1234", execution_mode="live")
    with pytest.raises(LiveTradingNotEnabledError), sdk.run(live):
        pass  # pragma: no cover - never entered
    monkeypatch.setenv("KITE_ALGO_ENABLE_LIVE", "1")
    with pytest.raises(PermissionDeniedError):  # acknowledged, but the token may not go live
        sdk.create_run(template_id="t", account_scope="kite:paper", execution_mode="live")


def test_baskets_previews_orders_and_amendments(sdk: KiteAlgoWorkerClient):
    paper_run(sdk)
    legs = [equity_market_order("INFY", "BUY", 1), equity_market_order("TCS", "BUY", 1)]
    basket = sdk.place_basket(RUN, legs, "basket-000001", all_or_none=True)
    dry = sdk.place_basket(RUN, legs, "basket-000002", dry_run=True)
    preview = sdk.preview_order_snapshot(RUN, legs[0])
    basket_preview = sdk.preview_basket(RUN, legs, all_or_none=True)
    resting = sdk.place_order(RUN, limit_order("NSE", "INFY", "BUY", "CNC", 1, 1400.0), "rest-0001")
    order_id = resting["result"]["order_id"]
    modified = sdk.modify_order(RUN, order_id, {"price": 1401.0})
    history = sdk.get_order_history(RUN, order_id)
    cancelled = sdk.cancel_order(RUN, order_id)
    snapshot = sdk.get_order_snapshot(RUN, order_id)

    assert basket["result"]["status"] == "success"
    assert dry["result"]["status"] == "dry_run"
    assert preview.preview.cost_contract is not None
    assert preview.preview.cost_contract.total_charges is not None
    assert len(basket_preview["preview"]["basket"]["legs"]) == 2
    assert modified["result"]["price"] == 1401.0
    assert [h["status"] for h in history["history"]][:1] == ["OPEN"]
    assert cancelled["result"]["status"] == "CANCELLED"
    assert snapshot.status == "CANCELLED"
    assert len(sdk.list_orders(RUN)["orders"]) == 3
    assert len(sdk.list_trades(RUN)["trades"]) == 2


def test_funds_journal_and_protection_state(sdk: KiteAlgoWorkerClient):
    protection = BackendProtection(
        positions=[
            ProtectedPosition(
                symbol="NSE:INFY",
                product="CNC",
                side="BUY",
                quantity=1,
                entry_price=1500.0,
                stoploss_pct=2.0,
            )
        ],
        operations=OperationalProtection(exit_on_worker_stale=True, worker_stale_sec=300),
    )
    paper_run(sdk, backend_protection=protection, metadata={"allocation_cap": 100000})
    sdk.place_order(RUN, equity_market_order("INFY", "BUY", 1), "fund-0000001")
    sdk.log_decision_event(RUN, decision_type="entry", action="enter", summary="in")
    funds = sdk.get_funds_snapshot()
    run_funds = sdk.get_run_funds(RUN)
    state = sdk.get_run_protection_state(RUN)
    timeline = sdk.list_timeline_snapshot(RUN, limit=10)
    executions = sdk.list_execution_events(RUN)
    runs = sdk.list_runs(limit=5)

    # the Funds page's figures: the paper account was funded today (its day opened at 0)
    assert funds.segments["equity"].opening_balance == 0.0
    assert 998_000 < funds.segments["equity"].net < 1_000_000  # one INFY bought from it
    assert run_funds["strategy"]["allocation"]["cap"] == 100000.0
    assert (state.status, state.generation) == ("active", 1)
    assert [e.event_type for e in timeline.events] == ["order.updated", "decision.entry"]
    assert timeline.events[0].account_id == "paper"
    assert [e["event_type"] for e in executions["events"]] == ["order.updated"]
    assert [r["strategy_run_id"] for r in runs["items"]] == [RUN]


def test_market_data_calls(sdk: KiteAlgoWorkerClient, runtime: Runtime):
    from tradertape.testkit import make_tick

    runtime.candle_book.update(make_tick("NSE:INFY", "1500", ts=runtime.clock.now()))
    resolved = sdk.resolve_ticker("NSE:INFY")
    many = sdk.resolve_tickers(["NSE:INFY", resolved["instrument_token"], "NSE:NOPE"])
    found = sdk.search_tickers("INF", exchange="NSE", limit=3)
    quotes = sdk.get_quotes(["NSE:INFY", "TCS"], mode="ltp")
    candles = sdk.get_candles_snapshot("NSE:INFY", interval="minute", lookback=5)
    current = sdk.get_current_candle(resolved["instrument_token"], interval="minute")
    raw = sdk.get_candles("NSE:INFY", interval="day", lookback=2)
    snapshot = sdk.get_market_snapshot(
        symbols=["NSE:INFY"], candles=[{"symbol": "NSE:INFY", "interval": "minute"}]
    )
    calendar = sdk.get_market_calendar("2026-11-02", "2026-11-06")
    status = sdk.get_market_calendar_status(segment="FO")
    members = sdk.get_index_constituents("Nifty50")
    member_status = sdk.get_index_constituent_status("Nifty50")

    assert resolved["symbol"] == "NSE:INFY"
    assert [i["symbol"] for i in many["instruments"]] == ["NSE:INFY"]
    assert many["missing"] == ["NSE:NOPE"]
    assert found["results"][0]["symbol"] == "NSE:INFY"
    assert sorted(q["symbol"] for q in quotes["quotes"]) == ["NSE:INFY", "NSE:TCS"]
    assert candles.current is not None
    assert candles.current.is_complete is False
    assert current is not None
    assert current.close == 1500.0
    assert raw["interval"] == "day"
    assert len(snapshot["candles"]) == 1
    assert len(calendar["sessions"]) == 5
    assert status["segment"] == "FO"
    assert members["member_count"] == 50
    assert member_status["complete"] is True
    assert sdk.get_current_candle("NSE:TCS", interval="minute") is None


def test_history_with_lookback_days(sdk: KiteAlgoWorkerClient, with_candles: Runtime):
    history = sdk.get_historical_candles_snapshot(
        "NSE:INFY", timeframe="day", to_date="2025-12-31T15:30:00+05:30", lookback_days=10
    )
    raw = sdk.get_historical_candles(
        "NSE:INFY", from_date="2025-12-01T00:00:00+05:30", to_date="2025-12-03T00:00:00+05:30"
    )
    assert history.count == len(history.candles) > 0
    assert history.from_ts is not None
    assert history.from_ts.startswith("2025-12-21")
    assert raw["count"] == 3  # day candles of both end dates
    with pytest.raises(ClientValidationError):
        sdk.get_historical_candles("NSE:INFY", from_date="2025-01-01", lookback_days=3)
    with pytest.raises(ClientValidationError):
        sdk.get_historical_candles("NSE:INFY", lookback_days=0)
    with pytest.raises(ClientValidationError):
        sdk.get_historical_candles("NSE:INFY", to_date="2025-12-31T10:00:00", lookback_days=1)


def test_calendar_days_past_the_list_only_when_asked(sdk: KiteAlgoWorkerClient):
    with pytest.raises(CalendarRangeUncoveredError):
        sdk.get_market_calendar("2026-12-31", "2027-01-01")
    guessed = sdk.get_market_calendar("2026-12-31", "2027-01-01", provisional=True)
    assert [(s["verified"], s["provisional"]) for s in guessed["sessions"]] == [
        (True, False),
        (False, True),
    ]
    assert guessed["complete"] is False


def test_gtt_refusals_and_an_empty_list(sdk: KiteAlgoWorkerClient):
    payload = {"type": "single", "condition": {}, "orders": []}
    for call in (
        lambda: sdk.place_gtt(payload),
        sdk.list_gtts,
        lambda: sdk.get_gtt(1),
        lambda: sdk.modify_gtt(1, payload),
        lambda: sdk.delete_gtt(1),
    ):
        with pytest.raises(BrokerValidationError) as refused:
            call()
        assert refused.value.rejection_reason == "WORKER_ACCOUNT_SCOPE_UNSUPPORTED"


def test_config_urls_and_the_environment(monkeypatch):
    config = AlgoWorkerConfig(base_url="http://h:1/", token="kwa_x", api_prefix="api/algo-workers/")
    assert config.url("/worker/health") == "http://h:1/api/algo-workers/worker/health"
    env = {"KITE_ALGO_WORKER_TOKEN": "kwa_y", "KITE_ALGO_TIMEOUT": "3"}
    loaded = AlgoWorkerConfig.from_env(env)
    assert (loaded.base_url, loaded.timeout) == ("http://localhost:18777", 3.0)
    with pytest.raises(ClientValidationError):
        AlgoWorkerConfig.from_env({})
    with pytest.raises(ClientValidationError):
        AlgoWorkerConfig.from_env({"KITE_ALGO_WORKER_TOKEN": "kwa", "KITE_ALGO_TIMEOUT": "x"})
    monkeypatch.setenv("KITE_ALGO_WORKER_TOKEN", "kwa_z")
    with KiteAlgoWorkerClient.from_env() as client:
        assert client.config.token == "kwa_z"
    assert repr(config).count("kwa_x") == 0  # the token is never shown
