"""The six examples, run in paper mode against the real app (in process)."""

from __future__ import annotations

import importlib.util
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.workers_kit import set_price
from tradertape.candles import CandleSource
from tradertape.db.models import Order, Trade
from tradertape.ports.broker import DailyBar
from tradertape.runtime import Runtime
from tradertape_worker import KiteAlgoWorkerClient, LiveTradingNotEnabledError, RiskCheckError

EXAMPLES = Path(__file__).parents[2] / "sdk" / "python" / "examples"
PAPER = {"KITE_ALGO_ACCOUNT_SCOPE": "kite:paper", "KITE_ALGO_EXECUTION_MODE": "paper"}


def example(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(name: str, sdk: KiteAlgoWorkerClient, **env: str) -> dict[str, Any]:
    result: dict[str, Any] = example(name).main(client=sdk, environ={**PAPER, **env})
    return result


def test_every_example_is_listed_and_documented():
    scripts = sorted(p.stem for p in EXAMPLES.glob("*.py"))
    assert scripts == [
        "basic_equity_worker",
        "live_exit_preview",
        "managed_run_worker",
        "mean_reversion_worker",
        "option_basket_worker",
        "signal_driven_worker",
    ]
    readme = (EXAMPLES / "README.md").read_text()
    assert all(f"{name}.py" in readme for name in scripts)


def test_basic_equity_then_a_rerun_changes_nothing(sdk: KiteAlgoWorkerClient):
    first = run("basic_equity_worker", sdk)
    again = run("basic_equity_worker", sdk)
    assert first == {
        "run_id": "run_basic_equity_001",
        "mode": "paper",
        "order": "accepted",
        "order_result": "filled",
        "net_pnl": first["net_pnl"],
        "exit": "success",
    }
    assert first["net_pnl"] < 0  # charges only: the price did not move
    assert again == {"run_id": "run_basic_equity_001", "mode": "paper", "status": "closed"}
    orders = sdk.list_orders("run_basic_equity_001")["orders"]
    assert len(orders) == 2


def test_the_kill_switch_stops_the_examples_entries(
    sdk: KiteAlgoWorkerClient, client: TestClient, runtime: Runtime
):
    assert client.post("/api/risk/kill-switch", json={"on": True}).json()["on"] is True
    # The managed worker asks the safety check first, which says why it may not trade.
    managed = run("managed_run_worker", sdk)
    assert managed == {"run_id": "run_managed_001", "blocked": ["RISK_KILL_SWITCH"]}
    # The basic worker places without asking: its order is refused and the SDK raises.
    with pytest.raises(RiskCheckError) as refused:
        run("basic_equity_worker", sdk)
    assert refused.value.rejection_reason == "RISK_CHECK_FAILED"
    assert refused.value.status_code == 409
    assert "kill switch is on" in str(refused.value)
    with runtime.db.session() as db:
        assert db.scalar(select(func.count()).select_from(Trade)) == 0
        statuses = list(db.scalars(select(Order.status)))
    assert statuses == ["REJECTED"]


def test_basic_equity_defaults_to_dry_run(sdk: KiteAlgoWorkerClient):
    scope_only = {"KITE_ALGO_ACCOUNT_SCOPE": "kite:paper"}
    result = example("basic_equity_worker").main(client=sdk, environ=scope_only)
    assert (result["mode"], result["order_result"]) == ("dry_run", "validated")
    with pytest.raises(LiveTradingNotEnabledError):
        example("basic_equity_worker").main(
            client=sdk, environ={"KITE_ALGO_EXECUTION_MODE": "live"}
        )


def test_managed_run_worker(sdk: KiteAlgoWorkerClient, runtime: Runtime):
    result = run("managed_run_worker", sdk)
    assert result == {
        "run_id": "run_managed_001",
        "order": "accepted",
        "protection": "active",
        "generation": 1,
    }
    set_price(runtime, "NSE:INFY", "1460")  # through the 2 % stop
    assert runtime.protection.on_prices(["NSE:INFY"]) == ["position_stoploss"]
    again = run("managed_run_worker", sdk)
    assert again["blocked"] == [
        "RUN_NOT_OPEN",
        "GENERIC_PROTECTION_TRIGGERED",
        "GENERIC_EXIT_IN_PROGRESS",
    ]


def _closes(runtime: Runtime, closes: list[float]) -> None:
    today = runtime.clock.now().date()
    days = [today - timedelta(days=len(closes) - i) for i in range(len(closes))]
    bars = [DailyBar(d, c, c + 5, c - 5, c, 10_000) for d, c in zip(days, closes, strict=True)]
    runtime.candles.write_daily("NSE:INFY", bars, source=CandleSource.IMPORT)


def test_mean_reversion_enters_below_the_band(sdk: KiteAlgoWorkerClient, runtime: Runtime):
    _closes(runtime, [1600.0] * 25 + [1500.0])
    set_price(runtime, "NSE:INFY", "1500")
    result = run("mean_reversion_worker", sdk)
    assert (result["decision"], result["order"]) == ("enter", "accepted")
    assert result["gap_pct"] < -3
    events = sdk.list_timeline("run_mean_reversion_001", event_kind="decision")["events"]
    assert [e["event_type"] for e in events] == ["decision.signal", "risk.updated"]
    run_doc = sdk.get_run("run_mean_reversion_001")
    assert run_doc["runtime_state"]["risk"]["last_gap_pct"] == result["gap_pct"]


def test_mean_reversion_holds_inside_the_band_and_waits_for_history(
    sdk: KiteAlgoWorkerClient, runtime: Runtime
):
    assert run("mean_reversion_worker", sdk)["decision"] == "warming_up"
    _closes(runtime, [1500.0] * 25)
    held = run("mean_reversion_worker", sdk, KITE_ALGO_RUN_ID="run_mr_2")
    assert (held["decision"], held["order"]) == ("hold", None)


def test_option_basket_worker(sdk: KiteAlgoWorkerClient, runtime: Runtime):
    set_price(runtime, "NSE:NIFTY 50", "26010")
    result = run("option_basket_worker", sdk)
    # 20 November 2026: the current-week expiry is the monthly of the 23rd (24th is a holiday).
    assert result["legs"] == ["NIFTY26NOV26000CE", "NIFTY26NOV26050CE"]
    assert (result["placed"], result["status"], result["basket"]) == (True, "entered", "success")
    assert result["net_premium"] < 0  # a debit spread
    assert result["estimated_charges"] > 0
    assert result["protection_triggered"] is False
    legs = sdk.get_run_pnl("run_option_spread_001")["legs"]
    assert sorted(leg["net_quantity"] for leg in legs) == [-65, 65]
    again = run("option_basket_worker", sdk)
    assert again == {"placed": False, "run_id": "run_option_spread_001", "status": "entered"}


def test_option_basket_worker_without_an_index_price(sdk: KiteAlgoWorkerClient):
    result = run("option_basket_worker", sdk)
    assert result["placed"] is False
    assert "no NIFTY options listed" in result["reason"]


def test_live_exit_preview_sends_nothing(sdk: KiteAlgoWorkerClient):
    sdk.create_run(strategy_run_id="run_preview", template_id="t", account_scope="kite:paper")
    sdk.place_order(
        "run_preview",
        {
            "exchange": "NSE",
            "tradingsymbol": "INFY",
            "transaction_type": "BUY",
            "product": "CNC",
            "order_type": "MARKET",
            "quantity": 3,
        },
        "preview-entry-1",
    )
    result = run("live_exit_preview", sdk, KITE_ALGO_RUN_ID="run_preview")
    assert (result["status"], result["run_status"]) == ("dry_run", "open")
    assert [
        (o["tradingsymbol"], o["transaction_type"], o["quantity"]) for o in result["orders"]
    ] == [("INFY", "SELL", 3)]
    assert len(sdk.list_orders("run_preview")["orders"]) == 1


def test_signal_driven_worker_is_exactly_once_per_signal(sdk: KiteAlgoWorkerClient, tmp_path: Path):
    signals = tmp_path / "signals.jsonl"
    signals.write_text(
        '{"signal_id": "s-001", "symbol": "INFY", "side": "BUY", "quantity": 2}\n'
        "\n"
        '{"signal_id": "s-002", "symbol": "TCS", "side": "BUY", "quantity": 1}\n'
        '{"signal_id": "s-003", "symbol": "TCS", "side": "HOLD", "quantity": 1}\n'
    )
    first = run("signal_driven_worker", sdk, KITE_ALGO_SIGNALS=str(signals))
    again = run("signal_driven_worker", sdk, KITE_ALGO_SIGNALS=str(signals))
    assert (first["accepted"], first["deduped"], first["refused"]) == (2, 0, 1)
    assert (again["accepted"], again["deduped"], again["refused"]) == (0, 2, 1)
    assert len(sdk.list_orders("run_signal_driven_001")["orders"]) == 2


def test_examples_read_the_environment_when_given_no_client(monkeypatch):
    monkeypatch.setenv("KITE_ALGO_API_BASE", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("KITE_ALGO_WORKER_TOKEN", "kwa_x")
    monkeypatch.setenv("KITE_ALGO_SIGNALS", "/dev/null")
    from tradertape_worker import TransportError

    for name in ("basic_equity_worker", "signal_driven_worker"):
        with pytest.raises(TransportError):
            example(name).main()


def test_signals_from_lines():
    module = example("signal_driven_worker")
    assert module.read_signals(['{"a": 1}', " ", '{"b": 2}']) == [{"a": 1}, {"b": 2}]
