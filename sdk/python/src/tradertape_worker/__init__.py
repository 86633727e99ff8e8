"""tradertape-worker: the Python SDK for TraderTape's algo-worker API.

A thin client (httpx + pydantic) for external strategy workers: runs and sessions,
safety checks, exactly-once order intents, backend protection, grouped P&L, the run's
journal and market data, blocking or asyncio. It speaks the Kite Algo worker contract,
so code written for the published ``kite-algo-worker`` SDK reads the same.

Everything public is importable from here; the modules behind it are private.
"""

from __future__ import annotations

import contextlib

from tradertape_worker._async_client import AsyncKiteAlgoWorkerClient
from tradertape_worker._client import KiteAlgoWorkerClient
from tradertape_worker._config import AlgoWorkerConfig, live_enabled
from tradertape_worker._dataframe import OhlcvArrays, candles_to_df, ohlcv_arrays
from tradertape_worker._exceptions import (
    APIStatusError,
    AuthError,
    BrokerValidationError,
    CalendarRangeUncoveredError,
    ClientValidationError,
    ConflictError,
    KiteAlgoWorkerError,
    LiveTradingNotEnabledError,
    NotFoundError,
    OrderValidationError,
    PermissionDeniedError,
    RiskCheckError,
    SafetyTokenExpiredError,
    SessionConflictError,
    StreamDisconnectedError,
    StreamError,
    TransportError,
    UnsupportedSchemaVersionError,
    WorkerDataUnavailableError,
)
from tradertape_worker._helpers import (
    TERMINAL_ORDER_STATES,
    ensure_run,
    preview_then_place_order,
    wait_for_fresh_candle,
    wait_for_history,
    wait_for_quotes,
    wait_for_terminal_order_state,
    warmup_history,
)
from tradertape_worker._indicators import crossover, ema, rsi, sma
from tradertape_worker._managed import AsyncManagedRun, ManagedRun
from tradertape_worker._models import (
    CostContract,
    OrderPreview,
    RunProtectionState,
    SafetyCheckResult,
    WorkerCandle,
    WorkerFundsSegment,
    WorkerFundsSnapshot,
    WorkerHistoricalCandles,
    WorkerOrderSnapshot,
    WorkerRunHealthSnapshot,
    WorkerRunPnlLeg,
    WorkerRunPnlSnapshot,
    WorkerRunPnlTotals,
    WorkerTimelineEvent,
    WorkerTimelineResponse,
)
from tradertape_worker._option_helpers import (
    OptionExecutionLeg,
    SpreadLegSelection,
    SpreadSpec,
    resolve_delta_leg,
    resolve_offset_leg,
    resolve_option_contracts,
    resolve_option_leg,
    resolve_spread,
)
from tradertape_worker._options_api import AsyncOptionWorkerClient, OptionWorkerClient
from tradertape_worker._orders import (
    OrderBuilder,
    amo_limit_order,
    amo_market_order,
    amo_sl_m_order,
    amo_sl_order,
    equity_market_order,
    limit_order,
    market_order,
    option_market_order,
    sl_m_order,
    sl_order,
    validate_order,
)
from tradertape_worker._protection import (
    BackendProtection,
    BasketProtection,
    OperationalProtection,
    ProtectedPosition,
)
from tradertape_worker._run_config import RunConfig

__version__ = "0.1.0"

__all__ = [
    "TERMINAL_ORDER_STATES",
    "APIStatusError",
    "AlgoWorkerConfig",
    "AsyncKiteAlgoWorkerClient",
    "AsyncManagedRun",
    "AsyncOptionWorkerClient",
    "AuthError",
    "BackendProtection",
    "BasketProtection",
    "BrokerValidationError",
    "CalendarRangeUncoveredError",
    "ClientValidationError",
    "ConflictError",
    "CostContract",
    "KiteAlgoWorkerClient",
    "KiteAlgoWorkerError",
    "LiveTradingNotEnabledError",
    "ManagedRun",
    "NotFoundError",
    "OhlcvArrays",
    "OperationalProtection",
    "OptionExecutionLeg",
    "OptionWorkerClient",
    "OrderBuilder",
    "OrderPreview",
    "OrderValidationError",
    "PermissionDeniedError",
    "ProtectedPosition",
    "RunConfig",
    "RunProtectionState",
    "SafetyCheckResult",
    "RiskCheckError",
    "SafetyTokenExpiredError",
    "SessionConflictError",
    "SpreadLegSelection",
    "SpreadSpec",
    "StreamDisconnectedError",
    "StreamError",
    "TransportError",
    "UnsupportedSchemaVersionError",
    "WorkerCandle",
    "WorkerDataUnavailableError",
    "WorkerFundsSegment",
    "WorkerFundsSnapshot",
    "WorkerHistoricalCandles",
    "WorkerOrderSnapshot",
    "WorkerRunHealthSnapshot",
    "WorkerRunPnlLeg",
    "WorkerRunPnlSnapshot",
    "WorkerRunPnlTotals",
    "WorkerTimelineEvent",
    "WorkerTimelineResponse",
    "__version__",
    "amo_limit_order",
    "amo_market_order",
    "amo_sl_m_order",
    "amo_sl_order",
    "candles_to_df",
    "crossover",
    "ema",
    "ensure_run",
    "equity_market_order",
    "limit_order",
    "live_enabled",
    "market_order",
    "ohlcv_arrays",
    "option_market_order",
    "preview_then_place_order",
    "resolve_delta_leg",
    "resolve_offset_leg",
    "resolve_option_contracts",
    "resolve_option_leg",
    "resolve_spread",
    "rsi",
    "sl_m_order",
    "sl_order",
    "sma",
    "validate_order",
    "wait_for_fresh_candle",
    "wait_for_history",
    "wait_for_quotes",
    "wait_for_terminal_order_state",
    "warmup_history",
]

# Reprs and tracebacks show the public path, not the private module.
for _name in __all__:
    _value = globals()[_name]
    if hasattr(_value, "__module__") and not isinstance(_value, str | frozenset):
        with contextlib.suppress(AttributeError, TypeError):  # builtins refuse it
            _value.__module__ = __name__
del _name, _value
