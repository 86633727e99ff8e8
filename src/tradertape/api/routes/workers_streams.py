"""Worker streams: SSE (P&L, timeline, execution events, ticks, candles) and the three
WebSockets (ticks, candles, run P&L) with the token in the query string.

SSE frames are ``event: <name>`` + ``data: <json>``; timeline events are bare ``data:``
frames; a quiet stream sends ``: heartbeat`` comments. WebSocket messages are
``{"event", "data"}``. A WebSocket is accepted first and then refused with a close code
(4401 bad token, 4403 missing action, 4404 unknown run, 4400 bad parameters, 4429 too many
open streams), since a client cannot read the status of a refused handshake but can read a
close code. Each stream, SSE or WebSocket, counts among its user's open streams and holds
no database slot while it waits (`serving.open_streams`).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Query, WebSocket
from sqlalchemy.orm import Session

from tradertape.api.deps import DbDep, RuntimeDep, worker_action
from tradertape.api.openapi_streams import stream_answer
from tradertape.api.routes.workers_journal import Filter
from tradertape.api.routes.workers_market import Symbol, Token, instrument_ref
from tradertape.api.routes.workers_runs import Reader
from tradertape.api.schemas.numbers import Cursor
from tradertape.api.schemas.streams import (
    MarketCandlesMessage,
    MarketTicksMessage,
    RunExecutionMessage,
    RunPnlMessage,
    RunTimelineMessage,
)
from tradertape.api.schemas.workers import TimelineOut
from tradertape.db.models import WorkerToken
from tradertape.domain.instruments import Instrument
from tradertape.errors import InvalidField, RateLimited, TraderTapeError
from tradertape.runtime import Runtime
from tradertape.services.accounts import worker_tokens
from tradertape.services.workers import candles, market, streams, timeline
from tradertape.services.workers.access import find_run
from tradertape.services.workers.streams import Event
from tradertape.services.workers.timeline import TimelineQuery
from tradertape.serving.open_streams import EventStream, OpenStreams, StreamsDep

log = logging.getLogger("tradertape.api")
router = APIRouter(prefix="/algo-workers/worker", tags=["algo-workers"])

Streamer = Annotated[WorkerToken, Depends(worker_action("market:stream"))]
Interval = Annotated[float, Query(ge=0.25, le=5.0)]
STREAM_LIMIT = 2000
CLOSE_BAD_REQUEST = 4400
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_TOO_MANY = 4429


def _split(csv: str | None) -> list[str]:
    return [part.strip() for part in (csv or "").split(",") if part.strip()]


def _tick_instruments(
    runtime: Runtime, db: Session, symbols: str | None, tokens: str | None
) -> list[Instrument]:
    numbers = []
    for token in _split(tokens):
        if not token.isdecimal():
            raise InvalidField("tokens", f"'{token}' is not an instrument token")
        numbers.append(int(token))
    return market.resolve_many(runtime.worker_market, db, _split(symbols), numbers)[0]


def _timeline_query(
    after_cursor: int, limit: int, filters: dict[str, str | None], **fixed: str
) -> TimelineQuery:
    chosen = {k: v for k, v in {**filters, **fixed}.items() if v is not None}
    return TimelineQuery(after_cursor=after_cursor, limit=limit, filters=chosen)


@router.get(
    "/runs/{run_id}/pnl/stream",
    responses=stream_answer(RunPnlMessage, "Server-sent events: the run's P&L (`snapshot`)."),
)
def stream_run_pnl(
    run_id: str,
    token: Reader,
    runtime: RuntimeDep,
    db: DbDep,
    open_streams: StreamsDep,
    interval_seconds: Interval = 1.0,
) -> EventStream:
    """SSE: the run's P&L snapshot whenever it changes (``event: snapshot``)."""
    run = find_run(db, token, run_id)
    pacing = open_streams.pacing
    events = streams.run_pnl(
        runtime.db, runtime.workers, run.id, interval=interval_seconds, pacing=pacing
    )
    return open_streams.sse(events, user_id=token.user_id)


@router.get(
    "/runs/{run_id}/timeline/stream",
    responses=stream_answer(RunTimelineMessage, "Server-sent events: the run's timeline."),
)
def stream_timeline(
    run_id: str,
    token: Reader,
    runtime: RuntimeDep,
    db: DbDep,
    open_streams: StreamsDep,
    after_cursor: Cursor = 0,
    limit: Annotated[int, Query(ge=1, le=STREAM_LIMIT)] = 500,
    event_kind: Annotated[str | None, Query(pattern="^(execution|decision|protection)$")] = None,
    event_source: Filter = None,
    event_type: Filter = None,
    related_resource_type: Filter = None,
    related_resource_id: Filter = None,
    basket_execution_id: Filter = None,
) -> EventStream:
    """SSE: the run's events after ``after_cursor``, then each new one (plain ``data:``)."""
    run = find_run(db, token, run_id)
    filters = {
        "event_kind": event_kind,
        "event_source": event_source,
        "event_type": event_type,
        "related_resource_type": related_resource_type,
        "related_resource_id": related_resource_id,
        "basket_execution_id": basket_execution_id,
    }
    query = _timeline_query(after_cursor, limit, filters)
    events = streams.timeline(runtime.db, run.id, run.run_key, query, pacing=open_streams.pacing)
    return open_streams.sse(events, user_id=token.user_id)


@router.get("/runs/{run_id}/execution-events", response_model=TimelineOut)
def list_execution_events(
    run_id: str,
    token: Reader,
    db: DbDep,
    after_cursor: Cursor = 0,
    limit: Annotated[int, Query(ge=1, le=timeline.MAX_LIMIT)] = timeline.DEFAULT_LIMIT,
    basket_execution_id: Filter = None,
    event_type: Filter = None,
) -> dict[str, Any]:
    """The run's execution events only (orders, baskets), paged by cursor."""
    run = find_run(db, token, run_id)
    filters = {"basket_execution_id": basket_execution_id, "event_type": event_type}
    query = _timeline_query(after_cursor, limit, filters, event_kind="execution")
    return timeline.page(db, run, query)


@router.get(
    "/runs/{run_id}/execution-events/stream",
    responses=stream_answer(RunExecutionMessage, "Server-sent events: execution events."),
)
def stream_execution_events(
    run_id: str,
    token: Reader,
    runtime: RuntimeDep,
    db: DbDep,
    open_streams: StreamsDep,
    after_cursor: Cursor = 0,
    limit: Annotated[int, Query(ge=1, le=STREAM_LIMIT)] = 500,
    basket_execution_id: Filter = None,
    event_type: Filter = None,
) -> EventStream:
    """SSE: execution events after ``after_cursor``, then each new one."""
    run = find_run(db, token, run_id)
    filters = {"basket_execution_id": basket_execution_id, "event_type": event_type}
    query = _timeline_query(after_cursor, limit, filters, event_kind="execution")
    events = streams.timeline(
        runtime.db, run.id, run.run_key, query, pacing=open_streams.pacing, compat=True
    )
    return open_streams.sse(events, user_id=token.user_id)


@router.get(
    "/market/ticks/stream",
    responses=stream_answer(MarketTicksMessage, "Server-sent events: quotes, then ticks."),
)
def stream_ticks(
    token: Streamer,
    runtime: RuntimeDep,
    db: DbDep,
    open_streams: StreamsDep,
    symbols: Annotated[str | None, Query(max_length=20_000)] = None,
    tokens: Annotated[str | None, Query(max_length=20_000)] = None,
    mode: Annotated[str, Query(max_length=10)] = "quote",
) -> EventStream:
    """SSE: a quotes ``snapshot``, then ``ticks`` as prices move."""
    chosen = market.parse_mode(mode)
    found = _tick_instruments(runtime, db, symbols, tokens)
    events = streams.ticks(runtime.worker_market, found, chosen, pacing=open_streams.pacing)
    return open_streams.sse(events, user_id=token.user_id)


@router.get(
    "/market/candles/stream",
    responses=stream_answer(MarketCandlesMessage, "Server-sent events: the forming candle."),
)
def stream_candles(
    token: Streamer,
    runtime: RuntimeDep,
    db: DbDep,
    open_streams: StreamsDep,
    symbol: Symbol = None,
    instrument_token: Token = None,
    interval: Annotated[str, Query(max_length=16)] = "5minute",
) -> EventStream:
    """SSE: the latest candles (``snapshot``), then each change of the forming ``candle``."""
    market = runtime.worker_market
    instrument = candles.instrument_of(market, db, instrument_ref(symbol, instrument_token))
    name = candles.checked_interval(interval)
    events = streams.candle(market, instrument, name, pacing=open_streams.pacing)
    return open_streams.sse(events, user_id=token.user_id)


# ---- WebSockets ------------------------------------------------------------------------


def _authenticate(runtime: Runtime, secret: str | None, action: str) -> WorkerToken | int:
    """The token, or the close code refusing it."""
    if not secret:
        return CLOSE_UNAUTHENTICATED
    with runtime.db.session() as db:
        try:
            token = worker_tokens.authenticate(db, clock=runtime.clock, secret=secret)
        except TraderTapeError:
            return CLOSE_UNAUTHENTICATED
        # `authenticate` refused a disabled account's token already.
        if action not in token.allowed_actions:
            return CLOSE_FORBIDDEN
        db.expunge(token)
        return token


def _secret(websocket: WebSocket) -> str | None:
    secret = websocket.query_params.get("token")
    if secret:
        return secret
    scheme, _, value = websocket.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


async def _refuse(websocket: WebSocket, code: int, detail: str) -> None:
    await websocket.send_json({"event": "error", "data": {"detail": detail}})
    await websocket.close(code=code, reason=detail[:120])


def _streams(websocket: WebSocket) -> OpenStreams:
    streams_: OpenStreams = websocket.app.state.streams
    return streams_


async def _open(websocket: WebSocket, action: str) -> WorkerToken | None:
    await websocket.accept()
    runtime: Runtime = websocket.app.state.runtime
    read = _streams(websocket).read
    found = await read(partial(_authenticate, runtime, _secret(websocket), action))
    if isinstance(found, int):
        detail = "invalid worker token" if found == CLOSE_UNAUTHENTICATED else f"needs {action}"
        await _refuse(websocket, found, detail)
        return None
    return found


async def _pump(websocket: WebSocket, token: WorkerToken, events: AsyncIterator[Event]) -> None:
    """Send `events` until they end or the client leaves (whichever first cancels the other),
    holding one of the token's user's stream places (`serving.open_streams`)."""
    try:
        _streams(websocket).cap.take(token.user_id)
    except RateLimited as full:
        return await _refuse(websocket, CLOSE_TOO_MANY, full.detail)
    try:
        async with anyio.create_task_group() as group:

            async def send() -> None:
                try:
                    async for name, payload in events:
                        await websocket.send_json({"event": name or "message", "data": payload})
                        if name == "end":
                            await websocket.close(code=1000)
                            break
                except Exception as exc:  # the client left mid-send, or the stream failed
                    log.warning("worker websocket ended: %r", exc)
                group.cancel_scope.cancel()

            async def listen() -> None:
                with contextlib.suppress(Exception):
                    while (await websocket.receive())["type"] != "websocket.disconnect":
                        pass
                group.cancel_scope.cancel()

            group.start_soon(send)
            group.start_soon(listen)
    finally:
        _streams(websocket).cap.give_back(token.user_id)


def _query(websocket: WebSocket, name: str, parse: Callable[[str], Any], default: Any) -> Any:
    raw = websocket.query_params.get(name)
    return default if raw in (None, "") else parse(raw)


def _ticks_of(runtime: Runtime, symbols: str | None, tokens: str | None) -> list[Instrument]:
    with runtime.db.session() as db:
        return _tick_instruments(runtime, db, symbols, tokens)


@router.websocket("/ws/market/ticks")
async def ws_ticks(websocket: WebSocket) -> None:
    """Ticks of ``symbols``/``tokens`` (csv) in ``mode``: ``snapshot``, then ``ticks``."""
    token = await _open(websocket, "market:stream")
    if token is None:
        return
    runtime: Runtime = websocket.app.state.runtime
    open_streams = _streams(websocket)
    params = websocket.query_params
    try:
        mode = market.parse_mode(params.get("mode") or "quote")
        found = await open_streams.read(
            partial(_ticks_of, runtime, params.get("symbols"), params.get("tokens"))
        )
    except TraderTapeError as exc:
        return await _refuse(websocket, CLOSE_BAD_REQUEST, exc.detail)
    events = streams.ticks(runtime.worker_market, found, mode, pacing=open_streams.pacing)
    await _pump(websocket, token, events)


def _candle_target(runtime: Runtime, ref: str | int, interval: str) -> tuple[Instrument, str]:
    with runtime.db.session() as db:
        instrument = candles.instrument_of(runtime.worker_market, db, ref)
    return instrument, candles.checked_interval(interval)


@router.websocket("/ws/market/candles")
async def ws_candles(websocket: WebSocket) -> None:
    """The forming candle of ``symbol``/``instrument_token`` at ``interval``."""
    token = await _open(websocket, "market:stream")
    if token is None:
        return
    runtime: Runtime = websocket.app.state.runtime
    open_streams = _streams(websocket)
    params = websocket.query_params
    try:
        number = params.get("instrument_token")
        ref = instrument_ref(params.get("symbol"), int(number) if number else None)
        target = await open_streams.read(
            partial(_candle_target, runtime, ref, params.get("interval") or "5minute")
        )
    except (TraderTapeError, ValueError) as exc:
        detail = exc.detail if isinstance(exc, TraderTapeError) else "bad instrument_token"
        return await _refuse(websocket, CLOSE_BAD_REQUEST, detail)
    events = streams.candle(runtime.worker_market, *target, pacing=open_streams.pacing)
    await _pump(websocket, token, events)


def _run_pk(runtime: Runtime, token: WorkerToken, run_id: str) -> int | None:
    with runtime.db.session() as db:
        try:
            return find_run(db, token, run_id).id
        except TraderTapeError:
            return None


@router.websocket("/ws/runs/{run_id}/pnl")
async def ws_run_pnl(websocket: WebSocket, run_id: str) -> None:
    """The run's P&L: ``snapshot`` on change, ``heartbeat`` when quiet, ``end`` if it goes."""
    token = await _open(websocket, "runs:read")
    if token is None:
        return
    runtime: Runtime = websocket.app.state.runtime
    open_streams = _streams(websocket)
    try:
        interval = float(_query(websocket, "interval_seconds", float, 1.0))
    except ValueError:
        interval = -1.0
    if not 0.25 <= interval <= 5.0:
        return await _refuse(websocket, CLOSE_BAD_REQUEST, "interval_seconds must be 0.25..5")
    run_pk = await open_streams.read(partial(_run_pk, runtime, token, run_id))
    if run_pk is None:
        return await _refuse(websocket, CLOSE_NOT_FOUND, "Strategy run not found")
    events = streams.run_pnl(
        runtime.db, runtime.workers, run_pk, interval=interval, pacing=open_streams.pacing
    )
    await _pump(websocket, token, events)
