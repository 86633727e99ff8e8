"""Small polling helpers for warm-up and recovery (blocking client).

Each polls a read endpoint up to ``attempts`` times, ``sleep_seconds`` apart, and returns
the last answer if the condition never held: they wait, they never decide. ``sleep`` is
injectable so a test (or a simulation) does not wait on the wall clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from tradertape_worker._base import JsonDict
from tradertape_worker._client import KiteAlgoWorkerClient
from tradertape_worker._exceptions import NotFoundError
from tradertape_worker._models import WorkerCandle, WorkerHistoricalCandles, WorkerOrderSnapshot

TERMINAL_ORDER_STATES = frozenset({"COMPLETE", "CANCELLED", "REJECTED"})
Sleep = Callable[[float], None]


def wait_for_history(
    client: KiteAlgoWorkerClient,
    instrument: str | int,
    *,
    timeframe: str = "day",
    attempts: int = 10,
    sleep_seconds: float = 1.0,
    sleep: Sleep = time.sleep,
    **kwargs: Any,
) -> JsonDict:
    """Poll history until it has candles."""
    last = client.get_historical_candles(instrument, timeframe=timeframe, **kwargs)
    for _ in range(attempts - 1):
        if last.get("candles"):
            break
        sleep(sleep_seconds)
        last = client.get_historical_candles(instrument, timeframe=timeframe, **kwargs)
    return last


def warmup_history(
    client: KiteAlgoWorkerClient,
    instrument: str | int,
    *,
    timeframe: str = "5minute",
    min_candles: int = 200,
    attempts: int = 10,
    sleep_seconds: float = 1.0,
    sleep: Sleep = time.sleep,
    **kwargs: Any,
) -> WorkerHistoricalCandles:
    """Poll history until it holds `min_candles` (enough to warm indicators up)."""
    last = client.get_historical_candles_snapshot(instrument, timeframe=timeframe, **kwargs)
    for _ in range(attempts - 1):
        if len(last.candles) >= min_candles:
            break
        sleep(sleep_seconds)
        last = client.get_historical_candles_snapshot(instrument, timeframe=timeframe, **kwargs)
    return last


def wait_for_terminal_order_state(
    client: KiteAlgoWorkerClient,
    strategy_run_id: str,
    order_id: str,
    *,
    attempts: int = 20,
    sleep_seconds: float = 1.0,
    sleep: Sleep = time.sleep,
) -> WorkerOrderSnapshot:
    """Poll an order until it is COMPLETE, CANCELLED or REJECTED."""
    last = client.get_order_snapshot(strategy_run_id, order_id)
    for _ in range(attempts - 1):
        if last.status in TERMINAL_ORDER_STATES:
            break
        sleep(sleep_seconds)
        last = client.get_order_snapshot(strategy_run_id, order_id)
    return last


def wait_for_fresh_candle(
    client: KiteAlgoWorkerClient,
    instrument: str | int,
    *,
    interval: str = "5minute",
    attempts: int = 20,
    sleep_seconds: float = 1.0,
    sleep: Sleep = time.sleep,
) -> WorkerCandle | None:
    """Poll until a complete candle newer than the first one seen appears; return it."""
    first = client.get_candles_snapshot(instrument, interval=interval, lookback=1)
    seen = first.candles[-1].ts if first.candles else None
    latest = first
    for _ in range(attempts - 1):
        if latest.candles and latest.candles[-1].ts != seen:
            return latest.candles[-1]
        sleep(sleep_seconds)
        latest = client.get_candles_snapshot(instrument, interval=interval, lookback=1)
    if latest.candles and latest.candles[-1].ts != seen:
        return latest.candles[-1]
    return latest.current or (latest.candles[-1] if latest.candles else None)


def wait_for_quotes(
    client: KiteAlgoWorkerClient,
    instruments: list[str | int],
    *,
    mode: str = "quote",
    attempts: int = 10,
    sleep_seconds: float = 1.0,
    sleep: Sleep = time.sleep,
) -> JsonDict:
    """Poll until every instrument has a quote (nothing ``missing``)."""
    last = client.get_quotes(instruments, mode=mode)
    for _ in range(attempts - 1):
        if last.get("quotes") and not last.get("missing"):
            break
        sleep(sleep_seconds)
        last = client.get_quotes(instruments, mode=mode)
    return last


def preview_then_place_order(
    client: KiteAlgoWorkerClient,
    strategy_run_id: str,
    order: Mapping[str, Any],
    *,
    idempotency_key: str,
    metadata: Mapping[str, Any] | None = None,
    safety_token: str | None = None,
    session_nonce: str | None = None,
) -> JsonDict:
    """Preview the order's costs, then place it; ``{"preview": ..., "placed": ...}``."""
    preview = client.preview_order(strategy_run_id, order, metadata=metadata)
    placed = client.place_order(
        strategy_run_id,
        order,
        idempotency_key,
        metadata=metadata,
        safety_token=safety_token,
        session_nonce=session_nonce,
    )
    return {"preview": preview, "placed": placed}


def ensure_run(
    client: KiteAlgoWorkerClient,
    *,
    strategy_run_id: str,
    template_id: str,
    account_scope: str,
    execution_mode: str,
    metadata: Mapping[str, Any] | None = None,
) -> JsonDict:
    """The run if it exists, else a new one (a restarted worker's first call)."""
    try:
        return client.get_run(strategy_run_id)
    except NotFoundError:
        return client.create_run(
            strategy_run_id=strategy_run_id,
            template_id=template_id,
            account_scope=account_scope,
            execution_mode=execution_mode,
            metadata=metadata,
        )
