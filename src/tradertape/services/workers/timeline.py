"""A run's timeline: execution, decision and protection events, paged by cursor.

Events are written in the transaction of the change they describe, under the run's
lock (see `WorkerEvent`). Workers add decision events; the backend adds the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, insert, select
from sqlalchemy.orm import Session

from tradertape.db.models import Order, WorkerEvent, WorkerRun, WorkerRunOrder, WorkerToken
from tradertape.db.prepared import Prepared
from tradertape.db.rows import fresh, table_of, value_keys
from tradertape.errors import Rejected
from tradertape.services.workers.access import check_nonce, locked_run
from tradertape.services.workers.context import WorkerContext
from tradertape.services.workers.views import account_id, iso

EVENT_KINDS = ("execution", "decision", "protection")
_EVENTS = table_of(WorkerEvent)
_NEW_EVENT = Prepared(insert(_EVENTS).returning(_EVENTS.c.id), keys=value_keys(WorkerEvent))
DEFAULT_LIMIT = 200
MAX_LIMIT = 1000


def record(
    db: Session,
    run: WorkerRun,
    *,
    kind: str,
    source: str,
    event_type: str,
    now: datetime,
    summary: str | None = None,
    payload: dict[str, Any] | None = None,
    related: tuple[str, str] | None = None,
    basket_execution_id: str | None = None,
) -> WorkerEvent:
    """Add an event to the run's timeline (written, not committed); returns it detached.

    One Core INSERT: a unit-of-work flush of the event would cost more than the insert.
    """
    values = {
        "run_pk": run.id,
        "account_id": account_id(run),
        "basket_execution_id": basket_execution_id,
        "event_kind": kind,
        "event_source": source,
        "event_type": event_type,
        "related_resource_type": related[0] if related else None,
        "related_resource_id": related[1] if related else None,
        "summary": summary,
        "payload": payload or {},
        "created_at": now,
    }
    event = fresh(WorkerEvent, values)
    event.id = _NEW_EVENT.scalar(db, values)
    return event


def event_dict(event: WorkerEvent, run_key: str) -> dict[str, Any]:
    """An event in the contract's shape (every key the SDK's strict model declares)."""
    return {
        "cursor": event.id,
        "strategy_run_id": run_key,
        "account_id": event.account_id,
        "basket_execution_id": event.basket_execution_id,
        "event_kind": event.event_kind,
        "event_source": event.event_source,
        "event_type": event.event_type,
        "related_resource_type": event.related_resource_type,
        "related_resource_id": event.related_resource_id,
        "summary": event.summary,
        "payload": event.payload,
        "created_at": iso(event.created_at),
    }


@dataclass(frozen=True, slots=True)
class TimelineQuery:
    """Which events, after which cursor, how many."""

    after_cursor: int = 0
    limit: int = DEFAULT_LIMIT
    filters: dict[str, str] = field(default_factory=dict)  # column name → value


def _query(run: WorkerRun, query: TimelineQuery) -> Select[WorkerEvent]:
    statement = select(WorkerEvent).where(
        WorkerEvent.run_pk == run.id, WorkerEvent.id > query.after_cursor
    )
    for column, value in query.filters.items():
        statement = statement.where(getattr(WorkerEvent, column) == value)
    return statement.order_by(WorkerEvent.id).limit(query.limit)


def page(db: Session, run: WorkerRun, query: TimelineQuery) -> dict[str, Any]:
    """``{strategy_run_id, after_cursor, last_cursor, events}``, oldest first."""
    events = list(db.scalars(_query(run, query)))
    return {
        "strategy_run_id": run.run_key,
        "after_cursor": query.after_cursor,
        "last_cursor": max([query.after_cursor, *(e.id for e in events)]),
        "events": [event_dict(e, run.run_key) for e in events],
    }


@dataclass(frozen=True, slots=True)
class Decision:
    """A worker's decision, from either accepted request shape, ready to store."""

    event_type: str
    summary: str
    payload: dict[str, Any]
    related: tuple[str, str] | None = None
    basket_execution_id: str | None = None


def _related_exists(db: Session, run: WorkerRun, kind: str, ref: str) -> bool:
    if kind == "order":
        linked = (
            select(WorkerRunOrder.id)
            .join(Order, Order.id == WorkerRunOrder.order_pk)
            .where(WorkerRunOrder.run_pk == run.id, Order.order_id == ref)
        )
        return bool(db.scalar(select(exists(linked))))
    if kind == "basket_execution":
        basket = select(WorkerEvent.id).where(
            WorkerEvent.run_pk == run.id, WorkerEvent.basket_execution_id == ref
        )
        return bool(db.scalar(select(exists(basket))))
    return False  # brackets and live execution links do not exist on this server yet


def log_decision(
    workers: WorkerContext,
    db: Session,
    token: WorkerToken,
    run_key: str,
    *,
    nonce: str | None,
    decision: Decision,
) -> dict[str, Any]:
    """Store a decision event (commits); a claimed run takes no nonce, never a wrong one."""
    run = locked_run(db, token, run_key)
    check_nonce(run, nonce, missing_ok=True)
    refs = [decision.related] if decision.related else []
    if decision.basket_execution_id:
        refs.append(("basket_execution", decision.basket_execution_id))
    for kind, ref in refs:
        if not _related_exists(db, run, kind, ref):
            raise Rejected(
                422,
                "UNKNOWN_RELATED_REF",
                f"no {kind} '{ref}' belongs to this run",
                strategy_run_id=run.run_key,
            )
    event = record(
        db,
        run,
        kind="decision",
        source="worker",
        event_type=decision.event_type,
        now=workers.clock.now(),
        summary=decision.summary,
        payload=decision.payload,
        related=decision.related,
        basket_execution_id=decision.basket_execution_id,
    )
    db.commit()
    return event_dict(event, run.run_key)
