"""Worker market data (instruments, quotes, candles, history, snapshot, calendar, index
lists) and the GTT passthrough. Thin: each route checks the action, then calls a service."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from pydantic import ValidationError
from sqlalchemy.orm import Session

from tradertape.api.deps import DbDep, RuntimeDep, worker_action
from tradertape.api.schemas.kite import GttOut
from tradertape.api.schemas.numbers import RowId
from tradertape.api.schemas.trading import GttCreated, GttIn, gtt_dict, gtt_spec
from tradertape.api.schemas.worker_market import (
    CalendarOut,
    CalendarStatusOut,
    CandleHistoryOut,
    CandlesOut,
    ConstituentsOut,
    ConstituentsStatusOut,
    InstrumentsOut,
    QuotesOut,
    SearchOut,
    SnapshotOut,
    WorkerInstrument,
)
from tradertape.api.schemas.workers import InstrumentsIn, QuotesIn, SnapshotIn
from tradertape.db.models import WorkerToken
from tradertape.errors import InvalidField, Rejected
from tradertape.ports.broker import GttSpec
from tradertape.runtime import Runtime
from tradertape.services.workers import candles, gtt, market, reference, snapshot
from tradertape.serving.free_json import JsonObject

router = APIRouter(prefix="/algo-workers/worker", tags=["algo-workers"])

MarketReader = Annotated[WorkerToken, Depends(worker_action("market:read"))]
GttReader = Annotated[WorkerToken, Depends(worker_action("gtt:read", "runs:read"))]
GttWriter = Annotated[WorkerToken, Depends(worker_action("gtt:write", "intents:submit"))]
Symbol = Annotated[str | None, Query(min_length=1, max_length=64)]
Token = Annotated[int | None, Query(ge=1, le=market.MAX_TOKEN)]
Schema = Annotated[int, Query(ge=0, le=1000)]


def instrument_ref(symbol: str | None, instrument_token: int | None) -> str | int:
    """The instrument a candle or history query names (a symbol or a token, not neither)."""
    if symbol is not None:
        return symbol
    if instrument_token is not None:
        return instrument_token
    raise InvalidField("symbol", "name the instrument: symbol or instrument_token")


@router.get(
    "/market/instruments/resolve",
    response_model=WorkerInstrument,
    response_model_exclude_unset=True,
)
def resolve_ticker(
    token: MarketReader,
    runtime: RuntimeDep,
    db: DbDep,
    symbol: Annotated[str, Query(min_length=1, max_length=64)],
) -> dict[str, Any]:
    """One instrument by ``EXCH:SYMBOL`` (bare symbols are NSE) or token; 404 if unknown."""
    return market.resolve_one(runtime.worker_market, db, symbol)


@router.post(
    "/market/instruments/resolve", response_model=InstrumentsOut, response_model_exclude_unset=True
)
def resolve_tickers(
    body: InstrumentsIn, token: MarketReader, runtime: RuntimeDep, db: DbDep
) -> dict[str, Any]:
    """Many instruments at once: ``{instruments, missing}``."""
    return market.resolve_list(runtime.worker_market, db, body.symbols, body.instrument_tokens)


@router.get(
    "/market/instruments/search", response_model=SearchOut, response_model_exclude_unset=True
)
def search_tickers(
    token: MarketReader,
    runtime: RuntimeDep,
    db: DbDep,
    query: Annotated[str, Query(min_length=1, max_length=100)],
    exchange: Annotated[str | None, Query(max_length=10)] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> dict[str, Any]:
    """Instruments whose symbol or name starts with ``query``: ``{results}``."""
    return market.search(runtime.worker_market, db, query, exchange=exchange, limit=limit)


@router.post("/market/quotes", response_model=QuotesOut, response_model_exclude_unset=True)
def get_quotes(body: QuotesIn, token: MarketReader, runtime: RuntimeDep, db: DbDep) -> Any:
    """Last ticks as a *list* of quotes (``ltp``, ``quote`` or ``full``), with ``missing``."""
    return market.quotes(runtime.worker_market, db, body.symbols, body.instrument_tokens, body.mode)


@router.get("/market/candles", response_model=CandlesOut, response_model_exclude_unset=True)
def get_candles(
    token: MarketReader,
    runtime: RuntimeDep,
    db: DbDep,
    symbol: Symbol = None,
    instrument_token: Token = None,
    interval: Annotated[str, Query(max_length=16)] = "5minute",
    lookback: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    """The last ``lookback`` complete candles and the forming one (``current``)."""
    ref = instrument_ref(symbol, instrument_token)
    return candles.recent(runtime.worker_market, db, ref, interval, lookback)


@router.get("/market/history", response_model=CandleHistoryOut, response_model_exclude_unset=True)
def get_history(
    token: MarketReader,
    runtime: RuntimeDep,
    db: DbDep,
    symbol: Symbol = None,
    instrument_token: Token = None,
    timeframe: Annotated[str, Query(max_length=16)] = "day",
    start: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=40)] = None,
    ingest: bool = True,
    passthrough: bool = False,
) -> dict[str, Any]:
    """Historical candles over a timezone-aware range (default window per timeframe)."""
    ref = instrument_ref(symbol, instrument_token)
    return candles.history(
        runtime.worker_market,
        db,
        ref,
        timeframe=timeframe,
        start=start,
        end=end,
        passthrough=passthrough,
    )


@router.post("/market/snapshot", response_model=SnapshotOut, response_model_exclude_unset=True)
def market_snapshot(
    body: SnapshotIn, token: MarketReader, runtime: RuntimeDep, db: DbDep
) -> dict[str, Any]:
    """Quotes and candles of several instruments in one round trip."""
    asks = [
        (instrument_ref(c.symbol, c.instrument_token), c.interval, c.lookback) for c in body.candles
    ]
    return snapshot.market_snapshot(
        runtime.worker_market,
        db,
        symbols=body.symbols,
        tokens=body.instrument_tokens,
        mode=body.mode,
        asks=asks,
    )


@router.get("/market/calendar", response_model=CalendarOut, response_model_exclude_unset=True)
def market_calendar(
    token: MarketReader,
    runtime: RuntimeDep,
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
    exchange: Annotated[str, Query(max_length=10)] = "NSE",
    segment: Annotated[str, Query(max_length=10)] = "CM",
    schema_version: Schema = 1,
    provisional: Annotated[
        bool,
        Query(
            description="also answer days past the published NSE holiday list (every weekday "
            "assumed to trade), each marked verified=false, provisional=true; without it such "
            "a range is 503 CALENDAR_RANGE_UNCOVERED"
        ),
    ] = False,
) -> dict[str, Any]:
    """Trading sessions, holidays and weekends from ``from`` to ``to`` (IST dates).

    A range past the published holiday list is 503 ``CALENDAR_RANGE_UNCOVERED`` unless
    ``provisional=true`` asks for the server's guess (marked per session).
    """
    return reference.calendar(
        runtime.worker_market,
        start=start,
        end=end,
        exchange=exchange,
        segment=segment,
        schema_version=schema_version,
        provisional=provisional,
    )


@router.get(
    "/market/calendar/status", response_model=CalendarStatusOut, response_model_exclude_unset=True
)
def market_calendar_status(
    token: MarketReader,
    runtime: RuntimeDep,
    exchange: Annotated[str, Query(max_length=10)] = "NSE",
    segment: Annotated[str, Query(max_length=10)] = "CM",
    schema_version: Schema = 1,
) -> dict[str, Any]:
    """The range the calendar covers."""
    return reference.calendar_status(
        runtime.worker_market, exchange=exchange, segment=segment, schema_version=schema_version
    )


@router.get(
    "/market/indices/{source_list}",
    response_model=ConstituentsOut,
    response_model_exclude_unset=True,
)
def index_constituents(
    source_list: str,
    token: MarketReader,
    runtime: RuntimeDep,
    db: DbDep,
    schema_version: Schema = 1,
) -> dict[str, Any]:
    """Members of an index list (``Nifty50``, ``Nifty100``, ``Nifty500``, …)."""
    return reference.constituents(
        runtime.worker_market, db, source_list, schema_version=schema_version
    )


@router.get(
    "/market/indices/{source_list}/status",
    response_model=ConstituentsStatusOut,
    response_model_exclude_unset=True,
)
def index_constituents_status(
    source_list: str,
    token: MarketReader,
    runtime: RuntimeDep,
    db: DbDep,
    schema_version: Schema = 1,
) -> dict[str, Any]:
    """Whether the index list is complete and fresh."""
    return reference.constituents_status(
        runtime.worker_market, db, source_list, schema_version=schema_version
    )


def _gtt_body(
    runtime: Runtime, db: Session, token: WorkerToken, body: dict[str, Any]
) -> tuple[GttSpec, str | None]:
    """Kite's GTT body (and our optional ``strategy_run_id``); 400 ``GTT_REQUEST_INVALID``
    naming the field that is wrong, unless the token may not write GTTs at all."""
    try:
        return _parsed(body)
    except Rejected:
        gtt.live_scope(runtime.workers, db, token, write=True)  # its refusal comes first
        raise


def _parsed(body: dict[str, Any]) -> tuple[GttSpec, str | None]:
    fields = dict(body)
    run_key = fields.pop("strategy_run_id", None)
    if run_key is not None and not isinstance(run_key, str):
        raise Rejected(400, "GTT_REQUEST_INVALID", "strategy_run_id: must be a string")
    try:
        parsed = GttIn.model_validate(fields | {"mode": "live"})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise Rejected(400, "GTT_REQUEST_INVALID", f"{where}: {first['msg']}") from exc
    return gtt_spec(parsed), run_key


@router.get("/gtt/triggers", response_model=list[GttOut])
def list_gtts(token: GttReader, runtime: RuntimeDep, db: DbDep) -> list[dict[str, Any]]:
    """The live Kite account's GTT triggers in Kite's shape (live account scopes only)."""
    rows = gtt.triggers(runtime.workers, db, token)
    return [gtt_dict(row, placed) for row, placed in rows]


@router.post("/gtt/triggers", response_model=GttCreated)
def place_gtt(
    token: GttWriter, runtime: RuntimeDep, db: DbDep, body: Annotated[JsonObject, Body()]
) -> dict[str, Any]:
    """Place a GTT at Kite: recorded first, through the one gate, sent once."""
    spec, run_key = _gtt_body(runtime, db, token, body)
    trigger_id = gtt.place(runtime.workers, db, token, spec, run_key=run_key)
    return {"trigger_id": trigger_id}


@router.get("/gtt/triggers/{trigger_id}", response_model=GttOut)
def get_gtt(trigger_id: RowId, token: GttReader, runtime: RuntimeDep, db: DbDep) -> dict[str, Any]:
    """One live GTT trigger in Kite's shape."""
    row, placed = gtt.trigger(runtime.workers, db, token, trigger_id)
    return gtt_dict(row, placed)


@router.put("/gtt/triggers/{trigger_id}", response_model=GttCreated)
def modify_gtt(
    trigger_id: RowId,
    token: GttWriter,
    runtime: RuntimeDep,
    db: DbDep,
    body: Annotated[JsonObject, Body()],
) -> dict[str, Any]:
    """Modify a live GTT here and at Kite (the new legs pass the gate)."""
    spec, _run_key = _gtt_body(runtime, db, token, body)
    changed = gtt.modify(runtime.workers, db, token, trigger_id, spec)
    return {"trigger_id": changed}


@router.delete("/gtt/triggers/{trigger_id}", response_model=GttCreated)
def delete_gtt(
    trigger_id: RowId, token: GttWriter, runtime: RuntimeDep, db: DbDep
) -> dict[str, Any]:
    """Delete a live GTT at Kite, then here."""
    return {"trigger_id": gtt.delete(runtime.workers, db, token, trigger_id)}
