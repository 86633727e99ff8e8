"""Order builders and the client-side rules (checked against the server's 422s), protection
documents, run configs, the exports, dataframes and indicators."""

from __future__ import annotations

import ast
import math
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

import tradertape_worker
from tests.workers_kit import Worker, new_worker, set_price
from tradertape.runtime import Runtime
from tradertape_worker import (
    BackendProtection,
    BasketProtection,
    OperationalProtection,
    OrderBuilder,
    OrderValidationError,
    ProtectedPosition,
    RunConfig,
    amo_limit_order,
    amo_market_order,
    amo_sl_m_order,
    amo_sl_order,
    candles_to_df,
    crossover,
    ema,
    equity_market_order,
    limit_order,
    market_order,
    ohlcv_arrays,
    option_market_order,
    rsi,
    sl_m_order,
    sl_order,
    sma,
    validate_order,
)

SDK_SRC = Path(tradertape_worker.__file__).parent


def test_builders_write_the_published_shapes():
    assert equity_market_order("INFY", "BUY", 1) == {
        "exchange": "NSE",
        "tradingsymbol": "INFY",
        "transaction_type": "BUY",
        "variety": "regular",
        "product": "CNC",
        "order_type": "MARKET",
        "quantity": 1,
        "validity": "DAY",
    }
    assert equity_market_order("INFY", "BUY", 1, product="MIS")["product"] == "MIS"
    assert equity_market_order("INFY", "BUY", 1, variety="amo")["variety"] == "amo"
    assert (
        market_order("NSE", "INFY", "BUY", "CNC", 1, market_protection=-1)["market_protection"]
        == -1
    )
    assert limit_order("NSE", "INFY", "BUY", "CNC", 1, price=1450.0)["price"] == 1450.0
    assert sl_order("NSE", "INFY", "BUY", "CNC", 1, 1450.0, 1445.0)["order_type"] == "SL"
    assert sl_m_order("NSE", "INFY", "BUY", "CNC", 1, trigger_price=1445.0)["order_type"] == "SL-M"
    option = option_market_order("NIFTY26MAY25000CE", "BUY", 75)
    assert (option["exchange"], option["product"]) == ("NFO", "NRML")
    assert amo_limit_order("NSE", "INFY", "BUY", "CNC", 1, price=1450.0)["variety"] == "amo"
    assert amo_market_order("NSE", "INFY", "BUY", "CNC", 1)["variety"] == "amo"
    assert amo_sl_order("NSE", "INFY", "SELL", "CNC", 1, 1400.0, 1405.0)["variety"] == "amo"
    assert amo_sl_m_order("NSE", "INFY", "SELL", "CNC", 1, 1405.0)["order_type"] == "SL-M"
    with pytest.raises(OrderValidationError, match="tag"):
        market_order("NSE", "INFY", "BUY", "CNC", 1, tag="mine")


def test_the_fluent_builder():
    built = OrderBuilder("NSE", "INFY", "BUY", "CNC", 1).market().regular().build()
    assert built == equity_market_order("INFY", "BUY", 1)
    fancy = (
        OrderBuilder("NSE", "INFY", "BUY", "MIS", 10)
        .limit(1500.0)
        .iceberg(legs=2, leg_quantity=5)
        .ttl(30)
        .disclosed(2)
        .build()
    )
    assert (fancy["variety"], fancy["validity"], fancy["validity_ttl"]) == ("iceberg", "TTL", 30)
    cover = OrderBuilder("NSE", "INFY", "BUY", "MIS", 1).co(trigger_price=1380.0).build()
    assert (cover["variety"], cover["trigger_price"], cover["product"]) == ("co", 1380.0, "MIS")
    assert "stoploss" not in cover
    stop = OrderBuilder("NSE", "INFY", "SELL", "CNC", 1).sl(1400.0, 1401.0).amo().ioc().build()
    assert (stop["order_type"], stop["variety"], stop["validity"]) == ("SL", "amo", "IOC")
    assert OrderBuilder("NSE", "INFY", "SELL", "CNC", 1).sl_m(1401.0).day().protection(5).build()
    assert OrderBuilder("NSE", "INFY", "BUY", "CNC", 1).auction("22").build()["auction_number"]
    assert OrderBuilder.limit_order("NSE", "INFY", "BUY", "CNC", 1, 1.0)["price"] == 1.0


BASE = {
    "exchange": "NSE",
    "tradingsymbol": "INFY",
    "transaction_type": "BUY",
    "variety": "regular",
    "product": "CNC",
    "order_type": "MARKET",
    "quantity": 2,
    "validity": "DAY",
}

# Each is refused by the client *and* by the server, naming the same field.
MALFORMED = [
    pytest.param({"quantity": 0}, "quantity", id="quantity-zero"),
    pytest.param({"quantity": 1.5}, "quantity", id="quantity-fraction"),
    pytest.param({"quantity": 100_000_001}, "quantity", id="quantity-beyond-the-bound"),
    pytest.param({"exchange": "NYSE"}, "exchange", id="exchange"),
    pytest.param({"transaction_type": "HOLD"}, "transaction_type", id="side"),
    pytest.param({"product": "XYZ"}, "product", id="product"),
    pytest.param({"order_type": "STOP"}, "order_type", id="order-type"),
    pytest.param({"variety": "bracket"}, "variety", id="variety"),
    pytest.param({"validity": "GTC"}, "validity", id="validity"),
    pytest.param({"order_type": "LIMIT"}, "price", id="limit-needs-price"),
    pytest.param({"price": 1500}, "price", id="market-takes-no-price"),
    pytest.param({"price": -1, "order_type": "LIMIT"}, "price", id="negative-price"),
    pytest.param({"order_type": "SL", "price": 1500}, "trigger_price", id="sl-needs-trigger"),
    pytest.param({"order_type": "SL-M"}, "trigger_price", id="slm-needs-trigger"),
    pytest.param({"trigger_price": 1490}, "trigger_price", id="market-takes-no-trigger"),
    pytest.param(
        {"order_type": "SL", "price": 1500, "trigger_price": 1510},
        "trigger_price",
        id="buy-sl-trigger-above-price",
    ),
    pytest.param({"disclosed_quantity": 3}, "disclosed_quantity", id="disclosed-over"),
    pytest.param({"disclosed_quantity": -1}, "disclosed_quantity", id="disclosed-negative"),
    pytest.param(
        {"order_type": "LIMIT", "price": 1500, "market_protection": 5},
        "market_protection",
        id="protection-on-limit",
    ),
    pytest.param({"market_protection": 101}, "market_protection", id="protection-range"),
    pytest.param({"validity": "TTL"}, "validity_ttl", id="ttl-needs-minutes"),
    pytest.param({"validity": "TTL", "validity_ttl": 366}, "validity_ttl", id="ttl-range"),
    pytest.param({"validity_ttl": 5}, "validity_ttl", id="ttl-only-for-ttl"),
    pytest.param({"variety": "co", "product": "MIS"}, "trigger_price", id="co-stop"),
    pytest.param(
        {"variety": "co", "product": "MIS", "trigger_price": 1400, "squareoff": 10},
        "squareoff",
        id="no-bracket-fields",
    ),
    pytest.param({"variety": "co", "trigger_price": 1400}, "product", id="co-is-intraday"),
    pytest.param(
        {"variety": "co", "product": "MIS", "order_type": "LIMIT", "trigger_price": 1400},
        "price",
        id="co-limit-needs-price",
    ),
    pytest.param(
        {"variety": "co", "product": "MIS", "trigger_price": 1400, "price": 1500},
        "price",
        id="co-market-no-price",
    ),
    pytest.param(
        {"variety": "co", "product": "MIS", "order_type": "SL-M", "trigger_price": 1400},
        "order_type",
        id="co-enters-market-or-limit",
    ),
    pytest.param(
        {"variety": "co", "product": "MIS", "trigger_price": 1400, "validity": "IOC"},
        "validity",
        id="co-is-for-the-day",
    ),
    pytest.param({"stoploss": 5}, "stoploss", id="stop-is-not-an-order-field"),
    pytest.param({"variety": "iceberg", "iceberg_legs": 11}, "iceberg_legs", id="iceberg-legs"),
    pytest.param(
        {"variety": "iceberg", "iceberg_legs": 2, "iceberg_quantity": 0},
        "iceberg_quantity",
        id="iceberg-cover",
    ),
    pytest.param(
        {"variety": "iceberg", "iceberg_legs": 2, "iceberg_quantity": 3},
        "iceberg_quantity",
        id="iceberg-leg-over-quantity",
    ),
    pytest.param({"iceberg_legs": 2}, "iceberg_legs", id="legs-only-for-iceberg"),
    pytest.param({"variety": "auction"}, "auction_number", id="auction-number"),
    pytest.param({"tag": "mine"}, "tag", id="tag"),
    pytest.param({"attribution": {}}, "attribution", id="attribution"),
]


@pytest.mark.parametrize(("changes", "field"), MALFORMED)
def test_client_rules_agree_with_the_server(
    client, runtime: Runtime, changes: dict[str, Any], field: str
):
    order = {**BASE, **changes}
    with pytest.raises(OrderValidationError) as refused:
        validate_order(order)
    assert refused.value.field == field
    worker = _worker(client, runtime)
    response = worker.place("run_rules", f"rules-{field}-{len(str(changes))}", order)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"] == f"payload.order.{field}"


_cached: list[tuple[Runtime, Worker]] = []


def _worker(client, runtime: Runtime) -> Worker:
    """One worker per runtime; the runtime itself is kept, so a later one never reuses its id."""
    if not _cached or _cached[0][0] is not runtime:
        set_price(runtime, "NSE:INFY", "1500")
        worker = new_worker(client, runtime)
        worker.create_run("run_rules")
        _cached[:] = [(runtime, worker)]
    return _cached[0][1]


@pytest.mark.parametrize(
    ("order", "field"),
    [
        ({**BASE, "quantity": None}, "quantity"),
        ({**BASE, "tradingsymbol": ""}, "tradingsymbol"),
        ({**BASE, "nonsense": 1}, "nonsense"),
        ({**BASE, "order_type": "LIMIT", "price": "abc"}, "price"),
        ({**BASE, "order_type": "LIMIT", "price": True}, "price"),
        ({**BASE, "order_type": "LIMIT", "price": 1.00001}, "price"),
        (
            {
                **BASE,
                "transaction_type": "SELL",
                "order_type": "SL",
                "price": 10,
                "trigger_price": 9,
            },
            "trigger_price",
        ),
        ({**BASE, "variety": "auction", "auction_number": "x" * 17}, "auction_number"),
    ],
)
def test_more_client_side_refusals(order: dict[str, Any], field: str):
    with pytest.raises(OrderValidationError) as refused:
        validate_order(order)
    assert refused.value.field == field


def test_protection_documents_validate_like_the_server():
    position = ProtectedPosition(
        symbol="NSE:INFY", product="cnc", side="buy", quantity=1, entry_price=1500.0, stoploss_pct=2
    )
    document = BackendProtection(
        positions=[position],
        basket=BasketProtection(trailing_activate_pct=2, trailing_drawdown_pct=1),
        operations=OperationalProtection(exit_on_worker_stale=True, worker_stale_sec=300),
    )
    assert document.to_dict()["positions"][0]["product"] == "CNC"
    assert BackendProtection(enabled=False).to_dict() == {
        "enabled": False,
        "mode": "exposure",
        "version": 1,
    }
    for bad in (
        lambda: BackendProtection(),
        lambda: BasketProtection(),
        lambda: BasketProtection(trailing_drawdown_pct=1),
        lambda: OperationalProtection(exit_on_worker_stale=True),
        lambda: OperationalProtection(worker_stale_sec=10),
        lambda: OperationalProtection(mis_squareoff_buffer_sec=3601),
        lambda: ProtectedPosition(
            product="CNC", side="BUY", quantity=1, entry_price=1, stoploss_pct=1
        ),
        lambda: ProtectedPosition(symbol="X", product="CNC", side="BUY", quantity=1, entry_price=1),
        lambda: ProtectedPosition(
            symbol="X", product="CNC", side="BUY", quantity=1, entry_price=1, target_pct=1001
        ),
    ):
        with pytest.raises(ValidationError):
            bad()
    named = ProtectedPosition(
        exchange="NSE",
        tradingsymbol="INFY",
        product="MIS",
        side="SELL",
        quantity=1,
        entry_price=1,
        target_pct=1,
    )
    assert named.to_dict()["exchange"] == "NSE"
    assert OperationalProtection(mis_squareoff_buffer_sec=0).has_rules()


def test_run_config_copies_and_payload(monkeypatch):
    config = (
        RunConfig(template_id="t", account_scope="kite:paper")
        .with_metadata(strategy_name="S")
        .with_summary_field("signal", "none", label="Signal")
        .with_risk_patch(stop_loss_pct=2)
        .with_runtime_state_patch(phase="warmup")
        .with_allowed_actions("edit_risk", "pause")
        .with_backend_protection(BackendProtection(basket=BasketProtection(target_pct=3)))
    )
    payload = config.to_create_run_payload()
    assert payload["metadata"] == {"strategy_name": "S"}
    assert payload["summary_fields"] == [{"key": "signal", "value": "none", "label": "Signal"}]
    assert payload["runtime_state"]["risk"] == {"stop_loss_pct": 2}
    assert payload["runtime_state"]["backend_protection"]["basket"] == {"target_pct": 3.0}
    assert payload["allowed_actions"] == ["edit_risk", "exit_strategy", "pause"]
    assert "strategy_run_id" not in payload
    env = {"KITE_ALGO_ACCOUNT_SCOPE": "kite:paper-b"}
    from_env = RunConfig.from_env("t", strategy_run_id="r", environ=env)
    assert (from_env.account_scope, from_env.execution_mode) == ("kite:paper-b", "dry_run")
    with pytest.raises(tradertape_worker.LiveTradingNotEnabledError):
        RunConfig.from_env("t", environ={"KITE_ALGO_EXECUTION_MODE": "live"})
    allowed = {"KITE_ALGO_EXECUTION_MODE": "live", "KITE_ALGO_ENABLE_LIVE": "1"}
    assert RunConfig.from_env("t", environ=allowed).execution_mode == "live"
    with pytest.raises(tradertape_worker.ClientValidationError):
        RunConfig.from_env("t", environ={"KITE_ALGO_EXECUTION_MODE": "yolo"})
    monkeypatch.setenv("KITE_ALGO_ENABLE_LIVE", "1")
    assert tradertape_worker.live_enabled()


EXPORTS = {
    "AsyncOptionWorkerClient", "OptionExecutionLeg", "OptionWorkerClient", "SpreadLegSelection",
    "SpreadSpec", "resolve_delta_leg", "resolve_offset_leg", "resolve_option_contracts",
    "resolve_option_leg", "resolve_spread",
    "TERMINAL_ORDER_STATES", "APIStatusError", "AlgoWorkerConfig", "AsyncKiteAlgoWorkerClient",
    "AsyncManagedRun", "AuthError", "BackendProtection", "BasketProtection",
    "BrokerValidationError", "CalendarRangeUncoveredError", "ClientValidationError",
    "ConflictError", "CostContract", "KiteAlgoWorkerClient", "KiteAlgoWorkerError",
    "LiveTradingNotEnabledError", "ManagedRun", "NotFoundError", "OhlcvArrays",
    "OperationalProtection", "OrderBuilder", "OrderPreview", "OrderValidationError",
    "PermissionDeniedError", "ProtectedPosition", "RiskCheckError", "RunConfig",
    "RunProtectionState",
    "SafetyCheckResult", "SafetyTokenExpiredError", "SessionConflictError",
    "StreamDisconnectedError", "StreamError", "TransportError", "UnsupportedSchemaVersionError",
    "WorkerCandle", "WorkerDataUnavailableError", "WorkerFundsSegment", "WorkerFundsSnapshot",
    "WorkerHistoricalCandles", "WorkerOrderSnapshot", "WorkerRunHealthSnapshot",
    "WorkerRunPnlLeg", "WorkerRunPnlSnapshot", "WorkerRunPnlTotals", "WorkerTimelineEvent",
    "WorkerTimelineResponse", "__version__", "amo_limit_order", "amo_market_order",
    "amo_sl_m_order", "amo_sl_order", "candles_to_df", "crossover", "ema", "ensure_run",
    "equity_market_order", "limit_order", "live_enabled", "market_order", "ohlcv_arrays",
    "option_market_order", "preview_then_place_order", "rsi", "sl_m_order", "sl_order", "sma",
    "validate_order", "wait_for_fresh_candle", "wait_for_history", "wait_for_quotes",
    "wait_for_terminal_order_state", "warmup_history",
}  # fmt: skip


def test_the_public_surface_is_curated():
    assert set(tradertape_worker.__all__) == EXPORTS
    for name in EXPORTS - {"__version__", "TERMINAL_ORDER_STATES"}:
        assert getattr(tradertape_worker, name).__module__ == "tradertape_worker", name
    assert repr(tradertape_worker.RunConfig).startswith("<class 'tradertape_worker.RunConfig'")
    assert all(p.name.startswith("_") for p in SDK_SRC.glob("*.py"))


def test_the_sdk_never_imports_the_server():
    imported = set()
    for path in SDK_SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    server = {m for m in imported if m == "tradertape" or m.startswith("tradertape.")}
    assert server == set()
    third_party = {m.split(".")[0] for m in imported} - {"tradertape_worker", "__future__"}
    assert third_party <= {"httpx", "pydantic"} | set(sys.stdlib_module_names)


def _bar(minute: int, close: float, **extra: Any) -> dict[str, Any]:
    ts = f"2026-11-20T10:0{minute}:00+05:30"
    return {"ts": ts, "open": 1, "high": close, "low": 1, "close": close, "volume": 5, **extra}


CANDLES = {
    "candles": [_bar(0, 2), _bar(1, 3)],
    "current": _bar(2, 3, is_complete=False),
}


def test_candles_as_a_dataframe_and_arrays():
    frame = candles_to_df(CANDLES)
    assert list(frame["close"]) == [2, 3, 3]
    assert list(frame["is_complete"]) == [True, True, False]
    typed = tradertape_worker.WorkerHistoricalCandles.model_validate(CANDLES)
    assert len(candles_to_df(typed)) == 3
    assert len(candles_to_df(CANDLES["candles"])) == 2
    arrays = ohlcv_arrays(typed.candles)
    assert arrays.close.tolist() == [2.0, 3.0]
    assert arrays.is_complete.tolist() == [True, True]
    with pytest.raises(TypeError):
        candles_to_df(42)


def test_indicators():
    prices = [1, 2, 3, 4, 5, 4, 3, 2, 1, 2, 3, 4, 5, 6, 7, 8]
    assert sma(prices, 3)[2] == 2.0
    assert math.isnan(sma(prices, 3)[1])
    assert math.isnan(sma([1.0], 3)[0])
    assert ema(prices, 3)[2] == 2.0
    assert ema(prices, 3)[3] == pytest.approx(3.0)
    assert math.isnan(ema([1.0], 3)[0])
    values = rsi(prices, 5)
    assert math.isnan(values[4])
    assert 0 <= values[5] <= 100
    assert rsi([1, 2, 3, 4, 5, 6, 7], 3)[-1] == 100.0
    assert math.isnan(rsi([1, 2], 5)[0])
    crossed = crossover([1, 1, 3, 3], [2, 2, 2, 2])
    assert crossed.tolist() == [False, False, True, False]
    with pytest.raises(ValueError, match="period"):
        sma(prices, 0)
    with pytest.raises(ValueError, match="period"):
        ema(prices, 0)
