"""Backtests: run one (synchronously, or started with progress over SSE), list the history,
read one with its trades, delete.

A run's answer is written straight to JSON bytes by pydantic's Rust serializer (its curve
and trades, thousands of rows, are not validated into models again: the service stored
them in the answer's shape); ``?columns=true`` sends them as columns instead of rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from fastapi.responses import Response
from pydantic import BaseModel
from pydantic_core import to_json
from sqlalchemy.orm import Session

from tradertape.api.deps import CurrentUser, CurrentUserLater, DbDep, PageDep, RuntimeDep
from tradertape.api.openapi_streams import stream_answer
from tradertape.api.schemas.errors import HEAVY_JOB_RESPONSES
from tradertape.api.schemas.numbers import RowId
from tradertape.api.schemas.strategies import (
    BacktestDayColumns,
    BacktestRunBrief,
    BacktestRunOut,
    BacktestTradeColumns,
    run_brief,
)
from tradertape.api.schemas.sweeps import BacktestProgressMessage
from tradertape.backtest.request import BacktestRequest
from tradertape.db.models import BacktestRun
from tradertape.db.types import EncodedJSON
from tradertape.services.accounts.sessions import SignedIn
from tradertape.services.research import backtests
from tradertape.services.research.simulation import rows_json, rows_of
from tradertape.serving.lean_route import LeanRoute
from tradertape.serving.open_streams import EventStream, StreamsDep

router = APIRouter(prefix="/backtest", tags=["backtest"])


def _brief(row: BacktestRun) -> BacktestRunBrief:
    return run_brief(row)


Columns = Annotated[
    bool,
    Query(description="the days and trades as `equity_columns` and `trade_columns` (a list "
          "per field) instead of the rows of `equity_curve` and `trades`"),
]  # fmt: skip


def _days(stored: Any) -> list[dict[str, Any]]:
    # a day stored as a row before the benchmark was kept has none (null)
    if isinstance(stored, list):
        return [{**day, "benchmark": day.get("benchmark")} for day in stored]
    return rows_of(stored)


def _full(
    row: BacktestRun,
    *,
    columns: bool = False,
    days: EncodedJSON | None = None,
    trades: EncodedJSON | None = None,
) -> Response:
    """`BacktestRunOut` as JSON: the brief through its model, the rest as stored. Columns
    stored as columns go in as their JSON text (`days` and `trades` when read as text, else
    the row's own), not parsed and written again."""
    answer: dict[str, Any] = _brief(row).model_dump(mode="json")
    answer["strategy"] = row.strategy_snapshot
    answer["timings_ms"] = {key: float(ms) for key, ms in row.timings_ms.items()}
    days = days or _encoded(row.equity_curve)
    trades = trades or _encoded(row.trades)
    if not columns:
        rows = {"equity_curve": _rows_text(days, _days), "trades": _rows_text(trades, rows_of)}
        return Response(_with_texts(to_json(answer), rows), media_type="application/json")
    answer["equity_curve"], answer["trades"] = [], []
    spliced = {
        "equity_columns": _columns_text(days, BacktestDayColumns, _days),
        "trade_columns": _columns_text(trades, BacktestTradeColumns, rows_of),
    }
    return Response(_with_texts(to_json(answer), spliced), media_type="application/json")


def _rows_text(stored: EncodedJSON, rows: Callable[[Any], list[dict[str, Any]]]) -> bytes:
    """Stored days or trades as the JSON text of their rows: from columns by `rows_json`
    (no dict per row), rows stored as rows through ``rows``."""
    parsed = stored.parsed()
    if isinstance(parsed, dict):
        return rows_json(parsed, stored.members)
    return to_json(rows(parsed))


def _encoded(stored: Any) -> EncodedJSON:
    return stored if isinstance(stored, EncodedJSON) else EncodedJSON(to_json(stored), stored)


def _columns_text(
    stored: EncodedJSON, shape: type[BaseModel], rows: Callable[[Any], list[dict[str, Any]]]
) -> bytes:
    """Stored columns as they are; rows (stored before columns were, or none yet: a queued
    or failed run) as columns, every field of `shape` (each empty when there are no rows)."""
    if stored.text.lstrip()[:1] == b"{":
        return stored.text
    found = rows(stored.parsed())
    fields = shape.model_fields
    keys = [k for k in fields if fields[k].is_required() or (found and k in found[0])]
    return to_json({key: [row.get(key) for row in found] for key in keys})


def _with_texts(answer: bytes, texts: dict[str, bytes]) -> bytes:
    """A JSON object (not empty) with members whose values are JSON text added at its end."""
    members = b"".join(b"," + to_json(key) + b":" + text for key, text in texts.items())
    return answer[:-1] + members + b"}"


async def run_backtest(
    body: BacktestRequest, cookie: CurrentUserLater, columns: Columns = False
) -> Response:
    """Run a backtest and wait for it (typically well under a second); it joins your history."""
    runtime = cookie.runtime  # the cookie's, not a dependency of its own (`LeanRoute`)

    def run(db: Session, user: SignedIn) -> Response:
        row = backtests.run(
            db, runtime.candles, runtime.research, body, clock=runtime.clock, user_id=user.id
        )
        return _full(row, columns=columns)

    return await cookie.run(run)


# Handled without FastAPI's dependency solver (`LeanRoute`: issue 69, the HTTP run ≤ 1.3×
# the engine's); its OpenAPI is read from the signature as any route's.
router.add_api_route(
    "/run",
    run_backtest,
    methods=["POST"],
    response_model=BacktestRunOut,
    responses=HEAVY_JOB_RESPONSES,
    route_class_override=LeanRoute,
)


@router.post(
    "/runs",
    response_model=BacktestRunBrief,
    status_code=status.HTTP_202_ACCEPTED,
    responses=HEAVY_JOB_RESPONSES,
)
def start_run(
    body: BacktestRequest, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> BacktestRunBrief:
    """Start a backtest and answer at once (``queued``); follow it on
    ``GET /api/backtest/runs/{id}/events``. Bad input is refused here, as by ``/run``."""
    row = backtests.start(
        db, runtime.candles, runtime.research, body, clock=runtime.clock, user_id=user.id
    )
    return _brief(row)


@router.get(
    "/runs/{run_id}/events",
    responses=stream_answer(
        BacktestProgressMessage, "Server-sent events: `progress` at each stage, then `end`."
    ),
)
def stream_run_events(
    run_id: RowId, user: CurrentUser, runtime: RuntimeDep, db: DbDep, open_streams: StreamsDep
) -> EventStream:
    """SSE: the run's stage as it moves (``event: progress``), then ``event: end``."""
    backtests.get(db, run_id, user_id=user.id)
    events = backtests.progress_events(
        runtime.db, run_id, clock=runtime.clock, pacing=open_streams.pacing
    )
    return open_streams.sse(events, user_id=user.id)


@router.get("/runs", response_model=list[BacktestRunBrief])
def list_runs(user: CurrentUser, db: DbDep, page: PageDep) -> list[BacktestRunBrief]:
    """Your backtest history, newest first (summaries; open one for its trades)."""
    rows = backtests.history(db, user_id=user.id, limit=page.limit, offset=page.offset)
    return [_brief(row) for row in rows]


@router.get("/runs/{run_id}", response_model=BacktestRunOut)
def get_run(
    run_id: RowId, user: CurrentUser, runtime: RuntimeDep, db: DbDep, columns: Columns = False
) -> Response:
    """One run with its equity and drawdown curves and every trade."""
    stored = backtests.read(db, run_id, user_id=user.id, clock=runtime.clock)
    return _full(stored.row, columns=columns, days=stored.equity_curve, trades=stored.trades)


@router.delete("/runs/{run_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_run(run_id: RowId, user: CurrentUser, db: DbDep) -> None:
    """Delete a run from your history."""
    backtests.delete(db, run_id, user_id=user.id)
