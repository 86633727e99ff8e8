"""The messages of the event streams and WebSockets.

Worker streams (SSE and WebSocket alike) send ``{event, data}`` messages. Over SSE a
message is a frame ``event: <event>`` + ``data: <data as JSON>``; an unnamed frame (only
``data:``) is SSE's default event, ``message``; a quiet stream sends ``: heartbeat``
comments where a WebSocket sends a ``heartbeat`` message. Each stream's messages form one
union, told apart by ``event``; the document gives each stream's union as the schema of
its ``text/event-stream`` answer.

The browser's ``WS /api/ws/ticks`` speaks seed 001's protocol instead: ``{type, …}``
messages, and ``{action, symbols, mode}`` requests (see `tradertape.feed.stream`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, RootModel

from tradertape.api.schemas.open_models import JsonNumber, OpenModel
from tradertape.api.schemas.worker_market import CandleOut, CandlesOut, Depth, Ohlc, QuoteOut
from tradertape.api.schemas.workers import RunPnlOut, TimelineEvent


class StreamDetail(BaseModel):
    """Why a stream ends or failed."""

    detail: str


class HeartbeatMessage(BaseModel):
    """Nothing new for a while (a WebSocket's; SSE sends a ``: heartbeat`` comment)."""

    event: Literal["heartbeat"]
    data: dict[str, Any] = Field(description="empty")


class StreamErrorMessage(BaseModel):
    """The stream failed: reconnect (a WebSocket refused at the start closes with 44xx)."""

    event: Literal["error"]
    data: StreamDetail


class PnlSnapshotMessage(BaseModel):
    """The run's P&L, sent first and whenever it changes."""

    event: Literal["snapshot"]
    data: RunPnlOut


class PnlEndMessage(BaseModel):
    """The run is gone: the stream ends."""

    event: Literal["end"]
    data: StreamDetail


class RunPnlMessage(
    RootModel[
        Annotated[
            PnlSnapshotMessage | PnlEndMessage | HeartbeatMessage | StreamErrorMessage,
            Field(discriminator="event"),
        ]
    ]
):
    """A message of the run's P&L stream (``/runs/{id}/pnl/stream``, ``/ws/runs/{id}/pnl``)."""


class TimelineMessage(BaseModel):
    """A timeline event (an unnamed SSE frame, so SSE's ``message``)."""

    event: Literal["message"]
    data: TimelineEvent


class RunTimelineMessage(
    RootModel[
        Annotated[
            TimelineMessage | HeartbeatMessage | StreamErrorMessage, Field(discriminator="event")
        ]
    ]
):
    """A message of the run's timeline stream: the events after ``after_cursor``, then
    each new one; resume with the last ``cursor`` seen."""


class ExecutionEvent(OpenModel):
    """An execution event in the shape ``list_execution_events`` answers."""

    cursor: int
    strategy_run_id: str
    account_id: str
    basket_execution_id: str | None
    event_type: str
    payload: dict[str, Any]
    created_at: str | None


class ExecutionEventMessage(BaseModel):
    """An execution event (an unnamed SSE frame, so SSE's ``message``)."""

    event: Literal["message"]
    data: ExecutionEvent


class RunExecutionMessage(
    RootModel[
        Annotated[
            ExecutionEventMessage | HeartbeatMessage | StreamErrorMessage,
            Field(discriminator="event"),
        ]
    ]
):
    """A message of the run's execution-events stream."""


class QuotesSnapshot(OpenModel):
    """Every instrument's last tick, and those without one."""

    quotes: list[QuoteOut]
    missing: list[str]


class QuotesSnapshotMessage(BaseModel):
    """The quotes, sent first."""

    event: Literal["snapshot"]
    data: QuotesSnapshot


class TickBatch(OpenModel):
    """The instruments whose last tick is newer than the one sent before."""

    ticks: list[QuoteOut]


class TicksMessage(BaseModel):
    """Fresh ticks."""

    event: Literal["ticks"]
    data: TickBatch


class MarketTicksMessage(
    RootModel[
        Annotated[
            QuotesSnapshotMessage | TicksMessage | HeartbeatMessage | StreamErrorMessage,
            Field(discriminator="event"),
        ]
    ]
):
    """A message of the ticks stream (``/market/ticks/stream``, ``/ws/market/ticks``)."""


class CandlesSnapshotMessage(BaseModel):
    """The latest candle and the forming one, sent first."""

    event: Literal["snapshot"]
    data: CandlesOut


class CandleUpdate(OpenModel):
    """The forming candle, changed."""

    symbol: str
    instrument_token: int
    interval: str
    candle: CandleOut


class CandleMessage(BaseModel):
    """The forming candle, each time it changes."""

    event: Literal["candle"]
    data: CandleUpdate


class MarketCandlesMessage(
    RootModel[
        Annotated[
            CandlesSnapshotMessage | CandleMessage | HeartbeatMessage | StreamErrorMessage,
            Field(discriminator="event"),
        ]
    ]
):
    """A message of the candles stream (``/market/candles/stream``, ``/ws/market/candles``)."""


# ---- WS /api/ws/ticks (the browser's) ------------------------------------------------------


class StreamTick(OpenModel):
    """One symbol's tick: ``ltp`` (and the day's ``high``/``low`` from ``quote`` up) first,
    then Kite's fields for the mode (``ohlc`` and the rest from ``quote``, ``depth`` in
    ``full``)."""

    ltp: JsonNumber
    high: JsonNumber | None = None
    low: JsonNumber | None = None
    instrument_token: int
    last_price: JsonNumber
    ohlc: Ohlc | None = None
    volume: int | None = None
    last_quantity: int | None = None
    change: JsonNumber | None = Field(default=None, description="% since the previous close")
    timestamp: str | None = Field(default=None, description="ISO 8601 in IST")
    depth: Depth | None = None


class TickerStatus(BaseModel):
    """Sent on connect; again with ``dropped`` after ticks were dropped for a slow reader."""

    type: Literal["status"]
    connected: bool
    dropped: int | None = Field(default=None, description="ticks dropped so far")


class TickerSubscribed(BaseModel):
    """After each subscribe: the symbols as canonical ``EXCH:SYMBOL`` keys."""

    type: Literal["subscribed"]
    symbols: list[str]


class TickerTicks(BaseModel):
    """Ticks, by ``EXCH:SYMBOL``."""

    type: Literal["ticks"]
    data: dict[str, StreamTick]


class TickerError(BaseModel):
    """A mistake in a request (the socket stays open), or why the socket is refused."""

    type: Literal["error"]
    detail: str


class TickerMessage(
    RootModel[
        Annotated[
            TickerStatus | TickerSubscribed | TickerTicks | TickerError,
            Field(discriminator="type"),
        ]
    ]
):
    """A message ``WS /api/ws/ticks`` sends."""


class TickerRequest(BaseModel):
    """What a client sends ``WS /api/ws/ticks``: subscribe (or change the mode of) symbols,
    or unsubscribe them. A bare symbol means NSE."""

    action: Literal["subscribe", "unsubscribe"]
    symbols: list[str]
    mode: Literal["ltp", "quote", "full"] = "quote"


STREAM_MODELS: tuple[type[BaseModel], ...] = (
    RunPnlMessage,
    RunTimelineMessage,
    RunExecutionMessage,
    MarketTicksMessage,
    MarketCandlesMessage,
    TickerMessage,
    TickerRequest,
)
"""Every message model, for the document's components (WebSockets have no operation)."""
