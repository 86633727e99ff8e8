"""The worker streams as async iterators of ``(event, data)``, for SSE and WebSockets alike.

Each stream polls what this server already keeps (the run's P&L, its timeline rows, the
last ticks, the live candles) at a short wall-clock pace and emits only what changed,
with a ``heartbeat`` after a quiet spell. Polling the database and the in-memory books
works the same with one process or several, and a reconnecting worker resumes by cursor
(the timeline) or simply gets a fresh snapshot (everything else). Database work runs in
a thread (`Pacing.read`: on the server, under a database slot taken for that read
alone); the iterators never block the event loop.

Event names follow the published streams: ``snapshot``, ``ticks``, ``candle``,
``heartbeat``, ``error``, ``end``; timeline events are unnamed ``data:`` frames (None).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from functools import partial
from typing import Any

from sqlalchemy import select

from tradertape.db.engine import Database
from tradertape.db.models import WorkerEvent, WorkerRun
from tradertape.domain.instruments import Instrument
from tradertape.feed.codec import TickMode
from tradertape.services.pacing import Pacing
from tradertape.services.workers import candles, pnl
from tradertape.services.workers.context import WorkerContext
from tradertape.services.workers.market import WorkerMarket, quote_view
from tradertape.services.workers.timeline import TimelineQuery, event_dict

Event = tuple[str | None, Any]
_VOLATILE = ("updated_at", "last_reconciled_at")


class _Quiet:
    """Tracks idle time on the monotonic clock; says when a heartbeat is due."""

    def __init__(self, every: float) -> None:
        self._every = every
        self._since = time.monotonic()

    def spoke(self) -> None:
        self._since = time.monotonic()

    def due(self) -> bool:
        if time.monotonic() - self._since >= self._every:
            self._since = time.monotonic()
            return True
        return False


def _pnl_now(db_: Database, workers: WorkerContext, run_pk: int) -> dict[str, Any] | None:
    with db_.session() as db:
        run = db.get(WorkerRun, run_pk)
        if run is None:
            return None
        return pnl.snapshot_of(run, pnl.compute(workers, db, run), workers.clock.now())


def _comparable(snapshot: dict[str, Any]) -> Any:
    legs = [{k: v for k, v in leg.items() if k not in _VOLATILE} for leg in snapshot["legs"]]
    return ({k: v for k, v in snapshot.items() if k not in _VOLATILE}, legs)


async def run_pnl(
    db: Database, workers: WorkerContext, run_pk: int, *, interval: float, pacing: Pacing
) -> AsyncIterator[Event]:
    """The run's P&L snapshot whenever it changes; ``end`` if the run goes away."""
    quiet = _Quiet(pacing.heartbeat_secs)
    last: Any = None
    while True:
        snapshot = await pacing.read(partial(_pnl_now, db, workers, run_pk))
        if snapshot is None:
            yield "end", {"detail": "Strategy run not found"}
            return
        seen = _comparable(snapshot)
        if seen != last:
            last = seen
            quiet.spoke()
            yield "snapshot", snapshot
        elif quiet.due():
            yield "heartbeat", {}
        await pacing.sleep(interval)


def _events_after(
    db_: Database, run_pk: int, run_key: str, query: TimelineQuery
) -> list[dict[str, Any]]:
    with db_.session() as db:
        statement = select(WorkerEvent).where(
            WorkerEvent.run_pk == run_pk, WorkerEvent.id > query.after_cursor
        )
        for column, value in query.filters.items():
            statement = statement.where(getattr(WorkerEvent, column) == value)
        rows = db.scalars(statement.order_by(WorkerEvent.id).limit(query.limit))
        return [event_dict(row, run_key) for row in rows]


def execution_view(event: dict[str, Any]) -> dict[str, Any]:
    """An execution event in the compat shape of ``list_execution_events``."""
    keys = ("cursor", "strategy_run_id", "account_id", "basket_execution_id", "event_type")
    return {
        **{k: event[k] for k in keys},
        "payload": event["payload"],
        "created_at": event["created_at"],
    }


async def timeline(
    db: Database,
    run_pk: int,
    run_key: str,
    query: TimelineQuery,
    *,
    pacing: Pacing,
    compat: bool = False,
) -> AsyncIterator[Event]:
    """Events after the cursor (a backfill of up to ``limit``), then each new one as it lands."""
    cursor = query.after_cursor
    quiet = _Quiet(pacing.heartbeat_secs)
    while True:
        page = TimelineQuery(after_cursor=cursor, limit=query.limit, filters=query.filters)
        events = await pacing.read(partial(_events_after, db, run_pk, run_key, page))
        for event in events:
            cursor = event["cursor"]
            yield None, execution_view(event) if compat else event
        if events:
            quiet.spoke()
        elif quiet.due():
            yield "heartbeat", {}
        if len(events) < query.limit:
            await pacing.sleep(pacing.poll_secs)


async def ticks(
    market: WorkerMarket, instruments: Sequence[Instrument], mode: TickMode, *, pacing: Pacing
) -> AsyncIterator[Event]:
    """A quotes snapshot, then ``ticks`` with every instrument whose last tick is newer."""
    seen = {i.key: market.last_tick(i.key) for i in instruments}  # before the snapshot: no gap
    now, feed = market.now(), market.feed()
    entries, missing = [], []
    for instrument in instruments:
        tick = seen[instrument.key]
        if tick is None:
            missing.append(instrument.key)
        else:
            entries.append(quote_view(instrument, tick, mode, now, market.stale_after, feed=feed))
    yield "snapshot", {"quotes": entries, "missing": missing}
    quiet = _Quiet(pacing.heartbeat_secs)
    while True:
        await pacing.sleep(pacing.poll_secs)
        fresh = []
        now, feed = market.now(), market.feed()
        for instrument in instruments:
            tick = market.last_tick(instrument.key)
            # A model-priced option is a new object at each read: compare the values too.
            if (
                tick is not None
                and tick is not seen[instrument.key]
                and tick != seen[instrument.key]
            ):
                seen[instrument.key] = tick
                fresh.append(quote_view(instrument, tick, mode, now, market.stale_after, feed=feed))
        if fresh:
            quiet.spoke()
            yield "ticks", {"ticks": fresh}
        elif quiet.due():
            yield "heartbeat", {}


async def candle(
    market: WorkerMarket, instrument: Instrument, interval: str, *, pacing: Pacing
) -> AsyncIterator[Event]:
    """The latest candles (``snapshot``), then the forming candle each time it changes."""
    first = await asyncio.to_thread(candles.recent_of, market, instrument, interval, 1)
    yield "snapshot", first
    last = first["current"]
    quiet = _Quiet(pacing.heartbeat_secs)
    while True:
        await pacing.sleep(pacing.poll_secs)
        now = await asyncio.to_thread(candles.recent_of, market, instrument, interval, 1)
        current = now["current"]
        if current is not None and current != last:
            last = current
            quiet.spoke()
            yield (
                "candle",
                {
                    "symbol": instrument.key,
                    "instrument_token": instrument.instrument_token,
                    "interval": interval,
                    "candle": current,
                },
            )
        elif quiet.due():
            yield "heartbeat", {}
